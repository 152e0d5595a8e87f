"""Fetching a URL from outside: the one way the project does it (issue 13, "Safety").

Only http and https, no credentials in the address, and never a private, loopback (unless
settings.ALLOW_LOOPBACK), link-local, multicast, reserved or otherwise non-public address. A host name is
resolved once, by requests-hardened's adapter, which connects to the very address it checked; this module
adds its stricter rules on that same address, before any connection, for the first request and every
redirect. Limits: the decoded body's size (CAPTURE_MAX_BYTES), the time to connect and the whole fetch's
wall-clock time (a deadline that cuts a slow DNS lookup and a slow drip too), and the number of redirects.
"""

import contextlib
import http.client
import ipaddress
import logging
import math
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from urllib.parse import SplitResult, urljoin, urlsplit

import idna
import requests
from django.conf import settings
from django.utils import timezone
from requests.utils import requote_uri
from requests_hardened import Config, Manager
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES, InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

logger = logging.getLogger(__name__)

SCHEMES = ("http", "https")
# A redirect's own body is kept for the WARC, up to this much; the rest is not read.
REDIRECT_BODY_MAX = 64 * 1024
CHUNK_SIZE = 64 * 1024
ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"
CGNAT = ipaddress.ip_network("100.64.0.0/10")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(ValueError):
    """A URL this module will not fetch. `code` is one of refused_scheme, refused_credentials,
    refused_address; str(error) says why."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code


@dataclass
class Hop:
    """One request and its response, as exchanged: what the WARC keeps."""

    url: str
    status: int
    reason: str
    http_version: str
    request_headers: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes
    at: datetime
    # WARC-Truncated: "" when the body is whole, else "length" (cut at the cap) or "time" / "disconnect".
    truncated: str = ""
    ip_address: str = ""  # the address the response came from, when known (WARC-IP-Address)


@dataclass
class Fetched:
    url: str
    final_url: str
    hops: list[Hop]
    status: int | None
    content_type: str
    charset: str | None
    body: bytes
    started_at: datetime
    elapsed: float
    error_code: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        """A whole response arrived and its status is not an error (below 400)."""
        return not self.error_code and self.status is not None and self.status < 400


def user_agent() -> str:
    return f"factcheck-archiver/1 (+{settings.SITE_URL})"


def address_problem(ip: Address, *, allow_loopback: bool) -> str:
    """Why `ip` may not be fetched ("a private address"), or "" when it is a public address."""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "" if allow_loopback else "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip in CGNAT:
        return "a shared (CG-NAT) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or (ip.version == 6 and ip.is_site_local):
        return "a reserved address"
    if any(ip in net for net in EXTRA_BLOCKED_NET_RANGES) or not ip.is_global:
        return "not a public address"
    return ""


def check_url(url: str) -> None:
    """Refuse, without DNS or network, what is never fetched: another scheme, credentials, an empty or
    malformed host, an IP address that is not public, an IP address in an unusual form (2130706433,
    0x7f.1), and localhost unless loopback is allowed. Raises Refused."""
    parts = _split(url)
    scheme = parts.scheme.lower()
    if not scheme:
        raise Refused("refused_scheme", "an address must start with http:// or https://")
    if scheme not in SCHEMES:
        raise Refused("refused_scheme", f"only http and https addresses are fetched, not {scheme}")
    if "@" in parts.netloc:
        raise Refused("refused_credentials", "an address with a user name or password is not fetched")
    host = _ascii_host(parts)
    allow_loopback = settings.ALLOW_LOOPBACK
    if host == "localhost" or host.endswith(".localhost"):
        if not allow_loopback:
            raise Refused("refused_address", f"{host} is a loopback address")
        return
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is None:
        try:
            socket.inet_aton(host)
        except OSError:
            return
        raise Refused("refused_address", f"{host} is an IP address in an unusual form: write it as a.b.c.d")
    if problem := address_problem(ip, allow_loopback=allow_loopback):
        raise Refused("refused_address", f"{ip} is {problem}")


def _split(url: str) -> SplitResult:
    if not isinstance(url, str) or not url.strip():
        raise Refused("refused_scheme", "no address")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError as exc:
        raise Refused("refused_address", f"not a valid address: {exc}") from None
    return parts


def _ascii_host(parts: SplitResult) -> str:
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused("refused_address", "the address has no host name")
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii").lower()
    except idna.IDNAError:
        raise Refused("refused_address", f"{host} is not a valid host name") from None


def _watched(pool_class: type[HTTPConnectionPool], adapter: "_GuardedAdapter") -> type[HTTPConnectionPool]:
    class WatchedPool(pool_class):
        def _new_conn(self):
            connection = super()._new_conn()
            connect = connection.connect

            def connect_and_watch():
                connect()
                adapter.watch(connection.sock)

            connection.connect = connect_and_watch
            return connection

    return WatchedPool


class _GuardedAdapter(IPFilterAdapter):
    """requests-hardened's adapter (resolve once, check, connect to the checked address) with this module's
    stricter rules on that address, and the sockets it opened, for the deadline to cut."""

    def __init__(self, *, is_https_proto: bool, allow_loopback: bool):
        self.sockets: list[socket.socket] = []
        self.aborted = False
        self.deadline, self.time_limit = math.inf, math.inf  # when the fetch must be done by, and its limit (_Fetch)
        self.last_address = ""
        self.lock = threading.Lock()
        super().__init__(is_https_proto=is_https_proto, allow_loopback=allow_loopback)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _watched(HTTPConnectionPool, self),
            "https": _watched(HTTPSConnectionPool, self),
        }

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host = urlsplit(request.url).hostname or ""
        try:
            host_params, pool_kwargs = self._resolved(host, super().build_connection_pool_key_attributes)(
                request, verify, cert
            )
        except InvalidIPAddress as exc:
            raise Refused("refused_address", self._refusal(host, exc.args[0])) from None
        ip = ipaddress.ip_address(host_params["host"].strip("[]"))
        if address_problem(ip, allow_loopback=self._allow_loopback):
            raise Refused("refused_address", self._refusal(host, ip))
        self.last_address = str(ip)
        return host_params, pool_kwargs

    def _resolved(self, host: str, resolve):
        """`resolve` (which looks the name up in DNS) run in a thread of its own, waited for until the deadline: a
        lookup cannot be interrupted, so a slow one is left behind rather than let past the fetch's time limit."""

        def within_deadline(*args):
            answer: dict = {}

            def run():
                try:
                    answer["value"] = resolve(*args)
                except BaseException as exc:  # handed to the caller's thread
                    answer["error"] = exc

            lookup = threading.Thread(target=run, daemon=True, name=f"dns {host}")
            lookup.start()
            lookup.join(max(self.deadline - time.monotonic(), 0.0))
            if lookup.is_alive():
                raise _Stop("timeout", f"{host} did not resolve within {self.time_limit:g} s (DNS)")
            if "error" in answer:
                raise answer["error"]
            return answer["value"]

        return within_deadline

    def _refusal(self, host: str, ip: Address) -> str:
        problem = address_problem(ip, allow_loopback=self._allow_loopback) or "not a public address"
        if host.strip("[]") == str(ip):
            return f"{ip} is {problem}"
        return f"{host} resolves to {ip}, {problem}"

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self.lock:
            self.sockets.append(sock)
            if self.aborted:
                _shut(sock)

    def abort(self) -> None:
        """Shut every socket down, which wakes a read blocked on it at once."""
        with self.lock:
            self.aborted = True
            for sock in self.sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Stop(Exception):  # noqa: N818
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code


def fetch(
    url: str,
    *,
    max_bytes: int | None = None,
    connect_timeout: float | None = None,
    timeout: float | None = None,
    max_redirects: int | None = None,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    follow_redirects: bool = True,
    cut_body: bool = False,
    agent: str | None = None,
) -> Fetched:
    """GET `url`, following redirects one by one, each checked before it is connected to. Never raises for
    what the URL or the remote side does: a refusal or failure is `error_code` and `error`.

    `headers` are added to the request (an Accept replaces ours) and sent only to url's own origin (scheme, host
    and port): a redirect elsewhere does not carry a credential along.
    For a webhook: `method` "POST" with `body`;
    follow_redirects=False answers a redirect as the final response; cut_body=True cuts a body larger than max_bytes
    there (the hop says truncated="length") instead of making it the error too_large; `agent` (a User-Agent) names
    the caller (the archiver by default). The address rules, the deadline and the size cap are the same.

    status and final_url are those of the last response that arrived (a redirect, when the next hop was
    refused or one too many); body is the final response's decoded body, cut at max_bytes when too_large
    (the hop says truncated="length"), empty when the fetch ended on a redirect."""
    run = _Fetch(
        max_bytes=settings.CAPTURE_MAX_BYTES if max_bytes is None else max_bytes,
        connect_timeout=settings.CAPTURE_CONNECT_TIMEOUT if connect_timeout is None else connect_timeout,
        timeout=settings.CAPTURE_TIMEOUT if timeout is None else timeout,
        max_redirects=settings.CAPTURE_MAX_REDIRECTS if max_redirects is None else max_redirects,
        headers=headers,
        method=method,
        body=body,
        follow_redirects=follow_redirects,
        cut_body=cut_body,
        agent=agent,
    )
    return run.fetch(url)


class _Fetch:
    def __init__(
        self,
        *,
        max_bytes: int,
        connect_timeout: float,
        timeout: float,
        max_redirects: int,
        headers: dict[str, str] | None = None,
        method: str = "GET",
        body: bytes | None = None,
        follow_redirects: bool = True,
        cut_body: bool = False,
        agent: str | None = None,
    ):
        self.max_bytes = max_bytes
        self.headers = dict(headers or {})
        self.method, self.body = method, body
        self.follow_redirects, self.cut_body = follow_redirects, cut_body
        self.agent = agent or user_agent()
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.expired = threading.Event()
        self.deadline = 0.0
        self.current = ""

    def fetch(self, url: str) -> Fetched:
        result = Fetched(
            url=url,
            final_url="",
            hops=[],
            status=None,
            content_type="",
            charset=None,
            body=b"",
            started_at=timezone.now(),
            elapsed=0.0,
        )
        start = time.monotonic()
        self.deadline = start + self.timeout
        allow_loopback = settings.ALLOW_LOOPBACK
        session = Manager(
            Config(
                ip_filter_enable=True,
                ip_filter_allow_loopback_ips=allow_loopback,
                never_redirect=True,
                default_timeout=(self.connect_timeout, self.timeout),
                user_agent_override=self.agent or user_agent(),
            )
        ).get_session()
        session.trust_env = False  # no proxy or .netrc credentials from the environment
        adapters = []
        for prefix, https in (("http://", False), ("https://", True)):
            adapters.append(_GuardedAdapter(is_https_proto=https, allow_loopback=allow_loopback))
            adapters[-1].deadline, adapters[-1].time_limit = self.deadline, self.timeout
            session.mount(prefix, adapters[-1])

        def expire():
            self.expired.set()
            for adapter in adapters:
                adapter.abort()

        timer = threading.Timer(self.timeout, expire)
        timer.daemon = True
        timer.start()
        try:
            self._follow(session, url, result)
        except Exception as exc:  # anything the URL or the remote side does ends as an error code
            result.error_code, result.error = self._failure(exc)
        finally:
            timer.cancel()
            session.close()
            result.elapsed = time.monotonic() - start
        return result

    def _follow(self, session: requests.Session, url: str, result: Fetched) -> None:
        self.current = url
        origin = None
        for redirects in range(self.max_redirects + 1):
            check_url(self.current)
            origin = origin or _origin(self.current)  # the first address's, once it is known to be one
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise _Stop("timeout", f"no complete answer within {self.timeout:g} s")
            headers = {"Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
            if self.headers and _origin(self.current) == origin:
                headers.update(self.headers)
            request = session.prepare_request(
                requests.Request(self.method, self.current, headers=headers, data=self.body)
            )
            response = session.send(
                request,
                stream=True,
                allow_redirects=False,
                timeout=(min(self.connect_timeout, remaining), remaining),
            )
            if self.expired.is_set():  # headers cut short by the deadline look complete to http.client
                response.close()
                raise _Stop("timeout", f"no complete answer within {self.timeout:g} s")
            with response:
                hop = Hop(
                    url=response.url,
                    status=response.status_code,
                    reason=response.reason or "",
                    http_version=getattr(response.raw, "version_string", "") or "HTTP/1.1",
                    request_headers=[(str(k), str(v)) for k, v in response.request.headers.items()],
                    headers=[(str(k), str(v)) for k, v in response.raw.headers.items()],
                    body=b"",
                    at=timezone.now(),
                    ip_address=session.get_adapter(response.url).last_address,
                )
                result.hops.append(hop)
                result.final_url, result.status = hop.url, hop.status
                target = session.get_redirect_target(response) if self.follow_redirects else None
                if target is None:
                    result.content_type, result.charset = media_type(response.headers.get("Content-Type", ""))
                    try:
                        self._read(response, hop, limit=self.max_bytes, cut_is_error=not self.cut_body)
                    finally:
                        result.body = hop.body
                    return
                try:
                    self._read(response, hop, limit=REDIRECT_BODY_MAX, cut_is_error=False)
                except (requests.RequestException, OSError, http.client.HTTPException):
                    if self._late():
                        raise  # else a redirect's broken body does not stop the redirect, as in a browser
            self.current = urljoin(hop.url, requote_uri(target))
            if redirects == self.max_redirects:
                loop = " (a redirect loop)" if any(h.url == self.current for h in result.hops) else ""
                raise _Stop("too_many_redirects", f"more than {self.max_redirects} redirects{loop}")

    def _read(self, response: requests.Response, hop: Hop, *, limit: int, cut_is_error: bool) -> None:
        """Stream the decoded body into hop.body, stopping at `limit` (urllib3 decompresses at most one
        chunk at a time, so a compressed bomb never grows past it in memory)."""
        body = bytearray()
        try:
            for chunk in response.iter_content(CHUNK_SIZE):
                room = limit - len(body)
                if len(chunk) > room:
                    body += chunk[:room]
                    hop.truncated = "length"
                    if cut_is_error:
                        raise _Stop("too_large", f"larger than {_size(limit)}")
                    return
                body += chunk
        except _Stop:
            raise
        except Exception:
            hop.truncated = "time" if self._late() else "disconnect"
            raise
        finally:
            hop.body = bytes(body)
        if self.expired.is_set():  # a body read until the connection closes ends quietly when it is cut
            hop.truncated = "time"
            raise _Stop("timeout", f"no complete answer within {self.timeout:g} s")

    def _late(self) -> bool:
        return self.expired.is_set() or time.monotonic() >= self.deadline

    def _failure(self, exc: Exception) -> tuple[str, str]:
        causes = list(_causes(exc))
        for cause in causes:  # requests wraps a refusal from the adapter in InvalidURL
            if isinstance(cause, Refused | _Stop):
                return cause.code, str(cause)
        if self._late():
            return "timeout", f"no complete answer within {self.timeout:g} s"
        innermost = causes[-1]
        parts = urlsplit(self.current)
        host = parts.netloc
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return "timeout", f"no connection to {host} within {self.connect_timeout:g} s"
        if isinstance(exc, requests.exceptions.Timeout):
            return "timeout", f"no answer within {self.timeout:g} s"
        if any(isinstance(c, socket.gaierror) for c in causes):
            return "dns", f"{parts.hostname} has no address (DNS)"
        if isinstance(exc, requests.exceptions.SSLError):
            return "connection", f"no secure connection to {host}: {_short(innermost)}"
        if any(isinstance(c, ConnectionRefusedError) for c in causes):
            return "connection", f"{host} refused the connection"
        if isinstance(exc, requests.exceptions.InvalidSchema):
            return "refused_scheme", f"not an http or https address: {_short(exc)}"
        if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidHeader | ValueError):
            return "refused_address", f"not a valid address: {_short(exc)}"
        if isinstance(exc, requests.exceptions.ContentDecodingError):
            return "bad_response", f"the body could not be decoded: {_short(innermost)}"
        if isinstance(exc, requests.exceptions.ChunkedEncodingError) or any(
            isinstance(c, http.client.HTTPException) for c in causes
        ):
            return "bad_response", f"not a valid HTTP answer from {host}: {_short(innermost)}"
        if isinstance(exc, requests.RequestException | OSError):
            return "connection", f"the connection to {host} failed: {_short(innermost)}"
        logger.exception("fetching %s failed unexpectedly", self.current)
        return "bad_response", f"the answer could not be read: {_short(exc)}"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(scheme)


def _causes(exc: BaseException):
    """The exception and what it wraps (causes, contexts, exceptions in its args, urllib3's reason)."""
    seen, todo = set(), [exc]
    while todo and len(seen) < 20:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        related = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        todo.extend(e for e in related if isinstance(e, BaseException))


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _size(n: int) -> str:
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= factor:
            return f"{n / factor:.3g} {unit}"
    return f"{n} bytes"


def media_type(content_type: str) -> tuple[str, str | None]:
    """("text/html", "utf-8") from a Content-Type header: the media type in lower case without parameters
    ("" when there is none or it is malformed) and the charset, if any."""
    if not content_type or not content_type.strip():
        return "", None
    message = Message()
    message["Content-Type"] = content_type
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind.count("/") != 1 or " " in kind:
        kind = ""
    charset = message.get_content_charset()
    return kind, charset or None

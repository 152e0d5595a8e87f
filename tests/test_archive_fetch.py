"""archive/fetch.py and archive/warc.py against real servers on 127.0.0.1 (tests/pages_server.py).

Every refusal is checked to happen before any connection: `connections` records each socket connect."""

import gzip
import hashlib
import ipaddress
import socket
import time
import tracemalloc
from datetime import datetime
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
import requests.adapters
from warcio.archiveiterator import ArchiveIterator

from archive.fetch import Refused, check_url, fetch, media_type
from archive.warc import read_final_body, to_warc
from tests.pages_server import Page, pdf_bytes, png_bytes

ARTICLE = "<!doctype html><html><head><title>Leak</title></head><body><p>Artists leaked Sora.</p></body></html>"


@pytest.fixture
def connections(monkeypatch):
    """Every address a socket connects to during the test."""
    seen = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        seen.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


@pytest.fixture
def resolve(monkeypatch):
    """resolve(name, address): make the name resolve to the address, as a DNS answer would."""
    names = {}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            address = names[host]
            if address is None:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            if ":" in address:
                return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port or 80, 0, 0))]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 80))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names.__setitem__


# A page


def test_a_page_is_fetched_with_its_exchange(pages, connections, settings):
    url = pages.add("/article", body=ARTICLE, headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])

    fetched = fetch(url)

    assert fetched.ok and fetched.error_code == "" and fetched.error == ""
    assert (fetched.status, fetched.final_url, fetched.url) == (200, url, url)
    assert (fetched.content_type, fetched.charset) == ("text/html", "utf-8")
    assert fetched.body == ARTICLE.encode()
    assert fetched.started_at.tzinfo is not None and fetched.elapsed > 0
    [hop] = fetched.hops
    assert (hop.url, hop.status, hop.reason, hop.http_version, hop.body) == (url, 200, "OK", "HTTP/1.1", fetched.body)
    assert ("Set-Cookie", "a=1") in hop.headers and ("Set-Cookie", "b=2") in hop.headers
    assert hop.ip_address == "127.0.0.1"
    agent = f"factcheck-archiver/1 (+{settings.SITE_URL})"
    assert dict(hop.request_headers)["User-Agent"] == agent
    [(path, headers)] = pages.hits
    assert path == "/article" and headers["User-Agent"] == agent and "gzip" in headers["Accept-Encoding"]
    assert {address[0] for address in connections} == {"127.0.0.1"}


def test_an_error_status_is_a_response_not_a_fetch_error(pages):
    fetched = fetch(pages.url("/missing"))

    assert (fetched.status, fetched.error_code, fetched.body) == (404, "", b"not found")
    assert not fetched.ok


def test_redirects_are_followed_one_by_one_and_recorded(pages):
    pages.add("/old", status=301, location="/middle", body="moved")
    pages.add("/middle", status=302, location=pages.url("/new/"), body="")
    new = pages.add("/new/", body=ARTICLE)

    fetched = fetch(pages.url("/old"))

    assert fetched.ok and fetched.final_url == new and fetched.body == ARTICLE.encode()
    assert [(hop.url, hop.status) for hop in fetched.hops] == [
        (pages.url("/old"), 301),
        (pages.url("/middle"), 302),
        (new, 200),
    ]
    assert fetched.hops[0].body == b"moved" and ("Location", "/middle") in fetched.hops[0].headers
    assert pages.paths == ["/old", "/middle", "/new/"]


def test_endless_redirects_end_after_the_maximum(pages):
    def next_one(path):
        n = int(parse_qs(urlsplit(path).query).get("n", ["0"])[0])
        return Page(status=302, location=f"/endless?n={n + 1}")

    pages.add("/endless", next_one)

    fetched = fetch(pages.url("/endless"), max_redirects=3)

    assert fetched.error_code == "too_many_redirects" and fetched.error == "more than 3 redirects"
    assert [hop.status for hop in fetched.hops] == [302, 302, 302, 302]
    assert len(pages.hits) == 4 and not fetched.ok


def test_a_redirect_loop_is_named(pages):
    pages.add("/a", status=302, location="/b")
    pages.add("/b", status=302, location="/a")

    fetched = fetch(pages.url("/a"), max_redirects=5)

    assert fetched.error_code == "too_many_redirects" and "redirect loop" in fetched.error


# Refused before any connection

REFUSED = [
    ("ftp://example.com/file", "refused_scheme"),
    ("file:///etc/passwd", "refused_scheme"),
    ("javascript:alert(1)", "refused_scheme"),
    ("gopher://127.0.0.1:6379/_INFO", "refused_scheme"),
    ("example.com/no-scheme", "refused_scheme"),
    ("", "refused_scheme"),
    ("http://user:secret@example.com/", "refused_credentials"),
    ("http://user@example.com/", "refused_credentials"),
    ("http:///just-a-path", "refused_address"),
    ("http://example.com:http/", "refused_address"),
    ("http://10.0.0.1/", "refused_address"),
    ("http://172.16.5.4:8080/", "refused_address"),
    ("http://192.168.1.1/", "refused_address"),
    ("http://169.254.169.254/latest/meta-data/", "refused_address"),
    ("http://[fe80::1]/", "refused_address"),
    ("http://[fe80::1%25eth0]/", "refused_address"),
    ("http://0.0.0.0/", "refused_address"),
    ("http://[::]/", "refused_address"),
    ("http://224.0.0.1/", "refused_address"),
    ("http://[ff02::1]/", "refused_address"),
    ("http://240.0.0.1/", "refused_address"),
    ("http://255.255.255.255/", "refused_address"),
    ("http://100.64.0.1/", "refused_address"),
    ("http://[fc00::1]/", "refused_address"),
    ("http://[fec0::1]/", "refused_address"),
    ("http://[::ffff:10.0.0.1]/", "refused_address"),
    ("http://[::ffff:169.254.169.254]/", "refused_address"),
    ("http://[::10.0.0.1]/", "refused_address"),
    ("http://[64:ff9b::a00:1]/", "refused_address"),
    ("http://[2002:a00:1::]/", "refused_address"),
    ("http://2130706433/", "refused_address"),
    ("http://0x7f.1/", "refused_address"),
    ("http://0177.0.0.1/", "refused_address"),
    ("http://10.1/", "refused_address"),
    ("http://0xa9fea9fe/", "refused_address"),
]
REFUSED_LOOPBACK = ["http://127.0.0.1/", "http://127.8.9.10:8000/", "http://[::1]/", "http://localhost/",
                    "http://app.localhost/", "http://[::ffff:127.0.0.1]/", "http://１２７.０.０.１/"]  # fmt: skip


@pytest.mark.parametrize(("url", "code"), REFUSED)
def test_unsafe_urls_are_refused_without_a_connection(url, code, connections, monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: pytest.fail("no DNS lookup for a refused URL"))
    with pytest.raises(Refused) as refused:
        check_url(url)
    assert refused.value.code == code and str(refused.value)

    fetched = fetch(url, timeout=1)

    assert (fetched.error_code, fetched.error) == (code, str(refused.value))
    assert (fetched.status, fetched.hops, fetched.final_url, fetched.body) == (None, [], "", b"")
    assert connections == []


def test_refusals_say_why():
    reasons = {}
    for url in ("http://10.0.0.1/", "http://169.254.169.254/", "http://0x7f.1/", "ftp://x/", "http://u:p@x/"):
        with pytest.raises(Refused) as refused:
            check_url(url)
        reasons[url] = str(refused.value)
    assert reasons == {
        "http://10.0.0.1/": "10.0.0.1 is a private address",
        "http://169.254.169.254/": "169.254.169.254 is a link-local address",
        "http://0x7f.1/": "0x7f.1 is an IP address in an unusual form: write it as a.b.c.d",
        "ftp://x/": "only http and https addresses are fetched, not ftp",
        "http://u:p@x/": "an address with a user name or password is not fetched",
    }


@pytest.mark.parametrize("url", REFUSED_LOOPBACK)
def test_loopback_is_refused_unless_allowed(url, settings, connections):
    settings.ALLOW_LOOPBACK = False
    with pytest.raises(Refused) as refused:
        check_url(url)
    assert refused.value.code == "refused_address" and "loopback" in str(refused.value)
    assert fetch(url, timeout=1).error_code == "refused_address"

    settings.ALLOW_LOOPBACK = True
    check_url(url)
    assert connections == []


def test_the_local_server_is_refused_when_loopback_is_not_allowed(pages, settings, connections):
    settings.ALLOW_LOOPBACK = False
    fetched = fetch(pages.add("/a", body=ARTICLE))

    assert (fetched.error_code, fetched.error) == ("refused_address", "127.0.0.1 is a loopback address")
    assert pages.hits == [] and connections == []


@pytest.mark.parametrize("url", ["https://example.com/a?b=c", "http://8.8.8.8/", "http://[2606:4700::1111]:8443/",
                                 "HTTPS://Example.COM./", "http://bücher.example/"])  # fmt: skip
def test_public_addresses_pass_the_static_check(url):
    check_url(url)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.0.0.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("100.64.1.2", "a shared (CG-NAT) address"),
        ("0.0.0.0", "an unspecified address"),  # noqa: S104
        ("fe80::1", "a link-local address"),
        ("::ffff:169.254.169.254", "a link-local address"),
        ("fec0::1", "a reserved address"),
        ("::10.0.0.1", "a reserved address"),
        ("ff05::2", "a multicast address"),
    ],
)
def test_a_name_resolving_to_an_unsafe_address_is_refused_before_connecting(address, kind, resolve, connections):
    resolve("internal.example.test", address)

    fetched = fetch("http://internal.example.test/admin", timeout=1)

    assert fetched.error_code == "refused_address"
    resolved = ipaddress.ip_address(address.removeprefix("::ffff:"))
    assert fetched.error == f"internal.example.test resolves to {resolved}, {kind}"
    assert connections == [] and fetched.hops == []


def test_a_redirect_to_the_metadata_address_is_refused_before_connecting(pages, connections):
    pages.add("/go", status=302, location="http://169.254.169.254/latest/meta-data/")

    fetched = fetch(pages.url("/go"))

    assert (fetched.error_code, fetched.error) == ("refused_address", "169.254.169.254 is a link-local address")
    assert [(hop.url, hop.status) for hop in fetched.hops] == [(pages.url("/go"), 302)]
    assert {address[0] for address in connections} == {"127.0.0.1"} and len(connections) == 1
    assert not fetched.ok


def test_a_redirect_to_a_name_resolving_to_a_private_address_is_refused(pages, resolve, connections):
    resolve("intranet.example.test", "10.0.0.1")
    pages.add("/go", status=307, location="http://intranet.example.test/secrets")

    fetched = fetch(pages.url("/go"))

    assert fetched.error_code == "refused_address"
    assert fetched.error == "intranet.example.test resolves to 10.0.0.1, a private address"
    assert [address[0] for address in connections] == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("location", "code"),
    [("ftp://example.com/", "refused_scheme"), ("http://user:pw@example.com/", "refused_credentials")],
)
def test_a_redirect_to_another_scheme_or_with_credentials_is_refused(pages, connections, location, code):
    pages.add("/go", status=302, location=location)

    assert fetch(pages.url("/go")).error_code == code
    assert len(connections) == 1


def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to(pages, resolve, connections):
    pages.add("/a", body=ARTICLE)
    resolve("news.example.test", "127.0.0.1")

    fetched = fetch(f"http://news.example.test:{pages.port}/a")

    assert fetched.ok and fetched.body == ARTICLE.encode()
    assert connections == [("127.0.0.1", pages.port)]
    assert pages.hits[0][1]["Host"] == f"news.example.test:{pages.port}"


def test_a_name_that_does_not_resolve_is_a_dns_error(resolve, connections):
    resolve("nowhere.example.test", None)

    fetched = fetch("http://nowhere.example.test/")

    assert (fetched.error_code, fetched.error) == ("dns", "nowhere.example.test has no address (DNS)")
    assert connections == []


def test_a_name_that_resolves_slowly_is_cut_at_the_deadline(monkeypatch, connections):
    def slow_dns(*args, **kwargs):
        time.sleep(5)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", slow_dns)
    started = time.monotonic()
    fetched = fetch("http://slow-dns.example.test/", timeout=0.5)

    assert time.monotonic() - started < 2
    assert (fetched.error_code, fetched.error) == (
        "timeout",
        "slow-dns.example.test did not resolve within 0.5 s (DNS)",
    )
    assert connections == []


def test_https_is_fetched_with_the_certificate_verified(tls_pages, tls_certificate, monkeypatch):
    url = tls_pages.add("/secure", body=ARTICLE)

    untrusted = fetch(url)
    assert untrusted.error_code == "connection" and "certificate verify failed" in untrusted.error

    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", tls_certificate[0])
    trusted = fetch(url)
    assert trusted.ok and trusted.body == ARTICLE.encode() and trusted.final_url == url
    by_name = fetch(url.replace("127.0.0.1", "localhost"))
    assert by_name.ok and by_name.hops[0].ip_address in {"127.0.0.1", "::1"}


def test_the_deadline_cuts_a_slow_drip_over_https(tls_pages, tls_certificate, monkeypatch):
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", tls_certificate[0])
    url = tls_pages.add("/drip", body=b"z" * 400, drip=0.02)

    fetched = fetch(url, timeout=0.5)

    assert fetched.error_code == "timeout" and fetched.status == 200


# Limits
# Limits


def test_a_body_larger_than_the_cap_is_cut_there(pages):
    url = pages.add("/big", body=b"x" * 300_000, content_type="application/octet-stream")

    fetched = fetch(url, max_bytes=64 * 1024)

    assert (fetched.error_code, fetched.error) == ("too_large", "larger than 64 KB")
    assert fetched.body == b"x" * 65536 and fetched.hops[-1].truncated == "length"
    assert fetched.status == 200 and not fetched.ok


def test_a_body_exactly_at_the_cap_is_whole(pages):
    fetched = fetch(pages.add("/exact", body=b"y" * 1000), max_bytes=1000)

    assert fetched.ok and len(fetched.body) == 1000 and fetched.hops[-1].truncated == ""


def test_a_gzipped_page_is_decoded(pages):
    fetched = fetch(pages.add("/gz", body=ARTICLE, gzip=True))

    assert fetched.ok and fetched.body == ARTICLE.encode()
    assert ("Content-Encoding", "gzip") in fetched.hops[0].headers


def test_a_gzip_bomb_ends_too_large_in_bounded_memory(pages):
    bomb = gzip.compress(b"\0" * (32 * 1024 * 1024), compresslevel=9)
    url = pages.add("/bomb", body=bomb, headers=[("Content-Encoding", "gzip")])

    tracemalloc.start()
    try:
        fetched = fetch(url, max_bytes=1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert fetched.error_code == "too_large" and len(fetched.body) == 1024 * 1024
    assert peak < 8 * 1024 * 1024, f"decoding took {peak} bytes"


def test_a_slow_drip_is_cut_at_the_deadline(pages):
    url = pages.add("/drip", body=b"z" * 400, drip=0.02, drip_size=1)

    fetched = fetch(url, timeout=0.5)

    assert (fetched.error_code, fetched.error) == ("timeout", "no complete answer within 0.5 s")
    assert fetched.status == 200 and fetched.hops[-1].truncated == "time"
    assert len(fetched.body) < 400


def test_slowly_dripped_headers_are_cut_at_the_deadline(pages):
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 20) for i in range(40)) + b"\r\n"
    url = pages.add("/slow-headers", raw=head + b"late", drip=0.02, drip_size=3)

    fetched = fetch(url, timeout=0.5)

    assert fetched.error_code == "timeout" and fetched.hops == [] and fetched.status is None


def test_a_server_that_never_answers_times_out(silent_url):
    fetched = fetch(silent_url, timeout=0.5)

    assert fetched.error_code == "timeout" and fetched.error.endswith("within 0.5 s")
    assert (fetched.status, fetched.final_url, fetched.hops) == (None, "", [])


def test_a_page_that_accepts_and_never_answers_times_out(pages):
    fetched = fetch(pages.add("/hang", hang=True), timeout=0.5)

    assert fetched.error_code == "timeout" and fetched.status is None


def test_a_closed_port_is_a_connection_error(closed_url):
    fetched = fetch(closed_url, timeout=1)

    assert fetched.error_code == "connection" and "refused the connection" in fetched.error
    assert fetched.status is None


@pytest.mark.parametrize(
    "raw",
    [
        b"this is not HTTP\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
    ],
)
def test_a_broken_answer_is_a_bad_response(pages, raw):
    fetched = fetch(pages.add("/broken", raw=raw), timeout=2)

    assert fetched.error_code == "bad_response", fetched.error
    assert fetched.error


def test_a_redirect_with_a_broken_body_is_still_followed(pages):
    pages.add("/go", raw=b"HTTP/1.1 302 Found\r\nLocation: /there\r\nContent-Length: 100\r\n\r\nshort")
    there = pages.add("/there", body=ARTICLE)

    fetched = fetch(pages.url("/go"))

    assert fetched.ok and fetched.final_url == there
    assert fetched.hops[0].status == 302 and fetched.hops[0].truncated == "disconnect"


@pytest.mark.parametrize(
    "url",
    ["http://[::1", "http://exa mple.com/", "http://example.com:99999/", "http://a..b/", "http://-x-.test/",
     "http://" + "a" * 300 + ".test/", "https://\u2028.test/", "http://example.test/\r\nX-Injected: 1", None, 42],
)  # fmt: skip
def test_malformed_addresses_are_errors_not_exceptions(url, monkeypatch, connections):
    def no_such_name(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)

    fetched = fetch(url, timeout=1)

    assert fetched.error_code in {"refused_scheme", "refused_address", "dns"}, fetched.error
    assert fetched.error and connections == []


def test_binary_bodies_are_kept_as_they_are(pages):
    pdf, png = pdf_bytes("A report"), png_bytes()
    pages.add("/report.pdf", body=pdf, content_type="application/pdf")
    pages.add("/image", body=png, content_type="image/png")

    fetched_pdf, fetched_png = fetch(pages.url("/report.pdf")), fetch(pages.url("/image"))

    assert (fetched_pdf.content_type, fetched_pdf.body) == ("application/pdf", pdf)
    assert (fetched_png.content_type, fetched_png.body) == ("image/png", png)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("text/html; charset=UTF-8", ("text/html", "utf-8")),
        ('Application/PDF; name="x.pdf"', ("application/pdf", None)),
        ("text/plain;charset=ISO-8859-1;format=flowed", ("text/plain", "iso-8859-1")),
        ("", ("", None)),
        ("nonsense", ("", None)),
    ],
)
def test_media_type(header, expected):
    assert media_type(header) == expected


# The WARC


def test_the_warc_holds_each_exchange_and_the_body_read_back_has_the_same_sha256(pages):
    pages.add("/old", status=301, location="/new", body="see /new")
    pages.add("/new", body=ARTICLE * 20, gzip=True)
    fetched = fetch(pages.url("/old"))
    assert fetched.ok

    data = to_warc(fetched, extra_info={"demo stand-in": True})

    records = list(_records(data))
    assert [r["type"] for r in records] == ["warcinfo", "request", "response", "request", "response"]
    assert "demo stand-in: true" in records[0]["body"].decode()
    assert "factcheck-archiver/1" in records[0]["body"].decode()
    redirect, final = records[2], records[4]
    assert (redirect["uri"], redirect["status"], redirect["body"]) == (pages.url("/old"), "301", b"see /new")
    assert records[1]["uri"] == redirect["uri"] and records[1]["request_line"] == "GET /old HTTP/1.1"
    assert final["uri"] == pages.url("/new") and final["protocol"] == "HTTP/1.1"
    assert final["headers"]["X-Archive-Orig-Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in final["headers"]
    assert final["headers"]["Content-Length"] == str(len(fetched.body))
    assert final["body"] == fetched.body == (ARTICLE * 20).encode()
    assert hashlib.sha256(read_final_body(data)).hexdigest() == hashlib.sha256(fetched.body).hexdigest()
    assert records[3]["concurrent_to"] == final["id"]


def test_the_warc_dates_each_record_at_its_exchange(pages):
    fetched = fetch(pages.add("/a", body=ARTICLE))

    response = [r for r in _records(to_warc(fetched)) if r["type"] == "response"][0]

    assert datetime.fromisoformat(response["date"].replace("Z", "+00:00")) == fetched.hops[0].at


def test_a_truncated_body_is_marked_in_the_warc(pages):
    fetched = fetch(pages.add("/big", body=b"x" * 5000), max_bytes=1000)

    [response] = [r for r in _records(to_warc(fetched)) if r["type"] == "response"]

    assert response["truncated"] == "length" and response["body"] == b"x" * 1000


def test_no_response_no_warc(closed_url):
    assert to_warc(fetch(closed_url)) is None


def test_a_warc_without_a_response_has_no_final_body():
    with pytest.raises(ValueError, match="no response"):
        read_final_body(b"")


def _records(data: bytes):
    for record in ArchiveIterator(BytesIO(data)):
        http = record.http_headers
        yield {
            "type": record.rec_type,
            "uri": record.rec_headers.get_header("WARC-Target-URI"),
            "date": record.rec_headers.get_header("WARC-Date"),
            "id": record.rec_headers.get_header("WARC-Record-ID"),
            "concurrent_to": record.rec_headers.get_header("WARC-Concurrent-To"),
            "truncated": record.rec_headers.get_header("WARC-Truncated"),
            "request_line": f"{http.protocol} {http.statusline}" if http and record.rec_type == "request" else None,
            "protocol": http.protocol if http else None,
            "status": http.get_statuscode() if http and record.rec_type == "response" else None,
            "headers": dict(http.headers) if http else {},
            "body": record.content_stream().read(),
        }

"""Real HTTP servers on 127.0.0.1 for the tests that fetch (archive/): no test reaches the network.

`pages` is a server whose routes each say what to answer (`Page`): a status, headers, a body, a delay
before answering, a slow drip, a redirect, gzip, raw bytes instead of HTTP, or no answer at all. A route may
also be a function of the request path (an endless chain of redirects). `silent_url` is a port that accepts
connections and never reads or answers; `closed_url` a port where nothing listens; `tls_pages` serves over
HTTPS with a self-signed certificate (`tls_certificate`).

    def test_x(pages):
        url = pages.add("/a", body="<p>hello</p>")
        pages.add("/old", status=301, location="/a")
"""

import gzip
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

# Two versions of a cited page: an article, and the same address after it was replaced.
ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Artists leak Sora</title>
<meta name="author" content="Kylie Robison"><meta property="og:site_name" content="The Example">
<meta property="article:published_time" content="2024-11-26"></head><body><main><article><h1>Artists leak Sora</h1>
<p>A group of artists in the early-access program said on Tuesday that they leaked access to the video model in
protest against how the program treats artists. The company would not confirm whether the leak was authentic.</p>
<p>The company said participation is voluntary, with no obligation to give feedback or use the tool.</p>
</article></main></body></html>"""

REWRITTEN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Paused</title></head><body><main>
<p>This Space has been paused by its owner. Head to the community tab to ask the author to restart it; the files
are still there but its application is not running, and nothing here can be used any more.</p></main></body></html>"""


@dataclass
class Page:
    status: int = 200
    body: bytes | str = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    location: str | None = None  # a Location header (give a 3xx status with it)
    gzip: bool = False  # compress the body and say Content-Encoding: gzip
    delay: float = 0.0  # seconds to wait before the status line
    drip: float = 0.0  # seconds to wait between drip_size pieces of the body (or of `raw`)
    drip_size: int = 1
    raw: bytes | None = None  # sent as is instead of an HTTP response
    hang: bool = False  # read the request, then never answer

    def response_bytes(self) -> tuple[bytes, bytes]:
        """(the status line and headers, the body) as sent."""
        if self.raw is not None:
            return b"", self.raw
        body = self.body.encode() if isinstance(self.body, str) else self.body
        headers = list(self.headers)
        if self.gzip:
            body = gzip.compress(body, compresslevel=6)
            headers.append(("Content-Encoding", "gzip"))
        if self.content_type:
            headers.append(("Content-Type", self.content_type))
        if self.location is not None:
            headers.append(("Location", self.location))
        if not any(name.lower() == "content-length" for name, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        headers.append(("Connection", "close"))
        try:
            reason = HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Whatever"
        head = f"HTTP/1.1 {self.status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        return head.encode("latin-1"), body


Route = Page | Callable[[str], Page]


class PagesServer:
    def __init__(self, *, tls: ssl.SSLContext | None = None):
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, dict[str, str]]] = []  # (path with query, request headers), in order
        self.stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.httpd.pages = self
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def add(self, path: str, route: Route | None = None, **page) -> str:
        """Serve `route` (a Page, a function of the request path, or Page(**page)) at `path`; its URL."""
        self.routes[path] = route if route is not None else Page(**page)
        return self.url(path)

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.hits]

    def close(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        pages: PagesServer = self.server.pages
        pages.hits.append((self.path, dict(self.headers.items())))
        route = pages.routes.get(urlsplit(self.path).path)
        page = route(self.path) if callable(route) else route
        if page is None:
            page = Page(status=404, body="not found", content_type="text/plain")
        self.close_connection = True
        if page.hang:
            pages.stopping.wait()
            return
        if page.delay and pages.stopping.wait(page.delay):
            return
        head, body = page.response_bytes()
        try:
            self.wfile.write(head)
            self.wfile.flush()
            if not page.drip:
                self.wfile.write(body)
                return
            for start in range(0, len(body), page.drip_size):
                self.wfile.write(body[start : start + page.drip_size])
                self.wfile.flush()
                if pages.stopping.wait(page.drip):
                    return
        except OSError:  # the client went away: what the tests of limits expect
            return

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def pages():
    server = PagesServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory) -> tuple[str, str]:
    """(certificate, key) files of a self-signed certificate for 127.0.0.1 and localhost, made by openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(  # noqa: S603
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_pages(tls_certificate):
    """Like `pages`, over HTTPS with the self-signed `tls_certificate` (trust it to fetch)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_certificate)
    server = PagesServer(tls=context)
    yield server
    server.close()


@pytest.fixture
def silent_url():
    """A port that accepts connections (the kernel's backlog) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    sock.close()


@pytest.fixture
def closed_url():
    """A port nothing listens on: connecting is refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/"


def pdf_bytes(*lines: str, title: str = "", author: str = "") -> bytes:
    """A one-page PDF whose text is `lines`, made with pypdf."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
    content = DecodedStreamObject()
    content.set_data(("BT /F1 12 Tf 72 720 Td " + " 0 -16 Td ".join(f"({t}) Tj" for t in escaped) + " ET").encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    metadata = {key: value for key, value in (("/Title", title), ("/Author", author)) if value}
    if metadata:
        writer.add_metadata(metadata)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    """A small PNG image, made with Pillow."""
    out = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()

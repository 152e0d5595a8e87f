"""A webhook receiver on 127.0.0.1 for the tests: it verifies each POST with the `standardwebhooks` package (as a
client would), keeps what came, deduplicates by webhook-id and counts, and answers what the test says.

    def test_x(receiver):
        endpoint = services.endpoint_create(owner=user, url=receiver.url)
        receiver.secret = endpoint.secret
        receiver.answers = [(500, {}, "down")]          # then 200 for the rest
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    verified: bool
    error: str = ""

    @property
    def event(self) -> dict:
        return json.loads(self.body)

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    url: str = ""
    secret: str = ""
    secrets: list[str] = field(default_factory=list)  # others to verify with too (a rotation)
    answers: list[tuple[int, dict, str]] = field(default_factory=list)  # answered in turn, then 200
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, path: str, headers: dict, body: str) -> tuple[int, dict, str]:
        headers = {k.lower(): v for k, v in headers.items()}
        verified, error = False, ""
        for secret in [self.secret, *self.secrets]:
            try:
                Webhook(secret).verify(body, headers)
                verified = True
                break
            except Exception as exc:  # noqa: BLE001 - kept for the test to show
                error = f"{type(exc).__name__}: {exc}"
        with self.lock:
            self.received.append(Received(path, headers, body, verified, error))
            return self.answers.pop(0) if self.answers else (200, {}, "ok")

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.received]

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for r in self.received:
            found[r.id] = found.get(r.id, 0) + 1
        return found


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        status, headers, answer = self.server.receiver.take(self.path, dict(self.headers.items()), body)
        payload = answer.encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.receiver = Receiver(url=f"http://127.0.0.1:{httpd.server_address[1]}/hook")
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd.receiver
    httpd.shutdown()
    httpd.server_close()

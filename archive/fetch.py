"""PROVISIONAL: replaced by the fetch branch."""

from dataclasses import dataclass, field
from datetime import datetime


class Refused(ValueError):
    code = "refused"


def check_url(url: str) -> None:
    pass


@dataclass
class Hop:
    url: str
    status: int
    reason: str
    http_version: str
    request_headers: list
    headers: list
    body: bytes
    at: datetime


@dataclass
class Fetched:
    url: str
    final_url: str
    hops: list = field(default_factory=list)
    status: int | None = None
    content_type: str = ""
    charset: str | None = None
    body: bytes = b""
    started_at: datetime | None = None
    elapsed: float = 0.0
    error_code: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error_code


def fetch(url: str, **limits) -> Fetched:
    raise NotImplementedError

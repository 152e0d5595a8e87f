"""ETags and conditional requests (RFC 9110 §13)."""

import hashlib
import json

import orjson
from rest_framework.utils.encoders import JSONEncoder

from .exceptions import PreconditionFailed
from .renderers import dumps


def etag_for(data, *, weak: bool = False) -> str:
    """A tag that changes whenever the representation does."""
    try:
        body = dumps(data, sort_keys=True)
    except orjson.JSONEncodeError:
        body = json.dumps(data, cls=JSONEncoder, sort_keys=True).encode()
    digest = hashlib.sha256(body).hexdigest()[:32]
    return f'W/"{digest}"' if weak else f'"{digest}"'


def _tags(header: str) -> list[str]:
    return [t.strip() for t in header.split(",") if t.strip()]


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def none_match(request, etag: str) -> bool:
    """True when If-None-Match names this representation (weak comparison): answer 304."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = _tags(header)
    return "*" in tags or _opaque(etag) in {_opaque(t) for t in tags}


def check_if_match(request, etag: str) -> None:
    """Refuse a write whose If-Match (strong comparison) names another version: 412."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = _tags(header)
    if "*" in tags:
        return
    if etag.startswith("W/") or etag not in tags:
        raise PreconditionFailed()

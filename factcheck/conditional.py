"""Conditional requests (RFC 9110 §13), one helper for the public pages and the API.

`conditional(request, response, etag)` sets the ETag (given, or made from the rendered content) and answers a
matching If-None-Match with 304 through Django's get_conditional_response; `not_modified` answers it before a
costly response is made. `etag_for` makes an API
representation's ETag; `if_match` tells whether a write's If-Match names the current version (else 412).
"""

import hashlib
import json

import orjson
from django.utils.cache import get_conditional_response, set_response_etag
from rest_framework.utils.encoders import JSONEncoder


def etag_for(data, *, weak: bool = False) -> str:
    """A tag that changes whenever the representation (JSON data) does."""
    try:
        body = orjson.dumps(data, default=JSONEncoder().default, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        body = json.dumps(data, cls=JSONEncoder, sort_keys=True).encode()
    digest = hashlib.sha256(body).hexdigest()[:32]
    return f'W/"{digest}"' if weak else f'"{digest}"'


def conditional(request, response, etag: str | None = None):
    """The response with its ETag, or a 304 when If-None-Match names it (weak comparison).

    Without `etag`, the response's own ETag header, else one made from its rendered content.
    """
    if etag is not None:
        response["ETag"] = etag
    elif not response.has_header("ETag"):
        set_response_etag(response)
    return get_conditional_response(request, etag=response["ETag"], response=response)


def not_modified(request, etag: str):
    """A 304 when If-None-Match names etag, before the response is built (for what is costly to make); else None."""
    return get_conditional_response(request, etag=etag)


def _tags(header: str) -> list[str]:
    return [t.strip() for t in header.split(",") if t.strip()]


def if_match(request, etag: str) -> bool:
    """Whether a write may go ahead: no If-Match, or one that names this version (strong comparison)."""
    header = request.headers.get("If-Match")
    if header is None:
        return True
    tags = _tags(header)
    return "*" in tags or (not etag.startswith("W/") and etag in tags)

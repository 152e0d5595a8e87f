"""Reading a followed site over HTTP: its changes feed and the ClaimReview of each claim. Every request goes
through archive/fetch.py (address rules, limits) with the site's key; nothing here writes."""

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from django.conf import settings

from archive import fetch
from claims.models import PublicChange

FEED_PATH = "/api/v1/changes/"
CLAIMREVIEW_FEED_PATH = "/api/v1/claimreview/"
ACCEPT = "application/json"
CURSOR = re.compile(r"[A-Za-z0-9_=-]{1,200}")
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,255}")
# A claim's changes; a source's (source.changed) bring no fact check to import.
TYPES = set(PublicChange.Kind.values) - {PublicChange.Kind.SOURCE_CHANGED}


class RemoteError(Exception):
    """The other site did not answer as a factcheck does. `code`: unreachable, http_error, not_json, not_a_feed."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Change:
    id: str
    type: str
    claim_id: int
    slug: str


@dataclass
class Page:
    changes: list[Change]
    cursor: str  # the `after` of `next`
    full: bool  # as many changes as asked for: more may follow at once


def _get(url: str, key: str) -> fetch.Fetched:
    headers = {"Accept": ACCEPT}
    if key:
        headers["Authorization"] = f"Api-Key {key}"
    return fetch.fetch(
        url,
        headers=headers,
        max_bytes=settings.FOLLOW_MAX_BYTES,
        timeout=settings.FOLLOW_TIMEOUT,
        max_redirects=3,
    )


def _failed(fetched: fetch.Fetched, url: str) -> RemoteError:
    if fetched.error_code:
        return RemoteError("unreachable", f"{url}: {fetched.error}")
    return RemoteError("http_error", f"{url} answered {fetched.status}")


def get_json(url: str, key: str, *, missing_ok: bool = False):
    """The JSON at url; None for a 404 when missing_ok. RemoteError for anything else that is not JSON."""
    fetched = _get(url, key)
    if missing_ok and not fetched.error_code and fetched.status in (404, 410):
        return None
    if not fetched.ok:
        raise _failed(fetched, url)
    try:
        return json.loads(fetched.body.decode(fetched.charset or "utf-8"))
    except (UnicodeDecodeError, LookupError, json.JSONDecodeError, RecursionError) as error:
        raise RemoteError("not_json", f"{url} did not answer JSON: {str(error)[:200]}") from None


def feed_url(base: str, cursor: str = "", page_size: int | None = None) -> str:
    query = {}
    if cursor:
        query["after"] = cursor
    if page_size:
        query["page_size"] = page_size
    return base + FEED_PATH + (f"?{urlencode(query)}" if query else "")


def claimreview_url(base: str, slug: str) -> str:
    return f"{base}/api/v1/claims/{quote(slug)}/claimreview/"


def read_page(base: str, key: str, cursor: str, page_size: int) -> Page:
    """One page of the site's changes feed after cursor; RemoteError when it is not one."""
    url = feed_url(base, cursor, page_size)
    data = get_json(url, key)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list) or not isinstance(data.get("next"), str):
        raise RemoteError("not_a_feed", f"{url} is not a factcheck changes feed (no `results` and `next`)")
    after = parse_qs(urlsplit(data["next"]).query).get("after", [""])[0]
    if not CURSOR.fullmatch(after):
        raise RemoteError("not_a_feed", f"{url}: its `next` link carries no cursor")
    changes = []
    for n, item in enumerate(data["results"]):
        item = item if isinstance(item, dict) else {}
        if not isinstance(item.get("type"), str):
            raise RemoteError("not_a_feed", f"{url}: change {n + 1} has no type")
        if item["type"] not in TYPES:  # a source's change, or a kind this version does not know: skipped
            continue
        claim = item.get("claim") if isinstance(item.get("claim"), dict) else {}
        slug, claim_id = claim.get("slug"), claim.get("id")
        if not isinstance(slug, str) or not SLUG.fullmatch(slug) or type(claim_id) is not int:
            raise RemoteError("not_a_feed", f"{url}: change {n + 1} ({item['type']}) has no claim id and slug")
        changes.append(Change(id=str(item.get("id", "")), type=item["type"], claim_id=claim_id, slug=slug))
    return Page(changes=changes, cursor=after, full=len(data["results"]) >= page_size)


def read_claimreview(base: str, key: str, slug: str) -> tuple[bytes, dict] | None:
    """The ClaimReview of one claim of the site (its bytes and JSON), or None when it has none (404: not
    published and rated, or retracted)."""
    data = get_json(claimreview_url(base, slug), key, missing_ok=True)
    if data is None:
        return None
    if not isinstance(data, dict) or "claimReviewed" not in data:
        raise RemoteError("not_json", f"{claimreview_url(base, slug)} is not a ClaimReview")
    return json.dumps(data).encode(), data


def site_name(base: str, key: str) -> str:
    """The newsroom's name, as its ClaimReview feed gives it; "" when it does not say."""
    try:
        data = get_json(base + CLAIMREVIEW_FEED_PATH + "?page_size=1", key)
    except RemoteError:
        return ""
    publisher = data.get("publisher") if isinstance(data, dict) else None
    name = publisher.get("name") if isinstance(publisher, dict) else None
    return " ".join(name.split())[:200] if isinstance(name, str) else ""

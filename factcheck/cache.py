"""Caching of what anonymous readers and API clients read, invalidated by a site-wide content generation.

Every cached page or API response is stored under a key that includes the current *content generation*, a
counter kept in the cache itself. Any write to a claim, its evidence, its verdict history, a statement, a
source, a speaker, a topic or an external review bumps the counter (factcheck/apps.py), so that every entry
stored before the write is never read again (it expires on its own). A generation counter costs one cache
read per request and needs no list of which URLs show which objects.

Only anonymous GET/HEAD requests are cached, and only 200 responses that set no cookie, are not private and
were not rendered with a CSRF token: staff previews (signed in), the admin and the browsable API never are.
Conditional requests stay correct: the ETag is stored with the response (the pages' and the API's ETags are
computed from the content, so a new content has a new ETag) and If-None-Match is answered from it.

The cache is ``settings.CACHES["default"]``: Redis when REDIS_URL is set (shared by every web process), local
memory otherwise. Local memory is per process: with several processes a write reaches the other processes'
caches only when their entries expire (``PAGE_CACHE_SECONDS``), so run more than one process with Redis.
A cache that is down never breaks a page: it is skipped and the page is built as if there were no cache.

With read replicas (factcheck/db_router.py) a page built just after a write could read a replica that does not have
the write yet, and cache the old content under the new generation until the next write or the entry's expiry.
So a write also marks the cache "recently written" for DATABASE_REPLICA_PIN_SECONDS, and a page or API read built
while the mark is there reads the primary. Without replicas nothing of this runs.
"""

import hashlib
import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

from factcheck import db_router
from factcheck.conditional import conditional

logger = logging.getLogger(__name__)

GENERATION_KEY = "factcheck:content-generation"
RECENT_WRITE_KEY = "factcheck:recent-write"
PAGE_CACHE_SECONDS = getattr(settings, "PAGE_CACHE_SECONDS", 300)
STORED_HEADERS = ("Content-Type", "ETag", "Cache-Control", "Content-Language", "Last-Modified", "X-Robots-Tag")


def _fresh_generation() -> int:
    # After the counter is lost (a flush, an eviction), start from the clock: never reuse an old value.
    return time.time_ns() // 1000


def generation() -> int | None:
    """The current content generation; None when the cache cannot be reached."""
    try:
        value = cache.get(GENERATION_KEY)
        if value is None:
            cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
            value = cache.get(GENERATION_KEY)
        return value
    except Exception:  # noqa: BLE001 - a cache that is down must not break reads
        logger.warning("Cache unreachable: serving without it.", exc_info=True)
        return None


def bump_generation() -> None:
    """Invalidate every cached page and API read (call after writes that bypass model signals,
    e.g. bulk_create or QuerySet.update in an import)."""
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no counter yet
            cache.set(GENERATION_KEY, _fresh_generation(), timeout=None)
        if _replicas() and settings.DATABASE_REPLICA_PIN_SECONDS > 0:
            cache.set(RECENT_WRITE_KEY, 1, timeout=settings.DATABASE_REPLICA_PIN_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("Cache unreachable: could not invalidate it.", exc_info=True)


def _key(kind: str, request, extra: str = "") -> str | None:
    current = generation()
    if current is None:
        return None
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}|{extra}"
    return f"factcheck:{kind}:{current}:{hashlib.sha256(where.encode()).hexdigest()}"


def _get(key: str | None):
    if key is None:
        return None
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001
        return None


def _set(key: str | None, value) -> None:
    if key is None:
        return
    try:
        cache.set(key, value, PAGE_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("Cache unreachable: response not stored.", exc_info=True)


def _replicas() -> list[str]:
    return getattr(settings, "DATABASE_REPLICAS", [])


def fill_from_primary_after_write() -> None:
    """With replicas: build what is about to be cached from the primary if content was written moments ago."""
    if not _replicas():
        return
    try:
        recent = cache.get(RECENT_WRITE_KEY) is not None
    except Exception:  # noqa: BLE001 - nothing is stored without a cache either
        return
    if recent:
        db_router.use_primary()


def is_anonymous_read(request) -> bool:
    """A GET or HEAD without credentials: the only requests whose responses may be shared."""
    if request.method not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in request.META:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def is_shareable(request, response) -> bool:
    """A response any anonymous reader may get: 200, complete, no cookie, not private, no CSRF token in it."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in ("private", "no-store", "no-cache"))


def _freeze(response) -> dict:
    headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
    return {"status": response.status_code, "content": response.content, "headers": headers}


def _thaw(stored: dict) -> HttpResponse:
    response = HttpResponse(stored["content"], status=stored["status"])
    for name, value in stored["headers"].items():
        response[name] = value
    return response


def cache_public_page(view):
    """Serve anonymous readers a page from the cache (see the module docstring); build and store it otherwise."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_anonymous_read(request):
            return view(request, *args, **kwargs)
        key = _key("page", request)
        stored = _get(key)
        if stored is not None:
            response = _thaw(stored)
            response["X-Cache"] = "hit"
            return conditional(request, response)
        if key is not None:
            fill_from_primary_after_write()
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if is_shareable(request, response):
            _set(key, _freeze(response))
        return response

    return wrapped


class CachedReadsMixin:
    """For API viewsets: anonymous list and retrieve reads come from the cache when they can.

    The lookup happens after authentication, permissions, throttling and content negotiation
    (``initial``), so throttles still count and each format (JSON, CSV) has its own entry; the browsable
    API's HTML (which carries a CSRF token) is never cached.
    """

    cached_actions = ("list", "retrieve")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._read_cache_key = None
        if getattr(self, "action", None) not in self.cached_actions or not is_anonymous_read(request):
            return
        if getattr(request.accepted_renderer, "format", "") == "api":
            return
        key = _key("api", request, extra=request.accepted_media_type or "")
        stored = _get(key)
        if stored is None:
            self._read_cache_key = key
            if key is not None:
                fill_from_primary_after_write()
            return

        def from_cache(request, *args, **kwargs):
            response = _thaw(stored)
            response["X-Cache"] = "hit"
            return conditional(request, response)

        setattr(self, request.method.lower(), from_cache)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(self, "_read_cache_key", None)
        if key and is_shareable(request, response):
            response.render()
            _set(key, _freeze(response))
        return response


def content_written(using) -> None:
    # Now, so that this process never serves what was cached before the write; and again after the commit,
    # so that a page another request cached between the write and the commit (showing the old rows) is
    # not served either.
    bump_generation()
    transaction.on_commit(bump_generation, using=using)


def content_changed(sender, using=None, **kwargs) -> None:
    """Receiver of every content write: post_save, post_delete and m2m_changed of the content models, and the
    domain's records_written after a bulk write (connected in factcheck/apps.py)."""
    content_written(using)

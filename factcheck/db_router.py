"""Read replicas: reads go to a replica, writes to the primary, and a client that has just written reads its write.

Wired by settings.py only when DATABASE_REPLICA_URLS names replicas (aliases ``replica1``, ``replica2``…, listed
in ``settings.DATABASE_REPLICAS``); without them nothing here runs. See docs/DEPLOY.md.

- Writes, and reads through a query meant for writing (``select_for_update``, ``get_or_create``), go to
  ``default``, the primary. Migrations run there only.
- Within a request, once it has written (or from its start, for POST, PUT, PATCH and DELETE), every read goes to
  the primary too: a replica may not have the write yet. So do reads inside ``transaction.atomic()`` on the
  primary (the admin's and the API's writes run in one), and reads outside any request (management commands, the
  shell): they may write and read back.
- Across requests: a response to a request that wrote sets a signed cookie, and the same client's requests read
  the primary for ``DATABASE_REPLICA_PIN_SECONDS`` after it, longer than a replica is allowed to lag.
- Credentials are always read from the primary (``PRIMARY_READS``: API keys, sessions), so that a key revoked or
  expired, or a session ended, is refused at once rather than after a replica's lag.
- Otherwise a read goes to a replica picked at random (the one an object came from, for its relations).
- A replica whose connection cannot be opened is left out for ``REPLICA_RETRY_SECONDS`` (in this process), then
  tried again; meanwhile reads go to the other replicas, or to the primary when none answers. A replica that
  dies under an open connection fails the query in flight; Django then drops that connection, and the next
  read finds the replica down.

The request's state lives in a context variable set and reset by ``ReplicaPinMiddleware`` around each request,
so nothing carries over from one request to the next, on threads or in async code alike.
"""

import logging
import random
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

PIN_COOKIE = "factcheck_primary"
PIN_SALT = "claims.db_router.pin"  # the module's old path: kept, so that cookies already signed stay valid
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REPLICA_RETRY_SECONDS = 30
PRIMARY_READS = frozenset({"apikeys.apikey", "sessions.session"})  # credentials: see above

_down_until: dict[str, float] = {}  # replica alias -> time.monotonic() before which it is left out


def replica_reachable(alias: str) -> bool:
    """Is the replica's connection open, or can it be opened? One that cannot is left out for a while."""
    if _down_until.get(alias, 0.0) > time.monotonic():
        return False
    try:
        connections[alias].ensure_connection()
    except DatabaseError as exc:
        _down_until[alias] = time.monotonic() + REPLICA_RETRY_SECONDS
        logger.warning("Replica %s is unreachable, left out for %s s: %s", alias, REPLICA_RETRY_SECONDS, exc)
        return False
    _down_until.pop(alias, None)
    return True


@dataclass
class RequestState:
    primary: bool = False  # this request's reads go to the primary
    wrote: bool = False  # this request wrote: pin its client to the primary for a while


_request: ContextVar[RequestState | None] = ContextVar("factcheck_db_request", default=None)


def current_request() -> RequestState | None:
    return _request.get()


def use_primary() -> None:
    """Send the rest of this request's reads to the primary (without pinning its client)."""
    state = _request.get()
    if state is not None:
        state.primary = True


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        replicas = settings.DATABASE_REPLICAS
        state = _request.get()
        if (
            not replicas
            or state is None
            or state.primary
            or model._meta.label_lower in PRIMARY_READS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db in replicas and replica_reachable(instance._state.db):
            return instance._state.db  # an object's relations from the copy it was read from
        for alias in random.sample(replicas, len(replicas)):
            if replica_reachable(alias):
                return alias
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        state = _request.get()
        if state is not None:
            state.primary = state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        aliases = {DEFAULT_DB_ALIAS, *settings.DATABASE_REPLICAS}
        return True if obj1._state.db in aliases and obj2._state.db in aliases else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaPinMiddleware:
    """Sets up each request's routing state, resets it after the request, pins a client that wrote."""

    def __init__(self, get_response):
        if not settings.DATABASE_REPLICAS:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        unsafe = request.method in UNSAFE_METHODS
        state = RequestState(primary=unsafe or self.pinned(request), wrote=unsafe)
        token = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if state.wrote and settings.DATABASE_REPLICA_PIN_SECONDS > 0:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    @staticmethod
    def pinned(request) -> bool:
        """Did this client write within the pin window? (The signature carries the time it was set.)"""
        if PIN_COOKIE not in request.COOKIES:
            return False
        value = request.get_signed_cookie(
            PIN_COOKIE, default=None, salt=PIN_SALT, max_age=settings.DATABASE_REPLICA_PIN_SECONDS
        )
        return value is not None

"""The one writer of webhooks: endpoints, the fan-out of public changes into deliveries, and each delivery's
attempts on the Standard Webhooks retry schedule.

The outbox is claims.PublicChange, written in the transaction of each change to the public record (a source's
`source.changed` too): `dispatch_changes` reads the changes after the stored position (Dispatch, one locked row)
and makes one Delivery per subscribed active endpoint, idempotently (unique endpoint and event id). `deliver`
claims a delivery with a lease (one conditional UPDATE, so two workers never send it at once), POSTs it through
the SSRF-safe fetcher with no transaction open, and records the attempt.
"""

import base64
import datetime
import email.utils
import json
import random
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from archive.fetch import Refused, check_url, fetch
from background.tasks import enqueue
from claims.api.changes import CURSOR_PARAM, ROW_FIELDS, change_item, encode_cursor, public_changes
from claims.api.views import ClaimViewSet, SiteReader, SourceViewSet, public_etags

from .models import EVENT_TYPES, TEST_EVENT, Attempt, Delivery, Dispatch, Endpoint

# The specification's example schedule ("Retries", spec/standard-webhooks.md): the delay before each retry after
# the first attempt, which is immediate; ten attempts over about three days and three hours.
SCHEDULE = [
    datetime.timedelta(seconds=5),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=5),
    datetime.timedelta(hours=10),
    datetime.timedelta(hours=14),
    datetime.timedelta(hours=20),
    datetime.timedelta(hours=24),
]
JITTER = 0.1  # up to 10 % later, so that deliveries that failed together do not come back together
RETRY_AFTER_STATUSES = (429, 503)
EXCERPT_CHARS = 500
ANSWER_MAX_BYTES = 64 * 1024  # of an answer, read at most this much (only an excerpt is kept)
PREVIOUS_SECRET_KEPT = datetime.timedelta(hours=24)  # after a rotation, events are signed with both secrets
DISPATCH_BATCH = 500
# An attempt enqueued to run this long ago and still not run is taken as lost, and the sweep enqueues it again.
ENQUEUED_LOST = datetime.timedelta(minutes=10)


# Endpoints


def new_secret() -> str:
    """A signing secret in the specification's form: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def check_endpoint_url(url: str) -> str:
    """The URL as it is kept, or a ValidationError on `url` with the archive's code (refused_scheme,
    refused_credentials, refused_address): the same address rules as a source's capture."""
    url = (url or "").strip()
    try:
        check_url(url)
    except Refused as refused:
        error = ValidationError(f"This address is not allowed: {refused}.", code=refused.code)
        raise ValidationError({"url": error}) from None
    return url


def check_events(events) -> list[str]:
    if events is None:
        return []
    if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
        raise ValidationError({"events": ValidationError("Give a list of event types.", code="invalid")})
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise ValidationError(
            {
                "events": ValidationError(
                    f"Not an event type: {', '.join(unknown)}. The types are: {', '.join(EVENT_TYPES)}.",
                    code="invalid_choice",
                )
            }
        )
    return sorted(set(events), key=EVENT_TYPES.index)


def endpoint_create(*, owner, url: str, description: str = "", events=None, is_active: bool = True) -> Endpoint:
    """A new endpoint with a new secret (read endpoint.secret now: it is shown this once); active unless told."""
    now = timezone.now()
    return Endpoint.objects.create(
        owner=owner,
        url=check_endpoint_url(url),
        description=(description or "").strip()[:200],
        events=check_events(events),
        secret=new_secret(),
        is_active=bool(is_active),
        disabled_at=None if is_active else now,
        disabled_reason="" if is_active else "Turned off by its owner.",
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def endpoint_update(*, endpoint: Endpoint, **fields) -> Endpoint:
    """Change an endpoint's url, description, events or active flag; turning it on again clears why it was off."""
    unknown = set(fields) - {"url", "description", "events", "is_active"}
    if unknown:
        raise ValueError(f"not a field of an endpoint you can change: {', '.join(sorted(unknown))}")
    current = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if "url" in fields:
        current.url = check_endpoint_url(fields["url"])
    if "description" in fields:
        current.description = (fields["description"] or "").strip()[:200]
    if "events" in fields:
        current.events = check_events(fields["events"])
    if "is_active" in fields and bool(fields["is_active"]) != current.is_active:
        current.is_active = bool(fields["is_active"])
        current.disabled_at = None if current.is_active else timezone.now()
        current.disabled_reason = "" if current.is_active else "Turned off by its owner."
    current.updated_at, current.failing_since = timezone.now(), None  # changed: the failures' clock starts again
    current.save()
    return current


def endpoint_disable(*, endpoint: Endpoint, reason: str) -> None:
    now = timezone.now()
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_reason=reason[:500], disabled_at=now, updated_at=now
    )


def endpoint_enable(*, endpoint: Endpoint) -> None:
    """On again: what waits for it (deliveries pending or failed) is sent on."""
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, disabled_reason="", disabled_at=None, failing_since=None, updated_at=timezone.now()
    )


def endpoint_delete(*, endpoint: Endpoint) -> None:
    endpoint.delete()


@transaction.atomic
def secret_rotate(*, endpoint: Endpoint) -> Endpoint:
    """A new secret (shown this once); for a day events are signed with the old one too, so that a receiver can
    switch without losing any (the specification's zero-downtime rotation)."""
    current = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    now = timezone.now()
    current.previous_secret, current.previous_secret_until = current.secret, now + PREVIOUS_SECRET_KEPT
    current.secret = new_secret()
    current.updated_at = now
    current.save()
    return current


# Events into deliveries


def _moment(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def _body(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)


def event_id(change_id: int) -> str:
    return f"msg_{change_id}"


def payload_of(row: dict, etags: dict[str, dict[int, str]]) -> dict:
    """The event for a row of `public_changes().values(*ROW_FIELDS)`: small (ids, addresses, the public fields),
    the claim's or source's address to read the rest from with the ETag it answers with now (from `etags`, by
    kind and id; see `current_etags`), and `changes_after`: the changes feed from this change on."""
    item = change_item(row, SiteReader().build_absolute_uri)
    feed = f"{settings.SITE_URL}{reverse('api:changes')}?{CURSOR_PARAM}={encode_cursor(row['id'])}"
    data = {"id": event_id(row["id"]), "change_id": item["id"], "changes_after": feed}
    for name in ("claim", "source"):
        if item[name] is not None:
            data[name] = {**item[name], "etag": etags[name].get(item[name]["id"])}
    data.update(row["data"])
    return {"type": row["kind"], "timestamp": _moment(row["at"]), "data": data}


def current_etags(rows: list[dict]) -> dict[str, dict[int, str]]:
    """The ETags of the claims and sources these changes name, as an anonymous GET of each answers now."""
    return {
        "claim": public_etags(ClaimViewSet, {r["claim_id"] for r in rows if r["claim_id"] is not None}),
        "source": public_etags(SourceViewSet, {r["source_id"] for r in rows if r["source_id"] is not None}),
    }


def dispatch_changes(*, batch: int = DISPATCH_BATCH) -> int:
    """Fan the public changes not yet dispatched out into deliveries, one per subscribed active endpoint, and ask
    for each to be sent once this commits. Safe to run at once in several workers (the position row is locked)
    and twice (one delivery per endpoint and event). Answers how many deliveries it made."""
    made = 0
    while True:
        with transaction.atomic():
            Dispatch.objects.get_or_create(pk=1)
            cursor = Dispatch.objects.select_for_update().get(pk=1)
            rows = list(public_changes().filter(id__gt=cursor.position).order_by("id").values(*ROW_FIELDS)[:batch])
            if not rows:
                return made
            endpoints = list(Endpoint.objects.filter(is_active=True).only("id", "events"))
            now = timezone.now()
            deliveries = []
            wanting = {row["id"]: [e for e in endpoints if e.wants(row["kind"])] for row in rows}
            wanted = [row for row in rows if wanting[row["id"]]]
            etags = current_etags(wanted)
            for row in wanted:
                body = _body(payload_of(row, etags))
                deliveries += [
                    Delivery(
                        endpoint=e,
                        event_id=event_id(row["id"]),
                        event_type=row["kind"],
                        body=body,
                        next_attempt_at=now,
                        created_at=now,
                    )
                    for e in wanting[row["id"]]
                ]
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=500)
            cursor.position, cursor.updated_at = rows[-1]["id"], now
            cursor.save()
            if deliveries:
                fresh = Delivery.objects.filter(
                    event_id__in={d.event_id for d in deliveries}, state=Delivery.State.PENDING, attempts=0
                ).values_list("pk", flat=True)
                _send_soon(list(fresh))
            made += len(deliveries)


def _send_soon(ids: list[int], at: datetime.datetime | None = None) -> None:
    """Enqueue an attempt of each delivery once the transaction commits: now, or at `at` (a retry). A backend that
    cannot run work later leaves retries to the sweep, which sends what is due."""
    from .tasks import deliver

    if at is not None and not deliver.get_backend().supports_defer:
        return
    task = deliver if at is None else deliver.using(run_after=at)
    for pk in ids:
        enqueue(task, pk)
    Delivery.objects.filter(pk__in=ids).update(enqueued_for=at or timezone.now())


@transaction.atomic
def send_test(*, endpoint: Endpoint) -> Delivery:
    """A `webhook.test` event for this endpoint alone, sent at once. An endpoint that is off receives nothing: a
    ValidationError (code endpoint_inactive) says to turn it on first."""
    if not Endpoint.objects.filter(pk=endpoint.pk, is_active=True).exists():
        raise ValidationError(
            "This endpoint is turned off, so it receives nothing: turn it on first.", code="endpoint_inactive"
        )
    now = timezone.now()
    msg_id = f"msg_test_{uuid.uuid4().hex}"
    payload = {
        "type": TEST_EVENT,
        "timestamp": _moment(now),
        "data": {"id": msg_id, "endpoint": endpoint.pk, "message": "A test event from " + settings.SITE_NAME},
    }
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event_id=msg_id,
        event_type=TEST_EVENT,
        body=_body(payload),
        next_attempt_at=now,
        created_at=now,
    )
    _send_soon([delivery.pk])
    return delivery


@transaction.atomic
def delivery_retry(*, delivery: Delivery) -> Delivery:
    """Send again: the delivery starts the schedule over, at once, whatever its state (a delivered one too: the
    receiver knows it by its webhook-id). Its attempts so far stay in the log."""
    current = Delivery.objects.select_for_update().get(pk=delivery.pk)
    current.state, current.step, current.next_attempt_at = Delivery.State.PENDING, 0, timezone.now()
    current.save(update_fields=["state", "step", "next_attempt_at"])
    _send_soon([current.pk])
    return current


# Sending


def signatures(endpoint: Endpoint, msg_id: str, at: datetime.datetime, body: str) -> str:
    """The webhook-signature header: `v1,<base64>` with the secret, and with the previous one during a rotation."""
    signed = [Webhook(endpoint.secret).sign(msg_id, at, body)]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > at:
        signed.append(Webhook(endpoint.previous_secret).sign(msg_id, at, body))
    return " ".join(signed)


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.WEBHOOKS_TIMEOUT + 60)


def _claim(delivery_id: int, now: datetime.datetime) -> bool:
    """Take the delivery for one attempt, if it is due and no other worker holds it: one conditional UPDATE."""
    return bool(
        Delivery.objects.filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now),
            pk=delivery_id,
            state__in=(Delivery.State.PENDING, Delivery.State.FAILED),
            next_attempt_at__lte=now,
        ).update(lease_until=now + _lease(), attempts=F("attempts") + 1)
    )


def deliver(delivery_id: int) -> Delivery | None:
    """One attempt of a due delivery: POST it signed, record what came back, schedule the next attempt or stop.
    Does nothing for a delivery that is not due, is being sent by another worker, or whose endpoint is off."""
    now = timezone.now()
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or not delivery.endpoint.is_active or not _claim(delivery_id, now):
        return None
    delivery.refresh_from_db(fields=["attempts", "step", "body", "event_id"])
    endpoint = delivery.endpoint
    sent_at = timezone.now()
    headers = {
        "Content-Type": "application/json",
        "Accept": "*/*",
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signatures(endpoint, delivery.event_id, sent_at, delivery.body),
    }
    try:
        check_url(endpoint.url)  # the rules of today, not of the day it was registered
        fetched = fetch(
            endpoint.url,
            method="POST",
            body=delivery.body.encode(),
            headers=headers,
            timeout=settings.WEBHOOKS_TIMEOUT,
            follow_redirects=False,
            cut_body=True,
            max_bytes=ANSWER_MAX_BYTES,
            agent=f"factcheck-webhooks/1 (+{settings.SITE_URL})",
        )
        status, error_code, error = fetched.status, fetched.error_code, fetched.error
        answer, elapsed = fetched.body, fetched.elapsed
        if fetched.status is not None and 300 <= fetched.status < 400:
            error_code, error = "redirect", "answered with a redirect: redirects are not followed; give the new URL"
        hop_headers = {k.lower(): v for k, v in (fetched.hops[-1].headers if fetched.hops else [])}
    except Refused as refused:
        status, error_code, error, answer, elapsed, hop_headers = None, refused.code, str(refused), b"", 0.0, {}
    return _record(
        delivery,
        at=sent_at,
        status=status,
        error_code=error_code,
        error=error,
        answer=answer,
        elapsed=elapsed,
        retry_after=retry_after(hop_headers.get("retry-after", ""), now=timezone.now())
        if status in RETRY_AFTER_STATUSES
        else None,
    )


def retry_after(value: str, *, now: datetime.datetime) -> datetime.timedelta | None:
    """A Retry-After header (seconds, or an HTTP date) as a delay, capped at WEBHOOKS_RETRY_AFTER_MAX; None if
    there is none or it cannot be read."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        delay = datetime.timedelta(seconds=int(value[:9]))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.UTC)
        delay = max(when - now, datetime.timedelta(0))
    return min(delay, settings.WEBHOOKS_RETRY_AFTER_MAX)


def next_delay(step: int) -> datetime.timedelta | None:
    """The delay after failed attempt number `step` (1-based) of the schedule, with jitter; None when it is used up."""
    if step > len(SCHEDULE):
        return None
    return SCHEDULE[step - 1] * (1 + random.uniform(0, JITTER))


def _excerpt(answer: bytes) -> str:
    return answer[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def _record(delivery, *, at, status, error_code, error, answer, elapsed, retry_after) -> Delivery:
    ok = status is not None and 200 <= status < 300 and not error_code
    with transaction.atomic():
        current = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        Attempt.objects.create(
            delivery=current,
            number=current.attempts,
            at=at,
            status_code=status,
            error_code=error_code[:40],
            error=error[:500],
            latency_ms=round(elapsed * 1000),
            response_excerpt=_excerpt(answer),
        )
        current.lease_until = None
        current.last_status = status
        current.last_error = (error or ("" if ok else f"HTTP {status}"))[:500]
        failing_since = current.endpoint.failing_since
        if ok:
            current.state, current.delivered_at, current.next_attempt_at = Delivery.State.DELIVERED, at, None
            Endpoint.objects.filter(pk=current.endpoint_id, failing_since__isnull=False).update(failing_since=None)
        elif status == 410:
            endpoint_disable(
                endpoint=current.endpoint,
                reason=f"The endpoint answered 410 Gone on {at:%Y-%m-%d %H:%M} UTC: it wants no more events.",
            )
            current.state, current.next_attempt_at = Delivery.State.GIVEN_UP, None
        elif failing_since is not None and failing_since <= at - settings.WEBHOOKS_DISABLE_AFTER:
            endpoint_disable(
                endpoint=current.endpoint,
                reason=f"Every attempt failed since {failing_since:%Y-%m-%d %H:%M} UTC (the last: "
                f"{current.last_error[:200]}). Turn it on again when it answers: what waits is sent then.",
            )
            current.state, current.next_attempt_at = Delivery.State.FAILED, timezone.now()
        else:
            if failing_since is None:
                Endpoint.objects.filter(pk=current.endpoint_id, failing_since__isnull=True).update(failing_since=at)
            current.step += 1
            delay = next_delay(current.step)
            if delay is None:
                current.state, current.next_attempt_at = Delivery.State.GIVEN_UP, None
            else:
                if retry_after is not None:
                    delay = max(delay, retry_after)
                current.state, current.next_attempt_at = Delivery.State.FAILED, timezone.now() + delay
        current.save()
        if current.state == Delivery.State.FAILED:
            _send_soon([current.pk], at=current.next_attempt_at)
    return current


def lost_deliveries(*, now=None, limit: int = 1000):
    """Deliveries due whose attempt seems lost: never enqueued, enqueued to run more than ENQUEUED_LOST ago and
    still not run (a queue that lost it), or taken by a worker whose lease ran out (it stopped mid-send). One
    merely waiting in a long queue is left be, so that the sweep does not fill the queue with repeats."""
    now = now or timezone.now()
    lost = Q(enqueued_for__isnull=True) | Q(enqueued_for__lt=now - ENQUEUED_LOST) | Q(lease_until__lt=now)
    return (
        Delivery.objects.filter(
            lost,
            Q(lease_until__isnull=True) | Q(lease_until__lt=now),
            state__in=(Delivery.State.PENDING, Delivery.State.FAILED),
            next_attempt_at__lte=now,
            endpoint__is_active=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def sweep(*, limit: int = 1000) -> int:
    """The safety net: fan out what is not yet dispatched, and ask again for the deliveries whose attempt was lost
    (lost_deliveries)."""
    dispatch_changes()
    lost = list(lost_deliveries(limit=limit))
    _send_soon(lost)
    return len(lost)

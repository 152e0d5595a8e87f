"""The one writer of the source archive: asking for a capture, recording what a fetch brought back, the watch's
schedule and classification, and marking a changed source as looked at.

Fields of the record (a source's title, publisher, …) are filled only through claims.services.source_fill_blanks,
under the archiver's account, and only where an editor left them empty.
"""

import contextlib
import contextvars
import datetime
import hashlib
import uuid
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from background.tasks import enqueue
from claims.accounts import service_account
from claims.models import Evidence, Source
from claims.services import SOURCE_FILLABLE, source_changed_record, source_fill_blanks

from . import compare, extract, warc
from .fetch import Fetched, Hop, fetch
from .models import NOTABLE, Capture, Change, Watch
from .signals import source_changed

ARCHIVER = "source-archiver"
_paused = contextvars.ContextVar("archive_paused", default=False)


def archiver():
    """The account captures fill a source's empty fields under; it cannot log in."""
    return service_account(ARCHIVER, "Source", "archiver", permissions=("change_source",))


@contextlib.contextmanager
def paused():
    """No capture is asked for sources created or changed inside (the demo loads its own stand-ins)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def is_paused() -> bool:
    return _paused.get() or not settings.CAPTURE_ON_SAVE


def capture_request(*, source: Source, reason: str, by=None, at=None, run: bool = True) -> Capture:
    """A pending capture of the source's URL, fetched by a worker once the current transaction commits."""
    now = at or timezone.now()
    capture = Capture.objects.create(
        source=source,
        key=uuid.uuid4().hex,
        reason=reason,
        requested_by=by if by is not None and by.is_authenticated else None,
        requested_at=now,
        enqueued_at=now if run else None,
        url=source.url,
    )
    if run:
        from .tasks import capture_source

        enqueue(capture_source, capture.pk)
    return capture


@transaction.atomic
def requeue_lost(*, now=None, limit: int | None = None) -> int:
    """Hand again to a worker the captures whose fetch was handed over more than WATCH_LEASE ago and never
    recorded: a worker stopped mid-fetch, or a queue lost the task. Answers how many. A capture fetched twice is
    recorded once (capture_run does nothing for one that is done)."""
    from .tasks import capture_source

    now = now or timezone.now()
    lost = list(
        Capture.objects.filter(state=Capture.State.PENDING, enqueued_at__lt=now - settings.WATCH_LEASE)
        .order_by("enqueued_at")
        .values_list("pk", flat=True)[: limit or settings.WATCH_BATCH]
    )
    Capture.objects.filter(pk__in=lost).update(enqueued_at=now)
    for pk in lost:
        enqueue(capture_source, pk)
    return len(lost)


def capture_run(capture_id: int, *, at=None) -> Capture | None:
    """Fetch a pending capture's URL and record what came back. Run twice, the second run changes nothing."""
    capture = Capture.objects.filter(pk=capture_id).first()
    if capture is None or capture.state != Capture.State.PENDING:
        return capture
    return capture_record(capture=capture, fetched=fetch(capture.url), at=at)


@dataclass
class _Read:
    sha256: str = ""
    extracted: extract.Extracted | None = None
    fingerprint: str = ""
    warc: bytes | None = None


def _read(fetched: Fetched, *, stand_in: bool) -> _Read:
    """The expensive part of recording, done before any row is locked."""
    if fetched.status is None:
        return _Read(warc=warc.to_warc(fetched) if fetched.hops else None)
    extracted = extract.extract(
        fetched.body, content_type=fetched.content_type, url=fetched.final_url or fetched.url, charset=fetched.charset
    )
    info = {"demo-stand-in": "true: a small page standing in for the real one, not a copy of it"} if stand_in else None
    return _Read(
        sha256=hashlib.sha256(fetched.body).hexdigest(),
        extracted=extracted,
        fingerprint=extract.fingerprint(extracted.text),
        warc=warc.to_warc(fetched, extra_info=info),
    )


def snapshot(capture: Capture | None) -> compare.Snapshot | None:
    if capture is None:
        return None
    return compare.Snapshot(
        requested_url=capture.url,
        final_url=capture.final_url,
        status=capture.http_status,
        error_code=capture.error_code,
        error=capture.error,
        sha256=capture.sha256,
        text=capture.text,
        fingerprint=capture.fingerprint,
    )


def _metadata(extracted: extract.Extracted | None) -> dict:
    if extracted is None:
        return {}
    found = {
        "title": extracted.title,
        "author": extracted.author,
        "publisher": extracted.publisher,
        "published_on": extracted.published_on.isoformat() if extracted.published_on else "",
        "updated_on": extracted.updated_on.isoformat() if extracted.updated_on else "",
        "language": extracted.language,
    }
    return {k: v for k, v in found.items() if v}


def capture_record(*, capture: Capture, fetched: Fetched, stand_in: bool = False, at=None) -> Capture:
    """Record a fetch as the capture, classify it against the source's last good capture and the copy that was
    cited, schedule the next check, and fill the source's empty fields from the page's own metadata."""
    read = _read(fetched, stand_in=stand_in)
    now = at or timezone.now()
    with transaction.atomic():
        capture = Capture.objects.select_for_update().select_related("source").get(pk=capture.pk)
        if capture.state != Capture.State.PENDING:
            return capture  # another run recorded it first
        watch, _ = Watch.objects.select_for_update().get_or_create(source=capture.source)
        fields = {
            "state": Capture.State.DONE,
            "captured_at": now,
            "final_url": fetched.final_url[:1000],
            "http_status": fetched.status,
            "content_type": fetched.content_type[:100],
            "size": len(fetched.body) if fetched.status is not None else None,
            "sha256": read.sha256,
            "text": read.extracted.text if read.extracted else "",
            "fingerprint": read.fingerprint,
            "metadata": _metadata(read.extracted),
            "error_code": fetched.error_code,
            "error": fetched.error[:500],
            "elapsed": fetched.elapsed,
            "is_demo_stand_in": stand_in,
        }
        for name, value in fields.items():
            setattr(capture, name, value)
        failing = fetched.status is None or fetched.status >= 400
        failing_for = now - watch.failing_since if failing and watch.failing_since else None
        previous = (
            Capture.objects.readable()
            .filter(source=capture.source)
            .exclude(pk=capture.pk)
            .order_by("-captured_at")
            .first()
        )
        capture.change, why = compare.classify(snapshot(previous), snapshot(capture), failing_for=failing_for)
        capture.change_reason = why[:500]
        if read.warc is not None:
            capture.warc.save(f"{capture.key}.warc.gz", ContentFile(read.warc), save=False)
        capture.save()
        _watch_after(watch, capture, now=now, failing=failing, failing_for=failing_for)
    if capture.is_readable and read.extracted is not None:
        _fill_source(capture, read.extracted, at=now)
    return capture


def _watch_after(watch: Watch, capture: Capture, *, now, failing: bool, failing_for) -> None:
    was = watch.since_cited
    if failing:
        watch.failing_since = watch.failing_since or now
    else:
        watch.failing_since = None
    if watch.baseline_id is None and capture.is_readable:
        watch.baseline = capture
    if watch.baseline_id is None or watch.baseline_id == capture.pk:
        since = capture.change if capture.change in (Change.GONE, Change.FAILED) else Change.FIRST
    else:
        since, _ = compare.classify(snapshot(watch.baseline), snapshot(capture), failing_for=failing_for)
    if since != Change.FAILED:  # a passing failure says nothing of the page; keep what is known
        watch.since_cited = since
    watch.state = capture.change
    watch.last = capture
    watch.checks += 1
    if capture.is_demo_stand_in:
        watch.next_check_at = None  # it stands for a page the demo does not fetch
    else:
        watch.next_check_at = now + check_interval(capture.source, failing=failing, failing_for=failing_for, now=now)
    if watch.since_cited != was:
        watch.changed_at = now
    watch.save()
    if watch.since_cited != was and watch.since_cited in NOTABLE:
        # In this transaction: the changes feed and webhooks (`source.changed`) get it if, and only if, it commits.
        source_changed_record(source=capture.source, change=watch.since_cited, at=now)
        transaction.on_commit(
            lambda: source_changed.send(sender=Watch, source=capture.source, capture=capture, change=watch.since_cited)
        )


def _fill_source(capture: Capture, extracted: extract.Extracted, *, at) -> None:
    found = {
        "title": extracted.title,
        "publisher": extracted.publisher,
        "author": extracted.author,
        "published_on": extracted.published_on,
    }
    source = capture.source
    if not any(getattr(source, name) in (None, "") and found.get(name) for name in SOURCE_FILLABLE):
        return
    filled = source_fill_blanks(source=source, by=archiver(), at=at, **{k: v for k, v in found.items() if v})
    if filled:
        Capture.objects.filter(pk=capture.pk).update(filled_fields=filled)
        capture.filled_fields = filled


def check_interval(source: Source, *, failing: bool = False, failing_for=None, now=None) -> datetime.timedelta:
    """How long until a source is checked again: recent and much-cited sources more often; a failing one sooner
    at first, then less often."""
    now = now or timezone.now()
    every = settings.WATCH_INTERVALS
    born = source.published_on or source.created_at.date()
    age = now.date() - born
    if age <= datetime.timedelta(days=7):
        interval = every["recent"]
    elif age <= datetime.timedelta(days=90):
        interval = every["month"]
    else:
        interval = every["old"]
    if Evidence.objects.filter(statement__source=source).count() >= settings.WATCH_MUCH_CITED:
        interval = interval / 2
    if failing:
        retry = every["failing"] * (2 ** min(int((failing_for or datetime.timedelta()) / every["failing"]), 6))
        interval = min(interval, retry)
    return interval


def _cited():
    return Exists(Evidence.objects.filter(statement__source=OuterRef("source")))


def check_due(*, now=None, limit: int | None = None, run: bool = True) -> list[Capture]:
    """One tick of the watch: ask for a capture of every cited source that is due, at most `limit`. Its cost is
    bounded by the sources due, not by all sources (an index on next_check_at)."""
    now = now or timezone.now()
    limit = limit or settings.WATCH_BATCH
    waiting = Capture.objects.filter(source=OuterRef("source"), state=Capture.State.PENDING, enqueued_at__isnull=False)
    with transaction.atomic():
        due = Watch.objects.due(now).select_related("source").annotate(cited=_cited(), waiting=Exists(waiting))
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        due = list(due[:limit])
        captures, resting = [], []
        for watch in due:
            if watch.waiting:
                watch.next_check_at = now + settings.WATCH_LEASE  # its capture is still to come (requeue_lost)
            elif watch.cited:
                captures.append(capture_request(source=watch.source, reason=Capture.Reason.WATCH, at=now, run=run))
                watch.next_check_at = now + settings.WATCH_LEASE  # until the capture is recorded
            else:
                watch.next_check_at = now + settings.WATCH_INTERVALS["old"]  # not cited: nothing to watch yet
            resting.append(watch)
        Watch.objects.bulk_update(resting, ["next_check_at"])
    return captures


def check_all(*, by=None, run: bool = True) -> list[Capture]:
    """Ask for a capture of every cited source now, whatever its schedule."""
    sources = Source.objects.filter(Exists(Evidence.objects.filter(statement__source=OuterRef("pk")))).order_by("pk")
    return [
        capture_request(source=s, reason=Capture.Reason.WATCH, by=by, run=run) for s in sources.iterator(chunk_size=500)
    ]


def watch_looked_at(*, source: Source, by) -> None:
    """An editor has looked at a changed source: it leaves the queue until it changes again."""
    Watch.objects.filter(source=source).update(looked_at=timezone.now(), looked_by=by)


def sources_to_look_at():
    return Watch.objects.to_look_at().select_related("source", "last").order_by("-changed_at")


def stand_in_fetch(*, url: str, body: bytes, at, content_type: str = "text/html; charset=utf-8") -> Fetched:
    """A fetch that did not happen: a shipped page standing in for url (the demo, without the internet)."""
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    hop = Hop(
        url=url,
        status=200,
        reason="OK",
        http_version="HTTP/1.1",
        request_headers=[("User-Agent", "factcheck demo")],
        headers=headers,
        body=body,
        at=at,
    )
    media_type = content_type.split(";")[0].strip().lower()
    return Fetched(
        url=url,
        final_url=url,
        hops=[hop],
        status=200,
        content_type=media_type,
        charset="utf-8",
        body=body,
        started_at=at,
        elapsed=0.0,
    )


class SavePageNowError(Exception):
    pass


def save_page_now(source_id: int) -> str:
    """Ask the Internet Archive's Save Page Now for a copy of the source; record where it is in archive_url, unless
    an editor has set one. Raises on failure, so the task is retried with backoff."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None or source.archive_url:
        return source.archive_url if source else ""
    fetched = fetch(settings.SAVE_PAGE_NOW_URL + source.url)
    if not fetched.ok or fetched.status >= 400:
        raise SavePageNowError(f"Save Page Now did not save {source.url}: {fetched.error or f'HTTP {fetched.status}'}")
    headers = {name.lower(): value for name, value in (fetched.hops[-1].headers if fetched.hops else [])}
    location = headers.get("content-location") or (fetched.final_url if "/web/" in fetched.final_url else "")
    if not location:
        raise SavePageNowError(f"Save Page Now answered without saying where the copy of {source.url} is.")
    archive_url = urljoin(settings.SAVE_PAGE_NOW_URL, location)
    source_fill_blanks(source=source, by=archiver(), archive_url=archive_url)
    return archive_url

"""The source archive's figures (docs/PERFORMANCE.md, item 7): captures per minute with one and with four
`db_worker` processes against a page server on 127.0.0.1, and the cost of one watch tick (`check_due`) with the
same sources due among 100 and among 100,000 watched sources. Rows are made and removed again; the data set of
claims is left as it was."""

import os
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from archive import services
from archive.models import Capture, Watch
from claims.models import Evidence, Source, Statement

from .measure import Row, Timing, database_url, medians_ms

URL_PREFIX = "http://127.0.0.1"
BENCH_HOST = "bench-archive.invalid"  # the watch-tick sources: never fetched (run=False)
PAGE_LATENCY = 0.1  # seconds the page server waits before answering, as a distant site would
PARAGRAPH = (
    "<p>A group of artists in the early-access program said they leaked access to the video model in protest "
    "against how the program treats artists; the company would not confirm whether the leak was authentic.</p>"
)
PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>A cited article</title>"
    "<meta name='author' content='A reporter'><meta property='og:site_name' content='Bench News'>"
    "<meta property='article:published_time' content='2024-11-26'></head><body><main><article>"
    "<h1>A cited article</h1>" + PARAGRAPH * 60 + "</article></main></body></html>"
).encode()


class _Page(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        time.sleep(PAGE_LATENCY)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


def serve_pages() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"{URL_PREFIX}:{server.server_address[1]}"


def _worker_env() -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(str(connection.settings_dict["NAME"])),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "FACTCHECK_TASKS": "db",
        "FACTCHECK_ALLOW_LOOPBACK": "1",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }


def drain_with_workers(workers: int) -> float:
    """Start `workers` db_worker processes in batch mode, wait until they have emptied the queue and stopped, and
    return how many seconds that took."""
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "db_worker"]
    args = ["--batch", "--no-startup-delay", "--interval", "0.05", "--no-reload", "--verbosity", "0"]
    start = time.monotonic()
    processes = [subprocess.Popen([*manage, *args], env=_worker_env()) for _ in range(workers)]  # noqa: S603
    for process in processes:
        process.wait(timeout=1800)
    return time.monotonic() - start


def captures_per_minute(base_url: str, *, workers: int, captures: int) -> tuple[float, float]:
    """Captures per minute, and seconds in all, with `workers` worker processes draining `captures` fetches."""
    run = uuid.uuid4().hex[:8]
    with services.paused():
        sources = Source.objects.bulk_create(
            # Every field a capture could fill is set: no archiver account is made in the benchmark's database.
            [
                Source(
                    url=f"{base_url}/{run}/{n}",
                    title=f"Bench {n}",
                    publisher="Bench",
                    author="A reporter",
                    published_on=timezone.now().date(),
                )
                for n in range(captures)
            ]
        )
    with transaction.atomic():
        made = [services.capture_request(source=s, reason=Capture.Reason.ASKED) for s in sources]
    seconds = drain_with_workers(workers)
    done = Capture.objects.filter(pk__in=[c.pk for c in made], state=Capture.State.DONE, http_status=200).count()
    try:
        if done != captures:
            raise RuntimeError(f"{workers} worker(s) recorded {done} of {captures} captures")
    finally:
        for capture in Capture.objects.filter(source__in=sources).exclude(warc=""):
            capture.warc.delete(save=False)
        _remove([s.pk for s in sources])
    return captures / seconds * 60, seconds


def _watched(count: int, *, due: bool, now) -> list[Source]:
    """`count` bench sources with their watches; the due ones are cited (by one bench-data claim)."""
    run = uuid.uuid4().hex[:8]
    made = []
    for start in range(0, count, 5000):
        batch = [
            Source(url=f"https://{BENCH_HOST}/{run}/{n}", title=f"Watched {n}")
            for n in range(start, min(count, start + 5000))
        ]
        made += Source.objects.bulk_create(batch)
        when = now - timezone.timedelta(minutes=1) if due else now + timezone.timedelta(days=30)
        Watch.objects.bulk_create([Watch(source=s, next_check_at=when) for s in batch])
    if due:
        evidence = Evidence.objects.select_related("statement").order_by("pk")[: len(made)]
        for source, cited in zip(made, evidence, strict=False):
            statement = cited.statement
            statement.pk, statement.id, statement.source_id = None, None, source.pk
            statement.save()
            Evidence.objects.create(claim_id=cited.claim_id, statement=statement, stance=cited.stance)
    return made


def _tick(now, due: int) -> None:
    with transaction.atomic():
        asked = services.check_due(now=now, limit=due, run=False)
        if len(asked) != due:
            raise RuntimeError(f"the tick asked for {len(asked)} captures, not {due}")
        transaction.set_rollback(True)  # the same sources stay due for the next run


def tick_costs(*, due: int, small: int, large: int, repeat: int) -> tuple[Timing, Timing]:
    """One tick with `due` sources due among `small`, then among `large`, watched sources."""
    now = timezone.now()
    removable = []
    try:
        removable += _watched(due, due=True, now=now)
        removable += _watched(small - due, due=False, now=now)
        timings = []
        for total in (small, large):
            if total > small:
                removable += _watched(total - small, due=False, now=now)
            (ms,), runs = medians_ms([lambda: _tick(now, due)], repeat)
            with CaptureQueriesContext(connection) as queries:
                _tick(now, due)
            timings.append(Timing(ms, len(queries), runs=runs))
        return timings[0], timings[1]
    finally:
        _remove([s.pk for s in removable])


def _remove(ids: list[int]) -> None:
    """Delete the bench's own sources and what hangs on them, without a history row or signal for each."""
    using = connection.alias
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for queryset in (
            Evidence.objects.filter(statement__source__in=chunk),
            Statement.objects.filter(source__in=chunk),
            Watch.objects.filter(source__in=chunk),
            Capture.objects.filter(source__in=chunk),
            Source.objects.filter(pk__in=chunk),
        ):
            queryset._raw_delete(using)


def rows(repeat: int, *, captures: int = 120, workers: int = 4, large: int = 100_000) -> tuple[list[Row], list[str]]:
    server, base_url = serve_pages()
    try:
        one_rate, one_seconds = captures_per_minute(base_url, workers=1, captures=captures)
        many_rate, many_seconds = captures_per_minute(base_url, workers=workers, captures=captures)
    finally:
        server.shutdown()
    small_tick, large_tick = tick_costs(due=100, small=100, large=large, repeat=repeat)
    # Per capture: the lower the better, so a ratio below 1 is the speed-up.
    one = Timing(one_seconds / captures * 1000, runs=1)
    many = Timing(many_seconds / captures * 1000, runs=1)
    found = [
        Row("7", f"capture, {workers} workers ({many_rate:,.0f}/min)", many, f"1 worker ({one_rate:,.0f}/min)", one),
        Row("7", f"watch tick, 100 due of {large:,} sources", large_tick, "100 due of 100 sources", small_tick, 1.5),
    ]
    notes = [
        f"Captures: {captures} fetches of a {len(PAGE) // 1024} KB page from a server on 127.0.0.1 that waits "
        f"{PAGE_LATENCY * 1000:.0f} ms before answering; each worker is a `db_worker --batch` process. "
        f"1 worker: {one_rate:,.0f} captures/min; {workers} workers: {many_rate:,.0f} captures/min.",
    ]
    return found, notes

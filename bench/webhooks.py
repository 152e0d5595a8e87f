"""Webhooks' figure (docs/PERFORMANCE.md, item 9): deliveries per second to three receivers on 127.0.0.1 for 1,000
events (3,000 deliveries), with one and with four `db_worker` processes, none lost or duplicated at the receivers
(each verifies the signature with the `standardwebhooks` package, deduplicates by webhook-id and counts). The rows
are made for the figure and removed again."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from standardwebhooks import Webhook

from claims.models import Claim, PublicChange
from webhooks import services
from webhooks.models import Delivery, Dispatch, Endpoint

from .archive import drain_with_workers
from .measure import BenchError, Row, Timing

RECEIVERS = 3
RECEIVER_LATENCY = 0.01  # seconds each receiver takes to answer, as a small service would
BENCH_USER = "bench-webhooks"


class _Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server = self.server
        try:
            server.webhook.verify(body, dict(self.headers.items()))
            ok = True
        except Exception:  # noqa: BLE001 - counted as a bad signature
            ok = False
        time.sleep(RECEIVER_LATENCY)
        with server.lock:
            key = self.headers.get("webhook-id", "")
            server.counts[key] = server.counts.get(key, 0) + 1
            server.bad += 0 if ok else 1
        self.send_response(204 if ok else 400)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _receiver() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.daemon_threads = True
    server.lock, server.counts, server.bad, server.webhook = threading.Lock(), {}, 0, None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def deliveries_per_second(*, workers: int, events: int, claim_ids: list[int]) -> tuple[float, float, float]:
    """Deliveries per second, and seconds in all, with `workers` worker processes sending `events` events to three
    receivers, and the seconds the fan-out took before; raises BenchError when one was lost, duplicated or badly
    signed."""
    servers = [_receiver() for _ in range(RECEIVERS)]
    owner, made_owner = get_user_model().objects.get_or_create(username=BENCH_USER, defaults={"is_active": False})
    start = PublicChange.objects.aggregate(last=Max("id"))["last"] or 0
    Dispatch.objects.update_or_create(pk=1, defaults={"position": start})
    endpoints = []
    try:
        for server in servers:
            endpoint = services.endpoint_create(owner=owner, url=f"http://127.0.0.1:{server.server_address[1]}/hook")
            server.webhook = Webhook(endpoint.secret)
            endpoints.append(endpoint)
        now = timezone.now()
        PublicChange.objects.bulk_create(
            PublicChange(
                kind=PublicChange.Kind.UPDATED,
                claim_id=claim_ids[n % len(claim_ids)],
                at=now,
                data={"slug": "bench", "note_kind": "update", "reason": "A benchmark change."},
            )
            for n in range(events)
        )
        fan_out = time.perf_counter()
        services.dispatch_changes()  # the fan-out, timed apart: the figure is the sending
        fan_out = time.perf_counter() - fan_out
        expected = events * RECEIVERS
        made = Delivery.objects.filter(endpoint__in=endpoints).count()
        if made != expected:
            raise BenchError(f"the fan-out made {made} deliveries, not {expected}")
        seconds = drain_with_workers(workers)
        for server in servers:
            counts = server.counts
            if server.bad or len(counts) != events or set(counts.values()) != {1}:
                twice = sum(1 for c in counts.values() if c > 1)
                raise BenchError(
                    f"{workers} worker(s): a receiver got {len(counts)} of {events} events, {twice} more than once, "
                    f"{server.bad} badly signed"
                )
        delivered = Delivery.objects.filter(endpoint__in=endpoints, state=Delivery.State.DELIVERED).count()
        if delivered != expected:
            raise BenchError(f"{workers} worker(s) delivered {delivered} of {expected}")
        return expected / seconds, seconds, fan_out
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        Endpoint.objects.filter(pk__in=[e.pk for e in endpoints]).delete()  # their deliveries and attempts too
        PublicChange.objects.filter(id__gt=start)._raw_delete(connection.alias)
        Dispatch.objects.filter(pk=1).update(position=start)
        if made_owner:
            owner.delete()


def rows(*, events: int = 1000, workers: int = 4) -> tuple[list[Row], list[str]]:
    claim_ids = list(Claim.objects.public().values_list("pk", flat=True)[:1000])
    if not claim_ids:
        raise BenchError("the webhooks' figure needs public claims in the data set")
    one_rate, one_seconds, fan_out = deliveries_per_second(workers=1, events=events, claim_ids=claim_ids)
    many_rate, many_seconds, _ = deliveries_per_second(workers=workers, events=events, claim_ids=claim_ids)
    total = events * RECEIVERS
    one = Timing(one_seconds / total * 1000, runs=1)
    many = Timing(many_seconds / total * 1000, runs=1)
    found = [
        Row(
            "9", f"webhook delivery, {workers} workers ({many_rate:,.0f}/s)", many, f"1 worker ({one_rate:,.0f}/s)", one
        )
    ]
    notes = [
        f"Webhooks: {events:,} events to {RECEIVERS} receivers on 127.0.0.1 ({total:,} signed POSTs; each receiver "
        f"verifies with standardwebhooks, waits {RECEIVER_LATENCY * 1000:.0f} ms, and counts by webhook-id: none lost "
        f"or duplicated). 1 worker: {one_rate:,.0f} deliveries/s; {workers} workers: {many_rate:,.0f}/s; "
        f"{workers} workers vs 1: {many_rate / one_rate:.2f}x. The fan-out before (one delivery per event and "
        f"endpoint, each event with its claim's ETag) took {fan_out * 1000:,.0f} ms "
        f"({fan_out / events * 1000:.2f} ms per event).",
    ]
    return found, notes

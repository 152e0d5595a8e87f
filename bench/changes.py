"""The changes feed's figure (docs/PERFORMANCE.md, item 8): a page of `GET /api/v1/changes/` read from the middle of
the log, with 10,000 and with 1,000,000 changes recorded. The rows are made for the figure and removed again."""

from django.db import connection
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from claims.api.changes import encode_cursor
from claims.models import Claim, PublicChange

from .measure import BenchError, Pages, Timing

BATCH = 10_000
SMALL = 10_000  # the baseline: the same page with this many changes logged


def _fill(start: int, have: int, total: int, claim_ids: list[int]) -> None:
    """Log changes until `total` are recorded after id `start` (`have` already are)."""
    now = timezone.now()
    for first in range(have, total, BATCH):
        PublicChange.objects.bulk_create(
            PublicChange(
                kind=PublicChange.Kind.UPDATED,
                claim_id=claim_ids[n % len(claim_ids)],
                at=now,
                data={"slug": "bench", "reason": "A benchmark change."},
            )
            for n in range(first, min(total, first + BATCH))
        )


def page_costs(pages: Pages, *, small: int = SMALL, large: int = 1_000_000) -> tuple[Timing, Timing]:
    """The same page (100 changes after the middle of the log) with `small`, then `large`, changes logged."""
    claim_ids = list(Claim.objects.public().values_list("pk", flat=True)[:1000])
    if not claim_ids:
        raise BenchError("the changes feed's figure needs public claims in the data set")
    start = PublicChange.objects.aggregate(last=Max("id"))["last"] or 0
    url = reverse("api:changes")
    try:
        timings = []
        have = 0
        for total in (small, large):
            _fill(start, have, total, claim_ids)
            have = total
            middle = PublicChange.objects.filter(id__gt=start).order_by("id").values_list("id", flat=True)[total // 2]
            (timing,) = pages.time(f"{url}?page_size=100&after={encode_cursor(middle)}")
            timings.append(timing)
        return timings[0], timings[1]
    finally:
        PublicChange.objects.filter(id__gt=start)._raw_delete(connection.alias)

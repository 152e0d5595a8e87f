"""The benchmark's baselines, served only by factcheck/urls_bench.py (never by the site's own URLs)."""

import orjson
from django.conf import settings
from django.http import HttpResponse

from claims.models import Claim

FLOOR_PAGE_SIZE = 100
# The API list's fields that are columns; topics and the page URL are added below as the API adds them.
FLOOR_FIELDS = [
    "id",
    "slug",
    "text",
    "claimant_id",
    "first_appearance_id",
    "first_appeared_on",
    "summary",
    "verdict",
    "status",
    "language",
    "version",
    "published_at",
    "retracted_at",
    "retraction_reason",
    "created_at",
    "updated_at",
]


def trivial(request):
    """The least a Django view can do: the full middleware stack and a constant answer."""
    return HttpResponse(b"ok", content_type="text/plain")


def floor(request):
    """The API claim list's first page read with .values() and serialized with orjson: what it cannot beat."""
    rows = list(Claim.objects.public().order_by("-updated_at", "-id").values(*FLOOR_FIELDS)[:FLOOR_PAGE_SIZE])
    topics: dict[int, list[int]] = {}
    through = Claim.topics.through.objects.filter(claim_id__in=[r["id"] for r in rows])
    for claim_id, topic_id in through.values_list("claim_id", "topic_id"):
        topics.setdefault(claim_id, []).append(topic_id)
    site = settings.SITE_URL
    for row in rows:
        row["topics"] = topics.get(row["id"], [])
        row["page_url"] = f"{site}/claims/{row['slug']}/"
    body = orjson.dumps({"next": None, "previous": None, "results": rows})
    return HttpResponse(body, content_type="application/json")

"""The benchmark's baselines, served only by bench/urls.py (never by the site's own URLs)."""

import orjson
from django.conf import settings
from django.http import HttpResponse

from claims.api.serializers import CLAIM_LIST_COLUMNS
from claims.models import Claim

FLOOR_PAGE_SIZE = 100
# The API list's columns (it reads them the same way); topics and the page URL are added below as the API adds them.
FLOOR_FIELDS = CLAIM_LIST_COLUMNS


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

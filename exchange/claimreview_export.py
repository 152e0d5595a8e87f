"""Our ClaimReviews as a schema.org DataFeed (the feed endpoint and export_claimreview)."""

from django.conf import settings
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims import verdicts
from claims.models import Claim
from exchange.claimreview import CLAIMREVIEW_DEFER, CLAIMREVIEW_PREFETCH, CLAIMREVIEW_SELECT, claim_review


def exportable_claims():
    """Published, rated claims, ready for claim_review() without further queries."""
    return (
        Claim.objects.published()
        .filter(verdict__in=verdicts.EXPORTED)
        .select_related(*CLAIMREVIEW_SELECT)
        .defer(*CLAIMREVIEW_DEFER)
        .prefetch_related(*CLAIMREVIEW_PREFETCH)
        .order_by("-id")
    )


def feed_date_modified(queryset) -> str:
    """When anything in the feed last changed for readers: the newest public "updated" date (a verdict change or
    public note; else the publication), or now for an empty feed. A silent internal save does not move it."""
    latest = queryset.order_by().aggregate(latest=Max(Coalesce("public_updated_at", "published_at")))["latest"]
    return (latest or timezone.now()).isoformat()


def build_feed(claims, *, date_modified: str, url: str = "", extra: dict | None = None) -> dict:
    """A DataFeed of the ClaimReview of each claim (the same objects the claim pages embed)."""
    feed = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "name": f"{settings.PUBLISHER_NAME}: fact checks (ClaimReview)",
        "publisher": {"@type": "Organization", "name": settings.PUBLISHER_NAME, "url": settings.PUBLISHER_URL},
        "dateModified": date_modified,
    }
    if url:
        feed["url"] = url
    feed.update(extra or {})
    feed["dataFeedElement"] = [review for review in map(claim_review, claims) if review is not None]
    return feed

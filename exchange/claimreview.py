"""schema.org ClaimReview for a claim: the JSON-LD its page embeds and the API and feeds serve."""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch

from archive import reading
from claims import verdicts
from claims.models import Claim, Evidence, Speaker, Status

# So that no text inside can close the <script> element it is embedded in.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

# What callers select, defer and prefetch so that building a review runs no further queries: each source with the
# copy that was cited (archivedAt), without its text.
CLAIMREVIEW_PREFETCH = [
    Prefetch(
        "evidence",
        queryset=Evidence.objects.select_related(reading.cited_path("statement__source")).defer(
            *reading.cited_defer("statement__source")
        ),
    ),
    "claimant__affiliation",
]
CLAIMREVIEW_SELECT = ["claimant", reading.cited_path("first_appearance")]
CLAIMREVIEW_DEFER = reading.cited_defer("first_appearance")


def canonical_url(obj) -> str:
    return settings.SITE_URL + obj.get_absolute_url()


def _organization() -> dict:
    return {"@type": "Organization", "name": settings.PUBLISHER_NAME, "url": settings.PUBLISHER_URL}


def _speaker(speaker: Speaker) -> dict:
    data = {
        "@type": "Organization" if speaker.kind == Speaker.Kind.ORGANIZATION else "Person",
        "name": speaker.name,
    }
    same_as = [
        u for u in (speaker.url, speaker.wikidata_id and f"https://www.wikidata.org/wiki/{speaker.wikidata_id}") if u
    ]
    if same_as:
        data["sameAs"] = same_as
    if speaker.title:
        data["jobTitle" if speaker.kind == Speaker.Kind.PERSON else "description"] = speaker.title
    return data


def _work(source) -> dict:
    data = {"@type": "CreativeWork", "url": source.url, "headline": source.title}
    if source.published_on:
        data["datePublished"] = source.published_on.isoformat()
    if source.publisher:
        data["publisher"] = {"@type": "Organization", "name": source.publisher}
    cited = reading.cited_copy(source)
    if cited is not None and not cited.is_demo_stand_in:  # a demo's stand-in is no copy of the source
        data["archivedAt"] = reading.archived_at(source)
    return data


def is_exportable(claim: Claim) -> bool:
    return claim.status == Status.PUBLISHED and verdicts.grade(claim.verdict).exported


def claim_review(claim: Claim) -> dict | None:
    """The ClaimReview of a published, rated claim; None for any other."""
    if not is_exportable(claim):
        return None
    rating = verdicts.review_rating(claim.verdict)

    item = {"@type": "Claim"}
    if claim.claimant_id:
        item["author"] = _speaker(claim.claimant)
    if claim.first_appeared_on:
        item["datePublished"] = claim.first_appeared_on.isoformat()
    appearances = {}
    if claim.first_appearance_id:
        item["firstAppearance"] = _work(claim.first_appearance)
        appearances[claim.first_appearance.url] = item["firstAppearance"]
    for evidence in claim.evidence.all():
        if evidence.stance == Evidence.Stance.SUPPORTS and evidence.rank != Evidence.Rank.DEPRECATED:
            source = evidence.statement.source
            appearances.setdefault(source.url, _work(source))
    if appearances:
        item["appearance"] = list(appearances.values())

    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": canonical_url(claim),
        "claimReviewed": claim.text,
        "author": _organization(),
        "datePublished": (claim.published_at or claim.created_at).date().isoformat(),
        "dateModified": (claim.public_updated_at or claim.published_at or claim.created_at).isoformat(),
        "inLanguage": claim.language,
        "reviewRating": rating,
        "itemReviewed": item,
    }
    return review


def to_script_json(data) -> str:
    """JSON safe to place inside <script type="application/ld+json">."""
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)

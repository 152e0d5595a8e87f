"""Search over claims for the public pages: one place, so a ranked full-text search can replace it."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Evidence

MAX_QUERY_LENGTH = 200


def clean_query(raw: str | None) -> str:
    """A search string safe for any database: no NUL or control characters, trimmed, capped."""
    if not raw:
        return ""
    text = "".join(ch if ch.isprintable() else " " for ch in raw)
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def search_claims(claims: QuerySet, q: str) -> QuerySet:
    """Claims whose text, summary or any evidence statement's text contains q (case-insensitive)."""
    if not q:
        return claims
    in_statements = Evidence.objects.filter(claim=OuterRef("pk"), statement__text__icontains=q)
    return claims.filter(Q(text__icontains=q) | Q(summary__icontains=q) | Exists(in_statements))


def involving_speaker(claims: QuerySet, speaker) -> QuerySet:
    """Claims the speaker made, or on which one of their statements is evidence."""
    said = Evidence.objects.filter(claim=OuterRef("pk"), statement__speaker=speaker)
    return claims.filter(Q(claimant=speaker) | Exists(said))

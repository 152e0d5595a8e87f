"""Claims as CSV, for the admin action and ``/api/v1/claims/?format=csv``.

Cells a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage
return) get a leading apostrophe, so a claim text can never execute in Excel or LibreOffice.

Wiring:

- admin action: ``return claims_csv_response(queryset, "claims.csv")``
- API: add ``ClaimCSVRenderer`` to the list view's ``renderer_classes`` and mix in
  ``ClaimCSVListMixin`` so that ``?format=csv`` gets the filtered queryset, all of it,
  without pagination.
"""

import csv
import io
from collections.abc import Iterable, Iterator

from django.db.models import Count, Q
from django.db.models.query import QuerySet
from django.http import HttpResponse
from rest_framework import renderers
from rest_framework.response import Response

from claims.models import Evidence
from exchange.claimreview import canonical_url

HEADER = [
    "text",
    "slug",
    "verdict",
    "claimant",
    "topics",
    "first appeared on",
    "published",
    "updated",
    "url",
    "supporting statements",
    "refuting statements",
]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value) -> str:
    """A cell value a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _counted(queryset: QuerySet) -> QuerySet:
    # Deprecated evidence is superseded: it does not count.
    live = ~Q(evidence__rank=Evidence.Rank.DEPRECATED)
    return (
        queryset.select_related("claimant")
        .prefetch_related("topics")
        .annotate(
            csv_supporting=Count("evidence", filter=Q(evidence__stance=Evidence.Stance.SUPPORTS) & live, distinct=True),
            csv_refuting=Count("evidence", filter=Q(evidence__stance=Evidence.Stance.REFUTES) & live, distinct=True),
        )
    )


def claim_csv_rows(queryset: QuerySet) -> Iterator[list[str]]:
    """The header, then one row per claim; a fixed number of queries whatever the length."""
    yield HEADER
    for claim in _counted(queryset):
        yield [
            neutralize(v)
            for v in (
                claim.text,
                claim.slug,
                claim.get_verdict_display(),
                claim.claimant.name if claim.claimant_id else "",
                "; ".join(sorted(t.name for t in claim.topics.all())),
                claim.first_appeared_on.isoformat() if claim.first_appeared_on else "",
                claim.published_at.isoformat() if claim.published_at else "",
                claim.public_updated_at.isoformat() if claim.public_updated_at else "",
                canonical_url(claim),
                claim.csv_supporting,
                claim.csv_refuting,
            )
        ]


def write_claims_csv(queryset: QuerySet, file) -> None:
    """Write the claims of queryset as CSV to a text file-like object (an HttpResponse works)."""
    csv.writer(file).writerows(claim_csv_rows(queryset))


def claims_csv_response(queryset: QuerySet, filename: str = "claims.csv") -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    write_claims_csv(queryset, response)
    return response


def _plain_rows(data) -> Iterable[list[str]]:
    """Anything else a view answers with (errors, plain dicts or lists), as key/value CSV."""
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]  # a paginated page that did not go through ClaimCSVListMixin
    if isinstance(data, dict):
        yield ["field", "value"]
        for key, value in data.items():
            yield [neutralize(key), neutralize(" ".join(map(str, value)) if isinstance(value, list) else value)]
    elif isinstance(data, list) and data and all(isinstance(row, dict) for row in data):
        keys = list(data[0])
        yield [neutralize(k) for k in keys]
        for row in data:
            yield [neutralize(row.get(k)) for k in keys]
    elif data is not None:
        yield [neutralize(data)]


class ClaimCSVRenderer(renderers.BaseRenderer):
    """Renders a queryset of claims as CSV (see ClaimCSVListMixin); other data as key/value rows."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerows(claim_csv_rows(data) if isinstance(data, QuerySet) else _plain_rows(data))
        response = (renderer_context or {}).get("response")
        if response is not None and isinstance(data, QuerySet) and not response.has_header("Content-Disposition"):
            response["Content-Disposition"] = 'attachment; filename="claims.csv"'
        return out.getvalue().encode(self.charset)


class ClaimCSVListMixin:
    """For a claim ListAPIView/ViewSet: ``?format=csv`` answers the whole filtered list as CSV."""

    def list(self, request, *args, **kwargs):
        if isinstance(getattr(request, "accepted_renderer", None), ClaimCSVRenderer):
            return Response(self.filter_queryset(self.get_queryset()))
        return super().list(request, *args, **kwargs)

"""GET /api/v1/changes/: every change to the public record, oldest first, paged by an opaque cursor.

A keyset on the primary key (`id > after ORDER BY id LIMIT n`): one query a page however long the log, and
`next` always carries a cursor, so a client polls from where it is and never reads a change twice.
"""

import base64
import binascii
import re
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.models import PublicChange
from claims.workflow import PUBLIC_STATUSES
from factcheck.conditional import conditional, etag_for

from .pagination import DEFAULT_PAGE_SIZE, ApiCursorPagination
from .views import ApiViewMixin

CURSOR_PARAM = "after"
_CURSOR_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CURSOR_TEXT = re.compile(r"changes:(0|[1-9][0-9]{0,18})")
_MAX_ID = 2**63 - 1


class InvalidCursor(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid cursor: use the `next` link of a page of /api/v1/changes/ as it is."
    default_code = "invalid_cursor"


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"changes:{position}".encode()).decode().rstrip("=")


def decode_cursor(token: str) -> int:
    """The id a cursor continues after; InvalidCursor for anything encode_cursor could not have written."""
    if not _CURSOR_TOKEN.fullmatch(token):
        raise InvalidCursor()
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor() from None
    found = _CURSOR_TEXT.fullmatch(text)
    if found is None or int(found[1]) > _MAX_ID:
        raise InvalidCursor()
    return int(found[1])


ROW_FIELDS = ("id", "kind", "at", "data", "claim_id", "claim__slug", "source_id")


def public_changes():
    """The changes a client may read: a claim's while the claim is on the record, and every source's."""
    return PublicChange.objects.filter(Q(claim__status__in=PUBLIC_STATUSES) | Q(claim__isnull=True))


def change_item(row: dict, absolute: Callable[[str], str]) -> dict:
    """One item of the feed from a row of `public_changes().values(*ROW_FIELDS)`; `absolute` makes a path a URL
    (the request's build_absolute_uri, or the site's address where there is no request: webhooks)."""
    claim = source = None
    if row["claim_id"] is not None:
        slug = row["claim__slug"]
        claim = {
            "id": row["claim_id"],
            "slug": slug,
            "url": absolute(reverse("api:claim-detail", kwargs={"slug": slug})),
            "html_url": settings.SITE_URL + reverse("claims:claim_detail", kwargs={"slug": slug}),
        }
    if row["source_id"] is not None:
        source = {
            "id": row["source_id"],
            "url": absolute(reverse("api:source-detail", kwargs={"pk": row["source_id"]})),
            "html_url": settings.SITE_URL + reverse("claims:source_detail", kwargs={"pk": row["source_id"]}),
        }
    return {
        "id": str(row["id"]),
        "type": row["kind"],
        "at": row["at"],
        "claim": claim,
        "source": source,
        "data": row["data"],
    }


class ChangedClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    url = serializers.URLField(help_text="The claim in the API.")
    html_url = serializers.URLField(help_text="The claim's public page.")


class ChangedSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The source in the API.")
    html_url = serializers.URLField(help_text="The source's public page.")


class ChangeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The change's id: opaque, unique, in the order of the feed.")
    type = serializers.ChoiceField(choices=PublicChange.Kind.choices, help_text="What happened.")
    at = serializers.DateTimeField(help_text="When it happened on the record.")
    claim = ChangedClaimSerializer(allow_null=True, help_text="The claim that changed; null for `source.changed`.")
    source = ChangedSourceSerializer(
        allow_null=True,
        help_text="The source that changed, for `source.changed` (null for a claim's change, or when the source "
        "has since been deleted).",
    )
    data = serializers.SerializerMethodField(
        help_text="The public fields a client needs: `slug`, `verdict`, `status`, `public_updated_at`; with a "
        "publication `published_at`; with a verdict change `previous_verdict`, `verdict_change_kind` (initial, "
        "update, correction) and `reason`; with a public note `note_kind` (update, correction) and `reason`; with a "
        "retraction `reason`. For `source.changed`: `source_id`, `url` (the source's own address) and `change` "
        "(drifted, moved or gone)."
    )

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_data(self, change) -> dict:
        return change["data"]


class ChangesPageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    next = serializers.URLField(
        help_text="Where to read on from: always given, also when there is nothing newer yet (poll it later)."
    )


def _page_size(request) -> int:
    return ApiCursorPagination().get_page_size(request)


class ChangesView(ApiViewMixin, APIView):
    """The public record's changes, in order: the record webhooks nudge clients to read."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="changes_list",
        summary="The changes feed",
        description="Every change to the public record, oldest first: `claim.published` (with its rating), "
        "`claim.updated` (a public note of kind update), `claim.verdict_changed` (after publication, with "
        "`verdict_change_kind`), `claim.retracted` and `correction.published` (a public note of kind correction, "
        "or a verdict change of kind correction, which also appears as `claim.verdict_changed`), and "
        "`source.changed` (the source watch found a cited source drifted, moved or gone: `claim` is null, `source` "
        "names it). Nothing in draft or review appears. Start without `after`, follow `next` until a page comes "
        "back with fewer items than the page size, keep the last `next` and poll it later: each change is read "
        "once, in order. `next` is "
        "always given, also on an empty page. A cursor that is not one the feed gave is refused with 400, code "
        "`invalid_cursor`. The claim's ETag is not included: read the claim's `url` for it.",
        parameters=[
            OpenApiParameter(
                CURSOR_PARAM,
                OpenApiTypes.STR,
                description="The cursor: copy the `next` link of the page before as it is.",
            ),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description=f"Changes per page: {DEFAULT_PAGE_SIZE} by default, at most {settings.API_MAX_PAGE_SIZE}.",
            ),
        ],
        responses={200: ChangesPageSerializer},
    )
    def get(self, request):
        raw = request.query_params.get(CURSOR_PARAM)
        after = 0 if raw is None else decode_cursor(raw)
        size = _page_size(request)
        rows = list(public_changes().filter(id__gt=after).order_by("id").values(*ROW_FIELDS)[:size])
        last = rows[-1]["id"] if rows else after
        page = ChangesPageSerializer(
            {
                "results": [change_item(row, request.build_absolute_uri) for row in rows],
                "next": self._next_url(request, last, size),
            }
        ).data
        return conditional(request, Response(page), etag_for(page, weak=True))

    def _next_url(self, request, last: int, size: int) -> str:
        query = request.query_params.copy()
        query[CURSOR_PARAM] = encode_cursor(last)
        if "page_size" in query:
            query["page_size"] = str(size)
        return request.build_absolute_uri(request.path) + "?" + query.urlencode()

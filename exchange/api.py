"""ClaimReview exchange over the API: the public DataFeed and the staff-only import.

Included from factcheck/urls.py ahead of the main API urls.
"""

from django.core.exceptions import RequestDataTooBig
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import ParseError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apikeys.permissions import KeyScopeMixin
from apikeys.scopes import Scope
from exchange.claimreview_export import build_feed, exportable_claims, feed_date_modified
from exchange.claimreview_import import ImportReport, Problem, import_document
from factcheck.conditional import conditional, etag_for

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ClaimReviewFeedPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data):
        return Response(data)


class ClaimReviewFeedView(KeyScopeMixin, ListAPIView):
    """Every published, rated claim as schema.org ClaimReview, in a paginated DataFeed."""

    permission_classes = [permissions.AllowAny]
    pagination_class = ClaimReviewFeedPagination
    filter_backends: list = []

    def get_queryset(self):
        return exportable_claims()

    @extend_schema(
        operation_id="claimreview_feed",
        tags=["claimreview"],
        parameters=[
            OpenApiParameter("cursor", str, description="The page, from the feed's `next` or `previous` link."),
            OpenApiParameter("page_size", int, description="Items per page, 50 by default, at most 200."),
        ],
        summary="ClaimReview DataFeed",
        description="A schema.org DataFeed of the ClaimReview of every published, rated claim, newest first; "
        "follow `next` for the following page.",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        links = {"next": self.paginator.get_next_link(), "previous": self.paginator.get_previous_link()}
        feed = build_feed(
            page,
            date_modified=feed_date_modified(queryset),
            url=request.build_absolute_uri(request.path),
            extra=links,
        )
        return conditional(request, Response(feed), etag_for(feed, weak=True))


class RawBodyParser(BaseParser):
    """The body as bytes, for the importer to read (JSON-LD, Google's JSON or an HTML page)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return stream.read(MAX_UPLOAD_BYTES + 1) if stream is not None else b""
        except RequestDataTooBig:
            raise ParseError("The body is too large.") from None


class IsStaffWhoMayAddClaims(permissions.BasePermission):
    message = "Importing needs a staff account with the permission to add claims."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff and user.has_perm("claims.add_claim"))


class ClaimReviewImportView(KeyScopeMixin, APIView):
    """Import ClaimReview JSON-LD, an HTML page embedding it, or a Google Fact Check Tools response."""

    permission_classes = [IsStaffWhoMayAddClaims]
    key_scope = Scope.WRITE
    parser_classes = [MultiPartParser, RawBodyParser]

    @extend_schema(
        operation_id="claimreview_import",
        tags=["claimreview"],
        summary="Import ClaimReview",
        description="The body is the document itself (application/json, application/ld+json or text/html), or "
        "a multipart upload with one or more files in `file`. Claims are created or updated as drafts, "
        "never published; every review is kept as an external review. Answers the counts and, per item, "
        "the reason any item was skipped. 400 when nothing could be imported.",
        request={
            "application/ld+json": OpenApiTypes.OBJECT,
            "application/json": OpenApiTypes.OBJECT,
            "text/html": OpenApiTypes.STR,
            "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        },
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The import report."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Nothing could be imported; the errors say why."),
        },
        examples=[
            OpenApiExample(
                "Report",
                response_only=True,
                value={
                    "created": 2,
                    "updated": 0,
                    "unchanged": 1,
                    "skipped": 1,
                    "claims_created": 2,
                    "speakers_created": 1,
                    "sources_created": 3,
                    "errors": [{"file": "request body", "item": "item 4", "reason": "bad date in 'datePublished'"}],
                },
            )
        ],
    )
    def post(self, request, *args, **kwargs):
        documents = self._documents(request)
        report = ImportReport()
        for name, content in documents:
            if len(content) > MAX_UPLOAD_BYTES:
                report.file_errors.append(Problem(name, None, f"larger than {MAX_UPLOAD_BYTES // 2**20} MB"))
                continue
            import_document(content, name=name, user=request.user, report=report)
        imported = report.created + report.updated + report.unchanged
        failed = report.file_errors or report.skipped
        return Response(report.as_dict(), status=status.HTTP_400_BAD_REQUEST if failed and not imported else 200)

    def _documents(self, request) -> list[tuple[str, bytes]]:
        if request.content_type.startswith("multipart/"):
            files = request.FILES.getlist("file")
            if not files:
                raise ParseError("Upload the document as a file in the 'file' field.")
            return [(f.name or "upload", f.read(MAX_UPLOAD_BYTES + 1)) for f in files]
        body = request.data
        if not isinstance(body, bytes) or not body.strip():
            raise ParseError("The body is empty: send ClaimReview JSON-LD, an HTML page or a Google claims:search.")
        return [("request body", body)]


urlpatterns = [
    path("claimreview/", ClaimReviewFeedView.as_view(), name="claimreview-feed"),
    path("claimreview/import/", ClaimReviewImportView.as_view(), name="claimreview-import"),
]

"""Cursor pagination: a fixed cost per page however deep, no COUNT(*), client-chosen page size."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

DEFAULT_PAGE_SIZE = 20


class ApiCursorPagination(pagination.CursorPagination):
    """``?page_size=`` from 1 to settings.API_MAX_PAGE_SIZE; ``next``/``previous`` links carry the cursor.

    The order comes from the view's ordering filter (``?ordering=``), always ending with ``id``
    so that the order is total.
    """

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering = ("-updated_at", "-id")

    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except (TypeError, ValueError):
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]},
                code="invalid",
            )
        return size

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor else None
        # A position no list could have written: refused before it reaches the database.
        if position is not None and ("\x00" in position or len(position) > 1000):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (NotFound, DjangoValidationError, ValueError, TypeError, OverflowError):
            raise ValidationError(
                {self.cursor_query_param: ["Invalid cursor: use the next or previous link of a page as it is."]}
            ) from None

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page: copy it from the `next` or `previous` link of the page before.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items per page: {self.page_size} by default, at most {self.max_page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

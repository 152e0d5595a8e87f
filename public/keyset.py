"""Keyset (cursor) pagination for the public claim list: any page costs one index range read, however deep.

A list ordered by a column (``published_at`` or ``public_updated_at``, newest first, ties by id) is paged by
position: the "Older claims" link carries a cursor naming the last row shown (its sort value and id), and the next
page is the rows after it, ``WHERE (column, id) < (value, id) ORDER BY column DESC, id DESC LIMIT n``. PostgreSQL
reads that as an index range scan starting at the cursor (``claim_public_newest`` or ``claim_public_updated``,
partial indexes of the public claims in that order), the same work on the last page as on the first. "Newer
claims" runs the same comparison the other way, reading the index backwards. No OFFSET, no COUNT.

Cursors are signed (``django.core.signing``) and name their order: a cursor changed by hand, cut short or made
for the other order is refused (``BadCursor``) before it reaches the database.

A column that may be NULL (``published_at``, ``public_updated_at``) sorts its NULLs first on every database
(PostgreSQL's default for DESC, which the indexes follow); rows without a value are paged by id alone, so no row is
lost or repeated.
"""

import datetime

from django.core import signing
from django.db.models import BooleanField, F, Func, Value

SALT = "claims.keyset.cursor"  # the module's old path: kept, so that cursors already handed out stay valid
MAX_TOKEN_LENGTH = 300
MAX_ID = 2**63 - 1


class BadCursor(ValueError):
    """A cursor that this site did not make, or made for another order of the list."""


def ordering(field: str) -> tuple:
    """Newest first, ties by id; NULLs first on every database, as PostgreSQL's DESC indexes hold them."""
    return (F(field).desc(nulls_first=True), F("pk").desc())


def _reverse_ordering(field: str) -> tuple:
    return (F(field).asc(nulls_last=True), F("pk").asc())


def encode(order: str, value: datetime.datetime | None, pk: int) -> str:
    """The cursor of a row: its position in the list ordered by `order`."""
    return signing.dumps([order, value.isoformat() if value is not None else None, pk], salt=SALT)


def decode(token: str, order: str) -> tuple[datetime.datetime | None, int]:
    """The (value, id) position a cursor names; BadCursor if it was not made by encode() for this order."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise BadCursor("This page link is damaged.")
    try:
        data = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as exc:
        raise BadCursor("This page link is damaged or was changed.") from exc
    if not (isinstance(data, list) and len(data) == 3):
        raise BadCursor("This page link is damaged.")
    token_order, raw, pk = data
    if token_order != order:
        raise BadCursor("This page link was made for another order of the list.")
    if not (isinstance(pk, int) and not isinstance(pk, bool) and 0 < pk <= MAX_ID):
        raise BadCursor("This page link is damaged.")
    if raw is None:
        return None, pk
    try:
        value = datetime.datetime.fromisoformat(raw)
    except (TypeError, ValueError) as exc:
        raise BadCursor("This page link is damaged.") from exc
    if value.tzinfo is None:
        raise BadCursor("This page link is damaged.")
    return value, pk


class _Row(Func):
    """A row value, `(a, b)`: compared as a whole, which PostgreSQL turns into one index range condition."""

    function = ""
    template = "(%(expressions)s)"
    output_field = BooleanField()  # never read: a row has no single type


def _compare(queryset, field: str, op: str, value, pk: int) -> Func:
    model_field = queryset.model._meta.get_field(field)
    return Func(
        _Row(F(field), F("pk")),
        _Row(Value(value, output_field=model_field), Value(pk)),
        template="%(expressions)s",
        arg_joiner=f" {op} ",
        output_field=BooleanField(),
    )


def rows_after(queryset, field: str, position: tuple, limit: int) -> list:
    """Up to `limit` rows after the position, in list order (older)."""
    value, pk = position
    ordered = queryset.order_by(*ordering(field))
    if value is not None:
        return list(ordered.filter(_compare(queryset, field, "<", value, pk))[:limit])
    # Among the rows without a value (they come first): the rest of them by id, then all the others.
    rows = list(ordered.filter(**{f"{field}__isnull": True, "pk__lt": pk})[:limit])
    if len(rows) < limit:
        rows += list(ordered.filter(**{f"{field}__isnull": False})[: limit - len(rows)])
    return rows


def rows_before(queryset, field: str, position: tuple, limit: int) -> list:
    """Up to `limit` rows before the position, nearest first (so in reverse list order: newer and newer)."""
    value, pk = position
    ordered = queryset.order_by(*_reverse_ordering(field))
    if value is None:
        return list(ordered.filter(**{f"{field}__isnull": True, "pk__gt": pk})[:limit])
    rows = list(ordered.filter(_compare(queryset, field, ">", value, pk))[:limit])
    if len(rows) < limit and queryset.model._meta.get_field(field).null:
        rows += list(ordered.filter(**{f"{field}__isnull": True})[: limit - len(rows)])
    return rows


def position_of(row, field: str) -> tuple:
    return getattr(row, field), row.pk


class Page:
    """One page of a keyset-paged list: its rows and the cursors of its neighbours.

    ``next_token`` (older rows) is empty on the last page; ``previous_token`` (newer rows) is empty when there is
    no newer page, or when the newer page is the first one (``has_previous`` tells them apart), so that the link
    goes to the list's own address.
    """

    def __init__(self, rows, *, has_next: bool, has_previous: bool, previous_is_first: bool, order, field, number=None):
        self.object_list = rows
        self.number = number  # when reached by an old ?page=N link
        self.has_next = has_next and bool(rows)
        self.has_previous = has_previous and bool(rows)
        self.next_token = encode(order, *position_of(rows[-1], field)) if self.has_next else ""
        self.previous_token = (
            encode(order, *position_of(rows[0], field)) if self.has_previous and not previous_is_first else ""
        )

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def first_page(queryset, *, order: str, field: str, size: int) -> Page:
    rows = list(queryset.order_by(*ordering(field))[: size + 1])
    return Page(
        rows[:size], has_next=len(rows) > size, has_previous=False, previous_is_first=True, order=order, field=field
    )


def page_after(queryset, token: str, *, order: str, field: str, size: int) -> Page:
    rows = rows_after(queryset, field, decode(token, order), size + 1)
    return Page(
        rows[:size], has_next=len(rows) > size, has_previous=True, previous_is_first=False, order=order, field=field
    )


def page_before(queryset, token: str, *, order: str, field: str, size: int) -> Page:
    rows = rows_before(queryset, field, decode(token, order), size + 1)
    # The row the cursor names (or, were it since removed, the rows after it) makes the older page.
    return Page(
        rows[:size][::-1],
        has_next=True,
        has_previous=len(rows) > size,
        previous_is_first=False,
        order=order,
        field=field,
    )


def numbered_page(queryset, number: int, *, order: str, field: str, size: int) -> Page:
    """Page `number` counted from the first, by OFFSET: for old ?page=N links of shallow pages only."""
    start = (number - 1) * size
    rows = list(queryset.order_by(*ordering(field))[start : start + size + 1])
    return Page(
        rows[:size],
        has_next=len(rows) > size,
        has_previous=number > 1,
        previous_is_first=number == 2,
        order=order,
        field=field,
        number=number,
    )


def cursor_at(queryset, offset: int, *, order: str, field: str) -> str | None:
    """The cursor of the page that starts at row `offset` (0-based), or None when no row is there.

    Reads every row before it (index only, where the index covers the list): for old deep ?page=N links.
    """
    rows = list(queryset.order_by(*ordering(field)).values_list(field, "pk")[offset - 1 : offset + 1])
    return encode(order, *rows[0]) if len(rows) == 2 else None

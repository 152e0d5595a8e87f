"""The list orders and filters are served by indexes (PostgreSQL's planner, with sequential scans discouraged)."""

import pytest
from django.db import connection

from claims.models import Claim, Evidence, Speaker, Status

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner"),
]


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    return queryset.explain()


def test_public_claim_list_order_uses_the_partial_index():
    plan = _plan(Claim.objects.public().order_by("-published_at", "-pk")[:20])
    assert "claim_public_newest" in plan, plan
    # Only for the public statuses: a draft list cannot use it.
    assert "claim_public_newest" not in _plan(Claim.objects.filter(status=Status.DRAFT).order_by("-published_at"))


def test_admin_claim_list_order_uses_its_index():
    plan = _plan(Claim.objects.order_by("-updated_at", "-id")[:100])
    assert "claim_updated_id" in plan, plan


@pytest.mark.parametrize(
    "queryset, index",
    [
        (lambda: Speaker.objects.filter(kind="organization"), "speaker_kind"),
        (lambda: Evidence.objects.filter(stance="supports"), "evidence_stance"),
        (lambda: Evidence.objects.filter(rank="deprecated"), "evidence_rank"),
    ],
)
def test_filters_use_their_index(queryset, index):
    assert index in _plan(queryset().order_by()), index

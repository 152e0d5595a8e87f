"""The list orders and filters are served by indexes, and the admin claim list does not count a large table
(PostgreSQL's planner, with sequential scans discouraged)."""

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


def test_public_claim_list_updated_order_uses_its_partial_index():
    plan = _plan(Claim.objects.public().order_by("-public_updated_at", "-pk")[:20])
    assert "claim_public_updated" in plan, plan


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


def test_admin_claim_list_estimates_the_count_of_a_large_unfiltered_table(admin_client, monkeypatch):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from claims.admin import EstimatedCountPaginator
    from tests.factories import ClaimFactory

    ClaimFactory.create_batch(3)
    with conn.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    url = reverse("admin:claims_claim_changelist")
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATE_FROM", 1)
    with CaptureQueriesContext(conn) as queries:
        response = admin_client.get(url)
    assert response.status_code == 200 and response.context["cl"].result_count == 3
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "claims_claim" in q["sql"]]
    # A filtered list is counted exactly.
    with CaptureQueriesContext(conn) as queries:
        response = admin_client.get(url, {"status__exact": "draft"})
    assert response.context["cl"].result_count == 3
    assert [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "claims_claim" in q["sql"]]

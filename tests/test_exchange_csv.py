"""Claims as CSV: columns, counts, formula neutralizing, the DRF renderer."""

import csv
import datetime
import io

import pytest
from django.conf import settings
from rest_framework import generics, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from claims.exchange.csv_export import (
    HEADER,
    ClaimCSVListMixin,
    ClaimCSVRenderer,
    claims_csv_response,
    neutralize,
    write_claims_csv,
)
from claims.models import Claim, Evidence, Verdict
from tests.factories import EvidenceFactory, PublishedClaimFactory, SpeakerFactory, TopicFactory

pytestmark = pytest.mark.django_db


def rows_of(queryset):
    out = io.StringIO()
    write_claims_csv(queryset, out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_columns_and_counts():
    claim = PublishedClaimFactory(
        text="The leaked Sora access was authentic.",
        verdict=Verdict.MOSTLY_TRUE,
        claimant=SpeakerFactory(name="PR Puppets"),
        topics=[TopicFactory(name="Sora"), TopicFactory(name="Artists")],
        first_appeared_on=datetime.date(2024, 11, 26),
    )
    for stance, rank in [
        (Evidence.Stance.SUPPORTS, Evidence.Rank.PREFERRED),
        (Evidence.Stance.SUPPORTS, Evidence.Rank.NORMAL),
        (Evidence.Stance.SUPPORTS, Evidence.Rank.DEPRECATED),
        (Evidence.Stance.REFUTES, Evidence.Rank.NORMAL),
        (Evidence.Stance.CONTEXT, Evidence.Rank.NORMAL),
    ]:
        EvidenceFactory(
            claim=claim,
            stance=stance,
            rank=rank,
            deprecation_reason="Superseded." if rank == Evidence.Rank.DEPRECATED else "",
        )
    header, row = rows_of(Claim.objects.all())
    assert header == HEADER
    assert dict(zip(header, row, strict=True)) == {
        "text": "The leaked Sora access was authentic.",
        "slug": claim.slug,
        "verdict": "Mostly true",
        "claimant": "PR Puppets",
        "topics": "Artists; Sora",
        "first appeared on": "2024-11-26",
        "published": claim.published_at.isoformat(),
        "updated": claim.updated_at.isoformat(),
        "url": settings.SITE_URL + claim.get_absolute_url(),
        "supporting statements": "2",  # the deprecated one does not count
        "refuting statements": "1",
    }


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTabbed", "'\tTabbed"),
        ("\rReturn", "'\rReturn"),
        ("A plain claim = fine", "A plain claim = fine"),
    ],
)
def test_formulas_are_neutralized(text, cell):
    PublishedClaimFactory(text=text, claimant=SpeakerFactory(name="=cmd|' /C calc'!A0"))
    _, row = rows_of(Claim.objects.all())
    assert row[0] == cell
    assert row[3] == "'=cmd|' /C calc'!A0"
    assert neutralize(-3) == "-3"  # numbers stay numbers


@pytest.mark.parametrize("n", [1, 50])
def test_a_fixed_number_of_queries(django_assert_max_num_queries, n):
    topic = TopicFactory()
    for _ in range(n):
        EvidenceFactory(claim=PublishedClaimFactory(topics=[topic]))
    with django_assert_max_num_queries(2):
        rows = rows_of(Claim.objects.all())
    assert len(rows) == n + 1


def test_http_response_for_the_admin_action():
    PublishedClaimFactory(text="One")
    response = claims_csv_response(Claim.objects.all(), "selected.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="selected.csv"'
    assert response.content.decode().splitlines()[1].startswith("One,")


class _ClaimSerializer(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = ["id", "text"]


class _ClaimList(ClaimCSVListMixin, generics.ListAPIView):
    queryset = Claim.objects.order_by("id")
    serializer_class = _ClaimSerializer
    renderer_classes = [JSONRenderer, ClaimCSVRenderer]
    filter_backends: list = []

    def get_queryset(self):
        queryset = super().get_queryset()
        verdict = self.request.query_params.get("verdict")
        return queryset.filter(verdict=verdict) if verdict else queryset


def test_renderer_with_the_list_mixin_keeps_the_filters():
    PublishedClaimFactory(text="False one", verdict=Verdict.FALSE)
    PublishedClaimFactory(text="True one", verdict=Verdict.TRUE)
    request = APIRequestFactory().get("/claims/", {"format": "csv", "verdict": "true"})
    response = _ClaimList.as_view()(request)
    response.render()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == HEADER and [r[0] for r in rows[1:]] == ["True one"]
    json_response = _ClaimList.as_view()(APIRequestFactory().get("/claims/"))
    json_response.render()
    assert [c["text"] for c in json_response.data] == ["False one", "True one"]


def test_renderer_shows_errors_as_rows():
    body = ClaimCSVRenderer().render({"verdict": ["'x' is not a verdict."], "detail": "=bad"})
    assert list(csv.reader(io.StringIO(body.decode()))) == [
        ["field", "value"],
        ["verdict", "'x' is not a verdict."],
        ["detail", "'=bad"],
    ]


def test_renderer_shows_a_serialized_page_as_plain_rows():
    page = {"count": 1, "next": None, "results": [{"id": 1, "text": "@risky"}]}
    body = ClaimCSVRenderer().render(page)
    assert list(csv.reader(io.StringIO(body.decode()))) == [["id", "text"], ["1", "'@risky"]]

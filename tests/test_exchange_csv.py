"""Claims as CSV: columns, counts, formula neutralizing, the DRF renderer."""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework import generics, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient, APIRequestFactory

from claims.models import Claim, Evidence, Verdict
from exchange.csv_export import (
    HEADER,
    ClaimCSVListMixin,
    ClaimCSVRenderer,
    claims_csv_response,
    neutralize,
    write_claims_csv,
)
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    SourceFactory,
    SpeakerFactory,
    StatementFactory,
    TopicFactory,
)

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
        "updated": claim.public_updated_at.isoformat(),  # the public date, never a silent save
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


# The admin action "Download CSV of the selected claims"


def download(client, claims, **extra):
    data = {"action": "download_csv", ACTION_CHECKBOX_NAME: [c.pk for c in claims], "index": 0, **extra}
    return client.post(reverse("admin:claims_claim_changelist"), data)


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("user", ["editor", "reviewer"])
def test_the_admin_action_downloads_the_selected_claims(client, request, user):
    client.force_login(request.getfixturevalue(user))
    picked = PublishedClaimFactory(
        text='=HYPERLINK("http://evil.example")', claimant=SpeakerFactory(name="@Puppets"), verdict=Verdict.TRUE
    )
    for stance, rank in [
        (Evidence.Stance.SUPPORTS, Evidence.Rank.NORMAL),
        (Evidence.Stance.SUPPORTS, Evidence.Rank.DEPRECATED),
        (Evidence.Stance.REFUTES, Evidence.Rank.PREFERRED),
        (Evidence.Stance.REFUTES, Evidence.Rank.NORMAL),
        (Evidence.Stance.CONTEXT, Evidence.Rank.NORMAL),
    ]:
        reason = "Superseded." if rank == Evidence.Rank.DEPRECATED else ""
        EvidenceFactory(claim=picked, stance=stance, rank=rank, deprecation_reason=reason)
    draft = ClaimFactory(text="A draft the desk is still checking.", claimant=None)
    EvidenceFactory(claim=draft, stance=Evidence.Stance.REFUTES)
    PublishedClaimFactory(text="Not selected.")

    response = download(client, [picked, draft])

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="claims.csv"'
    header, *rows = csv_rows(response)
    assert header == HEADER
    by_slug = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_slug) == {picked.slug, draft.slug}
    assert by_slug[picked.slug]["text"] == '\'=HYPERLINK("http://evil.example")'
    assert by_slug[picked.slug]["claimant"] == "'@Puppets"
    assert by_slug[picked.slug]["verdict"] == "True"
    assert (by_slug[picked.slug]["supporting statements"], by_slug[picked.slug]["refuting statements"]) == ("1", "2")
    assert by_slug[draft.slug]["text"] == "A draft the desk is still checking."
    assert (by_slug[draft.slug]["claimant"], by_slug[draft.slug]["published"], by_slug[draft.slug]["updated"]) == (
        "",
        "",
        "",
    )
    assert (by_slug[draft.slug]["supporting statements"], by_slug[draft.slug]["refuting statements"]) == ("0", "1")


def test_the_action_is_offered_to_editors_and_reviewers(client, editor, reviewer):
    ClaimFactory()
    for user in (editor, reviewer):
        client.force_login(user)
        response = client.get(reverse("admin:claims_claim_changelist"))
        choices = dict(response.context["action_form"].fields["action"].choices)
        assert choices["download_csv"] == "Download CSV of the selected claims"


def test_select_all_downloads_the_filtered_list(reviewer_client):
    drafts = ClaimFactory.create_batch(2)
    PublishedClaimFactory()
    url = reverse("admin:claims_claim_changelist") + "?status__exact=draft"

    data = {"action": "download_csv", ACTION_CHECKBOX_NAME: [drafts[0].pk], "select_across": "1", "index": 0}
    _, *rows = csv_rows(reviewer_client.post(url, data))
    assert sorted(row[1] for row in rows) == sorted(c.slug for c in drafts)


def test_nothing_selected_is_a_message_not_a_file(reviewer_client):
    ClaimFactory()
    response = download(reviewer_client, [])
    assert response.status_code == 302
    assert "Items must be selected" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert not response.has_header("Content-Disposition")


def test_the_action_runs_a_fixed_number_of_queries(reviewer_client):
    topics = TopicFactory.create_batch(2)

    def queries_for(n):
        Claim.objects.all().delete()
        claims = [PublishedClaimFactory(topics=topics) for _ in range(n)]
        for claim in claims:
            EvidenceFactory(claim=claim)
            EvidenceFactory(claim=claim, stance=Evidence.Stance.REFUTES)
        with CaptureQueriesContext(connection) as captured:
            response = download(reviewer_client, claims)
        assert len(csv_rows(response)) == n + 1
        return len(captured)

    assert queries_for(1) == queries_for(30)


# /api/v1/claims/?format=csv: the same claims, in the same order, as the JSON list with the same filters


@pytest.fixture
def newsroom():
    leaks, money = TopicFactory(name="Leaks", slug="leaks"), TopicFactory(name="Money", slug="money")
    puppets = SpeakerFactory(name="PR Puppets", slug="pr-puppets")
    openai = SpeakerFactory(name="OpenAI", slug="openai", kind="organization")
    source = SourceFactory(url="https://news.example.org/sora-leak")
    old = timezone.now() - datetime.timedelta(days=3)
    authentic = PublishedClaimFactory(
        text="The leaked Sora access was authentic.", verdict=Verdict.TRUE, claimant=puppets, topics=[leaks]
    )
    paused = PublishedClaimFactory(text="OpenAI paused the early access.", verdict=Verdict.TRUE, topics=[leaks])
    EvidenceFactory(claim=paused, statement=StatementFactory(speaker=openai, source=source, text="We paused it."))
    valuation = PublishedClaimFactory(
        text="OpenAI is worth 150 billion dollars.",
        verdict=Verdict.MOSTLY_TRUE,
        topics=[money],
        first_appearance=source,
    )
    PublishedClaimFactory(text="Artists were paid for the preview.", verdict=Verdict.FALSE, claimant=puppets)
    ClaimFactory(text="A draft about the leak.", topics=[leaks], claimant=puppets)
    Claim.objects.filter(pk__in=[authentic.pk, valuation.pk]).update(updated_at=old)
    return {"source": source, "since": (old + datetime.timedelta(days=1)).isoformat()}


def _api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _json_slugs(client, params):
    response = client.get("/api/v1/claims/", {**params, "page_size": 100})
    assert response.status_code == 200, response.content
    return [claim["slug"] for claim in response.json()["results"]]


def _csv_slugs(client, params):
    response = client.get("/api/v1/claims/", {**params, "format": "csv"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv.reader(io.StringIO(response.content.decode()))
    assert header == HEADER
    return [row[1] for row in rows]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"verdict": "true"},
        {"topic": "leaks"},
        {"speaker": "pr-puppets"},
        {"speaker": "openai"},
        {"source": "SOURCE"},
        {"updated_since": "SINCE"},
        {"search": "openai early"},
        {"ordering": "published_at"},
        {"ordering": "-created_at", "topic": "leaks", "verdict": "true"},
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "reviewer"])
def test_the_csv_list_applies_the_json_lists_filters(request, newsroom, params, who):
    cache.clear()  # the throttle counts requests in the cache
    user = None if who == "anonymous" else request.getfixturevalue("reviewer")
    client = _api(user)
    params = {
        k: {"SOURCE": str(newsroom["source"].pk), "SINCE": newsroom["since"]}.get(v, v) for k, v in params.items()
    }
    json_slugs = _json_slugs(client, params)
    assert json_slugs, "the filter should keep some claims"
    if set(params) - {"ordering"}:
        assert len(json_slugs) < Claim.objects.visible_to(user).count()
    elif params:
        assert json_slugs != _json_slugs(client, {})
    assert _csv_slugs(client, params) == json_slugs


def test_the_csv_list_filters_by_status_for_staff_only(newsroom, reviewer):
    cache.clear()
    drafts = _csv_slugs(_api(reviewer), {"status": "draft"})
    assert drafts == _json_slugs(_api(reviewer), {"status": "draft"}) == [Claim.objects.get(status="draft").slug]
    refused = _api().get("/api/v1/claims/", {"status": "draft", "format": "csv"})
    assert refused.status_code == 400 and refused["Content-Type"] == "application/json"
    assert "A draft about the leak." not in _api().get("/api/v1/claims/", {"format": "csv"}).content.decode()

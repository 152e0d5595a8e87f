"""The ClaimReview DataFeed: export_claimreview and /api/v1/claimreview/, and the round trip back in."""

import datetime
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.core.serializers.json import DjangoJSONEncoder

from claims.models import Claim, Evidence, ExternalReview, Source, Speaker, Statement, Status, Verdict
from exchange.claimreview import claim_review
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    SourceFactory,
    SpeakerFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db
FEED = "/api/v1/claimreview/"


def as_json(data):
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def newsroom():
    """Published claims of every rating, and claims no feed may show."""
    org = SpeakerFactory(name="OpenAI", kind=Speaker.Kind.ORGANIZATION, wikidata_id="Q21708200")
    person = SpeakerFactory(name="Niko Felix", title="OpenAI spokesperson", affiliation=org)
    published = []
    for n, verdict in enumerate(
        [Verdict.TRUE, Verdict.MOSTLY_TRUE, Verdict.MIXED, Verdict.MOSTLY_FALSE, Verdict.FALSE, Verdict.UNPROVEN]
    ):
        claim = PublishedClaimFactory(
            text=f"Claim {n}: «Sora» was leaked — 流出 ({verdict}).",
            verdict=verdict,
            claimant=person if n % 2 else org,
            first_appearance=SourceFactory(url=f"https://first.example.org/{n}"),
            first_appeared_on=datetime.date(2024, 11, 26),
        )
        EvidenceFactory(claim=claim, statement=StatementFactory(source=SourceFactory()))
        published.append(claim)
    hidden = [
        ClaimFactory(text="A draft claim never leaves the newsroom."),
        ClaimFactory(text="A rated draft does not either.", verdict=Verdict.FALSE),
        ClaimFactory(text="In review.", status=Status.IN_REVIEW, verdict=Verdict.TRUE),
        PublishedClaimFactory(text="Retracted.", status=Status.RETRACTED, retraction_reason="Wrong claim."),
    ]
    return published, hidden


def export():
    out = StringIO()
    call_command("export_claimreview", stdout=out)
    return json.loads(out.getvalue())


def test_export_writes_a_datafeed_of_published_rated_claims():
    published, _ = newsroom()
    feed = export()
    assert feed["@context"] == "https://schema.org" and feed["@type"] == "DataFeed"
    latest = max(c.public_updated_at or c.published_at for c in Claim.objects.published())
    assert feed["dateModified"] == latest.isoformat()
    # A silent internal save is no change for readers: the feed's date stays.
    Claim.objects.filter(pk=published[0].pk).update(updated_at=latest + datetime.timedelta(days=1))
    assert export()["dateModified"] == latest.isoformat()
    assert sorted(r["claimReviewed"] for r in feed["dataFeedElement"]) == sorted(c.text for c in published)
    # The same objects the claim pages embed.
    by_url = {r["url"]: r for r in feed["dataFeedElement"]}
    for claim in Claim.objects.published():
        review = as_json(claim_review(claim))
        assert by_url[review["url"]] == review


def test_export_to_a_file_and_to_a_bad_path(tmp_path):
    newsroom()
    target = tmp_path / "feed.json"
    err = StringIO()
    call_command("export_claimreview", "--output", str(target), stderr=err, stdout=StringIO())
    assert len(json.loads(target.read_text(encoding="utf-8"))["dataFeedElement"]) == 6
    assert f"Wrote 6 ClaimReview items to {target}" in err.getvalue()
    with pytest.raises(CommandError, match="Cannot write .*/no/such/dir/feed.json: No such file or directory"):
        call_command("export_claimreview", "--output", str(tmp_path / "no/such/dir/feed.json"))


def test_an_empty_feed_is_still_a_feed():
    ClaimFactory()
    feed = export()
    assert feed["@type"] == "DataFeed" and feed["dataFeedElement"] == []


def test_feed_endpoint_is_public_and_shows_only_published_rated_claims(client):
    published, hidden = newsroom()
    response = client.get(FEED)
    assert response.status_code == 200
    feed = response.json()
    assert feed["@type"] == "DataFeed"
    assert feed["url"] == "http://testserver/api/v1/claimreview/"
    texts = [r["claimReviewed"] for r in feed["dataFeedElement"]]
    assert sorted(texts) == sorted(c.text for c in published)
    for claim in hidden:
        assert claim.text not in response.content.decode()
    assert feed["next"] is None


def test_feed_endpoint_pages_through_everything(client):
    published, _ = newsroom()
    seen, url = [], FEED + "?page_size=4"
    while url:
        page = client.get(url).json()
        assert page["@type"] == "DataFeed" and len(page["dataFeedElement"]) <= 4
        seen += [r["claimReviewed"] for r in page["dataFeedElement"]]
        url = page["next"]
    assert sorted(seen) == sorted(c.text for c in published) and len(seen) == len(set(seen))


def test_feed_endpoint_is_read_only(client, editor_client):
    assert client.post(FEED, {}, content_type="application/json").status_code in (401, 403, 405)
    assert editor_client.post(FEED, {}, content_type="application/json").status_code == 405
    assert editor_client.delete(FEED).status_code == 405


@pytest.mark.parametrize("n", [1, 50])
def test_feed_endpoint_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    speaker = SpeakerFactory(affiliation=SpeakerFactory(kind=Speaker.Kind.ORGANIZATION))
    for _ in range(n):
        claim = PublishedClaimFactory(claimant=speaker, first_appearance=SourceFactory())
        EvidenceFactory(claim=claim)
    with django_assert_max_num_queries(7):
        response = client.get(FEED + "?page_size=50")
    assert len(response.json()["dataFeedElement"]) == n


def wipe():
    Evidence.objects.all().delete()
    Statement.objects.all().delete()
    ExternalReview.objects.all().delete()
    Claim.objects.all().delete()
    Source.objects.all().delete()
    Speaker.objects.update(affiliation=None)
    Speaker.objects.all().delete()


def test_round_trip_our_export_imported_into_a_fresh_database(tmp_path):
    published, _ = newsroom()
    expected = {c.text: (c.verdict, c.claimant.name, c.first_appearance.url) for c in published}
    target = tmp_path / "feed.json"
    call_command("export_claimreview", "--output", str(target), stderr=StringIO())
    wipe()
    out = StringIO()
    call_command("import_claimreview", str(target), stdout=out, stderr=StringIO())
    assert "6 created, 0 updated, 0 unchanged, 0 skipped" in out.getvalue()
    got = {
        r.claim.text: (r.mapped_verdict, r.claim.claimant.name, r.claim.first_appearance.url)
        for r in ExternalReview.objects.select_related("claim__claimant", "claim__first_appearance")
    }
    assert got == expected
    # Imported claims are drafts, unrated, whatever the review said.
    assert set(Claim.objects.values_list("status", "verdict")) == {(Status.DRAFT, Verdict.UNVERIFIED)}
    assert Speaker.objects.get(name="OpenAI").wikidata_id == "Q21708200"
    # And once more: nothing changes.
    out = StringIO()
    call_command("import_claimreview", str(target), stdout=out, stderr=StringIO())
    assert "0 created, 0 updated, 6 unchanged" in out.getvalue()


def test_feed_endpoint_in_the_browsable_api(client):
    newsroom()
    response = client.get(FEED, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "DataFeed" in response.content.decode()


def test_feed_items_are_what_the_claim_pages_embed_and_carry_the_date_modified(client):
    published, _ = newsroom()
    latest = max(c.public_updated_at or c.published_at for c in Claim.objects.published())
    for page_size in ("2", "50"):
        feed = client.get(FEED, {"page_size": page_size}).json()
        assert feed["dateModified"] == latest.isoformat()  # of the whole feed, on every page
    by_claim = {r["claimReviewed"]: r for r in feed["dataFeedElement"]}
    assert len(by_claim) == len(published)
    for claim in published:
        page = client.get(claim.get_absolute_url()).content.decode()
        [embedded] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        assert json.loads(embedded) == by_claim[claim.text]

"""The changes feed (GET /api/v1/changes/) and the public-change log the services write in each change's transaction."""

import datetime
import threading

import pytest
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim, PublicChange, PublicNote, Status, Verdict, VerdictChange
from tests.factories import ClaimFactory, EvidenceFactory, StatementFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/changes/"
K = PublicChange.Kind
AT = datetime.datetime(2024, 11, 26, 14, 3, tzinfo=datetime.UTC)


def in_review():
    return ClaimFactory(status=Status.IN_REVIEW, ready=True)


def published(reviewer, *, at=None) -> Claim:
    claim = in_review()
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.FALSE, kind="initial", reason="Rated.")
    return services.claim_publish(claim=claim, by=reviewer, at=at)


def kinds(claim=None) -> list[str]:
    changes = PublicChange.objects.order_by("id")
    return list((changes.filter(claim=claim) if claim else changes).values_list("kind", flat=True))


def read_all(client, *, page_size: int) -> tuple[list[dict], str]:
    """Every change, following next until a short page; and the last next, to poll."""
    items, url = [], f"{URL}?page_size={page_size}"
    while True:
        page = client.get(url).json()
        items += page["results"]
        url = page["next"]
        if len(page["results"]) < page_size:
            return items, url


# What the services write


def test_publishing_writes_one_change_with_its_rating(reviewer):
    claim = published(reviewer, at=AT)
    [change] = PublicChange.objects.all()
    assert (change.kind, change.claim, change.at) == (K.PUBLISHED, claim, AT)
    assert change.data == {
        "slug": claim.slug,
        "verdict": "false",
        "status": "published",
        "public_updated_at": "2024-11-26T14:03:00Z",
        "published_at": "2024-11-26T14:03:00Z",
    }


def test_drafts_review_steps_and_ratings_before_publication_write_nothing(editor, reviewer):
    claim = services.claim_create(by=editor, text="A claim still being checked.")
    services.claim_update(claim=claim, by=editor, summary="Draft summary.")
    services.claim_submit(claim=claim, by=editor)
    services.claim_send_back(claim=claim, by=reviewer)
    services.claim_submit(claim=claim, by=editor)
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.FALSE, kind="initial", reason="Rated.")
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.MIXED, kind="update", reason="Again.")
    EvidenceFactory(claim=claim)
    assert not PublicChange.objects.exists()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("update", [K.VERDICT_CHANGED]), ("correction", [K.VERDICT_CHANGED, K.CORRECTION])],
)
def test_a_verdict_change_after_publication(reviewer, kind, expected):
    claim = published(reviewer)
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.MIXED, kind=kind, reason="New evidence.")
    assert kinds() == [K.PUBLISHED, *expected]
    for change in PublicChange.objects.exclude(kind=K.PUBLISHED):
        assert change.data["verdict"] == "mixed" and change.data["previous_verdict"] == "false"
        assert (change.data["verdict_change_kind"], change.data["reason"]) == (kind, "New evidence.")


@pytest.mark.parametrize(("kind", "expected"), [("update", K.UPDATED), ("correction", K.CORRECTION)])
def test_a_public_note_is_one_change(reviewer, kind, expected):
    claim = published(reviewer)
    services.claim_update(claim=claim, by=reviewer, text="A better wording.", note_kind=kind, note_reason="Reworded.")
    services.claim_add_note(claim=claim, by=reviewer, kind=kind, reason="Context added.")
    services.evidence_create(
        claim=claim,
        statement=StatementFactory(),
        by=reviewer,
        stance="context",
        note_kind=kind,
        note_reason="More evidence.",
    )
    assert kinds() == [K.PUBLISHED, expected, expected, expected]
    last = PublicChange.objects.order_by("id").last()
    assert (last.data["note_kind"], last.data["reason"]) == (kind, "More evidence.")
    assert PublicNote.objects.count() == 3


def test_one_change_of_several_writes_at_one_moment_is_one_note_and_one_change(reviewer):
    claim = published(reviewer)
    note = {"note_kind": "update", "note_reason": "Reworded and sourced.", "at": AT}
    services.claim_update(claim=claim, by=reviewer, text="A better wording.", **note)
    services.evidence_create(claim=claim, statement=StatementFactory(), by=reviewer, stance="context", **note)
    assert kinds() == [K.PUBLISHED, K.UPDATED]


def test_retracting_writes_one_change(reviewer):
    claim = published(reviewer)
    services.claim_retract(claim=claim, by=reviewer, reason="The source was forged.", at=AT)
    change = PublicChange.objects.order_by("id").last()
    assert (change.kind, change.at, change.data["reason"], change.data["status"]) == (
        K.RETRACTED,
        AT,
        "The source was forged.",
        "retracted",
    )


def test_a_change_that_rolls_back_writes_nothing(reviewer):
    claim = in_review()
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.FALSE, kind="initial", reason="Rated.")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.claim_publish(claim=claim, by=reviewer)
        assert kinds() == [K.PUBLISHED]
        raise RuntimeError("after the write")
    assert not PublicChange.objects.exists()
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW


def test_a_refused_change_writes_nothing(reviewer, editor):
    claim = published(reviewer)
    with pytest.raises(Exception):  # noqa: B017,PT011 - the refusal itself is tested in test_services
        services.claim_update(claim=claim, by=editor, text="Changed by an editor.", note_kind="update", note_reason="x")
    with pytest.raises(Exception):  # noqa: B017,PT011
        services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.MIXED, kind="initial", reason="x")
    assert kinds() == [K.PUBLISHED]


# The feed


def test_the_feed_shows_each_change_in_order_to_anonymous_clients(reviewer, settings):
    claim = published(reviewer, at=AT)
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.MIXED, kind="correction", reason="Oops.")
    response = APIClient().get(URL)
    assert response.status_code == 200 and response["ETag"]
    first, *rest = response.json()["results"]
    assert first == {
        "id": str(PublicChange.objects.order_by("id").first().pk),
        "type": "claim.published",
        "at": "2024-11-26T14:03:00Z",
        "claim": {
            "id": claim.pk,
            "slug": claim.slug,
            "url": f"http://testserver/api/v1/claims/{claim.slug}/",
            "html_url": f"{settings.SITE_URL}/claims/{claim.slug}/",
        },
        "source": None,
        "data": PublicChange.objects.order_by("id").first().data,
    }
    assert [item["type"] for item in rest] == ["claim.verdict_changed", "correction.published"]
    assert APIClient().get(first["claim"]["url"]).status_code == 200


def test_paging_reads_every_change_once_in_order_and_polling_sees_only_what_is_new(reviewer):
    claims = [published(reviewer) for _ in range(4)]
    for claim in claims:
        services.claim_add_note(claim=claim, by=reviewer, kind="update", reason="Context.")
    client = APIClient()
    items, poll = read_all(client, page_size=3)
    ids = [int(item["id"]) for item in items]
    assert ids == list(PublicChange.objects.order_by("id").values_list("id", flat=True)) and len(ids) == 8
    assert "page_size=3" in poll
    # Nothing new: an empty page, and a next to poll from again (the same place).
    page = client.get(poll).json()
    assert page["results"] == [] and page["next"] == poll
    assert client.get(poll, HTTP_IF_NONE_MATCH=client.get(poll)["ETag"]).status_code == 304
    services.claim_retract(claim=claims[0], by=reviewer, reason="Withdrawn.")
    page = client.get(poll).json()
    assert [(item["type"], item["claim"]["id"]) for item in page["results"]] == [("claim.retracted", claims[0].pk)]
    assert client.get(page["next"]).json()["results"] == []


def test_an_empty_feed_still_gives_a_cursor():
    page = APIClient().get(URL).json()
    assert page["results"] == [] and "after=" in page["next"]


@pytest.mark.parametrize(
    "cursor",
    ["nonsense!", "bm9wZQ", "Y2hhbmdlczotMQ", "Y2hhbmdlczo5OTk5OTk5OTk5OTk5OTk5OTk5OQ", "", "x" * 65, "%00"],
)
def test_an_invalid_cursor_is_a_400(cursor):
    response = APIClient().get(URL, {"after": cursor} if cursor != "%00" else None, QUERY_STRING="after=%00")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("size", ["0", "101", "ten"])
def test_a_bad_page_size_is_a_400(size):
    response = APIClient().get(URL, {"page_size": size})
    assert response.status_code == 400 and "page_size" in response.json()["error"]["fields"]


def test_writes_are_not_allowed():
    assert APIClient().post(URL, {}, format="json").status_code in (401, 403, 405)


@pytest.mark.parametrize("n", [5, 50])
def test_a_page_runs_a_fixed_number_of_queries(reviewer, django_assert_max_num_queries, n):
    claims = [published(reviewer) for _ in range(n)]
    client = APIClient()
    with django_assert_max_num_queries(1):
        page = client.get(URL, {"page_size": 100}).json()
    assert len(page["results"]) == n
    with django_assert_max_num_queries(1):
        page = client.get(page["next"]).json()
    assert page["results"] == []
    assert {item["claim"]["id"] for item in client.get(URL, {"page_size": 100}).json()["results"]} == {
        claim.pk for claim in claims
    }


def test_the_feed_reads_by_primary_key_from_the_cursor(reviewer, django_assert_max_num_queries):
    published(reviewer)
    published(reviewer)
    first = PublicChange.objects.order_by("id").first()
    client = APIClient()
    cursor = client.get(URL, {"page_size": 1}).json()["next"]
    with django_assert_max_num_queries(1) as queries:
        [item] = client.get(cursor).json()["results"]
    assert int(item["id"]) > first.pk
    sql = queries.captured_queries[0]["sql"]
    assert f'"claims_publicchange"."id" > {first.pk}' in sql and "LIMIT 1" in sql and "ORDER BY" in sql


def test_the_schema_describes_the_feed():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/changes/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"after", "page_size"}
    page = schema["components"]["schemas"]["ChangesPage"]
    assert set(page["properties"]) == {"results", "next"}
    assert "invalid_cursor" in operation["description"]
    assert schema["components"]["schemas"]["PublicChangeTypeEnum"]["enum"] == K.values


def test_verdict_changes_before_publication_are_not_in_the_feed_but_the_rating_is(reviewer):
    claim = published(reviewer)
    [item] = APIClient().get(URL).json()["results"]
    assert item["data"]["verdict"] == "false"
    assert VerdictChange.objects.filter(claim=claim).count() == 1


@pytest.mark.django_db(transaction=True)
def test_changes_are_numbered_in_commit_order_so_a_reader_never_skips_one(reviewer):
    """While one change is not yet committed, another waits for it: a reader that saw id n never finds a smaller
    id committed later (PostgreSQL; SQLite has one writer at a time anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("the commit-order lock is PostgreSQL's")
    first, second = in_review(), in_review()
    for claim in (first, second):
        services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.FALSE, kind="initial", reason="Rated.")
    held, release = threading.Event(), threading.Event()

    def publish(claim, hold=False):
        try:
            with transaction.atomic():
                services.claim_publish(claim=claim, by=reviewer)
                if hold:
                    held.set()
                    release.wait(30)
        finally:
            connections.close_all()

    one = threading.Thread(target=publish, args=(first, True))
    one.start()
    assert held.wait(30)
    two = threading.Thread(target=publish, args=(second,))
    two.start()
    two.join(2)
    try:
        # The second change waits for the first: nothing is visible yet, not even the later one.
        assert APIClient().get(URL).json()["results"] == []
    finally:
        release.set()
    one.join(30)
    two.join(30)
    results = APIClient().get(URL).json()["results"]
    assert [item["claim"]["id"] for item in results] == [first.pk, second.pk]


def test_a_source_that_changed_is_in_the_feed(reviewer, settings):
    from tests.factories import SourceFactory

    claim = published(reviewer)
    source = SourceFactory()
    EvidenceFactory(claim=claim, statement=StatementFactory(source=source))
    services.source_changed_record(source=source, change="gone", at=AT)
    _, item = APIClient().get(URL).json()["results"]
    assert item == {
        "id": str(PublicChange.objects.order_by("id").last().pk),
        "type": "source.changed",
        "at": "2024-11-26T14:03:00Z",
        "claim": None,
        "source": {
            "id": source.pk,
            "url": f"http://testserver/api/v1/sources/{source.pk}/",
            "html_url": f"{settings.SITE_URL}/sources/{source.pk}/",
        },
        "data": {"source_id": source.pk, "url": source.url, "change": "gone"},
    }
    assert APIClient().get(item["source"]["url"]).status_code == 200

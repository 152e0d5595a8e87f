"""The REST API under /api/v1/: who sees what, who writes what, workflow, ETags, errors, limits, speed."""

import base64
import datetime
import hashlib
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import (
    Claim,
    Evidence,
    PublicChange,
    PublicNote,
    Source,
    Speaker,
    Statement,
    Status,
    Verdict,
    VerdictChange,
)
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    StatementFactory,
    TopicFactory,
    UserFactory,
    VerdictChangeFactory,
)
from tests.helpers import key_client

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}
    cache.clear()


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def clients(anon, editor_api, reviewer_api):
    return {"anonymous": anon, "editor": editor_api, "reviewer": reviewer_api}


@pytest.fixture
def story():
    """A published claim with evidence, and a draft with its own statement, source and speaker."""
    topic = TopicFactory(name="Leaks")
    public = PublishedClaimFactory(text="The leaked access was authentic.", topics=[topic])
    public_statement = StatementFactory(text="We paused the preview.")
    EvidenceFactory(claim=public, statement=public_statement, stance=Evidence.Stance.SUPPORTS)
    VerdictChangeFactory(claim=public, verdict=Verdict.FALSE)
    draft = ClaimFactory(text="A draft nobody outside may see.")
    hidden_statement = StatementFactory(text="Secret draft statement.")
    EvidenceFactory(claim=draft, statement=hidden_statement)
    return {
        "topic": topic,
        "public": public,
        "public_statement": public_statement,
        "draft": draft,
        "hidden_statement": hidden_statement,
    }


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == response.status_code
    assert body["error"]["message"]
    return body["error"]


def detail_urls(story) -> dict:
    public, draft = story["public"], story["draft"]
    hidden = story["hidden_statement"]
    return {
        "claims": (f"{API}claims/{public.slug}/", f"{API}claims/{draft.slug}/"),
        "statements": (f"{API}statements/{story['public_statement'].pk}/", f"{API}statements/{hidden.pk}/"),
        "sources": (f"{API}sources/{story['public_statement'].source_id}/", f"{API}sources/{hidden.source_id}/"),
        "speakers": (
            f"{API}speakers/{story['public_statement'].speaker.slug}/",
            f"{API}speakers/{hidden.speaker.slug}/",
        ),
        "evidence": (
            f"{API}evidence/{public.evidence.get().pk}/",
            f"{API}evidence/{draft.evidence.get().pk}/",
        ),
    }


# Who sees what


@pytest.mark.parametrize("who", ["anonymous", "editor", "reviewer"])
@pytest.mark.parametrize("endpoint", ["claims", "statements", "sources", "speakers", "evidence"])
def test_reading_every_endpoint(clients, story, who, endpoint):
    client = clients[who]
    visible_url, hidden_url = detail_urls(story)[endpoint]
    assert client.get(visible_url).status_code == 200
    hidden = client.get(hidden_url)
    listed = client.get(f"{API}{endpoint}/?page_size=100").json()["results"]
    if who == "anonymous":
        assert hidden.status_code == 404
        assert error(hidden)["code"] == "not_found"
    else:
        assert hidden.status_code == 200
    ids = {str(item["id"]) for item in listed} | {item.get("slug") for item in listed}
    hidden_key = hidden_url.rstrip("/").rsplit("/", 1)[1]
    assert (hidden_key in ids) is (who != "anonymous")


@pytest.mark.parametrize("who", ["anonymous", "editor", "reviewer"])
def test_topics_and_verdicts_are_public(clients, story, who):
    client = clients[who]
    assert client.get(f"{API}topics/leaks/").json()["name"] == "Leaks"
    assert [t["slug"] for t in client.get(f"{API}topics/").json()["results"]] == ["leaks"]
    scale = client.get(f"{API}verdicts/").json()
    assert [v["value"] for v in scale] == [v.value for v in Verdict]
    false = next(v for v in scale if v["value"] == "false")
    assert false["rating_value"] == 1 and false["label"] == "False" and false["meaning"]
    assert next(v for v in scale if v["value"] == "unproven")["rating_value"] is None


def test_a_logged_in_reader_without_staff_rights_sees_what_anonymous_readers_see(story, reader):
    client = key_client(reader)
    assert client.get(f"{API}claims/{story['draft'].slug}/").status_code == 404
    assert [c["slug"] for c in client.get(f"{API}claims/").json()["results"]] == [story["public"].slug]


def test_claim_detail_carries_evidence_history_and_claimreview(anon, story):
    public = story["public"]
    data = anon.get(f"{API}claims/{public.slug}/").json()
    [evidence] = data["evidence"]
    statement = story["public_statement"]
    assert evidence["stance"] == "supports"
    assert evidence["statement"]["text"] == statement.text
    assert evidence["statement"]["speaker"]["slug"] == statement.speaker.slug
    assert evidence["statement"]["source"]["url"] == statement.source.url
    assert [h["verdict"] for h in data["verdict_history"]] == ["false"]
    assert data["verdict_label"] == "False"
    assert data["topics"] == [story["topic"].pk]
    assert data["claimreview"] == f"http://testserver{API}claims/{public.slug}/claimreview/"
    review = anon.get(data["claimreview"]).json()
    assert review["@type"] == "ClaimReview" and review["claimReviewed"] == public.text
    assert review["reviewRating"]["ratingValue"] == 1


def test_claimreview_of_an_unpublished_claim_is_404_even_for_staff(editor_api, story):
    draft = story["draft"]
    assert editor_api.get(f"{API}claims/{draft.slug}/").json()["claimreview"] is None
    response = editor_api.get(f"{API}claims/{draft.slug}/claimreview/")
    assert response.status_code == 404
    assert "only published, rated claims" in error(response)["message"]


def test_source_notes_are_for_staff_only(anon, editor_api, story):
    source = story["public_statement"].source
    Source.objects.filter(pk=source.pk).update(notes="Called them twice.")
    assert "notes" not in anon.get(f"{API}sources/{source.pk}/").json()
    assert editor_api.get(f"{API}sources/{source.pk}/").json()["notes"] == "Called them twice."


# Writing


def test_a_client_session_creates_links_rates_and_publishes(editor_api, reviewer_api, anon):
    source = editor_api.post(
        f"{API}sources/",
        {"url": "https://Example.org/Story/?utm_source=x", "title": "The story", "kind": "news_article"},
    )
    assert source.status_code == 201, source.json()
    assert source.json()["url"] == "https://example.org/Story"
    speaker = editor_api.post(f"{API}speakers/", {"name": "Niko Felix", "kind": "person"}).json()
    assert speaker["slug"] == "niko-felix"
    statement = editor_api.post(
        f"{API}statements/", {"source": source.json()["id"], "speaker": speaker["id"], "text": "We paused it."}
    )
    assert statement.status_code == 201, statement.json()
    topic = editor_api.post(f"{API}topics/", {"name": "AI video"}).json()
    claim = editor_api.post(
        f"{API}claims/",
        {"text": "The preview was paused.", "topics": [topic["id"]], "summary": "The company's statement says so."},
    )
    assert claim.status_code == 201, claim.json()
    slug = claim.json()["slug"]
    assert slug == "the-preview-was-paused"
    assert claim.json()["status"] == "draft" and claim.json()["verdict"] == "unverified"
    evidence = editor_api.post(
        f"{API}evidence/", {"claim": claim.json()["id"], "statement": statement.json()["id"], "stance": "supports"}
    )
    assert evidence.status_code == 201, evidence.json()
    assert editor_api.post(f"{API}claims/{slug}/submit/").status_code == 200
    rated = reviewer_api.post(
        f"{API}claims/{slug}/verdict/", {"verdict": "true", "kind": "initial", "reason": "The company said so."}
    )
    assert rated.status_code == 200, rated.json()
    published = reviewer_api.post(f"{API}claims/{slug}/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "published"

    read = anon.get(f"{API}claims/{slug}/").json()
    assert read["verdict"] == "true"
    assert read["evidence"][0]["statement"]["speaker"]["name"] == "Niko Felix"
    assert read["verdict_history"][0]["reason"] == "The company said so."
    assert anon.get(f"{API}statements/{statement.json()['id']}/").status_code == 200


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("claims/", {"text": "A new claim."}),
        ("sources/", {"url": "https://example.org/new", "title": "New"}),
        ("speakers/", {"name": "Someone"}),
        ("topics/", {"name": "Something"}),
    ],
)
def test_creating_needs_a_login_and_the_add_permission(anon, reader, editor_api, reviewer_api, endpoint, body):
    refused = anon.post(API + endpoint, body)
    assert refused.status_code == 401
    assert error(refused)["code"] == "not_authenticated"
    assert refused["WWW-Authenticate"] == 'Api-Key realm="api"'
    no_perm = key_client(reader).post(API + endpoint, body)
    assert no_perm.status_code == 403
    assert error(no_perm)["code"] == "permission_denied"
    assert editor_api.post(API + endpoint, body).status_code == 201
    second = {k: (v + " again" if k in {"text", "name", "title"} else v + "-2") for k, v in body.items()}
    assert reviewer_api.post(API + endpoint, second).status_code == 201


def test_statement_and_evidence_writes_by_role(anon, editor_api, reviewer_api, story):
    source = story["public_statement"].source
    body = {"source": source.pk, "text": "Another passage."}
    assert anon.post(f"{API}statements/", body).status_code == 401
    created = editor_api.post(f"{API}statements/", body)
    assert created.status_code == 201
    evidence = {"claim": story["draft"].pk, "statement": created.json()["id"], "stance": "refutes"}
    assert anon.post(f"{API}evidence/", evidence).status_code == 401
    made = reviewer_api.post(f"{API}evidence/", evidence)
    assert made.status_code == 201, made.json()
    # Editors may unlink evidence (part of writing a claim), not delete statements.
    assert editor_api.delete(f"{API}evidence/{made.json()['id']}/").status_code == 204
    assert editor_api.delete(f"{API}statements/{created.json()['id']}/").status_code == 403
    assert reviewer_api.delete(f"{API}statements/{created.json()['id']}/").status_code == 204


def test_deleting_by_role(anon, editor_api, reviewer_api, story):
    url = f"{API}claims/{story['draft'].slug}/"
    assert anon.delete(url).status_code == 401
    assert editor_api.delete(url).status_code == 403
    assert reviewer_api.delete(url).status_code == 204
    assert not Claim.objects.filter(pk=story["draft"].pk).exists()


def test_deleting_something_still_in_use_is_a_conflict(reviewer_api, story):
    source = story["public_statement"].source
    response = reviewer_api.delete(f"{API}sources/{source.pk}/")
    assert response.status_code == 409
    assert error(response)["code"] == "in_use"
    assert Source.objects.filter(pk=source.pk).exists()


CHANGES = {
    "claims": ("text", "A claim, reworded."),
    "statements": ("text", "A passage, reworded."),
    "sources": ("title", "A title, reworded"),
    "speakers": ("title", "A title, reworded"),
    "topics": ("name", "Leaks, reworded"),
    "evidence": ("note", "A note, reworded."),
}
# Per role: the status of a PATCH and of a DELETE of a visible object. Reviewers delete what nothing uses;
# a source, statement or speaker still linked answers 409 (in use), and so does a claim with a verdict history.
# What readers see of the published claim (its fields, its evidence, the statements it cites) changes only through
# a reviewer (editors: 403 published_claim_locked), with a public note.
LOCKED = {"claims", "statements", "evidence"}
NOTED = LOCKED
NOTE = {"note_kind": "update", "note_reason": "Reworded for clarity."}
WRITES = {
    "anonymous": {"patch": dict.fromkeys(CHANGES, 401), "delete": dict.fromkeys(CHANGES, 401)},
    "reader": {"patch": dict.fromkeys(CHANGES, 403), "delete": dict.fromkeys(CHANGES, 403)},
    "editor": {
        "patch": {**dict.fromkeys(CHANGES, 200), **dict.fromkeys(LOCKED, 403)},
        "delete": dict.fromkeys(CHANGES, 403),
    },
    "reviewer": {
        "patch": dict.fromkeys(CHANGES, 200),
        "delete": {"claims": 409, "evidence": 204, "topics": 204, "sources": 409, "statements": 409, "speakers": 409},
    },
}
REFUSALS = {"anonymous": "not_authenticated", "reader": "permission_denied", "editor": "published_claim_locked"}


@pytest.mark.parametrize("who", list(WRITES))
@pytest.mark.parametrize("endpoint", list(CHANGES))
def test_changing_and_deleting_every_endpoint_by_role(clients, reader, story, who, endpoint):
    client = {**clients, "reader": key_client(reader)}[who]
    url = {**detail_urls(story), "topics": (f"{API}topics/leaks/", None)}[endpoint][0]
    field, value = CHANGES[endpoint]
    before = APIClient().get(url).json()
    note = NOTE if who == "reviewer" and endpoint in NOTED else {}

    patched = client.patch(url, {field: value, **note}, format="json")
    assert patched.status_code == WRITES[who]["patch"][endpoint], patched.json()
    if patched.status_code == 200:
        assert patched.json()[field] == value
        client.patch(url, {field: before[field], **note}, format="json")
    else:
        assert REFUSALS[who] == error(patched)["code"]
        assert APIClient().get(url).json()[field] == before[field]

    deleted = client.delete(url, note, format="json")
    assert deleted.status_code == WRITES[who]["delete"][endpoint]
    assert (APIClient().get(url).status_code == 404) is (deleted.status_code == 204)


def test_a_statement_a_published_claim_quotes_changes_with_a_public_note_on_that_claim(reviewer_api, story):
    statement, claim = story["public_statement"], story["public"]
    url = f"{API}statements/{statement.pk}/"
    refused = reviewer_api.patch(url, {"text": "Words put in their mouth."}, format="json")
    assert refused.status_code == 400
    assert set(error(refused)["fields"]) == {"note_kind", "note_reason"}
    assert Statement.objects.get(pk=statement.pk).text == statement.text
    before = PublicChange.objects.count()

    body = {"text": "The words as the source has them now.", "note_kind": "correction", "note_reason": "Misquoted."}
    assert reviewer_api.patch(url, body, format="json").status_code == 200
    note = PublicNote.objects.get(claim=claim)
    assert (note.kind, note.reason, note.changed_fields) == ("correction", "Misquoted.", ["evidence"])
    change = PublicChange.objects.exclude(pk__lte=before).get()
    assert (change.kind, change.claim_id) == ("correction.published", claim.pk)
    shown = APIClient().get(f"{API}claims/{claim.slug}/").json()
    assert "The words as the source has them now." in str(shown["evidence"])
    assert shown["public_notes"][0]["reason"] == "Misquoted."


def test_what_a_client_may_not_see_is_404_for_writes_too(story, reader):
    """Neither a reader without rights nor a partner with write rights learns that a draft exists."""
    from django.contrib.auth.models import Permission

    partner = UserFactory(username="partner")
    partner.user_permissions.add(*Permission.objects.filter(codename__in=["change_claim", "delete_claim"]))
    draft = story["draft"]
    for user in (reader, partner):
        client = key_client(user)
        for url in (f"{API}claims/{draft.slug}/", f"{API}evidence/{draft.evidence.get().pk}/"):
            assert client.patch(url, {"summary": "Leaked?"}).status_code == 404
            assert client.delete(url).status_code == 404
        assert client.post(f"{API}claims/{draft.slug}/verdict/", {}).status_code == 404
    assert key_client(reader).patch(f"{API}claims/{story['public'].slug}/", {"summary": "x"}).status_code == 403
    assert Claim.objects.get(pk=draft.pk).summary == draft.summary


def test_status_verdict_and_version_are_read_only(editor_api, story):
    url = f"{API}claims/{story['draft'].slug}/"
    response = editor_api.patch(url, {"status": "published", "verdict": "true", "version": 9})
    assert response.status_code == 400
    fields = error(response)["fields"]
    assert "publish/" in fields["status"][0]
    assert "verdict/" in fields["verdict"][0]
    assert fields["version"] == ["This field is read-only."]
    story["draft"].refresh_from_db()
    assert story["draft"].status == Status.DRAFT and story["draft"].verdict == Verdict.UNVERIFIED


def test_updating_a_claim_bumps_its_version_and_keeps_topics(editor_api, story):
    draft = story["draft"]
    other = TopicFactory(name="Other")
    response = editor_api.patch(f"{API}claims/{draft.slug}/", {"summary": "**Checked**.", "topics": [other.pk]})
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == draft.version + 1
    assert response.json()["topics"] == [other.pk]
    replaced = editor_api.put(f"{API}claims/{draft.slug}/", {"text": "A draft, reworded."})
    assert replaced.status_code == 200
    assert replaced.json()["version"] == draft.version + 2
    draft.refresh_from_db()
    assert draft.text == "A draft, reworded."


def test_a_published_claims_slug_is_fixed(editor_api, story):
    response = editor_api.patch(f"{API}claims/{story['public'].slug}/", {"slug": "something-else"})
    assert response.status_code == 400
    assert "fixed" in error(response)["fields"]["slug"][0]
    assert editor_api.patch(f"{API}claims/{story['draft'].slug}/", {"slug": "new-slug"}).json()["slug"] == "new-slug"


def test_a_client_cannot_link_to_what_it_cannot_see(story):
    partner = UserFactory(username="partner")
    from django.contrib.auth.models import Permission

    partner.user_permissions.add(*Permission.objects.filter(codename__in=["add_evidence", "add_claim"]))
    client = key_client(partner)
    response = client.post(
        f"{API}evidence/",
        {"claim": story["draft"].pk, "statement": story["public_statement"].pk, "stance": "context"},
    )
    assert response.status_code == 400
    assert "does not exist" in error(response)["fields"]["claim"][0]
    hidden_speaker = story["hidden_statement"].speaker
    response = client.post(f"{API}claims/", {"text": "Partner claim.", "claimant": hidden_speaker.pk})
    assert response.status_code == 400
    assert "claimant" in error(response)["fields"]
    assert not Claim.objects.filter(text="Partner claim.").exists()


def test_history_records_the_token_user(editor_api, reviewer_api, editor, reviewer, story):
    created = editor_api.post(f"{API}sources/", {"url": "https://example.org/h", "title": "History"}).json()
    source = Source.objects.get(pk=created["id"])
    assert source.history.get(history_type="+").history_user == editor
    reviewer_api.patch(f"{API}sources/{source.pk}/", {"title": "History, again"})
    assert source.history.latest().history_user == reviewer
    reviewer_api.delete(f"{API}sources/{source.pk}/")
    assert Source.history.filter(id=source.pk, history_type="-").get().history_user == reviewer

    editor_api.patch(f"{API}claims/{story['draft'].slug}/", {"summary": "Edited by the editor."})
    assert story["draft"].history.latest().history_user == editor
    editor_api.post(f"{API}claims/{story['draft'].slug}/submit/")
    assert story["draft"].history.latest().history_user == editor


# The workflow


def test_workflow_actions_allowed_and_refused(anon, editor_api, reviewer_api, reader, story):
    draft = story["draft"]
    Claim.objects.filter(pk=draft.pk).update(summary="What the sources say.")  # ready but for its verdict
    url = f"{API}claims/{draft.slug}/"
    assert anon.post(url + "submit/").status_code == 401
    assert key_client(reader).post(url + "submit/").status_code == 404  # a reader cannot see the draft
    assert reviewer_api.post(url + "publish/").status_code == 400  # not in review yet
    submitted = editor_api.post(url + "submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_review"
    again = editor_api.post(url + "submit/")
    assert again.status_code == 400
    assert error(again)["code"] == "invalid_transition"

    refused = editor_api.post(url + "publish/")
    assert refused.status_code == 403
    assert "permission to publish" in error(refused)["message"]
    assert editor_api.post(url + "verdict/", {"verdict": "false", "kind": "initial", "reason": "x"}).status_code == 403
    assert editor_api.post(url + "send-back/").status_code == 403

    unrated = reviewer_api.post(url + "publish/")
    assert unrated.status_code == 400
    assert error(unrated)["code"] == "publishing_standards"
    assert [item["code"] for item in error(unrated)["missing"]] == ["unrated"]
    assert reviewer_api.post(url + "send-back/").json()["status"] == "draft"
    editor_api.post(url + "submit/")
    wrong_kind = reviewer_api.post(url + "verdict/", {"verdict": "false", "kind": "update", "reason": "New."})
    assert wrong_kind.status_code == 400
    assert "kind" in error(wrong_kind)["fields"]
    rated = reviewer_api.post(url + "verdict/", {"verdict": "false", "kind": "initial", "reason": "Checked."})
    assert rated.status_code == 200
    assert [h["verdict"] for h in rated.json()["verdict_history"]] == ["false"]
    assert reviewer_api.post(url + "publish/").json()["status"] == "published"

    assert editor_api.post(url + "retract/", {"reason": "Wrong."}).status_code == 403
    no_reason = reviewer_api.post(url + "retract/", {"reason": "  "})
    assert no_reason.status_code == 400
    assert "reason" in error(no_reason)["fields"]
    retracted = reviewer_api.post(url + "retract/", {"reason": "We got the source wrong."})
    assert retracted.status_code == 200
    assert retracted.json()["retraction_reason"] == "We got the source wrong."
    # Retracted claims stay readable.
    assert anon.get(url).json()["status"] == "retracted"
    assert VerdictChange.objects.filter(claim=draft).count() == 1


def test_workflow_bodies_are_strict(reviewer_api, story):
    url = f"{API}claims/{story['public'].slug}/"
    response = reviewer_api.post(url + "verdict/", {"verdict": "sort of", "kind": "update", "reason": "x"})
    assert response.status_code == 400
    assert "verdict" in error(response)["fields"]
    extra = reviewer_api.post(url + "retract/", {"reason": "Wrong.", "notify": True})
    assert error(extra)["fields"] == {"notify": ["Unknown field."]}
    assert reviewer_api.post(url + "publish/", {"force": True}).status_code == 400
    assert Claim.objects.get(pk=story["public"].pk).status == Status.PUBLISHED


# ETags and conditional requests


@pytest.mark.parametrize("endpoint", ["claims", "statements", "sources", "speakers", "evidence", "topics"])
def test_etag_and_304(anon, story, endpoint):
    url = {**detail_urls(story), "topics": (f"{API}topics/leaks/", None)}[endpoint][0]
    first = anon.get(url)
    etag = first["ETag"]
    assert etag.startswith('"')
    cached = anon.get(url, HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached["ETag"] == etag
    assert anon.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


@pytest.mark.parametrize("path", ["claims/", "verdicts/", "claims/no-such-claim/"])
def test_answers_vary_on_credentials_and_format(anon, story, path):
    vary = {v.strip().lower() for v in anon.get(API + path)["Vary"].split(",")}
    assert {"accept", "authorization", "cookie"} <= vary


def test_list_etag_is_weak_and_conditional(anon, story):
    first = anon.get(f"{API}claims/")
    assert first["ETag"].startswith('W/"')
    assert anon.get(f"{API}claims/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    Claim.objects.filter(pk=story["public"].pk).update(text="Changed in the meantime.")
    assert anon.get(f"{API}claims/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_stale_if_match_gives_412_and_changes_nothing(editor_api, reviewer_api, story):
    url = f"{API}claims/{story['draft'].slug}/"
    etag = editor_api.get(url)["ETag"]
    # Someone else saves first.
    assert reviewer_api.patch(url, {"summary": "Reviewer's edit."}, HTTP_IF_MATCH=etag).status_code == 200
    late = editor_api.patch(url, {"summary": "Editor's edit."}, HTTP_IF_MATCH=etag)
    assert late.status_code == 412
    assert error(late)["code"] == "precondition_failed"
    assert editor_api.put(url, {"text": "Overwrite."}, HTTP_IF_MATCH=etag).status_code == 412
    assert reviewer_api.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert editor_api.post(url + "submit/", HTTP_IF_MATCH=etag).status_code == 412
    claim = Claim.objects.get(pk=story["draft"].pk)
    assert claim.summary == "Reviewer's edit." and claim.status == Status.DRAFT
    current = editor_api.get(url)["ETag"]
    assert editor_api.patch(url, {"summary": "Editor's edit."}, HTTP_IF_MATCH=current).status_code == 200


def test_stale_if_match_on_other_objects(editor_api, story):
    speaker = story["public_statement"].speaker
    url = f"{API}speakers/{speaker.slug}/"
    etag = editor_api.get(url)["ETag"]
    Speaker.objects.filter(pk=speaker.pk).update(title="Changed elsewhere")
    assert editor_api.patch(url, {"title": "Mine"}, HTTP_IF_MATCH=etag).status_code == 412
    assert Speaker.objects.get(pk=speaker.pk).title == "Changed elsewhere"
    assert editor_api.patch(url, {"title": "Mine"}, HTTP_IF_MATCH="*").status_code == 200


def test_a_read_whose_if_match_names_another_version_is_412_in_the_error_shape(story):
    anon = APIClient()
    for url in (f"{API}claims/{story['public'].slug}/", f"{API}claims/"):
        stale = anon.get(url, HTTP_IF_MATCH='"not-this-version"')
        assert stale.status_code == 412, url
        assert error(stale)["code"] == "precondition_failed"
        assert anon.get(url, HTTP_IF_MATCH="*").status_code == 200
        stale = anon.get(url, HTTP_IF_MATCH='"not-this-version"')  # from the cache now
        assert (stale.status_code, stale.headers.get("X-Cache")) == (412, None)
        assert error(stale)["code"] == "precondition_failed"


def test_a_claim_saved_in_between_is_a_conflict(editor_api, story, monkeypatch):
    """The version guard: a save landing between this request's read and its write gives 409."""
    from claims import services

    real = services._locked

    def someone_saves_first(claim):
        Claim.objects.filter(pk=claim.pk).update(version=claim.version + 1, summary="Theirs.")
        return real(claim)

    monkeypatch.setattr(services, "_locked", someone_saves_first)
    response = editor_api.patch(f"{API}claims/{story['draft'].slug}/", {"summary": "Mine."})
    assert response.status_code == 409
    assert error(response)["code"] == "conflict"
    assert "Someone else saved this claim" in error(response)["message"]


# Errors


def test_malformed_json(editor_api):
    response = editor_api.post(f"{API}sources/", data='{"url": ', content_type="application/json")
    assert response.status_code == 400
    assert error(response)["code"] == "parse_error"


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deeply_nested_json_is_a_parse_error(editor_api, depth):
    body = '{"name": "Deep", "slug": ' + "[" * depth + "]" * depth + "}"
    response = editor_api.post(f"{API}topics/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert error(response)["code"] == "parse_error"
    assert "nested" in error(response)["message"]


def test_an_oversized_body_is_a_parse_error(editor_api, settings):
    body = '{"name": "' + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + '"}'
    response = editor_api.post(f"{API}topics/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert error(response)["code"] == "parse_error"
    assert "too large" in error(response)["message"]


@pytest.mark.parametrize("position", ["nul\x00", "x" * 1001])
def test_a_forged_cursor_is_a_400_before_the_database(anon, position):
    TopicFactory(name="Leaks")
    cursor = base64.b64encode(f"p={position}".encode()).decode()
    response = anon.get(f"{API}topics/", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in error(response)["fields"]


def test_a_body_that_is_not_an_object(editor_api):
    response = editor_api.post(f"{API}topics/", data="[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert "Expected a dictionary" in error(response)["message"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"text": "ok", "topics": "leaks"}, "topics", "Expected a list"),
        ({"text": 12, "language": ["en"]}, "language", "Not a valid string"),
        ({"text": "ok", "colour": "red"}, "colour", "Unknown field"),
        ({"text": "x" * 1001}, "text", "no more than 1000"),
        ({"text": "nul \x00 byte"}, "text", "Null characters"),
        ({"text": "ok", "slug": "not a slug!"}, "slug", "slug"),
        ({"text": "ok", "language": "English"}, "language", "language code"),
        ({"text": "ok", "claimant": "abc"}, "claimant", "Incorrect type"),
        ({"text": "ok", "claimant": 10**30}, "claimant", ""),
        ({"text": "ok", "first_appeared_on": "yesterday"}, "first_appeared_on", "Date has wrong format"),
        ({}, "text", "required"),
    ],
)
def test_bad_claim_fields(editor_api, body, field, words):
    response = editor_api.post(f"{API}claims/", body)
    assert response.status_code == 400
    err = error(response)
    assert err["code"] == "invalid"
    assert field in err["fields"]
    assert words in " ".join(err["fields"][field])
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    ("endpoint", "body", "field"),
    [
        ("sources/", {"url": "not a url", "title": "t"}, "url"),
        ("sources/", {"url": "https://example.org/a", "title": "t", "kind": "rumour"}, "kind"),
        ("sources/", {"url": "https://example.org/a", "title": "t\x00"}, "title"),
        ("sources/", {"url": "https://example.org/a", "title": "t", "archive_url": "ftp//x"}, "archive_url"),
        ("speakers/", {"name": "A", "wikidata_id": "42"}, "wikidata_id"),
        ("speakers/", {"name": "A", "kind": "robot"}, "kind"),
        ("speakers/", {"name": "A" * 201}, "name"),
        ("topics/", {"name": "Leaks", "slug": "über leaks"}, "slug"),
        ("statements/", {"source": 999999, "text": "t"}, "source"),
        ("statements/", {"source": "one", "text": "t"}, "source"),
    ],
)
def test_bad_fields_of_other_objects(editor_api, endpoint, body, field):
    response = editor_api.post(API + endpoint, body)
    assert response.status_code == 400, response.json()
    assert field in error(response)["fields"]


def test_duplicate_source_url_after_normalization(editor_api, story):
    existing = story["public_statement"].source
    scheme, rest = existing.url.split("://")
    host, path = rest.split("/", 1)
    spelled = f"{scheme.upper()}://{host.upper()}/{path}/?utm_source=newsletter"
    response = editor_api.post(f"{API}sources/", {"url": spelled, "title": "t"})
    assert response.status_code == 400
    assert "url" in error(response)["fields"]


def test_model_rules_are_400_and_write_nothing(editor_api, story):
    statement = StatementFactory()
    deprecated = {"claim": story["draft"].pk, "statement": statement.pk, "stance": "refutes", "rank": "deprecated"}
    response = editor_api.post(f"{API}evidence/", deprecated)
    assert response.status_code == 400
    assert "reason" in error(response)["message"]
    twice = {"claim": story["draft"].pk, "statement": story["hidden_statement"].pk, "stance": "supports"}
    response = editor_api.post(f"{API}evidence/", twice)
    assert response.status_code == 400
    assert Evidence.objects.count() == 2


def test_not_found_method_media_type_and_accept(editor_api, anon):
    missing = anon.get(f"{API}claims/no-such-claim/")
    assert missing.status_code == 404 and error(missing)["code"] == "not_found"
    nowhere = anon.get(f"{API}nowhere/")
    assert nowhere.status_code == 404 and error(nowhere)["code"] == "not_found"
    assert anon.get(f"{API}sources/abc/").status_code == 404
    method = editor_api.put(f"{API}claims/", {})
    assert method.status_code == 405 and error(method)["code"] == "method_not_allowed"
    assert anon.delete(f"{API}verdicts/").status_code in {401, 405}
    media = editor_api.post(f"{API}topics/", data="name=x", content_type="application/x-www-form-urlencoded")
    assert media.status_code == 415 and error(media)["code"] == "unsupported_media_type"
    accept = anon.get(f"{API}claims/", HTTP_ACCEPT="application/xml")
    assert accept.status_code == 406 and error(accept)["code"] == "not_acceptable"


def test_errors_are_json_whatever_the_format_asked(anon, story):
    response = anon.get(f"{API}claims/?format=csv&verdict=nope")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert error(response)["fields"]["verdict"]
    csv = anon.get(f"{API}claims/?format=csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert story["public"].slug in csv.content.decode()
    assert story["draft"].slug not in csv.content.decode()


def test_odd_paths_under_the_api_are_json_404s(anon):
    for path in ("claims/a%0Ab/", "evidence/%C3%8B/", "sources/1/x/", "claims"):
        response = anon.get(API + path)
        assert response.status_code == 404, path
        assert error(response)["code"] == "not_found"


def test_a_bad_key_is_401(anon):
    for header in ("Token not-a-real-token", "Api-Key not.real", "Api-Key two words"):
        anon.credentials(HTTP_AUTHORIZATION=header)
        response = anon.get(f"{API}claims/")
        assert response.status_code == 401, header
        assert error(response)["code"] == "invalid_key"


def test_session_writes_need_the_csrf_token(editor, story):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(f"{API}topics/", {"name": "Sneaky"})
    assert response.status_code == 403
    assert "CSRF" in error(response)["message"]
    assert client.get(f"{API}claims/{story['draft'].slug}/").status_code == 200


def test_session_writes_with_the_csrf_token_work(editor):
    """The browsable API: logged in through the admin, the page's CSRF token lets a write through."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(f"{API}topics/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value
    response = client.post(f"{API}topics/", {"name": "By session"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("verdict=nope", "verdict"),
        ("status=draft", "status"),
        ("ordering=text", "ordering"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=ten", "page_size"),
        ("cursor=garbage", "cursor"),
        ("updated_since=last-week", "updated_since"),
        ("topic=not a slug", "topic"),
        ("source=abc", "source"),
        ("search=" + "x" * 201, "search"),
        ("search=nul%00", "search"),
        ("format=xml", "format"),
        ("updated_since=0001-01-01T00:00:00%2B01:00", "updated_since"),
    ],
)
def test_bad_query_parameters(anon, story, query, field):
    response = anon.get(f"{API}claims/?{query}")
    assert response.status_code == 400
    assert field in error(response)["fields"]


def test_throttling_answers_429_in_the_error_shape(settings, anon, story):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": None}}
    cache.clear()
    assert anon.get(f"{API}claims/").status_code == 200
    assert anon.get(f"{API}claims/").status_code == 200
    response = anon.get(f"{API}claims/")
    assert response.status_code == 429
    assert error(response)["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_a_forged_forwarded_for_header_does_not_reset_the_limit(settings, anon, story):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": None}}
    cache.clear()
    codes = [anon.get(f"{API}claims/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(3)]
    assert codes == [200, 200, 429]


def test_signed_in_users_have_their_own_limit(settings, editor, anon, story):
    """The `user` limit, for a session (the browsable API); a client with an API key has its key's limit instead."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": "1/minute"}}
    cache.clear()
    session = APIClient()
    session.force_login(editor)
    assert session.get(f"{API}claims/").status_code == 200
    assert session.get(f"{API}claims/").status_code == 429
    assert anon.get(f"{API}claims/").status_code == 200


# CORS


def test_cors_lets_any_origin_read(anon, story):
    response = anon.get(f"{API}claims/", HTTP_ORIGIN="https://elsewhere.example")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight_refuses_writes(anon):
    response = anon.options(
        f"{API}claims/",
        HTTP_ORIGIN="https://elsewhere.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    allowed = [m.strip() for m in response.get("Access-Control-Allow-Methods", "").split(",")]
    assert "POST" not in allowed
    assert "GET" in allowed
    assert set(allowed) == {"GET", "HEAD", "OPTIONS"}
    assert "Access-Control-Allow-Credentials" not in response


def test_cors_is_for_the_api_only(anon, story):
    page = anon.get(f"/claims/{story['public'].slug}/", HTTP_ORIGIN="https://elsewhere.example")
    assert page.status_code == 200
    assert "Access-Control-Allow-Origin" not in page


# Filtering, ordering, pagination


def test_filters(anon, editor_api, story):
    public = story["public"]
    other = PublishedClaimFactory(text="Another claim about money.", verdict=Verdict.TRUE, summary="Billions.")
    statement = story["public_statement"]

    def slugs(client, query):
        response = client.get(f"{API}claims/?{query}")
        assert response.status_code == 200, response.json()
        return {c["slug"] for c in response.json()["results"]}

    assert slugs(anon, "verdict=true") == {other.slug}
    assert slugs(anon, "topic=leaks") == {public.slug}
    assert slugs(anon, f"speaker={statement.speaker.slug}") == {public.slug}
    assert slugs(anon, f"speaker={other.claimant.slug}") == {other.slug}
    assert slugs(anon, f"source={statement.source_id}") == {public.slug}
    assert slugs(anon, "search=billions") == {other.slug}
    assert slugs(anon, "search=PAUSED preview") == {public.slug}  # in its evidence statement
    assert slugs(anon, "search=secret") == set()  # the draft's statement stays hidden
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert slugs(anon, f"updated_since={future}") == set()
    assert slugs(editor_api, "status=draft") == {story["draft"].slug}
    assert slugs(editor_api, "search=secret") == {story["draft"].slug}


def test_a_list_builds_its_filter_set_only_when_a_filter_is_asked_for(anon, story, monkeypatch):
    from claims.filters import ClaimFilter

    built = []
    original = ClaimFilter.__init__
    monkeypatch.setattr(ClaimFilter, "__init__", lambda self, *a, **kw: built.append(1) or original(self, *a, **kw))
    everything = anon.get(f"{API}claims/?page_size=50&ordering=-published_at")
    assert everything.status_code == 200 and len(everything.json()["results"]) == 1
    assert built == []  # page_size and ordering are not filters: nothing to validate, nothing to filter
    assert anon.get(f"{API}claims/?verdict=true").json()["results"] == []
    assert anon.get(f"{API}claims/?verdict=bogus").status_code == 400
    assert built == [1, 1]


@pytest.mark.parametrize("endpoint", ["claims", "sources", "speakers", "statements", "evidence"])
def test_updated_since_accepts_any_offset(anon, story, endpoint):
    past, future = "2000-01-01T00:00:00%2B22:30", "2999-01-01T00:00:00-23:59"
    assert anon.get(f"{API}{endpoint}/?updated_since={past}").json()["results"]
    assert anon.get(f"{API}{endpoint}/?updated_since={future}").json()["results"] == []


def test_filters_of_other_lists(anon, story):
    statement = story["public_statement"]
    by_source = anon.get(f"{API}statements/?source={statement.source_id}").json()["results"]
    assert [s["id"] for s in by_source] == [statement.pk]
    assert anon.get(f"{API}statements/?speaker={statement.speaker.slug}").json()["results"][0]["id"] == statement.pk
    assert anon.get(f"{API}evidence/?claim={story['public'].slug}").json()["results"][0]["stance"] == "supports"
    assert anon.get(f"{API}sources/?kind=dataset").json()["results"] == []
    assert anon.get(f"{API}speakers/?search={statement.speaker.name}").json()["results"][0]["slug"]


def test_ordering_and_cursor_pages_walk_everything_once(anon):
    claims = [PublishedClaimFactory() for _ in range(7)]
    for i, claim in enumerate(claims):
        Claim.objects.filter(pk=claim.pk).update(published_at=timezone.now() - datetime.timedelta(days=i))
    seen, url = [], f"{API}claims/?ordering=-published_at&page_size=3"
    while url:
        page = anon.get(url).json()
        assert len(page["results"]) <= 3
        seen += [c["slug"] for c in page["results"]]
        url = page["next"]
    assert seen == [c.slug for c in claims]
    oldest_first = anon.get(f"{API}claims/?ordering=published_at&page_size=100").json()["results"]
    assert [c["slug"] for c in oldest_first] == [c.slug for c in reversed(claims)]


LISTS = {
    "claims": lambda: EvidenceFactory(claim=PublishedClaimFactory(topics=[TopicFactory()])),
    "statements": lambda: EvidenceFactory(claim=PublishedClaimFactory()),
    "sources": lambda: EvidenceFactory(claim=PublishedClaimFactory()),
    "speakers": lambda: EvidenceFactory(claim=PublishedClaimFactory()),
    "evidence": lambda: EvidenceFactory(claim=PublishedClaimFactory()),
    "topics": TopicFactory,
}


@pytest.mark.parametrize("endpoint", list(LISTS))
@pytest.mark.parametrize("who", ["anonymous", "editor"])
@pytest.mark.parametrize("n", [1, 50])
def test_lists_run_a_fixed_number_of_queries(clients, django_assert_max_num_queries, endpoint, who, n):
    for _ in range(n):
        LISTS[endpoint]()
    client = clients[who]
    client.get(f"{API}{endpoint}/")  # warm up the token and content types
    with django_assert_max_num_queries(6) as queries:
        response = client.get(f"{API}{endpoint}/?page_size=100")
    assert response.status_code == 200
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)  # cursor pages count nothing
    assert len(response.json()["results"]) >= n


def test_claim_detail_runs_a_fixed_number_of_queries(anon, django_assert_max_num_queries):
    claim = PublishedClaimFactory(topics=[TopicFactory(), TopicFactory()])
    for _ in range(20):
        EvidenceFactory(claim=claim)
    VerdictChangeFactory(claim=claim)
    with django_assert_max_num_queries(6):
        assert len(anon.get(f"{API}claims/{claim.slug}/").json()["evidence"]) == 20


# Docs and schema


ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")


@pytest.mark.parametrize("page", ["docs/", "redoc/"])
def test_docs_load_nothing_from_other_sites(anon, page):
    """Swagger UI and ReDoc come from drf-spectacular-sidecar: every script, style and icon is ours."""
    response = anon.get(API + page)
    assert response.status_code == 200
    html = response.content.decode()
    assert ABSOLUTE_URL.findall(html) == []  # no CDN, no Google Fonts, nothing from elsewhere
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any("drf_spectacular_sidecar" in a for a in assets)
    # Besides static files: the schema (preloaded), and ReDoc's bundle without its logo (claims/api/docs.py).
    ours = [f"{API}schema/?format=json", f"{API}redoc/redoc.standalone.js?v="]
    for asset in assets:
        if asset.startswith(tuple(ours)):
            assert anon.get(asset).status_code == 200, asset
            continue
        assert asset.startswith(settings.STATIC_URL) or asset.startswith("/" + settings.STATIC_URL), asset
        assert finders.find(asset.split(settings.STATIC_URL, 1)[1]), f"{asset} is not a static file of the site"
    assert f"{API}schema/" in html
    if page == "docs/":
        # Swagger UI would fetch a badge from validator.swagger.io on any host but localhost.
        assert '"validatorUrl": "none"' in html


def test_the_swagger_page_script_is_allowed_by_its_hash_only(anon):
    response = anon.get(f"{API}docs/")
    [inline] = [s for s in re.findall(rb"<script([^>]*)>(.*?)</script>", response.content, re.S) if s[1].strip()]
    digest = base64.b64encode(hashlib.sha256(inline[1]).digest()).decode()
    policy = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    assert f"'sha256-{digest}'" in policy["script-src"].split()
    assert "'unsafe-inline'" not in policy["script-src"]
    redoc = anon.get(f"{API}redoc/")
    assert [s for s in re.findall(rb"<script[^>]*>(.*?)</script>", redoc.content, re.S) if s.strip()] == []


@pytest.mark.parametrize("path", ["claims/", "verdicts/", "claimreview/"])
def test_the_browsable_api_has_no_inline_style_or_script(editor, path):
    """The CSP allows neither: the browsable API must not need them."""
    client = APIClient()
    client.force_login(editor)
    page = client.get(API + path, HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert b"<style" not in page.content
    scripts = re.findall(rb"<script([^>]*)>(.*?)</script>", page.content, re.S)
    assert [attrs for attrs, body in scripts if body.strip() and b"application/json" not in attrs] == []


def test_the_schema_documents_errors_limits_and_conditions(anon):
    schema = anon.get(f"{API}schema/?format=json").json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]
    assert "412" in schema["paths"]["/api/v1/claims/{slug}/"]["patch"]["responses"]
    assert "304" in schema["paths"]["/api/v1/claims/{slug}/"]["get"]["responses"]
    description = schema["info"]["description"]
    assert "120/minute" in description and "1200/minute" in description and "at most 100" in description
    page_size = next(p for p in schema["paths"]["/api/v1/claims/"]["get"]["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == settings.API_MAX_PAGE_SIZE


# API keys (made in the admin and by create_api_key, scopes, expiry): tests/test_api_keys.py

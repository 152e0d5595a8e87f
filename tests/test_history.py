"""Nothing lost: every write path leaves a history row, and deleting what others point to is refused or recoverable.

After each path (admin, API, services, importers, seed_demo) the history must mirror the database:
every live object's latest history row holds its current values (and, for claims, its topics), and
every object that is gone has a deletion row, so any state can be shown and restored.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from claims import services
from claims.models import (
    Claim,
    Evidence,
    ExternalReview,
    Source,
    Speaker,
    Statement,
    Status,
    Topic,
    Verdict,
    VerdictChange,
)
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    SourceFactory,
    SpeakerFactory,
    StatementFactory,
    TopicFactory,
    VerdictChangeFactory,
)
from tests.helpers import admin_url, claim_change, form_data

pytestmark = pytest.mark.django_db

HISTORY_MODELS = [Topic, Speaker, Source, Statement, Claim, Evidence, VerdictChange, ExternalReview]
DATA = Path(__file__).parent / "data" / "exchange"
API = "/api/v1/"


def history_counts():
    return {model.__name__: model.history.count() for model in HISTORY_MODELS}


def assert_history_mirrors_database():
    """Each live row's latest history row equals it; each vanished row's latest history row is a deletion."""
    for model in HISTORY_MODELS:
        recorded = {f.attname for f in model.history.model._meta.fields}
        fields = [f.attname for f in model._meta.concrete_fields if f.attname in recorded]
        latest = {}
        for row in model.history.order_by("history_id"):
            latest[row.id] = row
        live = {obj.pk: obj for obj in model.objects.all()}
        for pk, obj in live.items():
            row = latest.get(pk)
            assert row is not None, f"{model.__name__} {pk} was written without a history row"
            assert row.history_type != "-", f"{model.__name__} {pk} exists but its history says deleted"
            differ = {f: (getattr(obj, f), getattr(row, f)) for f in fields if getattr(obj, f) != getattr(row, f)}
            assert not differ, f"{model.__name__} {pk}: history behind the database (now, recorded): {differ}"
            if model is Claim:
                assert set(row.topics.values_list("topic_id", flat=True)) == set(
                    obj.topics.values_list("pk", flat=True)
                ), f"claim {pk}: topics not in its history"
        for pk, row in latest.items():
            if pk not in live:
                assert row.history_type == "-", f"{model.__name__} {pk} vanished without a deletion row"


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}
    cache.clear()


def grew(before, *names):
    after = history_counts()
    return all(after[name] > before[name] for name in names)


# Every write path


def test_admin_adds_changes_workflow_and_deletes_leave_history(reviewer_client, reviewer):
    before = history_counts()

    def add(model, **fields):
        data = form_data(reviewer_client.get(admin_url(model, "add")))
        data.update(fields)
        response = reviewer_client.post(admin_url(model, "add"), data)
        assert response.status_code == 302, response.context["adminform"].form.errors

    add("topic", name="Leaks")
    add("speaker", name="Niko Felix", kind="person")
    add("source", url="https://example.org/statement", title="Statement", kind="official_statement")
    source = Source.objects.get()
    add("statement", source=str(source.pk), text="We paused access.", is_quote="on")
    add("claim", text="Access was paused.", topics=[str(Topic.objects.get().pk)])
    claim = Claim.objects.get()
    statement = Statement.objects.get()

    data = claim_change(reviewer_client, claim)
    data.update(
        {
            "text": "Access was paused after the leak.",
            "summary": "OpenAI's statement says it paused access.",
            "evidence-TOTAL_FORMS": "1",
            "evidence-0-statement": str(statement.pk),
            "evidence-0-stance": "supports",
            "evidence-0-rank": "normal",
        }
    )
    assert reviewer_client.post(admin_url("claim", "change", claim.pk), data).status_code == 302
    verdict = {"verdict": "true", "kind": "initial", "reason": "OpenAI said so."}
    assert reviewer_client.post(reverse("admin:claims_claim_verdict", args=[claim.pk]), verdict).status_code == 302
    for step in ("submit", "publish"):
        response = reviewer_client.post(reverse("admin:claims_claim_workflow", args=[claim.pk, step]), {})
        assert response.status_code == 302
    # Evidence of a published claim goes from the claim's page, with a public note.
    data = claim_change(reviewer_client, claim)
    data.update({"evidence-0-DELETE": "on", "note_kind": "correction", "note_reason": "Not about this claim."})
    assert reviewer_client.post(admin_url("claim", "change", claim.pk), data).status_code == 302
    assert not Evidence.objects.exists()

    claim.refresh_from_db()
    assert (claim.status, claim.verdict) == (Status.PUBLISHED, Verdict.TRUE)
    assert grew(before, "Topic", "Speaker", "Source", "Statement", "Claim", "Evidence", "VerdictChange")
    assert_history_mirrors_database()
    users = {row.history_user for model in HISTORY_MODELS for row in model.history.all()}
    assert users == {reviewer}


def test_api_creates_updates_workflow_and_deletes_leave_history(reviewer_api, reviewer):
    before = history_counts()

    def write(method, path, body=None, status=None):
        response = getattr(reviewer_api, method)(API + path, body, format="json")
        assert response.status_code == status, response.content
        return response.json() if response.content else None

    topic = write("post", "topics/", {"name": "Leaks"}, 201)
    speaker = write("post", "speakers/", {"name": "Niko Felix", "kind": "person"}, 201)
    source = write("post", "sources/", {"url": "https://example.org/s", "title": "S", "kind": "news_article"}, 201)
    statement = write("post", "statements/", {"source": source["id"], "speaker": speaker["id"], "text": "Said."}, 201)
    claim = write("post", "claims/", {"text": "It was said.", "topics": [topic["id"]]}, 201)
    evidence = write(
        "post", "evidence/", {"claim": claim["id"], "statement": statement["id"], "stance": "supports"}, 201
    )
    write("patch", f"topics/{topic['slug']}/", {"name": "Leaked access"}, 200)
    write("patch", f"speakers/{speaker['slug']}/", {"title": "Artist"}, 200)
    write("put", f"sources/{source['id']}/", {"url": "https://example.org/s2", "title": "S2", "kind": "interview"}, 200)
    write("patch", f"statements/{statement['id']}/", {"is_quote": False}, 200)
    write("patch", f"claims/{claim['slug']}/", {"summary": "**Yes.**", "topics": []}, 200)
    write("patch", f"evidence/{evidence['id']}/", {"stance": "refutes"}, 200)
    write("post", f"claims/{claim['slug']}/verdict/", {"verdict": "true", "kind": "initial", "reason": "Said."}, 200)
    for step in ("submit", "publish"):
        write("post", f"claims/{claim['slug']}/{step}/", None, 200)
    write("post", f"claims/{claim['slug']}/retract/", {"reason": "Wrong source."}, 200)
    write("delete", f"evidence/{evidence['id']}/", None, 400)  # a retracted claim stays as it was withdrawn
    write("delete", f"claims/{claim['slug']}/", None, 409)  # rated: retracted, not deleted
    draft = write("post", "claims/", {"text": "Never rated.", "topics": [topic["id"]]}, 201)
    other = write("post", "statements/", {"source": source["id"], "text": "Said again."}, 201)
    cited = write("post", "evidence/", {"claim": draft["id"], "statement": other["id"], "stance": "context"}, 201)
    write("delete", f"evidence/{cited['id']}/", None, 204)
    write("delete", f"statements/{other['id']}/", None, 204)
    write("delete", f"claims/{draft['slug']}/", None, 204)
    write("delete", f"topics/{topic['slug']}/", None, 204)

    assert grew(before, "Topic", "Speaker", "Source", "Statement", "Claim", "Evidence", "VerdictChange")
    assert_history_mirrors_database()
    users = {row.history_user for model in HISTORY_MODELS for row in model.history.all()}
    assert users == {reviewer}


def test_services_leave_history(editor, reviewer):
    claim = ClaimFactory(ready=True)
    before = history_counts()
    services.claim_set_verdict(claim=claim, by=reviewer, verdict="false", kind="initial", reason="Checked.")
    services.claim_submit(claim=claim, by=editor)
    services.claim_send_back(claim=claim, by=reviewer)
    services.claim_submit(claim=claim, by=editor)
    services.claim_publish(claim=claim, by=reviewer)
    services.claim_set_verdict(claim=claim, by=reviewer, verdict="mixed", kind="correction", reason="Misread.")
    services.claim_retract(claim=claim, by=reviewer, reason="Source withdrawn.")
    after = history_counts()
    assert after["Claim"] - before["Claim"] == 7
    assert after["VerdictChange"] - before["VerdictChange"] == 2
    assert_history_mirrors_database()


def test_import_claimreview_leaves_history(editor):
    before = history_counts()
    call_command(
        "import_claimreview", str(DATA / "claimreview_list.json"), "--user", editor.username, stdout=StringIO()
    )
    assert grew(before, "Claim", "ExternalReview")
    assert_history_mirrors_database()


def test_the_api_import_leaves_history(reviewer_api, reviewer):
    before = history_counts()
    body = (DATA / "claimreview_list.json").read_bytes()
    response = reviewer_api.generic("POST", f"{API}claimreview/import/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert grew(before, "Claim", "ExternalReview")
    assert_history_mirrors_database()
    assert {row.history_user for row in Claim.history.all()} == {reviewer}


def test_import_dataset_leaves_history(tmp_path):
    claim = PublishedClaimFactory(topics=[TopicFactory()])
    EvidenceFactory(claim=claim)
    VerdictChangeFactory(claim=claim)
    path = tmp_path / "dataset.jsonl"
    call_command("export_dataset", "--output", str(path), stdout=StringIO(), stderr=StringIO())
    for model in [Evidence, VerdictChange, Statement, Claim, Source, Speaker, Topic]:
        for obj in model.objects.all():
            obj.delete()
    before = history_counts()
    call_command("import_dataset", str(path), stdout=StringIO(), stderr=StringIO())
    assert grew(before, "Topic", "Speaker", "Source", "Statement", "Claim", "Evidence", "VerdictChange")
    assert_history_mirrors_database()


def test_seed_demo_leaves_history():
    call_command("seed_demo", "--no-accounts", stdout=StringIO())
    assert Claim.objects.exists()
    for model in HISTORY_MODELS:
        assert model.history.count() >= model.objects.count()
    assert_history_mirrors_database()


def test_the_mirror_check_catches_a_write_that_skips_history():
    claim = ClaimFactory(text="Recorded.")
    assert_history_mirrors_database()
    Claim.objects.filter(pk=claim.pk).update(text="Not recorded.")
    with pytest.raises(AssertionError, match="history behind the database"):
        assert_history_mirrors_database()


# Deleting what others point to


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("speakers/{slug}/", lambda: ClaimFactory().claimant),
        ("speakers/{slug}/", lambda: StatementFactory().speaker),
        ("speakers/{slug}/", lambda: SpeakerFactory(affiliation=SpeakerFactory()).affiliation),
        ("sources/{pk}/", lambda: StatementFactory().source),
        ("sources/{pk}/", lambda: ClaimFactory(first_appearance=SourceFactory()).first_appearance),
        ("statements/{pk}/", lambda: EvidenceFactory().statement),
    ],
)
def test_the_api_refuses_to_delete_what_others_point_to(reviewer_api, path, make):
    obj = make()
    before = history_counts()
    response = reviewer_api.delete(API + path.format(slug=getattr(obj, "slug", ""), pk=obj.pk))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "in_use"
    assert "still in use by" in error["message"] and "remove those links first" in error["message"]
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert history_counts() == before


@pytest.mark.parametrize(
    ("model", "make", "used_by"),
    [
        ("speaker", lambda: ClaimFactory().claimant, "Claim"),
        ("speaker", lambda: StatementFactory().speaker, "Statement"),
        ("statement", lambda: EvidenceFactory().statement, "Evidence"),
        ("source", lambda: ClaimFactory(first_appearance=SourceFactory()).first_appearance, "Claim"),
    ],
)
def test_the_admin_refuses_to_delete_what_others_point_to(reviewer_client, model, make, used_by):
    obj = make()
    before = history_counts()
    response = reviewer_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "would require deleting the following protected related objects" in page
    assert f"{used_by}:" in page
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert history_counts() == before


def restore(model, pk):
    """Bring a deleted object back from its history, as an editor would from the admin's history."""
    row = model.history.filter(id=pk).exclude(history_type="-").latest("history_id")
    row.instance.save()


def test_the_admin_refuses_to_delete_a_claim_with_verdict_history(reviewer_client):
    claim = PublishedClaimFactory(text="Rated in public.")
    VerdictChangeFactory(claim=claim)
    before = history_counts()
    for response in (
        reviewer_client.get(admin_url("claim", "delete", claim.pk), follow=True),
        reviewer_client.post(admin_url("claim", "delete", claim.pk), {"post": "yes"}, follow=True),
    ):
        assert response.redirect_chain == [(admin_url("claim", "change", claim.pk), 302)]
        page = response.content.decode()
        assert "This claim has a public verdict history, so it cannot be deleted: retract it instead" in page
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert history_counts() == before


def test_the_api_refuses_to_delete_a_claim_with_verdict_history(reviewer_api):
    claim = PublishedClaimFactory(text="Rated in public.")
    VerdictChangeFactory(claim=claim)
    before = history_counts()
    response = reviewer_api.delete(f"{API}claims/{claim.slug}/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "has_verdict_history" and "retract it instead" in error["message"]
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert history_counts() == before


def test_a_claim_deleted_through_the_api_is_recoverable_with_its_evidence(reviewer_api):
    claim = ClaimFactory(text="Deleted by mistake.", topics=[TopicFactory()])
    evidence = EvidenceFactory(claim=claim)
    snapshot = {
        "claim": Claim.objects.filter(pk=claim.pk).values().get(),
        "evidence": Evidence.objects.filter(pk=evidence.pk).values().get(),
    }
    assert reviewer_api.delete(f"{API}claims/{claim.slug}/").status_code == 204
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert_history_mirrors_database()  # deletion rows for the claim and its evidence

    restore(Claim, claim.pk)
    restore(Evidence, evidence.pk)
    skip = {"updated_at", "search_vector"}

    def same(model, pk, expected):
        now = model.objects.filter(pk=pk).values().get()
        return {k: v for k, v in now.items() if k not in skip} == {k: v for k, v in expected.items() if k not in skip}

    assert same(Claim, claim.pk, snapshot["claim"])
    assert same(Evidence, evidence.pk, snapshot["evidence"])

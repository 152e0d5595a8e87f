"""A published claim changes only in public: through the admin and the API, the way editors and reviewers work.

Editors are refused (API: 403 published_claim_locked; admin: the fields readers see are read-only, with a way to
propose the change); reviewers change it with a public note (kind and reason), which readers then see. Deleting a
rated claim gets the same answer in both. Every refusal writes nothing.
"""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from rest_framework.test import APIClient

from claims import services
from claims.models import (
    ChangeProposal,
    Claim,
    Evidence,
    PublicNote,
    PublicProfile,
    Statement,
    Status,
    Topic,
    Verdict,
)
from tests.factories import (
    ClaimFactory,
    EditorFactory,
    StatementFactory,
    TopicFactory,
    UserFactory,
)
from tests.helpers import admin_url, claim_change, form_data, messages_of

pytestmark = pytest.mark.django_db
API = "/api/v1/"
CHECKED = datetime.datetime(2024, 11, 27, 10, tzinfo=datetime.UTC)
NOTE = {"note_kind": "correction", "note_reason": "We misquoted the company."}


@pytest.fixture
def published(reviewer):
    """A claim published through the workflow on 27 November 2024, with its evidence and a topic."""
    claim = ClaimFactory(ready=True, text="The leaked access was authentic.", topics=[TopicFactory(name="Leaks")])
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.FALSE, kind="initial", reason="Checked.")
    services.claim_submit(claim=claim, by=reviewer, at=CHECKED)
    services.claim_publish(claim=claim, by=reviewer, at=CHECKED)
    Claim.objects.filter(pk=claim.pk).update(public_updated_at=CHECKED)  # the test's fixed starting point
    return Claim.objects.get(pk=claim.pk)


def snapshot(claim):
    """Everything a refused write must leave as it was."""
    return {
        "claim": Claim.objects.filter(pk=claim.pk).values().get(),
        "topics": set(claim.topics.values_list("pk", flat=True)),
        "evidence": list(Evidence.objects.filter(claim=claim).values()),
        "notes": PublicNote.objects.count(),
        "history": Claim.history.count() + Evidence.history.count(),
    }


def error(response) -> dict:
    return response.json()["error"]


# The API


def test_an_editors_change_to_a_published_claim_is_refused_and_nothing_written(editor_api, published):
    before = snapshot(published)
    url = f"{API}claims/{published.slug}/"
    for body in ({"text": "Reworded."}, {"summary": "Rewritten."}, {"topics": []}, {"text": "x", **NOTE}):
        response = editor_api.patch(url, body, format="json")
        assert response.status_code == 403, body
        assert error(response)["code"] == "published_claim_locked"
        assert "Propose the change for review" in error(response)["message"]
    assert snapshot(published) == before


def test_a_reviewers_change_without_a_note_is_refused(reviewer_api, published):
    before = snapshot(published)
    response = reviewer_api.patch(f"{API}claims/{published.slug}/", {"text": "Reworded."}, format="json")
    assert response.status_code == 400
    fields = error(response)["fields"]
    assert set(fields) == {"note_kind", "note_reason"}
    only_reason = reviewer_api.patch(
        f"{API}claims/{published.slug}/", {"text": "Reworded.", "note_kind": "update"}, format="json"
    )
    assert set(error(only_reason)["fields"]) == {"note_reason"}
    assert snapshot(published) == before


def test_a_reviewers_change_with_a_note_is_recorded_and_shown(reviewer_api, anon_api, published, reviewer):
    url = f"{API}claims/{published.slug}/"
    response = reviewer_api.patch(url, {"summary": "Rewritten after the company's statement.", **NOTE}, format="json")
    assert response.status_code == 200, response.json()
    note = PublicNote.objects.get()
    assert (note.kind, note.reason, note.changed_fields, note.written_by) == (
        "correction",
        NOTE["note_reason"],
        ["summary"],
        reviewer,
    )
    claim = Claim.objects.get(pk=published.pk)
    assert claim.public_updated_at == note.published_at > CHECKED
    assert claim.published_at == CHECKED  # "Checked" never moves
    assert claim.history.first().history_user == reviewer

    shown = anon_api.get(url).json()
    assert shown["summary"] == "Rewritten after the company's statement."
    assert shown["public_notes"] == [
        {
            "kind": "correction",
            "reason": NOTE["note_reason"],
            "changed_fields": ["summary"],
            "published_at": note.published_at.isoformat().replace("+00:00", "Z"),
        }
    ]
    assert "note_kind" not in shown and "note_reason" not in shown  # write-only


def test_a_note_without_a_public_change_is_refused(reviewer_api, published):
    response = reviewer_api.patch(f"{API}claims/{published.slug}/", {"language": "en", **NOTE}, format="json")
    assert response.status_code == 400
    assert error(response)["fields"]["note_reason"]
    assert not PublicNote.objects.exists()


def test_an_internal_change_to_a_published_claim_needs_no_note_and_moves_no_date(reviewer_api, published):
    response = reviewer_api.patch(f"{API}claims/{published.slug}/", {"language": "fr"}, format="json")
    assert response.status_code == 200
    claim = Claim.objects.get(pk=published.pk)
    assert (claim.language, claim.public_updated_at) == ("fr", CHECKED)
    assert not PublicNote.objects.exists()


def test_evidence_on_a_published_claim_needs_a_reviewer_and_a_note(editor_api, reviewer_api, published):
    statement = StatementFactory()
    body = {"claim": published.pk, "statement": statement.pk, "stance": "refutes"}
    before = snapshot(published)
    locked = editor_api.post(f"{API}evidence/", {**body, **NOTE}, format="json")
    assert locked.status_code == 403 and error(locked)["code"] == "published_claim_locked"
    unnoted = reviewer_api.post(f"{API}evidence/", body, format="json")
    assert unnoted.status_code == 400
    assert set(error(unnoted)["fields"]) == {"note_kind", "note_reason"}
    assert snapshot(published) == before

    made = reviewer_api.post(f"{API}evidence/", {**body, **NOTE}, format="json")
    assert made.status_code == 201, made.json()
    assert "note_kind" not in made.json()
    assert PublicNote.objects.get().changed_fields == ["evidence"]
    assert Claim.objects.get(pk=published.pk).public_updated_at > CHECKED

    url = f"{API}evidence/{made.json()['id']}/"
    assert reviewer_api.delete(url, format="json").status_code == 400
    assert editor_api.delete(url, NOTE, format="json").status_code == 403
    assert (
        reviewer_api.delete(url, {"note_kind": "update", "note_reason": "Not about this."}, format="json").status_code
        == 204
    )
    assert PublicNote.objects.count() == 2


def test_drafts_change_freely_and_take_no_note(editor_api):
    draft = ClaimFactory(text="A draft.")
    url = f"{API}claims/{draft.slug}/"
    assert editor_api.patch(url, {"text": "A draft, reworded."}, format="json").status_code == 200
    noted = editor_api.patch(url, {"text": "Again.", **NOTE}, format="json")
    assert noted.status_code == 400 and "note_reason" in error(noted)["fields"]
    created = editor_api.post(f"{API}claims/", {"text": "New.", **NOTE}, format="json")
    assert created.status_code == 400 and "note_reason" in error(created)["fields"]
    assert not PublicNote.objects.exists()


def test_deleting_a_rated_claim_is_refused_alike_in_the_api_and_the_admin(reviewer_api, reviewer_client, published):
    before = snapshot(published)
    api = reviewer_api.delete(f"{API}claims/{published.slug}/")
    assert api.status_code == 409
    assert error(api)["code"] == "has_verdict_history"
    admin = reviewer_client.post(admin_url("claim", "delete", published.pk), {"post": "yes"}, follow=True)
    said = " ".join(messages_of(admin))
    answer = "This claim has a public verdict history, so it cannot be deleted: retract it instead"
    assert answer in error(api)["message"] and answer in said
    assert snapshot(published) == before


def test_an_unrated_draft_is_deleted_in_both(reviewer_api, reviewer_client):
    first, second = ClaimFactory(ready=True), ClaimFactory(ready=True)
    assert reviewer_api.delete(f"{API}claims/{first.slug}/").status_code == 204
    assert reviewer_client.post(admin_url("claim", "delete", second.pk), {"post": "yes"}).status_code == 302
    assert not Claim.objects.exists() and not Evidence.objects.exists()


def test_the_schema_describes_the_notes_and_the_refusals(anon_api):
    schema = anon_api.get(f"{API}schema/?format=json").json()
    components = schema["components"]["schemas"]
    for name in ("PatchedClaimDetailRequest", "ClaimDetailRequest", "EvidenceRequest"):
        assert {"note_kind", "note_reason"} <= set(components[name]["properties"]), name
    assert "note_kind" not in components["ClaimDetail"]["properties"]
    assert "public_notes" in components["ClaimDetail"]["properties"]
    patch = schema["paths"]["/api/v1/claims/{slug}/"]["patch"]
    assert "published_claim_locked" in patch["responses"]["403"]["description"]
    assert "published_claim_locked" in patch["description"]
    assert (
        "has_verdict_history" in schema["paths"]["/api/v1/claims/{slug}/"]["delete"]["responses"]["409"]["description"]
    )


@pytest.fixture
def anon_api():
    return APIClient()


# The admin


def test_an_editor_sees_a_published_claim_read_only_with_a_way_to_propose(editor_client, published):
    response = editor_client.get(admin_url("claim", "change", published.pk))
    form = response.context["adminform"].form
    assert not {"text", "claimant", "first_appearance", "first_appeared_on", "summary", "topics"} & set(form.fields)
    assert not {"note_kind", "note_reason"} & {f for fs in response.context["adminform"] for line in fs for f in line}
    evidence = next(i for i in response.context["inline_admin_formsets"] if i.formset.model is Evidence)
    assert not (evidence.has_add_permission or evidence.has_change_permission or evidence.has_delete_permission)
    page = response.content.decode()
    assert published.text in page
    assert reverse("admin:claims_claim_propose", args=[published.pk]) in page


def test_an_editors_forged_post_changes_nothing(editor_client, published):
    data = claim_change(editor_client, published)
    statement = StatementFactory()
    evidence = published.evidence.get()
    data.update(
        {
            "text": "Forged text.",
            "summary": "Forged summary.",
            "topics": [str(TopicFactory().pk)],
            **NOTE,
            "evidence-0-stance": "context",
            "evidence-TOTAL_FORMS": "2",
            "evidence-1-statement": str(statement.pk),
            "evidence-1-stance": "refutes",
            "evidence-1-rank": "normal",
        }
    )
    data.setdefault("evidence-0-id", str(evidence.pk))
    before = snapshot(published)
    response = editor_client.post(admin_url("claim", "change", published.pk), data)
    assert response.status_code in (200, 302)
    assert snapshot(published) == before


def test_a_reviewers_change_without_a_note_is_a_form_error(reviewer_client, published):
    data = claim_change(reviewer_client, published)
    data["text"] = "Reworded."
    before = snapshot(published)
    response = reviewer_client.post(admin_url("claim", "change", published.pk), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"note_kind", "note_reason"}
    assert "readers will see it" in " ".join(errors["note_reason"])
    assert snapshot(published) == before


def test_a_reviewers_change_and_evidence_with_a_note_make_one_public_note(
    reviewer_client, reviewer, anon_api, published
):
    statement = StatementFactory()
    data = claim_change(reviewer_client, published)
    data.update(
        {
            "text": "The leaked access was real, but limited.",
            **NOTE,
            "evidence-TOTAL_FORMS": str(int(data["evidence-TOTAL_FORMS"]) + 1),
        }
    )
    n = int(data["evidence-TOTAL_FORMS"]) - 1
    data.update({f"evidence-{n}-statement": str(statement.pk), f"evidence-{n}-stance": "refutes"})
    data[f"evidence-{n}-rank"] = "normal"
    response = reviewer_client.post(admin_url("claim", "change", published.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    note = PublicNote.objects.get()
    assert (note.kind, note.reason, note.written_by) == ("correction", NOTE["note_reason"], reviewer)
    assert note.changed_fields == ["text", "evidence"]
    claim = Claim.objects.get(pk=published.pk)
    assert claim.text == "The leaked access was real, but limited."
    assert claim.evidence.count() == 2
    assert claim.public_updated_at == note.published_at > CHECKED
    assert anon_api.get(f"{API}claims/{claim.slug}/").json()["public_notes"][0]["reason"] == NOTE["note_reason"]


def test_evidence_added_on_the_claim_page_needs_the_note(reviewer_client, published):
    statement = StatementFactory()
    data = claim_change(reviewer_client, published)
    n = int(data["evidence-TOTAL_FORMS"])
    data.update(
        {
            "evidence-TOTAL_FORMS": str(n + 1),
            f"evidence-{n}-statement": str(statement.pk),
            f"evidence-{n}-stance": "refutes",
            f"evidence-{n}-rank": "normal",
        }
    )
    before = snapshot(published)
    response = reviewer_client.post(admin_url("claim", "change", published.pk), data)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"note_kind", "note_reason"}
    assert snapshot(published) == before
    data.update(NOTE)
    assert reviewer_client.post(admin_url("claim", "change", published.pk), data).status_code == 302
    assert PublicNote.objects.get().changed_fields == ["evidence"]


def test_the_evidence_and_statement_pages_refuse_editors_on_a_published_claim(editor_client, published):
    evidence = published.evidence.get()
    response = editor_client.get(admin_url("evidence", "change", evidence.pk))
    assert response.status_code == 200 and not response.context["has_change_permission"]
    assert editor_client.post(admin_url("evidence", "delete", evidence.pk), {"post": "yes"}).status_code == 403

    statement = evidence.statement
    response = editor_client.get(admin_url("statement", "change", statement.pk))
    data = form_data(response)
    data["text"] = "Words the published fact check quotes, changed."
    before = Statement.history.count()
    response = editor_client.post(admin_url("statement", "change", statement.pk), data)
    assert response.status_code == 200
    assert "Propose the change for review" in " ".join(response.context["adminform"].form.non_field_errors())
    assert Statement.objects.get(pk=statement.pk).text == statement.text
    assert Statement.history.count() == before


def test_a_reviewer_changes_a_quoted_statement_with_a_note_that_the_claim_shows(reviewer_client, published):
    statement = published.evidence.get().statement
    url = admin_url("statement", "change", statement.pk)
    data = form_data(reviewer_client.get(url))
    data["text"] = "The words as the source has them now."
    response = reviewer_client.post(url, data)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"note_kind", "note_reason"}
    assert Statement.objects.get(pk=statement.pk).text == statement.text
    data.update(NOTE)
    assert reviewer_client.post(url, data).status_code == 302
    assert Statement.objects.get(pk=statement.pk).text == "The words as the source has them now."
    note = PublicNote.objects.get(claim=published)
    assert (note.kind, note.changed_fields) == ("correction", ["evidence"])
    page = reviewer_client.get(published.get_absolute_url()).content.decode()
    assert "We misquoted the company." in page and "The words as the source has them now." in page


def test_an_editor_proposes_and_a_reviewer_closes(editor_client, editor, reviewer, published):
    from django.test import Client

    url = reverse("admin:claims_claim_propose", args=[published.pk])
    assert editor_client.post(url, {"message": "", "text": published.text}).status_code == 200
    response = editor_client.post(
        url, {"message": "The company corrected its statement.", "text": "Reworded.", "summary": published.summary}
    )
    assert response.status_code == 302
    proposal = ChangeProposal.objects.get()
    assert (proposal.state, proposal.proposed_by, proposal.changes) == ("open", editor, {"text": "Reworded."})
    assert Claim.objects.get(pk=published.pk).text == published.text  # proposed, not made

    reviewing = Client()
    reviewing.force_login(reviewer)
    page = reviewing.get(admin_url("claim", "change", published.pk)).content.decode()
    assert "The company corrected its statement." in page and "Mark as made" in page
    listed = reviewing.get(admin_url("changeproposal", "changelist"))
    assert list(listed.context["cl"].result_list) == [proposal]

    close = reverse("admin:claims_claim_proposal_close", args=[published.pk, proposal.pk, "made"])
    assert editor_client.post(close).status_code == 403
    assert reviewing.post(close).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.state, proposal.closed_by) == ("made", reviewer)
    assert "already closed" in " ".join(messages_of(reviewing.post(close, follow=True)))
    assert not reviewing.get(admin_url("changeproposal", "changelist")).context["cl"].result_list


def test_bulk_delete_refuses_rated_claims_by_name_and_deletes_the_rest(reviewer_client, published):
    draft = ClaimFactory(text="Never rated.")
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [published.pk, draft.pk]}
    response = reviewer_client.post(admin_url("claim", "changelist"), data)
    assert response.status_code == 200  # the confirmation, for the draft only
    assert f"“{published}” was not deleted: This claim has a public verdict history" in " ".join(messages_of(response))
    assert [c.pk for c in response.context["queryset"]] == [draft.pk]
    data["post"] = "yes"
    reviewer_client.post(admin_url("claim", "changelist"), data)
    assert list(Claim.objects.values_list("pk", flat=True)) == [published.pk]


def test_public_notes_are_listed_for_staff_read_only(editor_client, reviewer, published):
    services.claim_update(claim=published, by=reviewer, summary="New words.", **NOTE)
    response = editor_client.get(admin_url("publicnote", "changelist"))
    assert response.status_code == 200
    assert [n.reason for n in response.context["cl"].result_list] == [NOTE["note_reason"]]
    note = PublicNote.objects.get()
    assert not editor_client.get(admin_url("publicnote", "change", note.pk)).context["has_change_permission"]
    assert editor_client.get(admin_url("publicnote", "add")).status_code == 403


def test_a_staff_member_sets_their_public_name_and_an_admin_anyones(editor_client, editor):
    me = reverse("admin:claims_publicprofile_me")
    assert "Your public name" in editor_client.get(me).content.decode()
    assert "Public names" in editor_client.get(reverse("admin:index")).content.decode()
    assert editor_client.get(admin_url("publicprofile", "changelist")).url == me
    assert editor_client.post(me, {"public_name": "  Sam at the desk "}).status_code == 302
    assert PublicProfile.objects.get(user=editor).public_name == "Sam at the desk"
    with pytest.raises(Exception, match="only your own"):
        services.public_name_set(user=UserFactory(), by=editor, public_name="Not mine")

    from django.test import Client

    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    other = EditorFactory()
    assert client.get(admin_url("publicprofile", "add")).status_code == 200
    assert client.get(admin_url("publicprofile", "changelist")).status_code == 200
    response = client.post(admin_url("publicprofile", "add"), {"user": other.pk, "public_name": "The desk"})
    assert response.status_code == 302
    assert PublicProfile.objects.get(user=other).public_name == "The desk"
    assert PublicProfile.history.filter(user_id=other.pk).get().history_user == admin


def test_topics_speakers_and_sources_are_saved_through_the_services(reviewer_client, reviewer):
    response = reviewer_client.post(admin_url("topic", "add"), {"name": "Leaks"})
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert topic.history.get().history_user == reviewer
    assert reviewer_client.post(admin_url("topic", "delete", topic.pk), {"post": "yes"}).status_code == 302
    assert not Topic.objects.exists()


def test_a_claim_added_in_the_admin_is_a_draft_by_its_author(editor_client, editor):
    topic = TopicFactory()
    data = form_data(editor_client.get(admin_url("claim", "add")))
    data.update({"text": "Added through claim_create.", "topics": [str(topic.pk)]})
    assert editor_client.post(admin_url("claim", "add"), data).status_code == 302
    claim = Claim.objects.get()
    assert (claim.status, claim.verdict, claim.version) == (Status.DRAFT, Verdict.UNVERIFIED, 1)
    assert list(claim.topics.all()) == [topic]
    assert {row.history_user for row in claim.history.all()} == {editor}

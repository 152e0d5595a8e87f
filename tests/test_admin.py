"""The editors' admin, through the test client the way editors and reviewers use it."""

import threading

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AutocompleteMixin
from django.contrib.auth import get_user_model
from django.db import connection
from django.db import connections as db_connections
from django.db.models import F
from django.forms import ModelChoiceField
from django.forms.models import InlineForeignKeyField
from django.test import Client
from django.urls import reverse

from claims.admin import ClaimAdmin
from claims.models import Claim, Evidence, Source, Statement, Status, Topic, Verdict, VerdictChange
from tests.factories import (
    ClaimFactory,
    EditorFactory,
    EvidenceFactory,
    ExternalReviewFactory,
    PublishedClaimFactory,
    SourceFactory,
    SpeakerFactory,
    StatementFactory,
    TopicFactory,
    VerdictChangeFactory,
)
from tests.helpers import admin_url, claim_change, form_data, messages_of

pytestmark = pytest.mark.django_db
User = get_user_model()

FACTORIES = {
    "topic": TopicFactory,
    "speaker": SpeakerFactory,
    "source": SourceFactory,
    "statement": StatementFactory,
    "claim": ClaimFactory,
    "evidence": EvidenceFactory,
    "verdictchange": VerdictChangeFactory,
    "externalreview": ExternalReviewFactory,
}
MODELS = list(FACTORIES)
PAGES = ["changelist", "add", "change", "history"]


def page_url(model, page):
    if page in ("changelist", "add"):
        return admin_url(model, page)
    return admin_url(model, page, FACTORIES[model]().pk)


def run_action(client, action, claims, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in claims], "index": 0, **extra}
    return client.post(admin_url("claim", "changelist"), data)


# Every page, for every model


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("model", MODELS)
def test_reviewer_opens_every_admin_page(reviewer_client, model, page):
    if (model, page) == ("verdictchange", "add"):
        pytest.skip("verdict changes are made only through 'Set verdict' (tested below)")
    response = reviewer_client.get(page_url(model, page))
    assert response.status_code == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("model", MODELS)
def test_anonymous_users_are_sent_to_the_login(client, model, page):
    url = page_url(model, page)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", MODELS)
def test_a_logged_in_reader_without_staff_status_is_sent_to_the_login(client, reader, model):
    client.force_login(reader)
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", MODELS)
def test_editors_open_every_list(editor_client, model):
    FACTORIES[model]()
    assert editor_client.get(admin_url(model, "changelist")).status_code == 200


def _foreign_key_fields(form):
    return {
        name: field
        for name, field in form.fields.items()
        if isinstance(field, ModelChoiceField)
        and not isinstance(field, InlineForeignKeyField)
        and name != form._meta.model._meta.pk.name  # an inline row's own id, hidden
    }


@pytest.mark.parametrize("model", MODELS)
def test_every_foreign_key_on_every_page_is_picked_by_autocomplete(reviewer_client, model):
    if model == "verdictchange":
        pytest.skip("verdict history is read-only: no foreign key is picked by hand")
    response = reviewer_client.get(page_url(model, "change"))
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.empty_form, *inline.formset.forms]
    pickers = {}
    for form in forms:
        for name, field in _foreign_key_fields(form).items():
            widget = getattr(field.widget, "widget", field.widget)  # inside the add/change links wrapper
            pickers[f"{type(form).__name__}.{name}"] = type(widget)
    assert bool(pickers) == (model != "topic"), "a topic has no foreign key; every other page has one"
    assert all(issubclass(w, AutocompleteMixin) for w in pickers.values()), pickers


def test_every_model_admin_lists_searches_filters_and_joins_its_foreign_keys():
    registered = {m: a for m, a in admin.site._registry.items() if m._meta.app_label == "claims"}
    assert {m._meta.model_name for m in registered} == {*MODELS, "publicnote", "changeproposal", "publicprofile"}
    for model, model_admin in registered.items():
        assert model_admin.list_display and model_admin.search_fields and model_admin.list_filter, model
        shown = {
            name
            for name in model_admin.list_display
            if name in {f.name for f in model._meta.get_fields() if f.many_to_one}
        }
        assert shown <= {n.split("__")[0] for n in model_admin.list_select_related or []}, model
        editable_fks = {
            f.name for f in model._meta.get_fields() if (f.many_to_one or f.many_to_many) and f.editable and f.concrete
        }
        assert editable_fks <= set(model_admin.autocomplete_fields), model


def test_nobody_adds_changes_or_deletes_verdict_history_by_hand(reviewer_client):
    change = VerdictChangeFactory()
    assert reviewer_client.get(admin_url("verdictchange", "add")).status_code == 403
    assert reviewer_client.get(admin_url("verdictchange", "delete", change.pk)).status_code == 403
    response = reviewer_client.post(admin_url("verdictchange", "change", change.pk), {"reason": "rewritten"})
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.reason == "Rated on the evidence gathered."


def test_reverting_verdict_history_through_the_history_page_is_refused(reviewer_client):
    change = VerdictChangeFactory()
    record = change.history.latest()
    VerdictChange.objects.filter(pk=change.pk).update(reason="Changed elsewhere")
    url = reverse("admin:claims_verdictchange_simple_history", args=[change.pk, record.history_id])
    assert reviewer_client.get(url).status_code == 200
    assert reviewer_client.post(url, {"reason": "Rated on the evidence gathered."}).status_code == 403
    change.refresh_from_db()
    assert change.reason == "Changed elsewhere"


def test_reverting_a_claim_through_its_history_is_refused(reviewer_client):
    claim = ClaimFactory(text="The original text.")
    record = claim.history.latest()
    url = reverse("admin:claims_claim_simple_history", args=[claim.pk, record.history_id])
    assert reviewer_client.get(url).status_code == 200
    assert reviewer_client.post(url, {"text": "Reverted", "version": "1"}).status_code == 403
    assert Claim.objects.get(pk=claim.pk).text == "The original text."


def test_reverting_a_source_restores_the_old_version(reviewer_client):
    source = SourceFactory(title="Old title")
    record = source.history.latest()
    source.title = "New title"
    source.save()
    url = reverse("admin:claims_source_simple_history", args=[source.pk, record.history_id])
    response = reviewer_client.get(url)
    assert response.status_code == 200
    data = {k: v for k, v in form_data(response).items() if k != "accessed_at"}
    response = reviewer_client.post(url, data)
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.title == "Old title"


def test_history_page_lists_who_changed_what(reviewer_client, reviewer):
    claim = ClaimFactory(text="Before.")
    data = claim_change(reviewer_client, claim)
    data["text"] = "After."
    assert reviewer_client.post(admin_url("claim", "change", claim.pk), data).status_code == 302
    response = reviewer_client.get(admin_url("claim", "history", claim.pk))
    assert response.status_code == 200
    records = list(response.context["page_obj"].object_list)
    assert records[0].text == "After."
    assert records[0].history_user == reviewer


def test_history_page_names_people_without_a_link_editors_cannot_open(editor_client, editor, reviewer):
    editor.first_name, editor.last_name = "Ed", "Itor"
    editor.save()
    claim = ClaimFactory(text="Before.")
    claim.history.update(history_user=reviewer, history_change_reason="")
    data = claim_change(editor_client, claim)
    data["text"] = "After."
    assert editor_client.post(admin_url("claim", "change", claim.pk), data).status_code == 302
    response = editor_client.get(admin_url("claim", "history", claim.pk))
    page = response.content.decode()
    assert "Ed Itor" in page and reviewer.username in page
    for user in (editor, reviewer):
        user_page = reverse("admin:auth_user_change", args=[user.pk])
        assert user_page not in page
        assert editor_client.get(user_page).status_code == 403  # why there is no link
    assert ">None<" not in page.replace(" ", "").replace("\n", "")


def test_history_page_shows_changes_in_words(reviewer_client):
    claim = ClaimFactory(text="Rated later.")
    data = {"verdict": Verdict.MOSTLY_FALSE, "kind": VerdictChange.Kind.INITIAL, "reason": "The logs say otherwise."}
    assert reviewer_client.post(reverse("admin:claims_claim_verdict", args=[claim.pk]), data).status_code == 302
    response = reviewer_client.get(admin_url("claim", "history", claim.pk))
    [change] = [c for r in response.context["page_obj"] for c in getattr(r, "history_delta_changes", [])]
    assert (change["field"], change["old"], change["new"]) == ("Verdict", "Not yet rated", "Mostly false")
    assert "mostly_false" not in response.content.decode()


# Search


SEARCHES = {
    "topic": (lambda: TopicFactory(name="Leaked access"), lambda: TopicFactory(name="Valuation"), "leaked"),
    "speaker": (lambda: SpeakerFactory(name="Niko Felix"), lambda: SpeakerFactory(name="Sam Altman"), "felix"),
    "source": (
        lambda: SourceFactory(title="Artists leak Sora"),
        lambda: SourceFactory(title="Quarterly results"),
        "sora",
    ),
    "statement": (
        lambda: StatementFactory(text="Sora is in research preview."),
        lambda: StatementFactory(text="We raised money."),
        "preview",
    ),
    "claim": (
        lambda: ClaimFactory(text="The leak was authentic."),
        lambda: ClaimFactory(text="OpenAI pays artists."),
        "authentic",
    ),
    "evidence": (
        lambda: EvidenceFactory(claim__text="The leak was authentic."),
        lambda: EvidenceFactory(claim__text="OpenAI pays artists."),
        "authentic",
    ),
    "verdictchange": (
        lambda: VerdictChangeFactory(reason="The tokens worked for three hours."),
        lambda: VerdictChangeFactory(reason="No payment records."),
        "tokens",
    ),
    "externalreview": (
        lambda: ExternalReviewFactory(publisher_name="PolitiFact"),
        lambda: ExternalReviewFactory(publisher_name="Snopes"),
        "politifact",
    ),
}


@pytest.mark.parametrize("model", MODELS)
def test_search_on_every_list(reviewer_client, model):
    make_hit, make_miss, term = SEARCHES[model]
    hit, miss = make_hit(), make_miss()
    response = reviewer_client.get(admin_url(model, "changelist"), {"q": term})
    assert response.status_code == 200
    found = list(response.context["cl"].result_list)
    assert hit in found
    assert miss not in found


# Lists run a fixed number of queries


def make_rows(model, n):
    if model == "claim":
        topics = TopicFactory.create_batch(3)
        for _ in range(n):
            ClaimFactory(topics=topics, first_appearance=SourceFactory())
    elif model == "topic":
        for topic in TopicFactory.create_batch(n):
            ClaimFactory(topics=[topic])
    elif model == "speaker":
        org = SpeakerFactory(kind="organization")
        SpeakerFactory.create_batch(n - 1, affiliation=org)
    elif model == "source":
        for source in SourceFactory.create_batch(n):
            StatementFactory(source=source)
    else:
        FACTORIES[model].create_batch(n)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("rows", [1, 50])
def test_lists_run_a_fixed_number_of_queries(reviewer_client, django_assert_max_num_queries, model, rows):
    make_rows(model, rows)
    url = admin_url(model, "changelist")
    with django_assert_max_num_queries(8):  # the claim list may ask PostgreSQL for its size estimate
        response = reviewer_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


# Adding and changing a claim


def test_a_claim_added_with_its_text_alone_is_a_draft_with_a_slug(editor_client):
    response = editor_client.get(admin_url("claim", "add"))
    data = form_data(response)
    data.update(text="The leaked Sora access was authentic.", status="published", verdict="true")
    response = editor_client.post(admin_url("claim", "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    claim = Claim.objects.get()
    assert claim.slug == "the-leaked-sora-access-was-authentic"
    assert claim.status == Status.DRAFT
    assert claim.verdict == Verdict.UNVERIFIED
    assert claim.version == 1


def test_the_claim_form_edits_text_topics_and_evidence_but_not_the_workflow(editor_client):
    claim = ClaimFactory()
    topic = TopicFactory()
    statement = StatementFactory()
    data = claim_change(editor_client, claim)
    data.update(
        text="Edited text.",
        topics=[str(topic.pk)],
        status="published",
        verdict="true",
        retraction_reason="sneaky",
        **{
            "evidence-TOTAL_FORMS": "1",
            "evidence-0-statement": str(statement.pk),
            "evidence-0-stance": "refutes",
            "evidence-0-rank": "preferred",
        },
    )
    response = editor_client.post(admin_url("claim", "change", claim.pk), data)
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.text == "Edited text."
    assert list(claim.topics.all()) == [topic]
    assert (claim.status, claim.verdict, claim.retraction_reason) == (Status.DRAFT, Verdict.UNVERIFIED, "")
    assert claim.version == 2
    evidence = claim.evidence.get()
    assert (evidence.statement, evidence.stance, evidence.rank) == (statement, "refutes", "preferred")


def test_deprecated_evidence_without_a_reason_is_a_form_error(editor_client):
    claim = ClaimFactory()
    evidence = EvidenceFactory(claim=claim)
    data = claim_change(editor_client, claim)
    data["evidence-0-rank"] = "deprecated"
    response = editor_client.post(admin_url("claim", "change", claim.pk), data)
    assert response.status_code == 200
    assert "Deprecated evidence needs a reason." in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.rank == "normal"
    # The failed save did not use up the version: the same form goes through once fixed.
    assert Claim.objects.get(pk=claim.pk).version == 1
    data["evidence-0-deprecation_reason"] = "Superseded by the company's own statement."
    assert editor_client.post(admin_url("claim", "change", claim.pk), data).status_code == 302
    evidence.refresh_from_db()
    assert evidence.rank == "deprecated"


def test_the_claim_page_shows_the_verdict_history_read_only(reviewer_client, reviewer):
    claim = PublishedClaimFactory()
    change = VerdictChangeFactory(claim=claim, reason="First rated on the leak.", changed_by=reviewer)
    response = reviewer_client.get(admin_url("claim", "change", claim.pk))
    user_url = reverse("admin:auth_user_change", args=[reviewer.pk])
    assert reviewer.username in response.content.decode()
    assert user_url not in response.content.decode()
    response_change = reviewer_client.get(admin_url("verdictchange", "change", change.pk))
    assert reviewer.username in response_change.content.decode()
    assert user_url not in response_change.content.decode()
    history = [i for i in response.context["inline_admin_formsets"] if i.opts.model is VerdictChange][0]
    assert not history.has_add_permission
    assert not history.has_change_permission
    assert not history.has_delete_permission
    assert "First rated on the leak." in response.content.decode()


def test_the_slug_is_read_only_once_published(reviewer_client):
    claim = PublishedClaimFactory(slug="stable-slug")
    data = claim_change(reviewer_client, claim)
    assert "slug" not in data
    data["slug"] = "moved"
    assert reviewer_client.post(admin_url("claim", "change", claim.pk), data).status_code == 302
    claim.refresh_from_db()
    assert claim.slug == "stable-slug"


def test_a_draft_slug_can_be_edited(editor_client):
    claim = ClaimFactory()
    data = claim_change(editor_client, claim)
    data["slug"] = "better-slug"
    assert editor_client.post(admin_url("claim", "change", claim.pk), data).status_code == 302
    claim.refresh_from_db()
    assert claim.slug == "better-slug"


# No lost updates


def test_a_stale_save_gets_a_conflict_and_overwrites_nothing(db):
    first, second = Client(), Client()
    first.force_login(EditorFactory())
    second.force_login(EditorFactory())
    claim = ClaimFactory(text="Original.", summary="")
    statement = StatementFactory()
    url = admin_url("claim", "change", claim.pk)
    data_first = claim_change(first, claim)
    data_second = claim_change(second, claim)

    data_first["text"] = "First editor's text."
    assert first.post(url, data_first).status_code == 302

    data_second["summary"] = "Second editor's summary."
    data_second.update(
        {
            "evidence-TOTAL_FORMS": "1",
            "evidence-0-statement": str(statement.pk),
            "evidence-0-stance": "supports",
            "evidence-0-rank": "normal",
        }
    )
    response = second.post(url, data_second)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert len(errors) == 1
    assert "Someone else saved this claim since you opened it" in errors[0]
    assert "Reload it" in errors[0]
    assert errors[0] in response.content.decode()

    claim.refresh_from_db()
    assert claim.text == "First editor's text."
    assert claim.summary == ""
    assert claim.version == 2
    assert not Evidence.objects.exists()
    # Resubmitting the stale form conflicts again; reloading and redoing the change works.
    assert second.post(url, data_second).status_code == 200
    data_again = claim_change(second, claim)
    data_again["summary"] = "Second editor's summary."
    assert second.post(url, data_again).status_code == 302
    claim.refresh_from_db()
    assert (claim.text, claim.summary, claim.version) == ("First editor's text.", "Second editor's summary.", 3)


def test_a_workflow_step_since_opening_the_form_is_a_conflict(editor_client, editor):
    claim = ClaimFactory(text="Original.")
    data = claim_change(editor_client, claim)
    from claims import services

    services.claim_submit(claim=claim, by=editor)
    data["text"] = "Edited after the submit."
    response = editor_client.post(admin_url("claim", "change", claim.pk), data)
    assert response.status_code == 200
    assert "Someone else saved this claim" in response.content.decode()
    claim.refresh_from_db()
    assert (claim.text, claim.status) == ("Original.", Status.IN_REVIEW)


def test_a_save_racing_another_is_refused_by_the_database_check(editor_client, monkeypatch):
    """The other save commits after this request loaded the claim: the conditional UPDATE catches it."""
    claim = ClaimFactory(text="Original.")
    data = claim_change(editor_client, claim)
    load = ClaimAdmin.get_object

    def load_then_lose_the_race(self, request, object_id, from_field=None):
        obj = load(self, request, object_id, from_field)
        Claim.objects.filter(pk=obj.pk).update(text="The other save.", version=F("version") + 1)
        return obj

    monkeypatch.setattr(ClaimAdmin, "get_object", load_then_lose_the_race)
    data["text"] = "Mine."
    response = editor_client.post(admin_url("claim", "change", claim.pk), data)
    assert response.status_code == 200
    assert "Someone else saved this claim" in response.content.decode()
    # (The simulated other save ran inside this request's transaction, so it was rolled back with it.)
    assert Claim.objects.get(pk=claim.pk).text != "Mine."


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_saves_racing_on_postgresql_keep_the_first():
    """Both requests load version 1; the first commits while the second is between loading and saving."""
    claim = ClaimFactory(text="Original.")
    clients = {}
    for name in ("first", "second"):
        clients[name] = Client()
        clients[name].force_login(EditorFactory())
    data = {name: claim_change(c, claim) for name, c in clients.items()}
    data["first"]["text"] = "First."
    data["second"]["text"] = "Second."
    second_loaded, first_done = threading.Event(), threading.Event()
    load, save = ClaimAdmin.get_object, ClaimAdmin.save_model
    responses = {}

    def get_object(self, request, object_id, from_field=None):
        obj = load(self, request, object_id, from_field)
        if request.user.username == clients_users["second"]:
            second_loaded.set()
            first_done.wait(timeout=30)  # deadlock guard only
        return obj

    def save_model(self, request, obj, form, change):
        if request.user.username == clients_users["first"]:
            second_loaded.wait(timeout=30)
        save(self, request, obj, form, change)

    clients_users = {name: c.session["_auth_user_id"] for name, c in clients.items()}
    clients_users = {name: User.objects.get(pk=pk).username for name, pk in clients_users.items()}

    def post(name):
        try:
            responses[name] = clients[name].post(admin_url("claim", "change", claim.pk), data[name])
        finally:
            if name == "first":
                first_done.set()
            db_connections.close_all()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClaimAdmin, "get_object", get_object)
        patch.setattr(ClaimAdmin, "save_model", save_model)
        threads = [threading.Thread(target=post, args=(name,)) for name in ("first", "second")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert responses["first"].status_code == 302
    assert responses["second"].status_code == 200
    assert "Someone else saved this claim" in responses["second"].content.decode()
    claim.refresh_from_db()
    assert (claim.text, claim.version) == ("First.", 2)


def test_a_form_without_its_version_is_refused(editor_client):
    claim = ClaimFactory(text="Original.")
    data = claim_change(editor_client, claim)
    del data["version"]
    data["text"] = "Changed."
    response = editor_client.post(admin_url("claim", "change", claim.pk), data)
    assert response.status_code == 200
    assert "Reload the page" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).text == "Original."


# Actions on the claim list


def action_names(client):
    response = client.get(admin_url("claim", "changelist"))
    return {name for name, _ in response.context["action_form"].fields["action"].choices}


def test_actions_are_offered_by_permission(editor_client, reviewer):
    ClaimFactory()
    assert action_names(editor_client) >= {"submit_claims"}
    assert not action_names(editor_client) & {"publish_claims", "retract_claims", "send_back_claims", "delete_selected"}
    editor_client.force_login(reviewer)
    assert action_names(editor_client) >= {"submit_claims", "publish_claims", "retract_claims", "send_back_claims"}


def test_editor_sends_drafts_to_review(editor_client):
    claims = ClaimFactory.create_batch(2)
    response = run_action(editor_client, "submit_claims", claims)
    assert response.status_code == 302
    assert set(Claim.objects.values_list("status", flat=True)) == {Status.IN_REVIEW}
    assert any(m.startswith("2 claims sent to review") for m in messages_of(response))


def test_editor_cannot_publish(editor_client):
    claim = ClaimFactory(status=Status.IN_REVIEW, verdict=Verdict.FALSE)
    response = run_action(editor_client, "publish_claims", [claim])
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW
    assert "No action selected." in messages_of(response)


def test_reviewer_publishes_and_each_refusal_is_reported(reviewer_client):
    rated = ClaimFactory(text="Rated claim.", status=Status.IN_REVIEW, verdict=Verdict.FALSE, ready=True)
    unrated = ClaimFactory(text="Unrated claim.", status=Status.IN_REVIEW, ready=True)
    draft = ClaimFactory(text="Draft claim.", verdict=Verdict.TRUE, ready=True)
    response = run_action(reviewer_client, "publish_claims", [rated, unrated, draft])
    assert response.status_code == 302
    statuses = dict(Claim.objects.values_list("text", "status"))
    assert statuses == {"Rated claim.": "published", "Unrated claim.": "in_review", "Draft claim.": "draft"}
    messages = messages_of(response)
    assert (
        "“Unrated claim.” was not published; it does not meet the publishing standards. "
        "✗ A verdict other than “Not yet rated”: Set a verdict before publishing."
    ) in messages
    assert "“Draft claim.” was not published: Only a claim in review can be published" in " ".join(messages)
    assert "1 claim published: “Rated claim.”" in messages


def test_reviewer_sends_back_to_draft(reviewer_client):
    claim = ClaimFactory(status=Status.IN_REVIEW)
    response = run_action(reviewer_client, "send_back_claims", [claim])
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == Status.DRAFT


def test_retract_asks_for_a_reason_then_retracts(reviewer_client):
    claims = PublishedClaimFactory.create_batch(2)
    response = run_action(reviewer_client, "retract_claims", claims)
    assert response.status_code == 200
    assert response.templates[0].name == "admin/claims/claim/workflow_confirm.html"
    assert set(Claim.objects.values_list("status", flat=True)) == {Status.PUBLISHED}

    confirm = {"action": "retract_claims", ACTION_CHECKBOX_NAME: [c.pk for c in claims], "confirm": "yes"}
    response = reviewer_client.post(admin_url("claim", "changelist"), {**confirm, "reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Give the reason for the retraction; readers will see it."]
    assert set(Claim.objects.values_list("status", flat=True)) == {Status.PUBLISHED}

    response = reviewer_client.post(admin_url("claim", "changelist"), {**confirm, "reason": "The source recanted."})
    assert response.status_code == 302
    assert set(Claim.objects.values_list("status", "retraction_reason")) == {(Status.RETRACTED, "The source recanted.")}
    assert any(m.startswith("2 claims retracted") for m in messages_of(response))


def test_retracting_a_draft_is_reported_not_done(reviewer_client):
    claim = ClaimFactory(text="Draft claim.")
    data = {"action": "retract_claims", ACTION_CHECKBOX_NAME: [claim.pk], "confirm": "yes", "reason": "Why not."}
    response = reviewer_client.post(admin_url("claim", "changelist"), data)
    assert response.status_code == 302
    assert "“Draft claim.” was not retracted: Only a published claim can be retracted" in " ".join(
        messages_of(response)
    )
    assert Claim.objects.get(pk=claim.pk).status == Status.DRAFT


# Workflow buttons on the claim page


def test_the_claim_page_offers_the_next_steps_by_permission(editor_client, reviewer):
    claim = ClaimFactory(status=Status.IN_REVIEW, verdict=Verdict.FALSE, ready=True)
    response = editor_client.get(admin_url("claim", "change", claim.pk))
    assert response.context["workflow_links"] == []
    editor_client.force_login(reviewer)
    response = editor_client.get(admin_url("claim", "change", claim.pk))
    labels = [label for _, label in response.context["workflow_links"]]
    assert labels == ["Send back to draft", "Publish", "Set verdict"]
    assert reverse("admin:claims_claim_verdict", args=[claim.pk]) in response.content.decode()


def test_editor_submits_from_the_claim_page(editor_client):
    claim = ClaimFactory()
    url = reverse("admin:claims_claim_workflow", args=[claim.pk, "submit"])
    assert editor_client.get(url).status_code == 200
    response = editor_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == admin_url("claim", "change", claim.pk)
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW


@pytest.mark.parametrize("step", ["publish", "retract", "send_back"])
def test_editor_gets_403_on_reviewer_steps(editor_client, step):
    claim = ClaimFactory(status=Status.IN_REVIEW, verdict=Verdict.FALSE)
    url = reverse("admin:claims_claim_workflow", args=[claim.pk, step])
    assert editor_client.get(url).status_code == 403
    assert editor_client.post(url, {"reason": "x"}).status_code == 403
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW


def test_publishing_an_unrated_claim_from_its_page_is_an_error_message(reviewer_client):
    claim = ClaimFactory(status=Status.IN_REVIEW)
    response = reviewer_client.post(reverse("admin:claims_claim_workflow", args=[claim.pk, "publish"]))
    assert response.status_code == 302
    assert "Set a verdict before publishing" in " ".join(messages_of(response))
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW


def test_retract_from_the_claim_page_needs_a_reason(reviewer_client):
    claim = PublishedClaimFactory()
    url = reverse("admin:claims_claim_workflow", args=[claim.pk, "retract"])
    response = reviewer_client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Give the reason for the retraction" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == Status.PUBLISHED
    response = reviewer_client.post(url, {"reason": "Wrong person quoted."})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.retraction_reason) == (Status.RETRACTED, "Wrong person quoted.")


def test_an_unknown_workflow_step_is_404(reviewer_client):
    claim = ClaimFactory()
    assert reviewer_client.get(reverse("admin:claims_claim_workflow", args=[claim.pk, "explode"])).status_code == 404


# Set verdict


def verdict_url(claim):
    return reverse("admin:claims_claim_verdict", args=[claim.pk])


def test_set_verdict_records_the_change(reviewer_client, reviewer):
    claim = ClaimFactory(status=Status.IN_REVIEW)
    response = reviewer_client.get(verdict_url(claim))
    assert response.status_code == 200
    assert response.context["form"].initial["kind"] == "initial"
    response = reviewer_client.post(
        verdict_url(claim), {"verdict": "false", "kind": "initial", "reason": "The tokens were revoked."}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.verdict == Verdict.FALSE
    change = claim.verdict_changes.get()
    assert (change.previous_verdict, change.verdict, change.kind, change.reason, change.changed_by) == (
        Verdict.UNVERIFIED,
        Verdict.FALSE,
        "initial",
        "The tokens were revoked.",
        reviewer,
    )
    assert reviewer_client.get(verdict_url(claim)).context["form"].initial["kind"] == "update"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"verdict": "false", "kind": "initial", "reason": ""}, "reason", "Give the reason for this verdict"),
        ({"verdict": "bogus", "kind": "initial", "reason": "x"}, "verdict", "Select a valid choice"),
        ({"verdict": "false", "kind": "update", "reason": "x"}, "kind", "has not been rated yet"),
        ({"verdict": "", "kind": "initial", "reason": "x"}, "verdict", "Choose a verdict."),
        (
            {"verdict": "unverified", "kind": "initial", "reason": "x"},
            "verdict",
            "“Not yet rated” is not a verdict to give: choose a rating from the scale.",
        ),
    ],
)
def test_set_verdict_shows_errors_on_the_fields(reviewer_client, data, field, message):
    claim = ClaimFactory()
    response = reviewer_client.post(verdict_url(claim), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not VerdictChange.objects.exists()
    assert Claim.objects.get(pk=claim.pk).verdict == Verdict.UNVERIFIED


def test_a_retracted_claims_verdict_cannot_change(reviewer_client):
    claim = PublishedClaimFactory(status=Status.RETRACTED, retraction_reason="Gone.")
    VerdictChangeFactory(claim=claim)
    response = reviewer_client.post(verdict_url(claim), {"verdict": "true", "kind": "correction", "reason": "x"})
    assert response.status_code == 200
    assert "A retracted claim's verdict cannot change." in response.context["form"].non_field_errors()


def test_editors_cannot_set_verdicts(editor_client):
    claim = ClaimFactory()
    assert editor_client.get(verdict_url(claim)).status_code == 403
    response = editor_client.post(verdict_url(claim), {"verdict": "false", "kind": "initial", "reason": "x"})
    assert response.status_code == 403
    assert not VerdictChange.objects.exists()


def test_set_verdict_for_a_missing_claim_redirects(reviewer_client):
    response = reviewer_client.get(reverse("admin:claims_claim_verdict", args=[999999]))
    assert response.status_code == 302


def test_anonymous_users_cannot_reach_the_workflow_views(client):
    claim = ClaimFactory()
    for url in (verdict_url(claim), reverse("admin:claims_claim_workflow", args=[claim.pk, "submit"])):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert Claim.objects.get(pk=claim.pk).status == Status.DRAFT


# Deleting


def test_editors_cannot_delete_claims(editor_client):
    claim = ClaimFactory()
    assert editor_client.get(admin_url("claim", "delete", claim.pk)).status_code == 403
    assert editor_client.post(admin_url("claim", "delete", claim.pk), {"post": "yes"}).status_code == 403
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_reviewers_delete_claims(reviewer_client):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim)
    response = reviewer_client.post(admin_url("claim", "delete", claim.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Claim.objects.exists()


def test_a_source_with_statements_cannot_be_deleted(reviewer_client):
    source = SourceFactory()
    StatementFactory(source=source)
    response = reviewer_client.get(admin_url("source", "delete", source.pk))
    assert response.status_code == 200
    assert response.context["protected"]
    assert "would require deleting the following protected related objects" in response.content.decode()
    response = reviewer_client.post(admin_url("source", "delete", source.pk), {"post": "yes"})
    assert response.status_code == 200
    assert Source.objects.filter(pk=source.pk).exists()


def test_bulk_deleting_sources_with_statements_is_refused(reviewer_client):
    source = SourceFactory()
    StatementFactory(source=source)
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [source.pk], "post": "yes"}
    response = reviewer_client.post(admin_url("source", "changelist"), data)
    assert response.status_code == 200
    assert response.context["protected"]
    assert Source.objects.filter(pk=source.pk).exists()


def test_deleting_a_statement_used_as_evidence_from_its_source_page_is_a_form_error(reviewer_client):
    source = SourceFactory()
    statement = StatementFactory(source=source)
    EvidenceFactory(statement=statement)
    response = reviewer_client.get(admin_url("source", "change", source.pk))
    data = {k: v for k, v in form_data(response).items() if k != "accessed_at"}
    data["statements-0-DELETE"] = "on"
    response = reviewer_client.post(admin_url("source", "change", source.pk), data)
    assert response.status_code == 200
    assert "protected related objects" in response.content.decode()
    assert Statement.objects.filter(pk=statement.pk).exists()


# Sources, statements and what they bear on


def test_the_source_page_carries_its_statements(reviewer_client):
    source = SourceFactory()
    StatementFactory(source=source, text="We are temporarily pausing access.")
    response = reviewer_client.get(admin_url("source", "change", source.pk))
    assert "We are temporarily pausing access." in response.content.decode()
    data = {k: v for k, v in form_data(response).items() if k != "accessed_at"}
    speaker = SpeakerFactory()
    data.update(
        {
            "statements-TOTAL_FORMS": "2",
            "statements-1-text": "A second statement.",
            "statements-1-speaker": str(speaker.pk),
            "statements-1-is_quote": "on",
        }
    )
    response = reviewer_client.post(admin_url("source", "change", source.pk), data)
    assert response.status_code == 302
    assert source.statements.filter(text="A second statement.", speaker=speaker).exists()


def test_the_statement_page_shows_the_claims_it_bears_on(reviewer_client):
    statement = StatementFactory()
    EvidenceFactory(statement=statement, claim__text="The leak was authentic.")
    other = ClaimFactory(text="OpenAI pays artists.")
    response = reviewer_client.get(admin_url("statement", "change", statement.pk))
    assert "The leak was authentic." in response.content.decode()
    data = form_data(response)
    data.update(
        {
            "evidence-TOTAL_FORMS": "2",
            "evidence-1-claim": str(other.pk),
            "evidence-1-stance": "context",
            "evidence-1-rank": "normal",
        }
    )
    response = reviewer_client.post(admin_url("statement", "change", statement.pk), data)
    assert response.status_code == 302, [f.errors for f in response.context["inline_admin_formsets"][0].formset]
    assert set(statement.evidence.values_list("claim__text", flat=True)) == {
        "The leak was authentic.",
        "OpenAI pays artists.",
    }


def test_statement_autocomplete_on_the_claim_page_finds_statements(editor_client):
    StatementFactory(text="Sora is in research preview.")
    StatementFactory(text="We raised money.")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "preview", "app_label": "claims", "model_name": "evidence", "field_name": "statement"},
    )
    assert response.status_code == 200
    texts = [r["text"] for r in response.json()["results"]]
    assert len(texts) == 1
    assert "Sora is in research preview." in texts[0]


def test_topic_list_filter_in_use(reviewer_client):
    used, unused = TopicFactory(name="Used"), TopicFactory(name="Unused")
    ClaimFactory(topics=[used])
    response = reviewer_client.get(admin_url("topic", "changelist"), {"in_use": "no"})
    assert list(response.context["cl"].result_list) == [unused]
    assert Topic.objects.count() == 2

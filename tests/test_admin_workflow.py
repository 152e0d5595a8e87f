"""The editors' admin and the workflow (claims/workflow.py): the publishing checklist before Publish, publishing
refused item by item, the set-verdict form, the confirm pages' styles and the admin home's review queue."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import services, verdicts, workflow
from claims.models import ChangeProposal, Claim, Status, Verdict, VerdictChange
from tests.factories import ClaimFactory, EditorFactory, PublishedClaimFactory, VerdictChangeFactory
from tests.publishing import CHECKLIST, claim_missing

pytestmark = pytest.mark.django_db


def change_url(claim):
    return reverse("admin:claims_claim_change", args=[claim.pk])


def step_url(claim, step):
    return reverse("admin:claims_claim_workflow", args=[claim.pk, step])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def links(response):
    return [label for _, label in response.context["workflow_links"]]


def checklist_html(response) -> dict[str, str]:
    """Each checklist item's class (met or missing) and text, as the page shows them."""
    html = response.content.decode()
    block = html[html.index('id="publish-checklist"') :]
    block = block[: block.index("</div>")]
    items = re.findall(r'<li class="(met|missing)" data-code="(\w+)">(.*?)</li>', block, re.S)
    return {code: (state, " ".join(re.sub(r"<[^>]+>", "", text).split())) for state, code, text in items}


# The checklist and the Publish button


def test_publish_is_offered_once_every_standard_is_met(reviewer_client):
    claim = claim_missing(None)
    response = reviewer_client.get(change_url(claim))
    assert links(response) == ["Send back to draft", "Publish", "Set verdict"]
    shown = checklist_html(response)
    assert list(shown) == CHECKLIST
    assert {state for state, _ in shown.values()} == {"met"}
    assert all(text.startswith("✓") for _, text in shown.values())
    assert "Every publishing standard is met." in response.content.decode()


@pytest.mark.parametrize("code", CHECKLIST)
def test_the_claim_page_shows_what_is_missing_instead_of_publish(reviewer_client, code):
    claim = claim_missing(code)
    response = reviewer_client.get(change_url(claim))
    assert links(response) == ["Send back to draft", "Set verdict"]
    assert step_url(claim, "publish") not in response.content.decode()
    shown = checklist_html(response)
    item = next(i for i in workflow.publish_checklist(claim) if i.code == code)
    assert shown[code][0] == "missing"
    assert shown[code][1] == f"✗ Missing: {item.label} — {item.detail}"
    assert {c for c, (state, _) in shown.items() if state == "met"} == set(CHECKLIST) - {code}
    assert "“Publish” is offered once every item is met." in response.content.decode()


def test_a_draft_shows_its_checklist_to_its_editor_and_a_published_claim_none(editor_client):
    draft = ClaimFactory()
    shown = checklist_html(editor_client.get(change_url(draft)))
    assert {code: state for code, (state, _) in shown.items()} == dict.fromkeys(CHECKLIST, "missing")
    published = PublishedClaimFactory(ready=True)
    response = editor_client.get(change_url(published))
    assert response.context["publish_checklist"] is None
    assert 'id="publish-checklist"' not in response.content.decode()


@pytest.mark.parametrize("code", CHECKLIST)
def test_publishing_from_the_claim_page_is_refused_item_by_item(reviewer_client, code):
    claim = claim_missing(code)
    before = (claim.version, claim.updated_at, claim.history.count())
    item = next(i for i in workflow.publish_checklist(claim) if i.code == code)

    confirm = reviewer_client.get(step_url(claim, "publish"))
    assert confirm.status_code == 200
    assert [i.code for i in confirm.context["missing"]] == [code]
    assert 'type="submit"' not in confirm.content.decode().split('id="publish-missing"')[1]

    response = reviewer_client.post(step_url(claim, "publish"))
    assert response.status_code == 302
    assert messages_of(response) == [
        f"“{claim}” was not published; it does not meet the publishing standards. ✗ {item.label}: {item.detail}"
    ]
    claim.refresh_from_db()
    assert claim.status == Status.IN_REVIEW and claim.published_at is None
    assert (claim.version, claim.updated_at, claim.history.count()) == before


@pytest.mark.parametrize("code", CHECKLIST)
def test_the_publish_action_names_each_claims_missing_item(reviewer_client, code):
    claim = claim_missing(code)
    ready = claim_missing(None)
    item = next(i for i in workflow.publish_checklist(claim) if i.code == code)
    data = {"action": "publish_claims", ACTION_CHECKBOX_NAME: [claim.pk, ready.pk], "index": 0}
    response = reviewer_client.post(reverse("admin:claims_claim_changelist"), data)
    assert response.status_code == 302
    assert (
        f"“{claim}” was not published; it does not meet the publishing standards. ✗ {item.label}: {item.detail}"
        in messages_of(response)
    )
    assert f"1 claim published: “{ready}”" in messages_of(response)
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW
    assert Claim.objects.get(pk=ready.pk).status == Status.PUBLISHED


def test_the_list_actions_come_from_the_transitions(reviewer_client):
    ClaimFactory()
    choices = dict(
        reviewer_client.get(reverse("admin:claims_claim_changelist")).context["action_form"].fields["action"].choices
    )
    assert {name: choices[f"{name}_claims"] for name in workflow.TRANSITIONS} == {
        "submit": "Send selected claims to review",
        "send_back": "Send selected claims back to draft",
        "publish": "Publish selected claims",
        "retract": "Retract selected claims…",
    }


# Confirm pages: red only for retract and delete


def confirm_page(client, claim, step):
    response = client.get(step_url(claim, step))
    assert response.status_code == 200
    return response.content.decode()


def body_class(html: str) -> str:
    return re.search(r'<body class="([^"]*)"', html).group(1)


@pytest.mark.parametrize(
    ("step", "claim"),
    [
        ("submit", lambda: ClaimFactory()),
        ("send_back", lambda: ClaimFactory(status=Status.IN_REVIEW)),
        ("publish", lambda: claim_missing(None)),
    ],
)
def test_ordinary_steps_confirm_in_the_default_style(reviewer_client, step, claim):
    html = confirm_page(reviewer_client, claim(), step)
    assert "delete-confirmation" not in body_class(html)
    label = workflow.TRANSITIONS[step].label
    assert f'<input type="submit" value="{label}" class="default">' in html


def test_retract_confirms_in_the_danger_style(reviewer_client):
    html = confirm_page(reviewer_client, PublishedClaimFactory(), "retract")
    assert "delete-confirmation" in body_class(html).split()
    assert '<input type="submit" value="Retract">' in html

    claims = PublishedClaimFactory.create_batch(2)
    data = {"action": "retract_claims", ACTION_CHECKBOX_NAME: [c.pk for c in claims], "index": 0}
    listed = reviewer_client.post(reverse("admin:claims_claim_changelist"), data).content.decode()
    assert "delete-confirmation" in body_class(listed).split()


def test_delete_confirms_in_the_danger_style(admin_client):
    html = admin_client.get(reverse("admin:claims_claim_delete", args=[ClaimFactory().pk])).content.decode()
    assert "delete-confirmation" in body_class(html).split()


# The set-verdict form


def verdict_url(claim):
    return reverse("admin:claims_claim_verdict", args=[claim.pk])


def options(html: str, name: str) -> list[tuple[str, bool]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(value, bool(selected)) for value, selected in re.findall(r'<option value="([^"]*)"( selected)?>', select)]


def test_a_first_rating_starts_with_no_verdict_and_only_initial(reviewer_client):
    html = reviewer_client.get(verdict_url(ClaimFactory())).content.decode()
    assert options(html, "verdict") == [("", True), *((v.value, False) for v in verdicts.RATINGS)]
    assert Verdict.UNVERIFIED.label not in re.search(r'<select name="verdict".*?</select>', html, re.S).group(0)
    assert options(html, "kind") == [("initial", True)]
    assert "Not rated yet: this is its first verdict" in html


def test_a_rated_claim_offers_update_or_correction(reviewer_client):
    claim = ClaimFactory(status=Status.IN_REVIEW, verdict=Verdict.FALSE)
    VerdictChangeFactory(claim=claim)
    html = reviewer_client.get(verdict_url(claim)).content.decode()
    assert options(html, "verdict") == [("", True), *((v.value, False) for v in verdicts.RATINGS)]
    assert options(html, "kind") == [("update", True), ("correction", False)]
    assert "Currently rated <strong>False</strong>" in html

    forged = reviewer_client.post(verdict_url(claim), {"verdict": "true", "kind": "initial", "reason": "x"})
    assert forged.status_code == 200
    assert forged.context["form"].errors["kind"] == [
        "This claim has been rated before: a new verdict is an update or a correction."
    ]
    assert VerdictChange.objects.filter(claim=claim).count() == 1


def test_an_empty_verdict_is_a_clear_error(reviewer_client):
    claim = ClaimFactory()
    response = reviewer_client.post(verdict_url(claim), {"verdict": "", "kind": "initial", "reason": "Checked."})
    assert response.context["form"].errors == {"verdict": ["Choose a verdict."]}
    assert "Please correct the errors below." in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).verdict == Verdict.UNVERIFIED


def test_a_forged_not_yet_rated_is_refused_on_a_rated_claim(reviewer_client):
    claim = PublishedClaimFactory(ready=True)
    VerdictChangeFactory(claim=claim)
    data = {"verdict": Verdict.UNVERIFIED.value, "kind": "correction", "reason": "Undo."}
    response = reviewer_client.post(verdict_url(claim), data)
    assert response.status_code == 200
    assert response.context["form"].errors["verdict"] == [
        "“Not yet rated” is not a verdict to give: choose a rating from the scale."
    ]
    assert Claim.objects.get(pk=claim.pk).verdict == Verdict.FALSE


# The admin home's review queue


def queue_rows(response) -> dict[str, tuple[str, str | None]]:
    html = response.content.decode()
    block = html[html.index('id="review-queue"') :]
    block = block[: block.index("</table>")]
    rows = re.findall(
        r'data-code="(\w+)">.*?<th scope="row">(?:<a href="([^"]*)">)?.*?<strong>(\d+)</strong>', block, re.S
    )
    return {code: (int(count), url or None) for code, url, count in rows}


def test_the_home_shows_a_reviewer_the_queue_with_counts_and_links(reviewer_client, reviewer):
    ClaimFactory.create_batch(3, status=Status.IN_REVIEW)
    ClaimFactory()
    published = PublishedClaimFactory()
    editor = EditorFactory()
    services.proposal_create(claim=published, by=editor, message="The date is wrong.")
    declined = services.proposal_create(claim=published, by=editor, message="Typo.")
    ChangeProposal.objects.filter(pk=declined.pk).update(state=ChangeProposal.State.DECLINED)

    response = reviewer_client.get(reverse("admin:index"))
    rows = queue_rows(response)
    awaiting_url = reverse("admin:claims_claim_changelist") + "?status__exact=in_review"
    assert rows["awaiting_review"] == (3, awaiting_url)
    assert rows["proposed_changes"][0] == 1
    assert list(rows) == ["awaiting_review", "my_drafts", "proposed_changes", "sources_to_look_at"]
    assert '<div class="app-claims module' in response.content.decode()  # the default app list stays
    listed = reviewer_client.get(awaiting_url)
    assert listed.context["cl"].result_count == 3


def test_my_drafts_are_the_drafts_i_created_or_last_changed(editor_client, editor):
    other = EditorFactory()
    mine = services.claim_create(by=editor, text="A draft I started.")
    services.claim_create(by=other, text="Someone else's draft.")
    taken_over = services.claim_create(by=other, text="A draft I changed last.")
    services.claim_update(claim=taken_over, by=editor, expected_version=taken_over.version, summary="Started.")
    handed_on = services.claim_create(by=editor, text="A draft I started and sent to review.")
    services.claim_submit(claim=handed_on, by=editor)

    response = editor_client.get(reverse("admin:index"))
    rows = queue_rows(response)
    assert list(rows) == ["my_drafts", "sources_to_look_at"]  # an editor reviews nothing; sources are everyone's
    count, url = rows["my_drafts"]
    assert count == 2
    listed = editor_client.get(url)
    assert {c.pk for c in listed.context["cl"].result_list} == {mine.pk, taken_over.pk}


def test_the_queue_takes_a_fixed_number_of_queries(reviewer_client, reviewer):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert reviewer_client.get(reverse("admin:index")).status_code == 200
        return len(captured)

    few = queries()
    ClaimFactory.create_batch(5, status=Status.IN_REVIEW)
    for _ in range(3):
        services.claim_create(by=reviewer, text=f"Draft {_}.")
    services.proposal_create(claim=PublishedClaimFactory(), by=reviewer, message="Fix it.")
    assert queries() == few


def test_the_admin_has_the_favicon(editor_client):
    html = editor_client.get(reverse("admin:index")).content.decode()
    assert '<link rel="icon" href="/static/claims/favicon.svg" type="image/svg+xml">' in html

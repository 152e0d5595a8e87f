"""The API's workflow (claims/workflow.py): actions and their OpenAPI text made from the transitions, publishing
refused item by item, the verdicts one can give; and conditional reads through the one helper."""

import pytest
from rest_framework.test import APIClient

from claims import verdicts, workflow
from claims.api.views import transition_description
from claims.models import Claim, Status
from tests.factories import PublishedClaimFactory, VerdictChangeFactory
from tests.publishing import CHECKLIST, claim_missing

pytestmark = pytest.mark.django_db
API = "/api/v1/"


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get(f"{API}schema/?format=json").json()


def publish(client, claim):
    return client.post(f"{API}claims/{claim.slug}/publish/")


@pytest.mark.parametrize("code", CHECKLIST)
def test_publishing_is_refused_naming_the_missing_item(reviewer_api, code):
    claim = claim_missing(code)
    item = next(i for i in workflow.publish_checklist(claim) if i.code == code)
    response = publish(reviewer_api, claim)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "publishing_standards"
    assert error["missing"] == [{"code": code, "label": item.label, "detail": item.detail}]
    assert error["message"].startswith("The claim does not meet the publishing standards. Missing: ")
    assert item.label in error["message"]
    assert set(response.json()) == {"error"} and error["status"] == 400
    after = Claim.objects.get(pk=claim.pk)
    assert (after.status, after.version, after.published_at) == (Status.IN_REVIEW, claim.version, None)


def test_every_missing_item_is_named_in_checklist_order(reviewer_api):
    claim = claim_missing("unrated")
    Claim.objects.filter(pk=claim.pk).update(summary="")
    claim.evidence.all().delete()
    error = publish(reviewer_api, claim).json()["error"]
    assert [item["code"] for item in error["missing"]] == CHECKLIST


def test_a_claim_that_meets_the_standards_is_published(reviewer_api):
    claim = claim_missing(None)
    response = publish(reviewer_api, claim)
    assert response.status_code == 200
    assert response.json()["status"] == "published"


@pytest.mark.parametrize("name", list(workflow.TRANSITIONS))
def test_each_action_is_described_by_its_transition(openapi, name):
    transition = workflow.TRANSITIONS[name]
    path = f"{API}claims/{{slug}}/{name.replace('_', '-')}/"
    operation = openapi["paths"][path]["post"]
    assert operation["summary"] == transition.label
    assert operation["description"] == transition_description(transition)
    assert operation["description"].startswith(transition.description + " ")
    assert f"Who may: {transition.who};" in operation["description"]
    assert f"only {workflow.STATUS_PHRASES[transition.source]} can be {transition.done}" in operation["description"]
    properties = {}
    if "requestBody" in operation:  # none for an empty body
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        properties = openapi["components"]["schemas"][body]["properties"]
    assert list(properties) == (["reason"] if transition.needs_reason else [])


def test_publish_documents_its_missing_items(openapi):
    operation = openapi["paths"][f"{API}claims/{{slug}}/publish/"]["post"]
    assert "`publishing_standards`" in operation["description"]
    error = openapi["components"]["schemas"]
    assert any("missing" in str(schema) for schema in error.values())


def test_the_verdicts_to_give_are_the_scale_s_ratings(openapi, reviewer_api):
    verdict = openapi["components"]["schemas"]["VerdictRequest"]["properties"]["verdict"]
    assert verdict["allOf"] == [{"$ref": "#/components/schemas/RatingEnum"}]
    enum = openapi["components"]["schemas"]["RatingEnum"]["enum"]
    assert enum == [v.value for v in verdicts.RATINGS]
    assert verdicts.Verdict.UNVERIFIED.value not in enum

    claim = PublishedClaimFactory(ready=True)
    VerdictChangeFactory(claim=claim)
    body = {"verdict": "unverified", "kind": "correction", "reason": "Undo."}
    response = reviewer_api.post(f"{API}claims/{claim.slug}/verdict/", body)
    assert response.status_code == 400
    assert "verdict" in response.json()["error"]["fields"]
    assert Claim.objects.get(pk=claim.pk).verdict == claim.verdict


# Conditional reads: one helper (factcheck/conditional.py)


def claim_with_review():
    claim = PublishedClaimFactory(ready=True)
    VerdictChangeFactory(claim=claim)
    return claim


@pytest.mark.parametrize(
    "url",
    [
        lambda claim: f"{API}claims/",
        lambda claim: f"{API}claims/{claim.slug}/",
        lambda claim: f"{API}claims/{claim.slug}/claimreview/",
        lambda claim: f"{API}verdicts/",
        lambda claim: f"{API}claimreview/",
        lambda claim: claim.get_absolute_url(),
        lambda claim: "/",
    ],
    ids=["list", "retrieve", "claimreview", "verdicts", "claimreview-feed", "claim-page", "home-page"],
)
def test_a_matching_if_none_match_answers_304(client, url):
    target = url(claim_with_review())
    first = client.get(target)
    assert first.status_code == 200
    etag = first["ETag"]
    again = client.get(target, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""
    changed = client.get(target, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200

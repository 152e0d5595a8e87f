"""POST /api/v1/claimreview/import/: staff only, the same content as import_claimreview."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from claims.models import Claim, ExternalReview, Status, Verdict
from tests.factories import EditorFactory, UserFactory

DATA = Path(__file__).parent / "data" / "exchange"
IMPORT = "/api/v1/claimreview/import/"
pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


def post_file(client, name, content_type="application/json"):
    return client.generic("POST", IMPORT, (DATA / name).read_bytes(), content_type=content_type)


def test_anonymous_clients_cannot_import():
    response = post_file(api(), "claimreview_single.json")
    assert response.status_code == 401
    assert not Claim.objects.exists()


def test_readers_and_staff_without_add_claim_cannot_import():
    assert post_file(api(UserFactory()), "claimreview_single.json").status_code == 403
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_claim"))
    response = post_file(api(staff), "claimreview_single.json")
    assert response.status_code == 403
    assert "permission to add claims" in response.json()["error"]["message"]
    not_staff = UserFactory()
    not_staff.user_permissions.add(Permission.objects.get(codename="add_claim"))
    assert post_file(api(not_staff), "claimreview_single.json").status_code == 403
    assert not Claim.objects.exists()


def test_an_editor_imports_a_json_body():
    editor = EditorFactory()
    response = post_file(api(editor), "claimreview_list.json", "application/ld+json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["skipped"]) == (5, 0, 0, 0)
    assert body["errors"] == []
    claim = ExternalReview.objects.get(url="https://checker.example.org/pants").claim
    assert (claim.status, claim.verdict) == (Status.DRAFT, Verdict.UNVERIFIED)
    assert claim.history.get().history_user == editor
    assert claim.history.get().history_change_reason == "Imported from request body"
    again = post_file(api(editor), "claimreview_list.json").json()
    assert (again["created"], again["unchanged"]) == (0, 5)


def test_an_html_body_and_a_google_response_are_read_too():
    client = api(EditorFactory())
    assert post_file(client, "page.html", "text/html").json()["created"] == 2
    assert post_file(client, "google_claims_search.json").json()["created"] == 3


def test_uploaded_files():
    client = api(EditorFactory())
    with open(DATA / "datafeed.json", "rb") as feed, open(DATA / "errors.json", "rb") as errors:
        response = client.post(IMPORT, {"file": [feed, errors]}, format="multipart")
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["skipped"]) == (3, 5)
    assert {"file": "errors.json", "item": "item 3", "reason": "missing required property 'url'"} in body["errors"]


def test_bad_input_is_a_400_with_the_reason_and_writes_nothing():
    client = api(EditorFactory())
    response = post_file(client, "malformed.json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["file"] == "request body" and error["reason"].startswith("not valid JSON: Unterminated string")
    assert client.generic("POST", IMPORT, b"", content_type="application/json").status_code == 400
    only_bad = b'[{"@type": "ClaimReview", "url": "https://x.example.org/1"}]'
    response = client.generic("POST", IMPORT, only_bad, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["reason"] == "missing required property 'claimReviewed'"
    assert client.post(IMPORT, {}, format="multipart").status_code == 400
    assert not Claim.objects.exists()


def test_get_is_not_allowed():
    assert api(EditorFactory()).get(IMPORT).status_code == 405


def test_the_browsable_api_page_for_editors(client):
    editor = EditorFactory()
    client.force_login(editor)
    response = client.get(IMPORT, HTTP_ACCEPT="text/html")
    assert response.status_code == 405 and "Import ClaimReview" in response.content.decode()

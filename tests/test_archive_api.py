"""The source archive in the API: a source's captures and their text, asking for a capture, adding a source by its URL,
and what a source says of its archived copy."""

import datetime

import pytest
from django.core.cache import cache
from django_tasks import default_task_backend
from rest_framework.test import APIClient

from archive.models import Capture, Change, Watch
from claims.models import Source
from tests.factories import (
    CaptureFactory,
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    SourceFactory,
    StatementFactory,
    UserFactory,
)
from tests.helpers import key_client, with_warc

pytestmark = pytest.mark.django_db

API = "/api/v1/"
CITED_AT = datetime.datetime(2024, 11, 26, 15, 0, tzinfo=datetime.UTC)
CAPTURE_FIELDS = {
    "id",
    "source",
    "url",
    "requested_at",
    "captured_at",
    "state",
    "reason",
    "change",
    "change_reason",
    "http_status",
    "content_type",
    "size",
    "sha256",
    "fingerprint",
    "final_url",
    "metadata",
    "filled_fields",
    "error_code",
    "error",
    "is_demo_stand_in",
    "html_url",
    "text_url",
    "warc_url",
}


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}
    cache.clear()


@pytest.fixture(autouse=True)
def _no_tasks_left_over():
    default_task_backend.clear()
    yield
    default_task_backend.clear()


@pytest.fixture
def anon():
    return APIClient()


def public_source(**fields) -> Source:
    source = SourceFactory(**fields)
    EvidenceFactory(claim=PublishedClaimFactory(), statement=StatementFactory(source=source))
    return source


def draft_source() -> Source:
    source = SourceFactory()
    EvidenceFactory(claim=ClaimFactory(), statement=StatementFactory(source=source))
    return source


def captures_url(source) -> str:
    return f"{API}sources/{source.pk}/captures/"


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and body["error"]["status"] == response.status_code, body
    return body["error"]


def enqueued_captures() -> list[int]:
    """The ids of the captures whose fetch was enqueued."""
    return [
        result.args[0]
        for result in default_task_backend.results
        if result.task.func.__module__ == "archive.tasks" and result.task.func.__name__ == "capture_source"
    ]


# Listing and reading captures


def test_a_sources_captures_newest_first_with_their_fields_and_links(anon, settings):
    source = public_source()
    old = with_warc(CaptureFactory(source=source, requested_at=CITED_AT), b"<p>old</p>")
    failed = CaptureFactory(
        source=source,
        requested_at=CITED_AT + datetime.timedelta(days=1),
        change=Change.FAILED,
        http_status=None,
        error_code="timeout",
        error="No answer within 20 seconds.",
    )
    pending = CaptureFactory(
        source=source,
        requested_at=CITED_AT + datetime.timedelta(days=2),
        state=Capture.State.PENDING,
        change="",
        captured_at=None,
        http_status=None,
    )
    CaptureFactory()  # another source's
    body = anon.get(captures_url(source)).json()
    assert [c["id"] for c in body["results"]] == [pending.pk, failed.pk, old.pk]
    assert all(set(c) == CAPTURE_FIELDS for c in body["results"])
    latest, broken, first = body["results"]
    assert latest["state"] == "pending" and latest["change"] == "" and latest["text_url"] is None
    assert broken["change"] == "failed" and broken["error_code"] == "timeout" and broken["text_url"] is None
    assert first["http_status"] == 200 and first["sha256"] == old.sha256 and first["fingerprint"] == old.fingerprint
    assert first["html_url"] == settings.SITE_URL + old.get_absolute_url()
    assert first["warc_url"] == settings.SITE_URL + old.get_warc_url() and broken["warc_url"] is None
    assert first["text_url"] == f"http://testserver{captures_url(source)}{old.pk}/text/"
    assert first["is_demo_stand_in"] is False and first["source"] == source.pk


def test_capture_lists_are_paged_by_cursor(anon):
    source = public_source()
    made = [CaptureFactory(source=source, requested_at=CITED_AT + datetime.timedelta(hours=h)) for h in range(5)]
    seen, url = [], f"{captures_url(source)}?page_size=2"
    while url:
        page = anon.get(url).json()
        seen += [c["id"] for c in page["results"]]
        url = page["next"]
    assert seen == [c.pk for c in reversed(made)]


def test_a_capture_and_its_text(anon):
    capture = CaptureFactory(source=public_source(), text="Line one <script>x</script>\nLine two é")
    one = anon.get(f"{captures_url(capture.source)}{capture.pk}/")
    assert one.status_code == 200 and one.json()["id"] == capture.pk and one.has_header("ETag")
    text = anon.get(one.json()["text_url"])
    assert text.status_code == 200
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode() == "Line one <script>x</script>\nLine two é"
    assert anon.get(one.json()["text_url"], HTTP_IF_NONE_MATCH=text["ETag"]).status_code == 304


def test_no_text_for_a_pending_or_failed_capture(anon):
    source = public_source()
    for capture in (
        CaptureFactory(source=source, state=Capture.State.PENDING, change="", http_status=None, text=""),
        CaptureFactory(source=source, change=Change.FAILED, http_status=None, text=""),
    ):
        response = anon.get(f"{captures_url(source)}{capture.pk}/text/")
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert "pending" in error(response)["message"]


def test_captures_are_only_of_sources_the_client_may_see(anon, editor_api):
    hidden = draft_source()
    capture = CaptureFactory(source=hidden)
    urls = [captures_url(hidden), f"{captures_url(hidden)}{capture.pk}/", f"{captures_url(hidden)}{capture.pk}/text/"]
    for url in urls:
        assert anon.get(url).status_code == 404, url
        assert error(anon.get(url))["code"] == "not_found"
        assert key_client(UserFactory()).get(url).status_code == 404, url
        assert editor_api.get(url).status_code == 200, url
    other = public_source()
    assert anon.get(f"{captures_url(other)}{capture.pk}/").status_code == 404  # not this source's


# Asking for a capture


def test_an_editor_asks_for_a_capture_and_gets_202_with_the_pending_one(
    editor_api, editor, django_capture_on_commit_callbacks
):
    source = public_source()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.post(f"{API}sources/{source.pk}/capture/")
    assert response.status_code == 202
    body = response.json()
    capture = Capture.objects.get(pk=body["id"])
    assert capture.source == source and capture.state == Capture.State.PENDING
    assert capture.reason == Capture.Reason.ASKED and capture.requested_by == editor
    assert set(body) == CAPTURE_FIELDS and body["state"] == "pending" and body["url"] == source.url
    assert response["Location"] == f"http://testserver{captures_url(source)}{capture.pk}/"
    assert editor_api.get(response["Location"]).json()["id"] == capture.pk
    assert enqueued_captures() == [capture.pk]


def test_asking_again_while_one_waits_answers_that_one(editor_api, django_capture_on_commit_callbacks):
    source = public_source()
    with django_capture_on_commit_callbacks(execute=True):
        first = editor_api.post(f"{API}sources/{source.pk}/capture/").json()
        again = editor_api.post(f"{API}sources/{source.pk}/capture/")
    assert again.status_code == 202 and again.json()["id"] == first["id"]
    assert source.captures.count() == 1 and enqueued_captures() == [first["id"]]


def test_asking_for_a_capture_needs_the_change_permission(anon, django_capture_on_commit_callbacks):
    source = public_source()
    url = f"{API}sources/{source.pk}/capture/"
    with django_capture_on_commit_callbacks(execute=True):
        assert anon.post(url).status_code == 401
        reader = key_client(UserFactory())
        refused = reader.post(url)
        assert refused.status_code == 403 and error(refused)["code"] == "permission_denied"
        assert reader.post(f"{API}sources/{draft_source().pk}/capture/").status_code == 404
    assert not Capture.objects.exists() and enqueued_captures() == []


def test_asking_for_a_capture_refuses_a_body_with_fields(editor_api):
    source = public_source()
    response = editor_api.post(f"{API}sources/{source.pk}/capture/", {"force": True}, format="json")
    assert response.status_code == 400 and "force" in error(response)["fields"]
    assert not source.captures.exists()


# Adding a source by its URL


def test_a_source_added_by_its_url_alone_answers_with_its_pending_capture(
    editor_api, settings, django_capture_on_commit_callbacks
):
    settings.CAPTURE_ON_SAVE = True
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.post(f"{API}sources/", {"url": "https://news.example.org/sora-leak"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    source = Source.objects.get(pk=body["id"])
    assert source.title == "" and body["title"] == ""
    capture = source.captures.get()
    assert body["capture"]["id"] == capture.pk and body["capture"]["state"] == "pending"
    assert body["capture"]["reason"] == "created"
    assert enqueued_captures() == [capture.pk]
    assert body["archived_at"] is None and body["filled_from_capture"] is None


def test_a_source_added_while_capturing_on_save_is_off_has_no_capture(editor_api, settings):
    settings.CAPTURE_ON_SAVE = False
    response = editor_api.post(f"{API}sources/", {"url": "https://news.example.org/quiet"}, format="json")
    assert response.status_code == 201 and response.json()["capture"] is None


@pytest.mark.parametrize(
    "url",
    ["ftp://files.example.org/report.pdf", "ftps://files.example.org/a", "file:///etc/passwd", "not a url"],
)
def test_only_web_addresses_make_sources(editor_api, url):
    response = editor_api.post(f"{API}sources/", {"url": url}, format="json")
    assert response.status_code == 400
    [message] = error(response)["fields"]["url"]
    if url.startswith("ftp"):  # a URL Django's validator takes: refused for its scheme
        assert message == "Give an http:// or https:// address: only web pages are captured."
    assert not Source.objects.exists() and not Capture.objects.exists()


def test_an_address_the_fetcher_refuses_is_a_field_error(editor_api):
    for url in ("http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data", "http://0x7f.1/"):
        response = editor_api.post(f"{API}sources/", {"url": url}, format="json")
        assert response.status_code == 400, url
        assert error(response)["fields"]["url"], url
    assert not Source.objects.exists()
    source = public_source(url="https://example.org/kept")
    changed = editor_api.patch(f"{API}sources/{source.pk}/", {"title": "A new title"}, format="json")
    assert changed.status_code == 200  # the URL was not changed: not checked again


# What a source says of its archive


def test_a_source_carries_its_archived_copy_and_how_the_original_stands(anon, settings):
    source = public_source()
    baseline = CaptureFactory(source=source, requested_at=CITED_AT)
    filler = CaptureFactory(source=source, requested_at=CITED_AT, filled_fields=["title", "author"])
    later = CaptureFactory(source=source, change=Change.DRIFTED)
    changed_at = datetime.datetime(2025, 3, 2, 9, 30, tzinfo=datetime.UTC)
    Watch.objects.create(
        source=source, baseline=baseline, last=later, since_cited=Change.DRIFTED, changed_at=changed_at
    )
    body = anon.get(f"{API}sources/{source.pk}/").json()
    assert body["archived_at"] == settings.SITE_URL + baseline.get_absolute_url()
    assert body["archived_is_demo_stand_in"] is False
    assert body["original_status"] == "drifted" and body["original_status_at"] == "2025-03-02T09:30:00Z"
    assert body["captures_url"] == f"http://testserver{captures_url(source)}"
    assert body["filled_from_capture"] == {
        "capture": filler.pk,
        "captured_at": filler.captured_at.isoformat().replace("+00:00", "Z"),
        "fields": ["title", "author"],
    }
    listed = next(s for s in anon.get(f"{API}sources/").json()["results"] if s["id"] == source.pk)
    assert listed == body


def test_a_source_never_captured_has_nulls(anon):
    source = public_source()
    body = anon.get(f"{API}sources/{source.pk}/").json()
    assert body["archived_at"] is None and body["original_status"] is None and body["original_status_at"] is None
    assert body["filled_from_capture"] is None and body["archived_is_demo_stand_in"] is False


def test_a_demo_stand_in_is_labelled_in_the_api(anon):
    source = public_source()
    stand_in = CaptureFactory(source=source, is_demo_stand_in=True, reason=Capture.Reason.DEMO)
    Watch.objects.create(source=source, baseline=stand_in, last=stand_in, since_cited=Change.FIRST)
    assert anon.get(f"{API}sources/{source.pk}/").json()["archived_is_demo_stand_in"] is True
    assert anon.get(captures_url(source)).json()["results"][0]["is_demo_stand_in"] is True


def test_a_watch_change_changes_the_sources_etag(anon):
    source = public_source()
    baseline = CaptureFactory(source=source)
    watch = Watch.objects.create(source=source, baseline=baseline, last=baseline, since_cited=Change.FIRST)
    url = f"{API}sources/{source.pk}/"
    first = anon.get(url)
    assert anon.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    watch.since_cited = Change.GONE
    watch.save()
    response = anon.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200 and response.json()["original_status"] == "gone"
    listed = anon.get(captures_url(source))
    CaptureFactory(source=source)
    assert anon.get(captures_url(source), HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 200


# Queries


@pytest.mark.parametrize("n", [1, 30])
def test_archive_endpoints_run_a_fixed_number_of_queries(anon, django_assert_max_num_queries, n):
    source = public_source()
    for i in range(n):
        capture = CaptureFactory(source=source, requested_at=CITED_AT + datetime.timedelta(hours=i))
        other = public_source()
        CaptureFactory(source=other, filled_fields=["title"])
        Watch.objects.create(source=other, baseline=capture, last=capture, since_cited=Change.CHANGED)
    anon.get(f"{API}sources/")  # warm up the content types
    endpoints = {
        f"{captures_url(source)}?page_size=100": 3,
        f"{captures_url(source)}{capture.pk}/": 3,
        f"{captures_url(source)}{capture.pk}/text/": 3,
        f"{API}sources/?page_size=100": 6,
        f"{API}sources/{source.pk}/": 3,
    }
    for url, most in endpoints.items():
        with django_assert_max_num_queries(most):
            assert anon.get(url).status_code == 200, url

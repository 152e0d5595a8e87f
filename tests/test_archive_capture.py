"""Capture end to end, against pages served on 127.0.0.1 (tests/pages_server.py): a source added by its URL is
fetched by its task, its WARC read back, its blanks filled; the watch sees a page change, drift, move and go; a
bad page ends as a failed capture and the work goes on; a capture that cannot be recorded is retried."""

import hashlib
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from warcio.archiveiterator import ArchiveIterator

from archive import services, warc
from archive.models import Capture, Change, Watch
from background.models import TaskFailure
from claims.models import Source
from tests.factories import EvidenceFactory, StatementFactory
from tests.helpers import DB_TASKS, db_worker, form_data, rq_worker, run_tasks, waiting_tasks
from tests.pages_server import ARTICLE, REWRITTEN

pytestmark = pytest.mark.django_db


def test_an_editor_adds_a_source_by_its_url_and_sees_it_captured(pages, editor_client):
    url = pages.add("/leak", body=ARTICLE)
    add = reverse("admin:claims_source_add")
    response = editor_client.post(add, {**form_data(editor_client.get(add)), "url": url})
    assert response.status_code == 302
    assert run_tasks() == 1

    source = Source.objects.get(url=url)
    capture = source.captures.get()
    assert capture.state == Capture.State.DONE and capture.change == Change.FIRST
    assert (capture.http_status, capture.content_type, capture.final_url) == (200, "text/html", url)
    assert source.title == "Artists leak Sora" and source.author == "Kylie Robison"
    assert source.publisher == "The Example" and str(source.published_on) == "2024-11-26"
    assert sorted(capture.filled_fields) == ["author", "published_on", "publisher", "title"]
    assert "leaked access to the video model" in capture.text and len(capture.fingerprint) == 16

    # The WARC holds the request and the response; its body is the one whose SHA-256 is recorded.
    data = capture.warc.read()
    records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(io.BytesIO(data))]
    assert ("request", url) in records and ("response", url) in records
    body = warc.read_final_body(data)
    assert body == ARTICLE.encode() and hashlib.sha256(body).hexdigest() == capture.sha256 and capture.size == len(body)

    page = editor_client.get(reverse("admin:claims_source_change", args=[source.pk])).content.decode()
    assert "Filled in from the capture" in page and "First capture" in page


def test_what_an_editor_wrote_is_never_overwritten(pages, editor_client):
    url = pages.add("/leak", body=ARTICLE)
    add = reverse("admin:claims_source_add")
    editor_client.post(add, {**form_data(editor_client.get(add)), "url": url, "title": "Our own headline"})
    run_tasks()
    source = Source.objects.get(url=url)
    assert source.title == "Our own headline" and source.author == "Kylie Robison"
    assert "title" not in source.captures.get().filled_fields


def test_an_unsafe_url_is_refused_at_the_form(editor_client):
    add = reverse("admin:claims_source_add")
    response = editor_client.post(add, {**form_data(editor_client.get(add)), "url": "http://10.0.0.1/admin"})
    assert response.status_code == 200
    assert "private" in " ".join(response.context["adminform"].form.errors["url"])
    assert not Source.objects.exists()


def test_the_watch_sees_a_page_change_drift_move_and_go(pages, editor):
    source = services_source(pages.add("/story", body=ARTICLE), editor)
    run_tasks()

    def check():
        call_command("check_sources", "--all", stdout=io.StringIO())
        return source.captures.order_by("-requested_at", "-pk").first()

    assert check().change == Change.UNCHANGED
    pages.add("/story", body=ARTICLE.replace("on Tuesday", "on Tuesday evening"))
    assert check().change == Change.CHANGED
    pages.add("/story", body=REWRITTEN)
    assert check().change == Change.DRIFTED
    elsewhere = pages.add("/elsewhere", body=REWRITTEN)
    pages.add("/story", status=301, location=elsewhere)
    moved = check()
    assert moved.change == Change.MOVED and moved.final_url == elsewhere
    pages.add("/story", status=404, body="Not found")
    assert check().change == Change.GONE
    watch = Watch.objects.get(source=source)
    assert watch.since_cited == Change.GONE and watch.baseline.change == Change.FIRST
    assert source.captures.count() == 6


def test_bad_pages_end_as_failed_captures_and_the_work_goes_on(pages, editor, settings, silent_url):
    settings.CAPTURE_TIMEOUT = 1
    settings.CAPTURE_MAX_BYTES = 1000
    big = services_source(pages.add("/big", body="x" * 5000), editor)
    silent = services_source(silent_url, editor)
    loop = services_source(pages.add("/loop", status=302, location="/loop"), editor)
    fine = services_source(pages.add("/fine", body=ARTICLE), editor)
    assert run_tasks() == 4
    outcome = {s.pk: s.captures.get() for s in (big, silent, loop, fine)}
    assert (outcome[big.pk].change, outcome[big.pk].error_code) == (Change.FAILED, "too_large")
    assert (outcome[silent.pk].change, outcome[silent.pk].error_code) == (Change.FAILED, "timeout")
    assert (outcome[loop.pk].change, outcome[loop.pk].error_code) == (Change.FAILED, "too_many_redirects")
    assert all(outcome[s.pk].error for s in (big, silent, loop))
    assert outcome[fine.pk].change == Change.FIRST


def test_a_capture_that_cannot_be_recorded_is_retried_then_given_up(pages, editor, monkeypatch):
    source = services_source(pages.add("/a", body=ARTICLE), editor)

    def broken(*args, **kwargs):
        raise OSError("the capture storage is full")

    monkeypatch.setattr(services, "_read", broken)
    assert run_tasks(raise_errors=False) == 1
    failure = TaskFailure.objects.get()
    assert failure.task_path == "archive.tasks.capture_source" and "storage is full" in failure.message
    assert failure.retry_at is not None and not failure.gave_up
    assert source.captures.get().state == Capture.State.PENDING  # nothing half-recorded


def services_source(url, editor):
    from claims import services as record

    source = record.source_create(by=editor, url=url, title="A cited page")
    EvidenceFactory(statement=StatementFactory(source=source))
    return source


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("signals_kept")
def test_a_source_is_captured_by_the_database_backends_worker(pages, editor):
    url = pages.add("/db", body=ARTICLE)
    with override_settings(TASKS=DB_TASKS):
        source = services_source(url, editor)
        db_worker()
    capture = source.captures.get()
    assert capture.state == Capture.State.DONE and capture.change == Change.FIRST
    assert Source.objects.get(pk=source.pk).author == "Kylie Robison"


@pytest.mark.django_db(transaction=True)
def test_a_source_is_captured_by_an_rq_worker_on_redis(pages, editor, rq_redis):
    source = services_source(pages.add("/rq", body=ARTICLE), editor)
    rq_worker()
    capture = source.captures.get()
    assert capture.state == Capture.State.DONE and capture.change == Change.FIRST and capture.warc


def test_save_page_now_is_asked_for_a_new_source_when_the_setting_is_on(pages, editor, settings):
    """A local stand-in for the Internet Archive's Save Page Now: it answers with where the copy is."""
    settings.SAVE_PAGE_NOW = True
    settings.SAVE_PAGE_NOW_URL = pages.url("/save/")
    original = pages.add("/story", body=ARTICLE)
    pages.add(f"/save/{original}", headers=[("Content-Location", f"/web/20261202080000/{original}")], body="saved")
    source = services_source(original, editor)
    assert sorted(r.task.name for r in waiting_tasks()) == ["capture_source", "save_page_now"]
    run_tasks()
    source.refresh_from_db()
    assert source.archive_url == pages.url(f"/web/20261202080000/{original}")
    assert f"/save/{original}" in pages.paths


def test_save_page_now_failing_is_retried(pages, editor, settings):
    settings.SAVE_PAGE_NOW = True
    settings.SAVE_PAGE_NOW_URL = pages.url("/save/")
    source = services_source(pages.add("/story", body=ARTICLE), editor)
    run_tasks(raise_errors=False)  # the fake archive has no route: 404
    failure = TaskFailure.objects.get(task_path="archive.tasks.save_page_now")
    assert "HTTP 404" in failure.message and failure.retry_at is not None
    assert Source.objects.get(pk=source.pk).archive_url == ""


def test_save_page_now_is_off_by_default(pages, editor):
    services_source(pages.add("/story", body=ARTICLE), editor)
    assert [r.task.name for r in waiting_tasks()] == ["capture_source"]

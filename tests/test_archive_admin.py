"""The archive in the editors' admin: adding a source by its URL, capture now, the captures and their diff, the
"sources to look at" queue."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from archive.models import Capture, Change, Watch
from tests.factories import CaptureFactory, EvidenceFactory, SourceFactory, StatementFactory
from tests.helpers import form_data, messages_of

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2024, 11, 26, 18, tzinfo=datetime.UTC)


def enqueued(task_name="capture_source"):
    return [r for r in default_task_backend.results if r.task.name == task_name]


@pytest.fixture(autouse=True)
def _no_tasks_left():
    default_task_backend.clear()
    yield
    default_task_backend.clear()


def drifted_source():
    source = SourceFactory()
    first = CaptureFactory(source=source, requested_at=T0, text="The letter says artists are not unpaid R&D.")
    later = CaptureFactory(
        source=source,
        requested_at=T0 + datetime.timedelta(days=3),
        change=Change.DRIFTED,
        text="This Space has been paused by its owner.",
    )
    Watch.objects.create(
        source=source, baseline=first, last=later, since_cited=Change.DRIFTED, changed_at=later.captured_at
    )
    return source, first, later


def test_a_source_is_added_by_its_url_alone_and_captured(editor_client, django_capture_on_commit_callbacks):
    add = reverse("admin:claims_source_add")
    data = {**form_data(editor_client.get(add)), "url": "https://news.example.org/new-story"}
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(add, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    capture = Capture.objects.get(url="https://news.example.org/new-story")
    assert capture.state == Capture.State.PENDING and capture.reason == Capture.Reason.CREATED
    assert capture.requested_by is not None
    assert [r.args for r in enqueued()] == [[capture.pk]]
    assert any("is being captured" in m for m in messages_of(response))


def test_changing_a_url_captures_again_and_other_edits_do_not(editor_client, django_capture_on_commit_callbacks):
    source = SourceFactory()
    page = reverse("admin:claims_source_change", args=[source.pk])
    data = {**form_data(editor_client.get(page)), "title": "A new title"}
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(page, data).status_code == 302
    assert not Capture.objects.filter(source=source).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(page, {**data, "url": "https://news.example.org/moved-here"}).status_code == 302
    assert Capture.objects.get(source=source).reason == Capture.Reason.URL_CHANGED


def test_capture_now_from_the_source_page_and_the_list(editor_client, django_capture_on_commit_callbacks):
    source, other = SourceFactory(), SourceFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("admin:archive_capture", args=[source.pk]))
    assert response.status_code == 302
    assert Capture.objects.get(source=source).reason == Capture.Reason.ASKED
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:claims_source_changelist"),
            {"action": "capture_now", "_selected_action": [source.pk, other.pk]},
        )
    assert response.status_code == 302
    assert Capture.objects.filter(source=source).count() == 2 and Capture.objects.filter(source=other).count() == 1
    assert len(enqueued()) == 3


def test_capture_now_needs_a_post_and_the_change_permission(client, reader, editor_client):
    source = SourceFactory()
    assert editor_client.get(reverse("admin:archive_capture", args=[source.pk])).status_code == 405
    client.force_login(reader)
    response = client.post(reverse("admin:archive_capture", args=[source.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Capture.objects.exists()


def test_the_source_page_lists_captures_and_what_was_filled(editor_client):
    source, first, later = drifted_source()
    Capture.objects.filter(pk=first.pk).update(filled_fields=["author", "published_on"])
    page = editor_client.get(reverse("admin:claims_source_change", args=[source.pk])).content.decode()
    assert 'id="captures"' in page
    assert f'data-capture="{first.pk}"' in page and f'data-capture="{later.pk}"' in page
    assert "Drifted (text differs)" in page
    assert "Filled in from the capture" in page and "author, published on" in page
    assert 'id="looked-at"' in page


def test_the_diff_between_two_captures(editor_client):
    source, first, later = drifted_source()
    url = reverse("admin:archive_diff", args=[source.pk])
    page = editor_client.get(url, {"a": later.pk, "b": first.pk}).content.decode()
    assert 'id="diff"' in page
    assert "This Space has been paused by its owner." in page
    assert "The letter says artists are not unpaid R&amp;D." in page
    # Another source's capture, or nonsense, is refused with a message, not an error.
    response = editor_client.get(url, {"a": first.pk, "b": CaptureFactory().pk})
    assert response.status_code == 302 and any("Pick two" in m for m in messages_of(response))
    assert editor_client.get(url, {"a": "x"}).status_code == 302


def test_sources_to_look_at_on_the_admin_home_until_looked_at(editor_client):
    source, _, _ = drifted_source()
    SourceFactory()  # unchanged: not in the queue
    home = editor_client.get(reverse("admin:index")).content.decode()
    assert 'data-code="sources_to_look_at"' in home
    row = home.split('data-code="sources_to_look_at"')[1].split("</tr>")[0]
    assert "<strong>1</strong>" in row
    listed = editor_client.get(reverse("admin:claims_source_changelist"), {"original": "look"})
    assert list(listed.context["cl"].result_list) == [source]

    assert editor_client.post(reverse("admin:archive_looked_at", args=[source.pk])).status_code == 302
    home = editor_client.get(reverse("admin:index")).content.decode()
    assert "<strong>0</strong>" in home.split('data-code="sources_to_look_at"')[1].split("</tr>")[0]
    # It comes back when it changes again.
    Watch.objects.filter(source=source).update(changed_at=timezone.now() + datetime.timedelta(minutes=1))
    listed = editor_client.get(reverse("admin:claims_source_changelist"), {"original": "look"})
    assert list(listed.context["cl"].result_list) == [source]


def test_captures_are_read_only_in_the_admin(editor_client):
    capture = CaptureFactory()
    assert editor_client.get(reverse("admin:archive_capture_changelist")).status_code == 200
    page = editor_client.get(reverse("admin:archive_capture_change", args=[capture.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert editor_client.get(reverse("admin:archive_capture_add")).status_code == 403


def test_a_cited_source_in_the_list_shows_how_its_original_stands(editor_client):
    source, _, _ = drifted_source()
    EvidenceFactory(statement=StatementFactory(source=source))
    page = editor_client.get(reverse("admin:claims_source_changelist")).content.decode()
    assert "Drifted (text differs)" in page


def test_staff_who_see_sources_find_the_captures_on_the_admin_home(reviewer_client, client, reader):
    assert reverse("admin:archive_capture_changelist") in reviewer_client.get(reverse("admin:index")).content.decode()
    reader.is_staff = True
    reader.save()
    client.force_login(reader)
    assert client.get(reverse("admin:archive_capture_changelist")).status_code == 403

"""The archive's services: recording captures, filling a source's blanks, classifying against the last capture and
the copy cited, the watch's schedule and ticks, check_sources, Save Page Now and the demo's stand-ins."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import default_task_backend

from archive import services
from archive.fetch import Fetched
from archive.models import Capture, Change, Watch
from archive.signals import source_changed
from claims import services as record
from claims.models import Source
from tests.factories import EvidenceFactory, SourceFactory, StatementFactory
from tests.helpers import run_tasks
from tests.pages_server import ARTICLE, REWRITTEN

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)


class Pages:
    """A stand-in for archive.fetch.fetch: what each URL answers now."""

    def __init__(self):
        self.answers = {}
        self.calls = []

    def __call__(self, url, **limits):
        self.calls.append(url)
        answer = self.answers[url]
        if isinstance(answer, Fetched):
            return answer
        return services.stand_in_fetch(url=url, body=answer.encode(), at=timezone.now())


@pytest.fixture
def fake_fetch(monkeypatch):
    fake = Pages()
    monkeypatch.setattr(services, "fetch", fake)
    return fake


@pytest.fixture(autouse=True)
def _no_tasks_left():
    default_task_backend.clear()
    yield
    default_task_backend.clear()


def failed(url, code="timeout", error="no answer within 30 s"):
    return Fetched(url=url, final_url="", hops=[], status=None, content_type="", charset=None, body=b"",
                   started_at=timezone.now(), elapsed=30.0, error_code=code, error=error)  # fmt: skip


def capture(source, *, at=None):
    made = services.capture_request(source=source, reason=Capture.Reason.WATCH, at=at, run=False)
    return services.capture_run(made.pk, at=at)


def cited_source(**fields):
    source = SourceFactory(**fields)
    EvidenceFactory(statement=StatementFactory(source=source))
    return source


def test_a_capture_fills_only_the_fields_the_editor_left_empty(fake_fetch, editor):
    source = record.source_create(by=editor, url="https://news.example.org/leak", publisher="Our own name")
    fake_fetch.answers[source.url] = ARTICLE
    done = capture(source)
    source.refresh_from_db()
    assert done.state == Capture.State.DONE and done.http_status == 200
    assert source.title == "Artists leak Sora"
    assert source.author == "Kylie Robison"
    assert source.publisher == "Our own name"  # the editor's, kept
    assert source.published_on == datetime.date(2024, 11, 26)
    assert sorted(done.filled_fields) == ["author", "published_on", "title"]
    history = source.history.first()
    assert history.history_user.username == services.ARCHIVER


def test_source_fill_blanks_never_overwrites(editor):
    source = SourceFactory(title="Mine", author="")
    filled = record.source_fill_blanks(source=source, by=editor, title="Theirs", author="Someone")
    source.refresh_from_db()
    assert filled == ["author"] and source.title == "Mine" and source.author == "Someone"
    with pytest.raises(ValueError, match="notes"):
        record.source_fill_blanks(source=source, by=editor, notes="x")


def test_every_capture_is_kept_and_classified_against_the_last(fake_fetch):
    source = cited_source()
    fake_fetch.answers[source.url] = ARTICLE
    first = capture(source)
    assert first.change == Change.FIRST
    assert capture(source).change == Change.UNCHANGED
    fake_fetch.answers[source.url] = ARTICLE.replace("on Tuesday", "on Tuesday evening")
    assert capture(source).change == Change.CHANGED
    fake_fetch.answers[source.url] = REWRITTEN
    drifted = capture(source)
    assert drifted.change == Change.DRIFTED
    assert Capture.objects.filter(source=source).count() == 4
    watch = Watch.objects.get(source=source)
    assert watch.baseline == first and watch.last == drifted and watch.since_cited == Change.DRIFTED
    assert list(services.sources_to_look_at()) == [watch]


def test_gone_and_failing_for_a_set_time(fake_fetch, settings):
    source = cited_source()
    fake_fetch.answers[source.url] = ARTICLE
    capture(source, at=T0)
    fake_fetch.answers[source.url] = failed(source.url)
    one = capture(source, at=T0 + datetime.timedelta(hours=1))
    assert one.change == Change.FAILED and one.error == "no answer within 30 s"
    watch = Watch.objects.get(source=source)
    assert watch.failing_since == T0 + datetime.timedelta(hours=1)
    assert watch.since_cited == Change.FIRST  # one failure says nothing of the page
    later = capture(source, at=T0 + settings.GONE_AFTER + datetime.timedelta(hours=2))
    assert later.change == Change.GONE
    assert Watch.objects.get(source=source).since_cited == Change.GONE


def test_a_source_changed_signal_once_per_change(fake_fetch, django_capture_on_commit_callbacks):
    source = cited_source()
    heard = []
    source_changed.connect(lambda sender, **kw: heard.append(kw["change"]), weak=False, dispatch_uid="test-heard")
    try:
        fake_fetch.answers[source.url] = ARTICLE
        with django_capture_on_commit_callbacks(execute=True):
            capture(source)
        fake_fetch.answers[source.url] = REWRITTEN
        with django_capture_on_commit_callbacks(execute=True):
            capture(source)
            capture(source)  # still drifted: not news
    finally:
        source_changed.disconnect(dispatch_uid="test-heard")
    assert heard == [Change.DRIFTED]


def test_a_drift_is_written_to_the_public_change_log_in_the_captures_transaction(fake_fetch):
    """source.changed goes to the outbox (claims.PublicChange) with the capture: once per change, and not at all
    when the capture's transaction rolls back."""
    from django.db import transaction

    from claims.models import PublicChange
    from tests.factories import PublishedClaimFactory

    source = SourceFactory()
    EvidenceFactory(claim=PublishedClaimFactory(), statement=StatementFactory(source=source))
    fake_fetch.answers[source.url] = ARTICLE
    capture(source)
    fake_fetch.answers[source.url] = REWRITTEN
    with pytest.raises(RuntimeError), transaction.atomic():
        capture(source)
        assert PublicChange.objects.filter(kind="source.changed").count() == 1
        raise RuntimeError("the capture's transaction rolls back")
    assert not PublicChange.objects.exists()
    capture(source)
    capture(source)  # still drifted: not news
    [change] = PublicChange.objects.all()
    assert (change.kind, change.source, change.claim) == ("source.changed", source, None)
    assert change.data == {"source_id": source.pk, "url": source.url, "change": "drifted"}


def test_a_source_cited_only_in_a_draft_is_not_news_for_the_public_record(fake_fetch):
    from claims.models import PublicChange

    source = cited_source()  # by a draft claim
    fake_fetch.answers[source.url] = ARTICLE
    capture(source)
    fake_fetch.answers[source.url] = REWRITTEN
    assert capture(source).change == Change.DRIFTED
    assert not PublicChange.objects.exists()


def test_a_capture_task_run_twice_records_once(fake_fetch):
    source = cited_source()
    fake_fetch.answers[source.url] = ARTICLE
    made = services.capture_request(source=source, reason=Capture.Reason.ASKED, run=False)
    services.capture_run(made.pk)
    again = services.capture_run(made.pk)
    assert again.pk == made.pk and fake_fetch.calls == [source.url]
    assert Capture.objects.filter(source=source).count() == 1
    assert Watch.objects.get(source=source).checks == 1


def test_creating_a_source_through_the_services_asks_for_a_capture(editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        source = record.source_create(by=editor, url="https://news.example.org/a")
    assert [r.args for r in default_task_backend.results] == [[Capture.objects.get(source=source).pk]]
    with services.paused():
        record.source_create(by=editor, url="https://news.example.org/b")
    assert not Capture.objects.filter(url="https://news.example.org/b").exists()


def test_a_rolled_back_source_enqueues_nothing(editor, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        record.source_create(by=editor, url="https://news.example.org/never")
        raise RuntimeError
    assert default_task_backend.results == [] and not Source.objects.exists()


def test_the_schedule_favours_recent_and_much_cited_sources(settings):
    now = T0
    every = settings.WATCH_INTERVALS
    recent = SourceFactory(published_on=now.date() - datetime.timedelta(days=2))
    old = SourceFactory(published_on=now.date() - datetime.timedelta(days=400))
    assert services.check_interval(recent, now=now) == every["recent"]
    assert services.check_interval(old, now=now) == every["old"]
    for _ in range(settings.WATCH_MUCH_CITED):
        EvidenceFactory(statement=StatementFactory(source=old))
    assert services.check_interval(old, now=now) == every["old"] / 2
    assert services.check_interval(old, now=now, failing=True) == every["failing"]


def test_a_tick_captures_the_cited_sources_due_and_rests_the_others(django_capture_on_commit_callbacks):
    due_cited, due_uncited, not_due = cited_source(), SourceFactory(), cited_source()
    Watch.objects.create(source=due_cited, next_check_at=T0 - datetime.timedelta(minutes=1))
    Watch.objects.create(source=due_uncited, next_check_at=T0 - datetime.timedelta(minutes=1))
    Watch.objects.create(source=not_due, next_check_at=T0 + datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        captures = services.check_due(now=T0)
    assert [c.source for c in captures] == [due_cited]
    assert len(default_task_backend.results) == 1
    assert Watch.objects.get(source=due_cited).next_check_at == T0 + services.settings.WATCH_LEASE
    assert Watch.objects.get(source=due_uncited).next_check_at > T0
    assert services.check_due(now=T0) == []  # nothing is due twice


def test_a_capture_whose_fetch_was_lost_is_asked_for_again_not_twice(fake_fetch, django_capture_on_commit_callbacks):
    """A worker stopped mid-fetch (or a queue that lost the task) leaves a capture pending: after the watch's lease
    the tick hands the same capture to a worker again, and the watch makes no second one meanwhile."""
    source = cited_source(url="https://news.example.org/leak")
    fake_fetch.answers[source.url] = ARTICLE
    Watch.objects.update_or_create(source=source, defaults={"next_check_at": T0 - datetime.timedelta(minutes=1)})
    with django_capture_on_commit_callbacks(execute=True):
        [asked] = services.check_due(now=T0)
    default_task_backend.clear()  # the worker that took it was killed
    lease = services.settings.WATCH_LEASE

    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_lost(now=T0 + lease - datetime.timedelta(minutes=1)) == 0  # not lost yet
        later = T0 + lease + datetime.timedelta(minutes=1)
        assert services.requeue_lost(now=later) == 1
        assert services.check_due(now=later) == []  # the watch waits for that capture, makes no other
    assert [(r.task.name, r.args) for r in default_task_backend.results] == [("capture_source", [asked.pk])]
    assert services.requeue_lost(now=later) == 0  # handed over again just now

    run_tasks()
    asked.refresh_from_db()
    assert asked.state == Capture.State.DONE and asked.text
    assert Capture.objects.count() == 1 and fake_fetch.calls == [source.url]
    assert services.requeue_lost(now=later + 2 * lease) == 0


def test_a_ticks_cost_is_bounded_by_the_sources_due(django_assert_max_num_queries, django_capture_on_commit_callbacks):
    def tick_queries(idle):
        Watch.objects.all().delete()
        for _ in range(idle):
            Watch.objects.create(source=SourceFactory(), next_check_at=T0 + datetime.timedelta(days=1))
        for _ in range(3):
            Watch.objects.create(source=cited_source(), next_check_at=T0 - datetime.timedelta(minutes=1))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert len(services.check_due(now=T0)) == 3
        return len(queries)

    assert tick_queries(2) == tick_queries(60)


def test_check_sources_all_checks_every_cited_source_here(fake_fetch):
    cited, uncited = cited_source(), SourceFactory()
    fake_fetch.answers[cited.url] = ARTICLE
    out = io.StringIO()
    call_command("check_sources", "--all", stdout=out)
    assert fake_fetch.calls == [cited.url] and uncited.url not in fake_fetch.calls
    assert "Checked 1 source(s): 1 first capture." in out.getvalue()
    out = io.StringIO()
    call_command("check_sources", stdout=out)
    assert "No cited source is due" in out.getvalue()


def test_check_sources_can_hand_the_work_to_the_workers(django_capture_on_commit_callbacks):
    cited_source()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_sources", "--all", "--enqueue", stdout=out)
    assert "Asked the workers for 1 capture(s)" in out.getvalue()
    assert len(default_task_backend.results) == 1


def test_save_page_now_leaves_an_editors_archive_url(fake_fetch):
    mine = SourceFactory(archive_url="https://archive.example/mine")
    assert services.save_page_now(mine.pk) == "https://archive.example/mine"
    assert fake_fetch.calls == []


def test_the_demo_shows_a_drifted_source_from_its_stand_ins(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--no-accounts", stdout=io.StringIO())
    stand_ins = Capture.objects.filter(is_demo_stand_in=True)
    assert stand_ins.count() == 6 and all(c.warc for c in stand_ins)
    drifted = Watch.objects.get(since_cited=Change.DRIFTED)
    assert "huggingface.co" in drifted.source.url
    assert Watch.objects.filter(next_check_at__isnull=False).count() == 0  # stand-ins are never fetched
    out = io.StringIO()
    call_command("seed_demo", "--no-accounts", stdout=out)
    assert Capture.objects.filter(is_demo_stand_in=True).count() == 6

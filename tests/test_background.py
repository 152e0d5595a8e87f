"""Background work (background/): retries with backoff, enqueue on commit, the failures in the admin, recurring tasks,
and both task backends end to end with their real workers: the database (SQLite, or PostgreSQL with DATABASE_URL)
and RQ on the Redis at RQ_TEST_URL (default redis://127.0.0.1:6379/14; skipped when unreachable unless
REQUIRE_REDIS=1). The tasks are in tests/background_tasks.py, importable by path as a worker needs."""

import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

import background.tasks
from background.models import RecurringTask, TaskFailure
from background.tasks import ATTEMPT, CHAIN, MAX_RETRY_DELAY, enqueue, ensure_recurring, recent_failures, retry_delay
from tests import background_tasks as jobs
from tests.helpers import DB_TASKS, RQ_TASKS, db_worker, messages_of, rq_worker, run_tasks, waiting_tasks

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    """No calls from an earlier test; the most jitter (so a retry's time is exact); only the test tick recurring."""
    jobs.CALLS.clear()
    monkeypatch.setattr(background.tasks.random, "uniform", lambda low, high: high)
    autodiscover_modules("tasks")  # the apps' own recurring tasks register now, into the registry set aside
    monkeypatch.setattr(background.tasks, "RECURRING", {jobs.tick.module_path: jobs.TICK})
    default_task_backend.clear()
    yield
    default_task_backend.clear()


def waiting():
    """What the dummy backend holds: (task name, args, kwargs, run_after)."""
    return [(r.task.name, r.args, r.kwargs, r.task.run_after) for r in waiting_tasks()]


def later(attempt, backoff=timedelta(seconds=30)):
    return backoff * 2 ** (attempt - 1) * 1.1  # with the most jitter


# Retries with backoff


@pytest.mark.django_db
def test_a_failing_task_is_retried_with_backoff_then_given_up():
    with freeze_time(T0):
        enqueue(jobs.always_fails, "page 7")
        assert run_tasks(raise_errors=False) == 1
        first = TaskFailure.objects.get()
        assert (first.task_path, first.args, first.kwargs) == (jobs.always_fails.module_path, ["page 7"], {})
        assert (first.attempt, first.attempts, first.gave_up) == (1, 3, False)
        assert first.exception_class == "builtins.RuntimeError"
        assert first.message == "cannot do page 7"
        assert "RuntimeError: cannot do page 7" in first.traceback
        assert first.retry_at == T0 + later(1)
        # The same work, enqueued to run after the backoff, with its attempt number beside the arguments.
        assert waiting() == [("always_fails", ["page 7"], {ATTEMPT: 2}, T0 + later(1))]
        assert run_tasks(raise_errors=False) == 0  # not due yet

    with freeze_time(T0 + later(1)):
        assert run_tasks(raise_errors=False) == 1
        second = TaskFailure.objects.latest("id")
        assert (second.attempt, second.gave_up, second.retry_at) == (2, False, T0 + later(1) + later(2))
        assert second.kwargs == {}  # the attempt number is not part of the work
        assert waiting() == [("always_fails", ["page 7"], {ATTEMPT: 3}, T0 + later(1) + later(2))]

    with freeze_time(T0 + later(1) + later(2)):
        assert run_tasks(raise_errors=False) == 1
        last = TaskFailure.objects.latest("id")
        assert (last.attempt, last.attempts, last.gave_up, last.retry_at) == (3, 3, True, None)
        assert waiting() == []
        assert list(recent_failures()) == [last]
    assert jobs.CALLS == [("always_fails", "page 7")] * 3


@pytest.mark.django_db
def test_a_task_that_fails_once_works_on_its_retry_and_never_sees_its_attempt_number():
    with freeze_time(T0):
        enqueue(jobs.fails_once, "source 3")
        run_tasks(raise_errors=False)
    with freeze_time(T0 + later(1)):
        assert run_tasks() == 1  # fails_once takes no **kwargs: the attempt number would be a TypeError
    failure = TaskFailure.objects.get()
    assert (failure.exception_class, failure.attempt, failure.gave_up) == ("builtins.ConnectionError", 1, False)
    assert jobs.CALLS == [("fails_once", "source 3")] * 2
    assert not recent_failures().exists()


@pytest.mark.django_db
def test_give_up_stops_at_once():
    enqueue(jobs.refuses, "x")
    run_tasks(raise_errors=False)
    failure = TaskFailure.objects.get()
    assert (failure.attempt, failure.attempts, failure.gave_up, failure.retry_at) == (1, 5, True, None)
    assert failure.exception_class == "background.tasks.GiveUp"
    assert waiting() == []


def test_retry_delay_doubles_and_is_capped(monkeypatch):
    monkeypatch.setattr(background.tasks.random, "uniform", lambda low, high: low)
    assert [retry_delay(attempt=n, backoff=timedelta(seconds=30)).total_seconds() for n in (1, 2, 3, 4)] == [
        30,
        60,
        120,
        240,
    ]
    assert retry_delay(attempt=40, backoff=timedelta(seconds=30)) == MAX_RETRY_DELAY


def test_a_task_needs_a_sensible_policy():
    with pytest.raises(ValueError, match="attempts"):
        background.tasks.task(attempts=0)
    with pytest.raises(ValueError, match="backoff"):
        background.tasks.task(backoff=timedelta(0))
    with pytest.raises(ValueError, match="not retried"):
        background.tasks.recurring(every=timedelta(minutes=1), attempts=3)


# Enqueue on commit


@pytest.mark.django_db(transaction=True)
def test_enqueue_waits_for_the_commit_and_a_rollback_enqueues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(jobs.ensure_group, "rolled back")
        raise RuntimeError("the change fails")
    assert waiting() == []

    with transaction.atomic():
        enqueue(jobs.ensure_group, "committed")
        assert default_task_backend.results == []  # not before the commit
    assert waiting() == [("ensure_group", ["committed"], {}, None)]


@pytest.mark.django_db
def test_enqueue_takes_only_json_arguments_and_tasks():
    with pytest.raises(TypeError):
        enqueue(jobs.ensure_group, object())
    with pytest.raises(TypeError, match="takes a task"):
        enqueue(print, "x")


@pytest.mark.django_db(transaction=True)
def test_a_queue_that_cannot_be_reached_is_recorded_and_never_breaks_the_caller():
    with override_settings(TASKS=RQ_TASKS, RQ_QUEUES={"default": {"URL": "redis://127.0.0.1:9/0"}}):
        enqueue(jobs.ensure_group, "editors")  # port 9 (discard): nothing listens
    failure = TaskFailure.objects.get()
    assert (failure.task_path, failure.args, failure.gave_up) == (jobs.ensure_group.module_path, ["editors"], True)
    assert failure.exception_class.startswith("redis.exceptions.")
    assert failure.message.startswith("Could not be enqueued:")


# The admin


@pytest.mark.django_db
def test_the_admin_lists_the_failures_and_retries_one_from_its_first_attempt(admin_client):
    with freeze_time(T0):
        enqueue(jobs.always_fails, "page 9")
        run_tasks(raise_errors=False)
    with freeze_time(T0 + later(1)):
        run_tasks(raise_errors=False)
    with freeze_time(T0 + later(1) + later(2)):
        run_tasks(raise_errors=False)
    changelist = reverse("admin:background_taskfailure_changelist")

    page = admin_client.get(changelist).content.decode()
    assert page.count("always_fails") >= 3
    assert "3 of 3" in page and "gave up" in page and "retry at" in page
    assert "cannot do page 9" in page and "RuntimeError" in page

    page = admin_client.get(changelist, {"gave_up__exact": "1"}).content.decode()
    assert "3 of 3" in page and "1 of 3" not in page
    assert "cannot do page 9" in admin_client.get(changelist, {"q": "page 9"}).content.decode()
    assert "cannot do" not in admin_client.get(changelist, {"q": "no such thing"}).content.decode()

    gave_up = TaskFailure.objects.get(gave_up=True)
    detail = admin_client.get(reverse("admin:background_taskfailure_change", args=[gave_up.pk])).content.decode()
    assert "RuntimeError: cannot do page 9" in detail  # the traceback
    assert admin_client.get(reverse("admin:background_taskfailure_add")).status_code == 403

    response = admin_client.post(changelist, {"action": "retry_now", "_selected_action": [gave_up.pk]}, follow=True)
    assert "Enqueued 1 again" in " ".join(messages_of(response))
    assert waiting() == [("always_fails", ["page 9"], {}, None)]  # attempt 1 again
    gave_up.refresh_from_db()
    assert gave_up.retried_at is not None
    assert not recent_failures().exists()


@pytest.mark.django_db
def test_retry_now_says_when_the_task_is_gone(admin_client):
    failure = TaskFailure.objects.create(
        task_path="tests.background_tasks.no_such_task",
        attempt=1,
        attempts=1,
        exception_class="builtins.OSError",
        gave_up=True,
    )
    response = admin_client.post(
        reverse("admin:background_taskfailure_changelist"),
        {"action": "retry_now", "_selected_action": [failure.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Not enqueued: tests.background_tasks.no_such_task cannot be imported" in " ".join(messages_of(response))
    assert waiting() == []


def test_run_tasks_runs_what_tasks_enqueue_in_turn(db):
    enqueue(jobs.ensure_group, "a")
    enqueue(jobs.fails_once, "b")
    with pytest.raises(ConnectionError):
        run_tasks()
    assert run_tasks(raise_errors=False) == 0  # the retry waits out its backoff


# The database backend, with its real worker


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("signals_kept")
@override_settings(TASKS=DB_TASKS)
def test_the_database_backend_runs_retries_and_records_with_its_worker():
    with freeze_time(T0):
        enqueue(jobs.fails_once, "capture 1")
        enqueue(jobs.ensure_group, "reviewers-to-be")
        db_worker()
        assert Group.objects.filter(name="reviewers-to-be").exists()
        runs = DBTaskResult.objects.filter(task_path=jobs.fails_once.module_path)
        failed = runs.get(status=TaskResultStatus.FAILED)
        retry = runs.get(status=TaskResultStatus.READY)
        assert retry.args_kwargs == {"args": ["capture 1"], "kwargs": {ATTEMPT: 2}}
        assert retry.run_after == T0 + later(1)
        failure = TaskFailure.objects.get()
        assert failure.task_result_id == str(failed.id)  # the worker's run, as its backend knows it
        assert failure.retry_at == T0 + later(1)
        db_worker()
        assert DBTaskResult.objects.get(pk=retry.pk).status == TaskResultStatus.READY  # not due
    with freeze_time(T0 + later(1)):
        db_worker()
    retry.refresh_from_db()
    assert retry.status == TaskResultStatus.SUCCESSFUL and retry.return_value == "done capture 1"
    assert jobs.CALLS.count(("fails_once", "capture 1")) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("signals_kept")
@override_settings(TASKS=DB_TASKS)
def test_a_task_run_twice_is_harmless():
    enqueue(jobs.ensure_group, "fact-checkers")
    db_worker()
    # A worker that died after the work but before it marked it done: the run is taken again.
    DBTaskResult.objects.filter(task_path=jobs.ensure_group.module_path).update(
        status=TaskResultStatus.READY, finished_at=None
    )
    db_worker()
    assert jobs.CALLS.count(("ensure_group", "fact-checkers")) == 2
    assert Group.objects.filter(name="fact-checkers").count() == 1
    assert DBTaskResult.objects.get(task_path=jobs.ensure_group.module_path).status == TaskResultStatus.SUCCESSFUL


# Recurring tasks


def pending_ticks():
    return list(DBTaskResult.objects.filter(task_path=jobs.tick.module_path, status=TaskResultStatus.READY))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("signals_kept")
@override_settings(TASKS=DB_TASKS)
def test_a_worker_starts_the_recurring_tick_once_and_each_tick_enqueues_its_successor():
    name = jobs.tick.module_path
    with freeze_time(T0):
        output = db_worker()
        assert f"Recurring task {name}: started" in output
        assert jobs.CALLS == [("tick",)]  # due at once
        row = RecurringTask.objects.get()
        assert (row.every, row.last_run_at, row.next_run_at) == (jobs.TICK_EVERY, T0, T0 + jobs.TICK_EVERY)
        (successor,) = pending_ticks()
        assert successor.run_after == T0 + jobs.TICK_EVERY
        assert str(successor.id) == row.next_run_id
        assert successor.args_kwargs["kwargs"] == {CHAIN: row.next_run_token}

        assert f"Recurring task {name}: scheduled" in db_worker()  # a second worker starts
        assert pending_ticks() == [successor] and jobs.CALLS == [("tick",)]

    with freeze_time(T0 + jobs.TICK_EVERY):
        db_worker()
    assert jobs.CALLS == [("tick",)] * 2
    (third,) = pending_ticks()
    assert third.run_after == T0 + 2 * jobs.TICK_EVERY
    assert RecurringTask.objects.get().last_run_at == T0 + jobs.TICK_EVERY

    # The run that just finished, run again (a worker that died before marking it done): it does nothing.
    DBTaskResult.objects.filter(pk=successor.pk).update(status=TaskResultStatus.READY)
    with freeze_time(T0 + jobs.TICK_EVERY):
        db_worker()
    assert jobs.CALLS == [("tick",)] * 2
    assert pending_ticks() == [third]


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_a_dead_chain_is_restarted_and_a_live_one_left_alone():
    name = jobs.tick.module_path
    with freeze_time(T0):
        assert ensure_recurring() == {name: "started"}
        assert ensure_recurring() == {name: "scheduled"}
        assert len(pending_ticks()) == 1
    # The pending run is lost (its worker died while running it and the row was cleaned up).
    DBTaskResult.objects.all().delete()
    with freeze_time(T0 + timedelta(hours=3)):
        out = StringIO()
        call_command("ensure_recurring", stdout=out)
        assert out.getvalue().strip() == f"{name}: restarted"
        (pending,) = pending_ticks()
        assert RecurringTask.objects.get().next_run_id == str(pending.id)
    # A run stuck in RUNNING long after its worker died is dead too.
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING, started_at=T0 + timedelta(hours=3))
    with freeze_time(T0 + timedelta(hours=4)):
        assert ensure_recurring() == {name: "restarted"}


def test_a_recurring_task_run_by_hand_does_its_work_and_leaves_the_chain_alone(db):
    jobs.tick.call()
    assert jobs.CALLS == [("tick",)]
    assert not RecurringTask.objects.exists()
    jobs.tick.call(**{CHAIN: "a token nobody issued"})
    assert jobs.CALLS == [("tick",)]  # a stale run: skipped


@pytest.mark.django_db
def test_a_backend_that_cannot_defer_skips_the_recurring_tasks():
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        (action,) = ensure_recurring().values()
    assert action.startswith("skipped")
    assert jobs.CALLS == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: run on PostgreSQL")
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_two_workers_starting_at_once_start_one_chain():
    barrier = threading.Barrier(4)
    reports = []

    def start():
        try:
            barrier.wait()
            reports.append(ensure_recurring()[jobs.tick.module_path])
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(reports) == ["scheduled"] * 3 + ["started"]
    assert len(pending_ticks()) == 1


# The RQ backend on Redis, with its real worker


@pytest.mark.django_db(transaction=True)
def test_the_rq_backend_runs_retries_and_keeps_the_recurring_tick_with_its_worker(rq_redis):
    import django_rq
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry

    queue = django_rq.get_queue("default")
    scheduled = ScheduledJobRegistry(queue=queue)
    name = jobs.tick.module_path

    enqueue(jobs.fails_once, "capture 2")
    enqueue(jobs.ensure_group, "rq-group")
    before = timezone.now()
    output = rq_worker()
    assert f"Recurring task {name}: started" in output
    assert Group.objects.filter(name="rq-group").exists()
    assert jobs.CALLS.count(("tick",)) == 1

    # The failed run's retry and the tick's successor wait in RQ's scheduled registry.
    waiting_jobs = {job.func_name: job for job in (queue.fetch_job(id) for id in scheduled.get_job_ids())}
    assert set(waiting_jobs) == {jobs.fails_once.module_path, name}
    retry = waiting_jobs[jobs.fails_once.module_path]
    assert (list(retry.args), retry.kwargs) == (["capture 2"], {ATTEMPT: 2})
    retry_at = scheduled.get_scheduled_time(retry)
    assert before + later(1) - timedelta(seconds=1) <= retry_at <= timezone.now() + later(1)
    assert FailedJobRegistry(queue=queue).get_job_ids() == [TaskFailure.objects.get().task_result_id]
    row = RecurringTask.objects.get()
    assert waiting_jobs[name].id == row.next_run_id and waiting_jobs[name].kwargs == {CHAIN: row.next_run_token}

    assert f"Recurring task {name}: scheduled" in rq_worker()  # a second worker: still one chain
    assert len(scheduled.get_job_ids()) == 2
    assert jobs.CALLS.count(("tick",)) == 1

    # Their time comes.
    scheduled.schedule(retry, datetime.now(UTC) - timedelta(seconds=1))
    scheduled.schedule(waiting_jobs[name], datetime.now(UTC) - timedelta(seconds=1))
    rq_worker()
    assert jobs.CALLS.count(("fails_once", "capture 2")) == 2
    assert queue.fetch_job(retry.id).return_value() == "done capture 2"
    assert jobs.CALLS.count(("tick",)) == 2
    (successor,) = scheduled.get_job_ids()
    assert RecurringTask.objects.get().next_run_id == successor


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_old_failures_and_finished_runs_are_pruned_daily():
    def failure(path, days_ago):
        TaskFailure.objects.create(
            task_path=path,
            attempt=1,
            attempts=1,
            exception_class="builtins.OSError",
            failed_at=T0 - timedelta(days_ago),
        )

    def finished_run(label, days_ago):
        result = jobs.ensure_group.enqueue(label)
        DBTaskResult.objects.filter(pk=result.id).update(
            status=TaskResultStatus.SUCCESSFUL, finished_at=T0 - timedelta(days_ago)
        )

    failure("tests.kept", 89)
    failure("tests.forgotten", 91)
    finished_run("kept", 13)
    finished_run("forgotten", 15)
    jobs.ensure_group.enqueue("waiting")
    with freeze_time(T0):
        background.tasks.prune_old_records.call()
    assert list(TaskFailure.objects.values_list("task_path", flat=True)) == ["tests.kept"]
    assert sorted(r.args_kwargs["args"][0] for r in DBTaskResult.objects.all()) == ["kept", "waiting"]


def test_the_admin_home_counts_the_work_that_gave_up_for_those_who_may_see_it(admin_client, editor_client):
    TaskFailure.objects.create(
        task_path="archive.tasks.capture_source", attempt=5, attempts=5, exception_class="OSError", gave_up=True
    )
    TaskFailure.objects.create(task_path="archive.tasks.capture_source", attempt=1, attempts=5, exception_class="x")
    home = admin_client.get(reverse("admin:index")).content.decode()
    row = home.split('data-code="work_that_gave_up"')[1].split("</tr>")[0]
    assert "<strong>1</strong>" in row and "gave_up__exact=1" in row
    assert 'data-code="work_that_gave_up"' not in editor_client.get(reverse("admin:index")).content.decode()

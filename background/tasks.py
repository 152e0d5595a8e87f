"""Background work through the django.tasks API (the django-tasks backport until Django 6): retries with backoff,
enqueueing on commit, and recurring tasks. README "Background work" says how to run it.

    from background.tasks import enqueue, recurring, task

    @task(attempts=5, backoff=timedelta(seconds=30))
    def capture_source(source_id: int) -> None: ...        # a plain function: ids and strings in, idempotent

    enqueue(capture_source, source.pk)                     # runs after the current transaction commits

    @recurring(every=timedelta(minutes=10))
    def check_sources_tick() -> None: ...                  # the worker keeps it running on its own

A task's arguments are JSON (ids and strings). Every task is safe to run twice: a worker may run it again
after a crash, and a failed run is retried.
"""

import functools
import logging
import random
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import autodiscover_modules, import_string
from django_tasks import TaskResult, TaskResultStatus
from django_tasks import task as django_task
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks.signals import task_finished, task_started
from django_tasks.utils import get_exception_traceback, get_module_path, normalize_json

from .models import RecurringTask, TaskFailure

logger = logging.getLogger("background")

# Reserved keyword arguments: they travel with an enqueued run, and the task's function never sees them.
ATTEMPT = "_attempt"
CHAIN = "_recurring"
RESERVED = (ATTEMPT, CHAIN)

MAX_RETRY_DELAY = timedelta(hours=6)
RETRY_JITTER = 0.1  # up to 10 % later, so that work that failed together does not come back together
TRACEBACK_CHARS = 20_000
MESSAGE_CHARS = 2_000
# A pending recurring run that has been "running" this long without scheduling its successor died with its worker.
STUCK_RUN = timedelta(minutes=10)


class GiveUp(Exception):  # noqa: N818 - what the task does, not an error of ours
    """Raise from a task to record the failure and stop: no further attempt would do better."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int
    backoff: timedelta


@dataclass(frozen=True)
class Recurring:
    task: Task
    every: timedelta


POLICIES: dict[str, RetryPolicy] = {}  # by task path
RECURRING: dict[str, Recurring] = {}  # by task path: what ensure_recurring() keeps scheduled

# The run a worker is executing in this thread or process (from the task_started signal): its queue, priority
# and backend carry over to the retry, and its id goes into the failure record.
_running: ContextVar[TaskResult | None] = ContextVar("background_running_task", default=None)


@receiver(task_started, dispatch_uid="background_running_task_started")
def _remember_running(sender: type, task_result: TaskResult, **kwargs: Any) -> None:
    _running.set(task_result)


@receiver(task_finished, dispatch_uid="background_running_task_finished")
def _forget_running(sender: type, task_result: TaskResult, **kwargs: Any) -> None:
    _running.set(None)


def retry_delay(
    *, attempt: int, backoff: timedelta, cap: timedelta = MAX_RETRY_DELAY, jitter: float = RETRY_JITTER
) -> timedelta:
    """How long after failed attempt `attempt` the next one runs: backoff × 2^(attempt-1), a little jitter, capped."""
    base = backoff * 2 ** min(max(attempt - 1, 0), 30)
    return min(base * (1 + random.uniform(0, jitter)), cap)


def task(
    *, attempts: int = 5, backoff: timedelta = timedelta(seconds=30), **options: Any
) -> Callable[[Callable], Task]:
    """Make a django.tasks Task of a plain function that is retried when it raises: each failure is recorded
    (TaskFailure) and the same work enqueued again after backoff × 2^(attempt-1), up to `attempts` runs in all.
    `options` go to django.tasks' own decorator (priority, queue_name, backend, takes_context)."""
    if attempts < 1:
        raise ValueError("attempts must be 1 or more")
    if backoff <= timedelta(0):
        raise ValueError("backoff must be a positive duration")

    def decorate(func: Callable) -> Task:
        takes_context = options.get("takes_context", False)
        defined: Task | None = None

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            attempt = int(kwargs.pop(ATTEMPT, 1))
            try:
                return func(*args, **kwargs)
            except Exception as error:
                running = _running.get()
                own = running is not None and running.task.module_path == defined.module_path
                _failed(
                    task=running.task if own else defined,
                    result_id=running.id if own else "",
                    args=list(args[1:] if takes_context else args),
                    kwargs=kwargs,
                    attempt=attempt,
                    error=error,
                )
                raise

        defined = django_task(**options)(run)
        POLICIES[defined.module_path] = RetryPolicy(attempts=attempts, backoff=backoff)
        return defined

    return decorate


def _policy(task: Task) -> RetryPolicy:
    return POLICIES.get(task.module_path, RetryPolicy(attempts=1, backoff=timedelta(seconds=30)))


def _failed(*, task: Task, result_id: str, args: list, kwargs: dict, attempt: int, error: Exception) -> None:
    """Record a failed run and enqueue the next attempt, if one is left. Never raises: the task's own error does."""
    policy = _policy(task)
    kwargs = {key: value for key, value in kwargs.items() if key not in RESERVED}
    message = str(error)
    retry_at = None
    if attempt < policy.attempts and not isinstance(error, GiveUp):
        if task.get_backend().supports_defer:
            retry_at = timezone.now() + retry_delay(attempt=attempt, backoff=policy.backoff)
            try:
                task.using(run_after=retry_at).enqueue(*args, **kwargs, **{ATTEMPT: attempt + 1})
            except Exception as enqueue_error:
                logger.exception("Task %s: its next attempt could not be enqueued", task.module_path)
                retry_at = None
                message += (
                    f"\n\nThe next attempt could not be enqueued: {type(enqueue_error).__name__}: {enqueue_error}"
                )
        else:
            message += "\n\nThe task backend cannot run work later, so no attempt follows."
    gave_up = retry_at is None
    if gave_up:
        logger.error("Task %s gave up after attempt %d of %d: %r", task.module_path, attempt, policy.attempts, error)
    else:
        logger.warning(
            "Task %s failed (attempt %d of %d), retrying at %s: %r",
            task.module_path,
            attempt,
            policy.attempts,
            retry_at.isoformat(),
            error,
        )
    _record(
        task_path=task.module_path,
        args=args,
        kwargs=kwargs,
        attempt=attempt,
        attempts=policy.attempts,
        exception_class=get_module_path(type(error)),
        message=message,
        traceback=get_exception_traceback(error),
        task_result_id=result_id,
        retry_at=retry_at,
    )


def _record(*, traceback: str, message: str, retry_at: datetime | None, **fields: Any) -> None:
    try:
        fields["args"], fields["kwargs"] = _json(fields["args"]), _json(fields["kwargs"])
        TaskFailure.objects.create(
            **fields,
            message=message[:MESSAGE_CHARS],
            traceback=traceback if len(traceback) <= TRACEBACK_CHARS else "…" + traceback[-TRACEBACK_CHARS:],
            retry_at=retry_at,
            gave_up=retry_at is None,
        )
    except Exception:
        logger.exception("Could not record the failure of task %s", fields.get("task_path"))


def _json(value: Any) -> Any:
    try:
        return normalize_json(value)
    except (TypeError, ValueError):
        return repr(value)


class EnqueueOnCommit:
    """An on-commit callback that enqueues one run (tests/helpers.py `run_tasks` finds these)."""

    def __init__(self, task: Task, args: tuple, kwargs: dict) -> None:
        self.task, self.args, self.kwargs = task, args, kwargs

    def __call__(self) -> None:
        try:
            self.task.enqueue(*self.args, **self.kwargs)
        except Exception as error:
            logger.exception("Task %s could not be enqueued", self.task.module_path)
            _record(
                task_path=self.task.module_path,
                args=list(self.args),
                kwargs={key: value for key, value in self.kwargs.items() if key not in RESERVED},
                attempt=int(self.kwargs.get(ATTEMPT, 1)),
                attempts=_policy(self.task).attempts,
                exception_class=get_module_path(type(error)),
                message=f"Could not be enqueued: {error}",
                traceback=get_exception_traceback(error),
                task_result_id="",
                retry_at=None,
            )


def enqueue(task: Task, /, *args: Any, **kwargs: Any) -> None:
    """Enqueue `task` with these arguments once the current transaction commits (at once outside one), so a
    rolled-back change enqueues nothing. Arguments must be JSON (ids and strings): anything else is a TypeError
    here. A queue that cannot be reached (Redis down) is logged and recorded as a TaskFailure, never raised."""
    if not isinstance(task, Task):
        raise TypeError(f"enqueue() takes a task (@background.tasks.task), not {task!r}")
    normalize_json({"args": args, "kwargs": kwargs})
    transaction.on_commit(EnqueueOnCommit(task, args, kwargs))


def recent_failures(*, days: int = 7) -> QuerySet[TaskFailure]:
    """Work that gave up in the last `days` days and was not enqueued again: for the admin home."""
    return TaskFailure.objects.gave_up().since(timezone.now() - timedelta(days=days))


def retry_failure(*, failure: TaskFailure) -> None:
    """Enqueue the failed work again (after commit), from its first attempt. Raises ValueError when its task path
    no longer names a task."""
    try:
        target = import_string(failure.task_path)
    except ImportError as error:
        raise ValueError(f"{failure.task_path} cannot be imported: {error}") from error
    if not isinstance(target, Task):
        raise ValueError(f"{failure.task_path} is not a task")
    kwargs = failure.kwargs if isinstance(failure.kwargs, dict) else {}
    args = failure.args if isinstance(failure.args, list) else []
    enqueue(target, *args, **{key: value for key, value in kwargs.items() if key not in RESERVED})
    TaskFailure.objects.filter(pk=failure.pk).update(retried_at=timezone.now())


# Recurring tasks


def recurring(*, every: timedelta, **options: Any) -> Callable[[Callable], Task]:
    """Make a task of a plain function that runs on its own every `every`: the worker schedules it when it starts
    (ensure_recurring), and each run enqueues the next before doing its work. One run is pending at a time, whatever
    the number of workers; a run that is not the pending one (a duplicate, a stale copy) does nothing.
    A failed run is recorded and not retried: the next run is the retry. `options` go to django.tasks' decorator."""
    if every <= timedelta(0):
        raise ValueError("every must be a positive duration")
    if "attempts" in options:
        raise ValueError("a recurring task is not retried: the next run is its retry")

    def decorate(func: Callable) -> Task:
        name = get_module_path(func)

        @functools.wraps(func)
        def tick(*args: Any, **kwargs: Any) -> Any:
            token = kwargs.pop(CHAIN, None)
            # Without a token (run by hand, or retried from the admin) it does the work and leaves the chain alone.
            if token is not None and not _advance(name=name, token=str(token)):
                logger.info("Recurring task %s: a stale or repeated run, skipped", name)
                return None
            return func(*args, **kwargs)

        defined = task(attempts=1, **options)(tick)
        RECURRING[name] = Recurring(task=defined, every=every)
        return defined

    return decorate


def _advance(*, name: str, token: str) -> bool:
    """If this run is the pending one, schedule its successor and say so; otherwise (stale, repeated) say not."""
    entry = RECURRING.get(name)
    if entry is None:
        return False
    with transaction.atomic():
        row = RecurringTask.objects.select_for_update().filter(name=name).first()
        if row is None or not row.next_run_token or row.next_run_token != token:
            return False
        now = timezone.now()
        row.every = entry.every
        row.last_run_at = now
        _schedule(row=row, entry=entry, at=now + entry.every)
        row.save()
    return True


def _schedule(*, row: RecurringTask, entry: Recurring, at: datetime | None) -> None:
    """Enqueue the chain's next run (now when `at` is None) and make it the pending one."""
    token = get_random_string(32)
    pending = entry.task.using(run_after=at) if at is not None else entry.task
    result = pending.enqueue(**{CHAIN: token})
    row.next_run_token = token
    row.next_run_id = str(result.id)
    row.next_run_at = at or timezone.now()


def _pending_alive(*, row: RecurringTask, entry: Recurring, now: datetime) -> bool:
    if not row.next_run_token or row.next_run_at is None:
        return False
    if row.next_run_at > now + entry.every:
        return False  # scheduled under a longer interval than the code now says
    try:
        result = entry.task.get_backend().get_result(row.next_run_id)
    except TaskResultDoesNotExist:
        return False
    except NotImplementedError:
        # A backend that cannot look a run up: trust the schedule unless it is long past.
        return row.next_run_at > now - max(entry.every, STUCK_RUN)
    if result.status == TaskResultStatus.READY:
        return True
    if result.status == TaskResultStatus.RUNNING:
        return (result.started_at or now) > now - STUCK_RUN
    return False  # it ran and finished without scheduling a successor


def ensure_recurring(*, backends: Iterable[str] | None = None) -> dict[str, str]:
    """Make sure every recurring task (of these backend aliases, or all) has its pending run, starting a chain that
    never ran or died. Safe to call from any number of workers at once: the schedule row is locked. Answers what it
    did, by task: "started", "restarted", "scheduled" (was already), "skipped: …" or "failed: …"."""
    autodiscover_modules("tasks")
    wanted = None if backends is None else set(backends)
    report = {}
    for name, entry in sorted(RECURRING.items()):
        if wanted is not None and entry.task.backend not in wanted:
            continue
        try:
            report[name] = _ensure(name=name, entry=entry)
        except Exception as error:
            logger.exception("Recurring task %s could not be scheduled", name)
            report[name] = f"failed: {type(error).__name__}: {error}"
    for name, action in report.items():
        logger.info("Recurring task %s: %s", name, action)
    return report


def _ensure(*, name: str, entry: Recurring) -> str:
    if not entry.task.get_backend().supports_defer:
        return f"skipped: the {entry.task.backend!r} task backend cannot run work later"
    RecurringTask.objects.get_or_create(name=name, defaults={"every": entry.every})
    with transaction.atomic():
        row = RecurringTask.objects.select_for_update().get(name=name)
        had_chain = bool(row.next_run_token)
        if _pending_alive(row=row, entry=entry, now=timezone.now()):
            if row.every != entry.every:
                row.every = entry.every
                row.save(update_fields=["every"])
            return "scheduled"
        row.every = entry.every
        _schedule(row=row, entry=entry, at=None)
        row.save()
    return "restarted" if had_chain else "started"


# Housekeeping

FAILURES_KEPT = timedelta(days=90)
FINISHED_RESULTS_KEPT_DAYS = 14


@recurring(every=timedelta(days=1))
def prune_old_records() -> None:
    """Daily: forget failure records older than 90 days, and the database backend's finished runs older than 14."""
    from django.core.management import call_command
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    TaskFailure.objects.filter(failed_at__lt=timezone.now() - FAILURES_KEPT).delete()
    for alias in task_backends.settings:
        if isinstance(task_backends[alias], DatabaseBackend):
            call_command(
                "prune_db_task_results",
                f"--backend={alias}",
                "--queue-name=*",
                f"--min-age-days={FINISHED_RESULTS_KEPT_DAYS}",
                verbosity=0,
            )

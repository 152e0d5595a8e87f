"""What the background work keeps in the database: failed runs, and the schedule of the recurring tasks."""

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone


class TaskFailureQuerySet(models.QuerySet):
    def gave_up(self) -> "TaskFailureQuerySet":
        """Work that failed its last attempt and that nobody has enqueued again since."""
        return self.filter(gave_up=True, retried_at__isnull=True)

    def since(self, moment: datetime) -> "TaskFailureQuerySet":
        return self.filter(failed_at__gte=moment)


class TaskFailure(models.Model):
    """One failed run of a task: what ran, with what, why it failed, and whether it will run again."""

    task_path = models.CharField(max_length=255, help_text="The task's import path.")
    args = models.JSONField(default=list, blank=True, help_text="The positional arguments the task ran with.")
    kwargs = models.JSONField(default=dict, blank=True, help_text="The keyword arguments the task ran with.")
    attempt = models.PositiveIntegerField(help_text="Which attempt failed (1 for the first run).")
    attempts = models.PositiveIntegerField(help_text="How many attempts the task is allowed in all.")
    exception_class = models.CharField(max_length=255, help_text="The import path of the exception raised.")
    message = models.TextField(blank=True, help_text="The exception's message.")
    traceback = models.TextField(blank=True, help_text="The traceback, cut to its last part when long.")
    task_result_id = models.CharField(
        max_length=64, blank=True, help_text="The task backend's id of the failed run, when known."
    )
    failed_at = models.DateTimeField(default=timezone.now)
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next attempt runs; empty when none will."
    )
    gave_up = models.BooleanField(default=False, help_text="No attempt is left: the work will not run again.")
    retried_at = models.DateTimeField(
        null=True, blank=True, help_text="When someone enqueued the work again by hand (admin: retry now)."
    )

    objects = TaskFailureQuerySet.as_manager()

    class Meta:
        ordering = ["-failed_at", "-id"]
        indexes = [models.Index(fields=["gave_up", "failed_at"], name="background_failure_gave_up")]

    def __str__(self) -> str:
        return f"{self.task_name} failed (attempt {self.attempt} of {self.attempts}): {self.exception_name}"

    @property
    def task_name(self) -> str:
        return self.task_path.rsplit(".", 1)[-1]

    @property
    def exception_name(self) -> str:
        return self.exception_class.rsplit(".", 1)[-1]


class RecurringTask(models.Model):
    """The schedule of one recurring task (background.tasks.recurring): its chain of runs, one pending at a time."""

    name = models.CharField(max_length=255, unique=True, help_text="The task's import path.")
    every = models.DurationField(help_text="How long from one run to the next.")
    next_run_at = models.DateTimeField(null=True, blank=True, help_text="When the pending run is due.")
    last_run_at = models.DateTimeField(null=True, blank=True, help_text="When the last run started.")
    next_run_id = models.CharField(max_length=64, blank=True, help_text="The task backend's id of the pending run.")
    next_run_token = models.CharField(
        max_length=64, blank=True, help_text="Carried by the pending run: a run without it is stale and does nothing."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name.rsplit('.', 1)[-1]} every {_duration(self.every)}"


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"

"""django-rq's worker (same arguments) for the RQ task backend: it runs django-tasks-rq's job class and RQ's
scheduler (work enqueued to run later, such as retries) by default, and first makes sure the recurring tasks are
scheduled."""

from typing import Any

from django.core.management.base import CommandParser
from django_rq.management.commands.rqworker import Command as RQWorkerCommand
from django_tasks import task_backends
from django_tasks_rq import RQBackend

from background.tasks import ensure_recurring


class Command(RQWorkerCommand):
    help = (
        "Run an RQ worker for the RQ task backend (FACTCHECK_TASKS=rq) on the given queues (default: the backend's); "
        "on start, schedule the recurring tasks that are not (background/)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(job_class="django_tasks_rq.Job", with_scheduler=True)
        parser.add_argument(
            "--without-scheduler",
            action="store_false",
            dest="with_scheduler",
            help="Do not run RQ's scheduler here (work enqueued to run later then waits for a worker that does).",
        )

    def handle(self, *args: str, **options: Any) -> None:
        aliases = [alias for alias in task_backends.settings if isinstance(task_backends[alias], RQBackend)]
        if not args:
            args = tuple(sorted({queue for alias in aliases for queue in task_backends[alias].queues})) or ("default",)
        report = ensure_recurring(backends=aliases)
        if options["verbosity"]:
            for name, action in report.items():
                self.stdout.write(f"Recurring task {name}: {action}")
        super().handle(*args, **options)

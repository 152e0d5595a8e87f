"""django-tasks-db's worker (same arguments), which first makes sure the recurring tasks are scheduled."""

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from background.tasks import ensure_recurring


class Command(DatabaseWorkerCommand):
    help = "Run a database background worker; on start, schedule the recurring tasks that are not (background/)."

    def handle(self, *, backend_name: str, verbosity: int, **options: Any) -> None:
        report = ensure_recurring(backends=[backend_name])
        if verbosity:
            for name, action in report.items():
                self.stdout.write(f"Recurring task {name}: {action}")
        super().handle(backend_name=backend_name, verbosity=verbosity, **options)

from django.core.management.base import BaseCommand, CommandError

from background.tasks import ensure_recurring


class Command(BaseCommand):
    help = (
        "Make sure every recurring task has its pending run: start the ones that never ran and restart a chain "
        "that died. Safe beside running workers (each worker does it when it starts)."
    )

    def handle(self, **options: object) -> None:
        report = ensure_recurring()
        if not report:
            self.stdout.write("No recurring tasks are registered.")
        for name, action in report.items():
            self.stdout.write(f"{name}: {action}")
        if any(action.startswith("failed") for action in report.values()):
            raise CommandError("some recurring tasks could not be scheduled (above)")

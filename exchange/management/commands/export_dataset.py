from django.core.management.base import BaseCommand, CommandError

from exchange.dataset import export_dataset


class Command(BaseCommand):
    help = (
        "Write every topic, speaker, source, statement, claim, evidence row, verdict change and external "
        "review as a factcheck-dataset JSON Lines file (docs/DATASET.md), for backups and moving sites."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", metavar="FILE", help="Write to FILE instead of standard output.")

    def handle(self, *args, output=None, **options):
        if output is None:
            export_dataset(self.stdout)
            return
        try:
            with open(output, "w", encoding="utf-8", newline="\n") as out:
                counts = export_dataset(out)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        listed = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stderr.write(f"Wrote {output}: {listed}.")

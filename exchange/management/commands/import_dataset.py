import sys

from django.core.management.base import BaseCommand, CommandError

from exchange.dataset import DatasetError, import_dataset


class Command(BaseCommand):
    help = (
        "Restore a factcheck-dataset file (made by export_dataset) into an EMPTY database, all or nothing. "
        "Use - to read standard input."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")

    def handle(self, *args, file, **options):
        try:
            if file == "-":
                counts = import_dataset(sys.stdin)
            else:
                with open(file, encoding="utf-8-sig") as lines:
                    counts = import_dataset(lines)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text: not a factcheck-dataset file.") from None
        except DatasetError as error:
            raise CommandError(f"Nothing was imported from {file}:\n" + "\n".join(error.messages)) from None
        listed = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(f"Restored {listed} from {file}.")

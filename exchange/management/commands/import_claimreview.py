from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from exchange.claimreview_import import PROGRESS_EVERY, ImportReport, Problem, import_document


class Command(BaseCommand):
    help = (
        "Import other fact-checkers' reviews as draft claims with their external reviews: schema.org "
        "ClaimReview JSON-LD (an object, a list, an @graph or a DataFeed), HTML pages embedding it, or a "
        "Google Fact Check Tools claims:search response. Importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--user", help="Username recorded as the author of the changes in the history.")

    def handle(self, *args, files, user=None, **options):
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"No user named {user!r}.")
        report = ImportReport()
        for path in files:
            try:
                content = Path(path).read_bytes()
            except OSError as error:
                report.file_errors.append(Problem(path, None, f"cannot read the file: {error.strerror}"))
                continue
            import_document(content, name=path, user=importer, report=report, progress=self._progress(path))
        for problem in report.file_errors:
            self.stderr.write(self.style.ERROR(f"error: {problem}"))
        for problem in report.skipped:
            self.stderr.write(self.style.WARNING(f"skipped: {problem}"))
        self.stdout.write(report.summary())
        if report.file_errors:
            raise CommandError(f"{len(report.file_errors)} file error(s): see above.")

    def _progress(self, path):
        def progress(done, total):
            if total > PROGRESS_EVERY and (done % PROGRESS_EVERY == 0 or done == total):
                self.stderr.write(f"{path}: {done}/{total} items")

        return progress

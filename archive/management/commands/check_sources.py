"""Re-check cited sources: the due ones (as the worker's watch does on its own), or --all of them now."""

from collections import Counter

from django.core.management.base import BaseCommand

from archive import services
from archive.models import Change


class Command(BaseCommand):
    help = (
        "Re-fetch cited sources and compare each with its last capture: unchanged, changed, drifted, moved, gone "
        "or failed. Without --all only the sources due by the watch's schedule are checked."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Check every cited source now, whatever its schedule.")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the fetches to the background workers instead of fetching here, one after another.",
        )

    def handle(self, *args, **options):
        run_here = not options["enqueue"]
        captures = services.check_all(run=not run_here) if options["all"] else services.check_due(run=not run_here)
        if not captures:
            self.stdout.write("No cited source is due for a check.")
            return
        if not run_here:
            self.stdout.write(f"Asked the workers for {len(captures)} capture(s); they show in the admin as they land.")
            return
        counts = Counter()
        for capture in captures:
            done = services.capture_run(capture.pk)
            counts[done.change] += 1
            line = f"{Change(done.change).label:<28} {done.url}"
            if done.error or done.change_reason:
                line += f"  ({done.error or done.change_reason})"
            self.stdout.write(line)
        summary = ", ".join(f"{n} {Change(c).label.split(' (')[0].lower()}" for c, n in counts.most_common())
        self.stdout.write(self.style.SUCCESS(f"Checked {len(captures)} source(s): {summary}."))
        look = services.sources_to_look_at().count()
        if look:
            self.stdout.write(f"{look} source(s) to look at in the admin (drifted, moved or gone since cited).")

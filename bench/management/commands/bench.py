"""`manage.py bench`: build a synthetic data set, measure factcheck against baselines in the same run, print a table.

See docs/PERFORMANCE.md. Every figure is a ratio against a baseline measured in the same run, never an absolute
time: the machine may be shared and slow, the ratios stay meaningful.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.pagination import Cursor

from bench import archive, changes, data, measure, webhooks
from bench.measure import BenchError, Report, Row, Timing
from bench.settings import BENCH_OVERRIDES
from claims.api.pagination import ApiCursorPagination
from claims.models import Claim
from public import keyset, views

MAX_CLAIMS = 1_000_000
MAX_CLAIMS_SQLITE = 100_000
API_PAGE = 100
CLAIM_PAGES = 50  # claim pages cycled through, so that no single page is measured only from warm caches
# In-process figures measure the work, not a cache hit: the cache is off for them (the load test keeps it).
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


class Command(BaseCommand):
    help = (
        "Build a synthetic data set (--claims N) in an empty database and measure factcheck against baselines "
        "of the same run: API list vs a bare .values()+orjson view, deep vs first page, search at N vs at 10,000 "
        "claims, pages and the admin vs a trivial view, and a load test (gunicorn + wrk). Refuses a database "
        "holding anything but benchmark data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, default=10_000, help="Size of the data set (default 10,000).")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--fresh", action="store_true", help="Wipe an existing benchmark data set and rebuild it.")
        group.add_argument("--reuse", action="store_true", help="Measure an existing benchmark data set as it is.")
        parser.add_argument("--repeat", type=int, default=15, help="Runs per in-process figure (median; default 15).")
        parser.add_argument("--no-load", action="store_true", help="Skip the load test (gunicorn and wrk).")
        parser.add_argument(
            "--no-archive", action="store_true", help="Skip the source archive's figures (workers and watch ticks)."
        )
        parser.add_argument(
            "--webhook-events",
            type=int,
            default=1000,
            help="Events for the webhooks' figure, each sent to three receivers (default 1,000; 0 skips it).",
        )
        parser.add_argument("--load-seconds", type=int, default=10, help="Seconds of load per page (default 10).")
        parser.add_argument("--connections", type=int, default=32, help="Concurrent connections (default 32).")
        parser.add_argument("--port", type=int, default=8720, help="Port for gunicorn (default 8720).")
        parser.add_argument(
            "--workers", type=int, default=os.cpu_count() or 1, help="gunicorn workers (default: the cores)."
        )
        parser.add_argument(
            "--baseline-claims",
            type=int,
            default=10_000,
            help="Size of the search baseline, built in a second database <name>_small (default 10,000).",
        )
        parser.add_argument(
            "--watched-sources",
            type=int,
            default=100_000,
            help="Watched sources for the watch tick's large figure (default 100,000; the small one is 100).",
        )
        parser.add_argument(
            "--changes",
            type=int,
            default=1_000_000,
            help="Changes logged for the changes feed's large figure (default 1,000,000; its baseline is 10,000; "
            "0 skips the figure).",
        )
        parser.add_argument("--json", help="Also write the figures to this JSON file.")
        parser.add_argument(
            "--phase",
            choices=["all", "search", "load", "archive", "changes", "webhooks"],
            default="all",
            help="all (default); search: only the search lookups, as the baseline database's child run does; "
            "load: only the load test; archive: only the source archive's figures; changes: only the changes feed's; "
            "webhooks: only the webhooks' delivery rate.",
        )

    def handle(self, *args, **options):
        warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            raise CommandError(
                f"Cannot reach the database {connection.settings_dict['NAME']}: {str(exc).strip()}. "
                "The benchmark needs a database of its own: create it first (e.g. `createdb bench`)."
            ) from None
        claims = options["claims"]
        limit = MAX_CLAIMS if connection.vendor == "postgresql" else MAX_CLAIMS_SQLITE
        if not 1 <= claims <= limit:
            raise CommandError(f"--claims must be from 1 to {limit:,} on {connection.vendor}.")
        if options["repeat"] < 1 or options["load_seconds"] < 1 or options["connections"] < 1:
            raise CommandError("--repeat, --load-seconds and --connections must be at least 1.")
        if options["changes"] and options["changes"] <= changes.SMALL:
            raise CommandError(f"--changes must be more than {changes.SMALL:,} (its baseline), or 0 to skip it.")
        if options["webhook_events"] < 0:
            raise CommandError("--webhook-events must be 0 (skip the figure) or more.")
        if options["watched_sources"] < 200:
            raise CommandError("--watched-sources must be at least 200 (100 of them are due in the small figure).")
        if options["phase"] == "search" and not options["json"]:
            raise CommandError("--phase search writes its figures to a file: give --json FILE.")
        built = self.prepare(claims, fresh=options["fresh"], reuse=options["reuse"])
        with override_settings(**{**BENCH_OVERRIDES, "CACHES": NO_CACHE}):
            if options["phase"] == "search":
                lookups, notes = measure.search_lookups(options["repeat"])
                Path(options["json"]).write_text(json.dumps({"lookups": measure.as_json(lookups), "notes": notes}))
                return
            if options["phase"] == "load":  # the load test alone, e.g. to repeat it
                report = Report()
                self._claim_pages = self.claim_pages()
            elif options["phase"] == "archive":
                report = Report()
                self.measure_archive(report, options)
                options["no_load"] = True
            elif options["phase"] == "changes":
                report = Report()
                self.measure_changes(report, measure.Pages(options["repeat"]), options)
                options["no_load"] = True
            elif options["phase"] == "webhooks":
                report = Report()
                self.measure_webhooks(report, options)
                options["no_load"] = True
            else:
                report = self.measure_in_process(options, built)
        if not options["no_load"]:
            self.measure_load(report, options)
        self.print_report(report, options, built)
        if options["json"]:
            Path(options["json"]).write_text(
                json.dumps(
                    {
                        "claims": built,
                        "rows": [
                            {"item": r.item, "name": r.name, "ms": r.timing and r.timing.ms, "baseline": r.baseline}
                            | {"baseline_ms": r.base and r.base.ms, "ratio": r.ratio, "target": r.target}
                            for r in report.rows
                        ],
                        "load": report.load,
                        "notes": report.notes,
                    },
                    indent=2,
                )
            )

    # --- the data set

    def prepare(self, claims: int, *, fresh: bool, reuse: bool) -> int:
        """Make sure the database holds a benchmark data set; return its size."""
        label = f"{connection.settings_dict['NAME']!s}"
        if Claim._meta.db_table in connection.introspection.table_names():
            data.refuse_unless_benchmark(data.inspect(), label)
        elif connection.introspection.table_names():
            raise CommandError(
                f"Refusing to run: the database {label} has tables but not factcheck's; point DATABASE_URL at an "
                "empty database (e.g. `createdb bench`). Nothing was changed."
            )
        # Only an empty database or a benchmark one gets here.
        call_command("migrate", interactive=False, verbosity=0)
        state = data.inspect()
        if not state.empty and not fresh:
            if reuse or state.claims == claims:
                self.stderr.write(f"Reusing the benchmark data set in {label}: {state.claims:,} claims.")
                return state.claims
            raise CommandError(
                f"The database {label} holds a benchmark data set of {state.claims:,} claims, not {claims:,}: "
                "pass --fresh to rebuild it, or --reuse to measure it as it is."
            )
        if not state.empty:
            self.stderr.write(f"Wiping the benchmark data set in {label} ({state.claims:,} claims).")
            data.wipe()
        sizes = data.Sizes(claims)
        self.stderr.write(
            f"Building {claims:,} claims, {sizes.speakers:,} speakers, {sizes.sources:,} sources in {label} "
            f"({connection.vendor}):"
        )
        start = time.monotonic()
        data.build(sizes, progress_stream=self.stderr._out)
        self.stderr.write(f"Built in {time.monotonic() - start:.0f} s.")
        return claims

    # --- in-process measurements

    def measure_in_process(self, options, size: int) -> Report:
        """Each figure is timed in turn with its baseline (a, b, a, b...), so that noise hits both alike."""
        repeat = options["repeat"]
        pages = measure.Pages(repeat)
        report = Report()
        rows = report.rows
        trivial_url = reverse("bench_trivial")

        def versus_trivial(item: str, name: str, target) -> None:
            timing, trivial = pages.time(target, trivial_url)
            rows.append(Row(item, name, timing, "trivial view", trivial))

        # 1. API list vs the floor.
        api_list = f"{reverse('api:claim-list')}?page_size={API_PAGE}"
        api, floor = pages.time(api_list, reverse("bench_floor"))
        rows.append(Row("1", f"API claim list, {API_PAGE} per page", api, "floor: .values() + orjson", floor, 2.0))

        # 2. Deep pages vs the first.
        if deep := self.deep_cursor_url(api_list):
            deep_timing, first = pages.time(deep, api_list)
            rows.append(Row("2", "API list, last page (deep cursor)", deep_timing, "API list, first page", first, 1.5))
        public_list = reverse("claims:claim_list")
        last_url, last = self.public_last_page_url(public_list)
        last_timing, first = pages.time(last_url, public_list)
        rows.append(
            Row(
                "2",
                f"public claim list, last page ({last:,}, by cursor)",
                last_timing,
                "public list, first page",
                first,
                1.5,
            )
        )

        # 3. Search and similar claims at this size vs at the baseline size.
        lookups, notes = measure.search_lookups(repeat)
        report.notes += notes
        baseline, how = self.search_baseline(options, size, lookups)
        for name, timing in lookups.items():
            rows.append(Row("3", f"{name} at {size:,}", timing, how, baseline.get(name), 3.0))

        # 4. Public pages vs the trivial view.
        claim_pages = self.claim_pages()
        q = data.SEARCH_QUERIES["two words"]
        versus_trivial("4", "public claim list", public_list)
        if claim_pages:
            versus_trivial("4", f"claim page ({len(claim_pages)} claims in turn)", claim_pages)
        versus_trivial("4", f"search page (?q={q})", f"{public_list}?q={quote(q)}")
        versus_trivial("4", f"API search (?search={q})", f"{reverse('api:claim-list')}?search={quote(q)}")

        # 6. The admin claim list (in a transaction rolled back: the bench user never stays).
        rows.append(self.admin_row(repeat, trivial_url, report))
        self._claim_pages = claim_pages

        # 7. The source archive: captures per minute by workers, and the watch's tick against the table's size.
        if not options["no_archive"]:
            self.measure_archive(report, options)

        # 8. The changes feed: a page from the middle of the log at 1,000,000 changes vs at 10,000.
        self.measure_changes(report, pages, options)

        # 9. Webhooks: deliveries per second to three receivers, with one and four workers.
        self.measure_webhooks(report, options)
        return report

    def measure_webhooks(self, report: Report, options) -> None:
        if not options["webhook_events"]:
            return
        found, notes = webhooks.rows(events=options["webhook_events"])
        report.rows += found
        report.notes += notes

    def measure_changes(self, report: Report, pages, options) -> None:
        if not options["changes"]:
            return
        small, large = changes.page_costs(pages, small=changes.SMALL, large=options["changes"])
        report.rows.append(
            Row("8", f"changes feed page at {options['changes']:,} changes", large,
                f"the same page at {changes.SMALL:,} changes", small, 1.5)
        )  # fmt: skip

    def measure_archive(self, report: Report, options) -> None:
        found, notes = archive.rows(options["repeat"], large=options["watched_sources"])
        report.rows += found
        report.notes += notes

    def claim_pages(self) -> list[str]:
        slugs = Claim.objects.public().order_by("-published_at").values_list("slug", flat=True)[:CLAIM_PAGES]
        return [reverse("claims:claim_detail", kwargs={"slug": s}) for s in slugs]

    def public_last_page_url(self, public_list: str) -> tuple[str, int]:
        """The public claim list's last page, as its "Older claims" links reach it (the cursor of the row just
        before it), and its number counted from the first."""
        field = views.ORDERINGS["newest"][0].lstrip("-")
        ordered = Claim.objects.public().order_by(*keyset.ordering(field))
        count = ordered.count()
        last = max(1, -(-count // views.PAGE_SIZE))
        if last == 1:
            return public_list, last
        before_last = ordered.values_list(field, "pk")[(last - 1) * views.PAGE_SIZE - 1]
        return f"{public_list}?{urlencode({'after': keyset.encode('newest', *before_last)})}", last

    def deep_cursor_url(self, api_list: str) -> str:
        """The API list's last page, as a `next` link would reach it."""
        ordered = Claim.objects.public().order_by("-updated_at", "-id")
        count = ordered.count()
        if count <= API_PAGE:
            return ""
        before_last = ordered[count - API_PAGE - 1]
        paginator = ApiCursorPagination()
        paginator.base_url = f"http://testserver{api_list}"
        position = paginator._get_position_from_instance(before_last, ["-updated_at", "-id"])
        return paginator.encode_cursor(Cursor(offset=0, reverse=False, position=position)).replace(
            "http://testserver", ""
        )

    def admin_row(self, repeat: int, trivial_url: str, report: Report) -> Row:
        model_admin = admin.site._registry[Claim]
        if model_admin.show_full_result_count:
            report.notes.append("ClaimAdmin.show_full_result_count is True: every admin list view counts all claims.")
        else:
            report.notes.append("ClaimAdmin.show_full_result_count is False (no count of the unfiltered list).")
        url = reverse("admin:claims_claim_changelist")
        with transaction.atomic():
            user = get_user_model()(username="factcheck-bench-admin", is_staff=True, is_superuser=True)
            user.set_unusable_password()
            user.save()
            client = measure.Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            timing, trivial = measure.Pages(repeat, client).time(url, trivial_url)
            counts = self._count_queries(client, url)
            transaction.set_rollback(True)
        if counts:
            report.notes.append(
                f"The admin claim list runs {counts} COUNT quer{'y' if counts == 1 else 'ies'} per view."
            )
        return Row("6", "admin claim list (superuser)", timing, "trivial view", trivial)

    def _count_queries(self, client, url) -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return sum("COUNT(" in q["sql"].upper() for q in captured.captured_queries)

    # --- the search baseline

    def search_baseline(self, options, size: int, lookups: dict) -> tuple[dict[str, Timing], str]:
        small = options["baseline_claims"]
        if size <= small:
            return lookups, "same lookups, this data set (it is no larger than the baseline)"
        try:
            raw = self.run_small(options, small)
        except BenchError as exc:
            self.stderr.write(f"Search baseline skipped: {exc}")
            return {}, "baseline failed (see messages)"
        return measure.from_json(raw["lookups"]), f"same lookups at {small:,} (database {self.small_name()})"

    def small_name(self) -> str:
        name = str(connection.settings_dict["NAME"])
        if connection.vendor == "sqlite":
            path = Path(name)
            return str(path.with_name(f"{path.stem}_small{path.suffix or '.sqlite3'}"))
        return f"{name}_small"

    def run_small(self, options, small: int) -> dict:
        """The same lookups in a second database holding the first `small` claims of the same sequence."""
        name = self.small_name()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                if not cursor.fetchone():
                    self.stderr.write(f"Creating the database {name} for the search baseline.")
                    cursor.execute(f'CREATE DATABASE "{name}"')
        env = {
            **os.environ,
            "DATABASE_URL": measure.database_url(self.small_name()),
            "DJANGO_SETTINGS_MODULE": "bench.settings",
        }
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "small.json"
            step = manage + ["bench", "--phase", "search", "--claims", str(small), "--json", str(out)]
            step += ["--repeat", str(options["repeat"])] + (["--fresh"] if options["fresh"] else [])
            done = subprocess.run(step, env=env, check=False)  # noqa: S603
            if done.returncode != 0:
                raise BenchError(f"`bench --claims {small}` on {name} failed (exit {done.returncode})")
            return json.loads(out.read_text())

    # --- load

    def measure_load(self, report: Report, options) -> None:
        claim_pages = getattr(self, "_claim_pages", [])
        paths = {"trivial view": reverse("bench_trivial"), "public claim list": reverse("claims:claim_list")}
        if claim_pages:
            paths["claim page"] = claim_pages[0]
        paths[f"API claim list ({API_PAGE})"] = f"{reverse('api:claim-list')}?page_size={API_PAGE}"
        self.stderr.write(
            f"Load test: gunicorn with {options['workers']} workers on port {options['port']}, "
            f"wrk with {options['connections']} connections, {options['load_seconds']} s per page."
        )
        common = {k: options[k] for k in ("connections", "port", "workers")} | {"seconds": options["load_seconds"]}
        uncached = {f"{name} (no cache)": path for name, path in paths.items() if name != "trivial view"}
        try:
            report.load = measure.run_load(paths, **common)
            report.load += measure.run_load(uncached, cache=False, **common)
        except BenchError as exc:
            report.notes.append(f"Load test not run: {exc}")

    # --- the table

    def print_report(self, report: Report, options, size: int) -> None:
        w = self.stdout.write
        version = ""
        if connection.vendor == "postgresql":
            version = f" {connection.pg_version // 10000}.{connection.pg_version % 10000}"
        w("")
        w(
            f"factcheck benchmark: {size:,} claims on {connection.vendor}{version} "
            f"({connection.settings_dict['NAME']}), {os.cpu_count()} cores; median of up to {options['repeat']} runs "
            f"(fewer past {measure.BUDGET_SECONDS} s a figure); "
            "ratios against baselines measured in this run"
        )
        rows = []
        for r in report.rows:
            rows.append(
                [
                    r.item,
                    r.name,
                    f"{r.timing.ms:.2f}" if r.timing else "-",
                    r.baseline,
                    f"{r.base.ms:.2f}" if r.base else "-",
                    f"{r.ratio:.2f}" if r.ratio is not None else "-",
                    f"<= {r.target:.1f}" if r.target else "",
                    r.verdict,
                    str(r.timing.queries) if r.timing and r.timing.queries is not None else "-",
                    str(r.timing.runs) if r.timing else "-",
                ]
            )
        headers = ["#", "measure", "ms", "baseline", "base ms", "ratio", "target", "", "queries", "runs"]
        if rows:
            w(table(headers, rows, right={2, 4, 5, 8, 9}))
        if report.load:
            trivial_rps = next((x["rps"] for x in report.load if x["name"] == "trivial view"), 0) or None
            w("")
            w(
                f"5  under load: gunicorn with {options['workers']} workers, wrk with {options['connections']} "
                f"connections for {options['load_seconds']} s per page, over loopback"
            )
            rows = [
                [
                    x["name"],
                    f"{x['rps']:.1f}",
                    f"{x['p50']:.1f}" if x["p50"] is not None else "-",
                    f"{x['p99']:.1f}" if x["p99"] is not None else "-",
                    str(x["requests"]),
                    str(x["errors"]) if x["requests"] else "all: none finished",
                    f"{x['rps'] / trivial_rps:.1%}" if trivial_rps else "-",
                ]
                for x in report.load
            ]
            headers = ["page", "req/s", "p50 ms", "p99 ms", "requests", "errors", "share of trivial req/s"]
            w(table(headers, rows, right={1, 2, 3, 4, 5, 6}))
        if report.notes:
            w("")
            for note in report.notes:
                w(f"note: {note}")
        if options["verbosity"] >= 2:
            w("")
            w("Slowest query of each figure:")
            for r in report.rows:
                if r.timing and r.timing.slowest:
                    w(f"  {r.name}: {r.timing.slowest}")


def table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=False)]

    def line(cells):
        return "  ".join(
            c.rjust(n) if i in right else c.ljust(n) for i, (c, n) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), "-" * len(line(headers)), *map(line, rows)])

"""Load the demo story (the Sora leak) and, in debug, the demo accounts. Safe to run again."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from archive.services import paused
from claims.accounts import EDITORS_GROUP, REVIEWERS_GROUP
from demo.accounts import ensure_demo_accounts
from demo.loader import StoryError, load_story
from demo.stand_ins import StandInError, load_stand_ins


class Command(BaseCommand):
    help = (
        "Load the demo story: artists who said they leaked access to OpenAI's Sora (November 2024), from "
        "demo/data/sora-leak.json, through the services with its real dates. With DEBUG on, also create demo "
        "accounts (editor, reviewer, admin). Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-accounts", action="store_true", help="Load the story only; create no accounts.")

    def handle(self, *args, no_accounts=False, **options):
        self._check_ready()
        try:
            with transaction.atomic(), paused():  # the story, its stand-in captures and the accounts, or nothing
                report = load_story()
                captures = load_stand_ins()
                accounts = ensure_demo_accounts() if settings.DEBUG and not no_accounts else None
        except (StoryError, StandInError) as error:
            raise CommandError(f"The demo story was not loaded, nothing was written: {error}") from None
        if report.changed:
            made = ", ".join(f"{n} {what}" for what, n in sorted(report.created.items())) or "nothing new"
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo story ({report.claims} claims): created {made}."))
        else:
            self.stdout.write("The demo story is already loaded; nothing changed.")
        if captures:
            self.stdout.write(
                f"Recorded {captures} captures of demo stand-in pages (small pages standing in for the real "
                "ones, which the demo does not fetch); one source shows as drifted since it was cited."
            )

        if no_accounts:
            self.stdout.write("Demo accounts skipped (--no-accounts).")
        elif accounts is None:
            self.stdout.write(
                self.style.WARNING(
                    "Not creating demo accounts: DEBUG is off, and fixed demo passwords do not belong on a "
                    "real site. Run with DJANGO_DEBUG=1 for a local demo, or create users with "
                    "`python manage.py createsuperuser`."
                )
            )
        else:
            self._print_logins(accounts)

    def _check_ready(self):
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database is not up to date: run `python manage.py migrate` first.")
        missing = {EDITORS_GROUP, REVIEWERS_GROUP} - set(Group.objects.values_list("name", flat=True))
        if missing:
            raise CommandError(
                f"The {' and '.join(sorted(missing))} group(s) are missing. The claims migrations make them, "
                "with their permissions; the demo records its workflow steps under a reviewer. Recreate "
                "the group(s) in the admin, or load the demo into a freshly migrated database."
            )

    def _print_logins(self, accounts):
        admin_url = f"{settings.SITE_URL}/{settings.ADMIN_PATH}"
        self.stdout.write("")
        self.stdout.write(f"Demo logins (DEBUG only) for the editors' admin at {admin_url}")
        for account in accounts:
            state = "created" if account.created else "exists"
            if account.password_is_demo:
                login = f"password {account.password}"
            else:
                login = "password changed since it was created"
            self.stdout.write(f"  {account.username:<9} {login:<28} ({account.role}; {state})")
        if settings.REQUIRE_2FA:
            self.stdout.write(
                "Two-factor sign-in is required (FACTCHECK_REQUIRE_2FA is on): each account sets up an "
                "authenticator app or a passkey at its first sign-in."
            )
        else:
            self.stdout.write(
                "The password alone signs them in (FACTCHECK_REQUIRE_2FA is off, as under DJANGO_DEBUG); an "
                "account that adds a second factor on its Two-factor page is asked for it."
            )
        self.stdout.write(f"Public site: {settings.SITE_URL}/")

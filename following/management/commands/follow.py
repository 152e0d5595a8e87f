"""manage.py follow URL --key KEY: follow another factcheck site; --list the followed sites; --poll them now."""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from following import services
from following.models import FollowedSite


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Follow another factcheck site: its published fact checks come in as external reviews of our claims (or as "
        "suggestions for an editor), read from its changes feed by the workers every FACTCHECK_FOLLOW_EVERY_SECONDS. "
        "--list shows the followed sites; --poll polls them (or the one at URL) now, here."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", nargs="?", help="The other site's address, e.g. https://factcheck.example.org")
        parser.add_argument(
            "--key", help="The API key the other site issued to this newsroom; `-` reads it from the standard input."
        )
        parser.add_argument("--name", default="", help="The newsroom's name (default: as its site gives it).")
        parser.add_argument(
            "--no-check", action="store_true", help="Record the site without checking that its feed answers."
        )
        parser.add_argument("--list", action="store_true", help="List the followed sites and how their polls went.")
        parser.add_argument("--poll", action="store_true", help="Poll the followed sites (or the one at URL) now.")

    def handle(self, *args, url=None, key=None, name="", no_check=False, list=False, poll=False, **options):  # noqa: A002
        if list:
            return self.list_sites()
        if poll:
            return self.poll(url)
        if not url:
            raise CommandError("Give the address of the site to follow (or --list, or --poll).")
        if key is None:
            raise CommandError("Give the API key the other site issued to you: --key KEY.")
        if key == "-":  # kept out of the shell's history and the process list
            key = sys.stdin.readline().strip()
        try:
            site, created = services.follow(url=url, api_key=key, name=name, check=not no_check)
        except ValidationError as error:
            raise CommandError(_message(error)) from None
        verb = "Following" if created else "Following again" if site.cursor else "Following (updated)"
        checked = " (not checked)" if no_check else ": its changes feed answers"
        self.stdout.write(self.style.SUCCESS(f"{verb} {site.name} at {site.url}{checked}."))
        self.stdout.write(
            "The workers poll it on their own; `manage.py follow --poll` polls now, `manage.py unfollow URL` stops."
        )

    def list_sites(self):
        sites = FollowedSite.objects.order_by("url")
        if not sites:
            self.stdout.write("No site is followed.")
            return
        now = timezone.now()
        for site in sites:
            state = "following" if site.active else "unfollowed"
            line = (
                f"{site.url}  {site.name}  [{state}]  key {site.key_hint}  {site.reviews_imported} imported, "
                f"{site.suggestions} suggestion(s)"
            )
            if site.last_success_at:
                line += f", last read {site.last_success_at:%Y-%m-%d %H:%M} UTC"
            if site.last_error:
                line += f", {site.consecutive_failures} failure(s) in a row: {site.last_error}"
                if site.next_check_at and site.next_check_at > now:
                    line += f" (next try {site.next_check_at:%Y-%m-%d %H:%M} UTC)"
            self.stdout.write(line)

    def poll(self, url):
        if url:
            try:
                sites = [services.site_for_url(url)]
            except ValidationError as error:
                raise CommandError(_message(error)) from None
            if not sites[0].active:
                raise CommandError(f"{sites[0].url} is unfollowed: follow it again to poll it.")
        else:
            sites = list(FollowedSite.objects.active().order_by("url"))
            if not sites:
                self.stdout.write("No site is followed.")
                return
        failed = 0
        for site in sites:
            result = services.poll(site.pk)
            failed += bool(result.error)
            style = self.style.ERROR if result.error else self.style.SUCCESS
            self.stdout.write(style(f"{site.name} ({site.url}): {result.summary()}"))
        if failed:
            raise CommandError(f"{failed} of {len(sites)} site(s) could not be read; they are tried again later.")

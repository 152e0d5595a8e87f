"""manage.py unfollow URL: stop following another factcheck site."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from following import services


class Command(BaseCommand):
    help = "Stop following another factcheck site: it is no longer polled. What it brought stays."

    def add_arguments(self, parser):
        parser.add_argument("url", help="The followed site's address.")

    def handle(self, *args, url, **options):
        try:
            site = services.unfollow(site=services.site_for_url(url))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"No longer following {site.name} at {site.url}."))

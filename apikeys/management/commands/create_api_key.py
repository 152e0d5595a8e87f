"""manage.py create_api_key NAME --user USER --scopes read,write [--expires DAYS]: prints the new key, once."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apikeys import services
from apikeys.scopes import ALL_SCOPES, parse_scopes

MAX_DAYS = 3650


class Command(BaseCommand):
    help = (
        "Make an API key named NAME for USER and print it (only its hash is kept: this is the one time it is "
        f"shown). Scopes: {', '.join(ALL_SCOPES)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="What the key is for (at most 50 characters), e.g. 'Partner desk'.")
        parser.add_argument("--user", required=True, help="The username the key acts as.")
        parser.add_argument("--scopes", required=True, help=f"Comma-separated, of: {', '.join(ALL_SCOPES)}.")
        parser.add_argument("--expires", metavar="DAYS", help=f"Expire the key after DAYS days (1 to {MAX_DAYS}).")

    def handle(self, *args, name, user, scopes, expires, **options):
        name = name.strip()
        if not name or len(name) > 50:
            raise CommandError("Give the key a name of 1 to 50 characters.")
        User = get_user_model()
        try:
            owner = User._default_manager.get_by_natural_key(user)
        except User.DoesNotExist:
            raise CommandError(f"No user '{user}': create it first (manage.py createsuperuser).") from None
        if not owner.is_active:
            raise CommandError(f"The user '{user}' is inactive: activate it in the admin first.")
        try:
            scope_list = parse_scopes(scopes)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        expiry_date = None
        if expires is not None:
            try:
                days = int(expires)
            except ValueError:
                days = 0
            if not 1 <= days <= MAX_DAYS:
                raise CommandError(f"--expires takes a whole number of days from 1 to {MAX_DAYS}, not '{expires}'.")
            expiry_date = timezone.now() + timedelta(days=days)
        try:
            _key, text = services.key_create(owner=owner, name=name, scopes=scope_list, expiry_date=expiry_date)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(text)
        self.stderr.write("Shown this once: only its hash is kept. Send it as 'Authorization: Api-Key <key>'.")

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from twofactor import services


class Command(BaseCommand):
    help = (
        "Remove every two-factor device of a user (authenticator apps, passkeys, recovery codes), for someone who "
        "lost them all: they set up a new one at their next sign-in. Unlock a lockout with axes_reset_username."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        removed = services.reset(user=user)
        self.stdout.write(f"Removed {removed} two-factor device{'s' if removed != 1 else ''} of {username}.")

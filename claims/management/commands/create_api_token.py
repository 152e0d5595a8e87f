"""Print the API token of a user, making one if needed: manage.py create_api_token USERNAME [--reset]."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print the API token of USERNAME, creating it if the user has none (--reset: replace it)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reset", action="store_true", help="Replace the user's token with a new one.")

    @transaction.atomic
    def handle(self, *args, username, reset, **options):
        User = get_user_model()
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"No user '{username}': create it first (manage.py createsuperuser).") from None
        if not user.is_active:
            raise CommandError(f"The user '{username}' is inactive: activate it in the admin first.")
        if reset:
            Token.objects.filter(user=user).delete()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)

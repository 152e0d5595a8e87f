"""DRF's tokens (rest_framework.authtoken, stored in plain text) become hashed API keys, then their rows go.

Each holder keeps working with the same `Authorization: Token <key>`: the key's prefix is the token's first eight
characters and its hash the library's hash of the whole token (apikeys.services.key_from_text reads it so). A token
could do all its owner could, so its key has every scope.
"""

from django.db import migrations
from rest_framework_api_key.crypto import KeyGenerator

NAME = "Migrated API token"
SCOPES = ["read", "write", "publish", "submit", "webhooks"]  # apikeys.scopes.ALL_SCOPES as of this migration
PREFIX_LENGTH = 8


def migrate_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    APIKey = apps.get_model("apikeys", "APIKey")
    generator = KeyGenerator()
    for token in Token.objects.all().iterator():
        prefix, hashed = token.key[:PREFIX_LENGTH], generator.hash(token.key)
        APIKey.objects.create(
            id=f"{prefix}.{hashed}",
            prefix=prefix,
            hashed_key=hashed,
            name=NAME,
            owner_id=token.user_id,
            scopes=SCOPES,
        )
        APIKey.objects.filter(prefix=prefix).update(created=token.created)
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("apikeys", "0001_initial"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    # No way back: a hash cannot be turned into the token again. Unapplied, the keys stay (and keep working).
    operations = [migrations.RunPython(migrate_tokens, migrations.RunPython.noop)]

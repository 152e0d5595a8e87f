"""Recovery codes made before they were hashed (8 characters, as otp_static keeps them) become their
`recovery_digest` (16), so that they still work and the database no longer holds them."""

from django.db import migrations

from twofactor.services import recovery_digest

PLAIN_LENGTH = 8


def hash_plain_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.filter(token__regex=rf"^[a-z2-7]{{{PLAIN_LENGTH}}}$"):
        token.token = recovery_digest(token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [("otp_static", "0003_add_timestamps")]
    operations = [migrations.RunPython(hash_plain_codes, migrations.RunPython.noop)]

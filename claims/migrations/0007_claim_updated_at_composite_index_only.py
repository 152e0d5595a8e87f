"""Claims: updated_at is indexed only together with the id (claim_updated_id), which the lists page by."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0006_claim_text_fts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="claim",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.AlterField(
            model_name="historicalclaim",
            name="updated_at",
            field=models.DateTimeField(blank=True, editable=False),
        ),
    ]

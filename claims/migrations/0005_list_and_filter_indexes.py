"""Indexes the benchmark asked for: the public claim list's order among public claims (partial), the admin claim
list's order, and the plain filters of the admin and the API (speaker kind, evidence stance and rank, quotes)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0004_claim_search"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("status__in", ("published", "retracted"))),
                fields=["-published_at", "-id"],
                name="claim_public_newest",
            ),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["-updated_at", "-id"], name="claim_updated_id"),
        ),
        migrations.AddIndex(
            model_name="evidence",
            index=models.Index(fields=["stance"], name="evidence_stance"),
        ),
        migrations.AddIndex(
            model_name="evidence",
            index=models.Index(fields=["rank"], name="evidence_rank"),
        ),
        migrations.AddIndex(
            model_name="speaker",
            index=models.Index(fields=["kind"], name="speaker_kind"),
        ),
        migrations.AddIndex(
            model_name="statement",
            index=models.Index(fields=["is_quote"], name="statement_is_quote"),
        ),
    ]

from django.db import migrations
from django.utils import timezone


def watch_existing(apps, schema_editor):
    """Sources recorded before the archive existed are due at once: the watch's first tick captures the cited ones."""
    Source = apps.get_model("claims", "Source")
    Watch = apps.get_model("archive", "Watch")
    now = timezone.now()
    ids = Source.objects.values_list("pk", flat=True).iterator(chunk_size=2000)
    batch = []
    for pk in ids:
        batch.append(Watch(source_id=pk, next_check_at=now))
        if len(batch) >= 2000:
            Watch.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Watch.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [migrations.RunPython(watch_existing, migrations.RunPython.noop)]

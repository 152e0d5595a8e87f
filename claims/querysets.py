"""The domain's base QuerySet: its bulk writes, which send no model signals, send the domain's records_written."""

from django.db.models import QuerySet

from .signals import records_written


class ContentQuerySet(QuerySet):
    """A QuerySet whose bulk writes (update, bulk_create, bulk_update) send ``records_written`` (claims/signals.py),
    so that what keeps derived state in step with the database (the page cache) hears of them too."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        records_written.send(sender=self.model, using=self.db)
        return rows

    def bulk_create(self, *args, **kwargs):
        objs = super().bulk_create(*args, **kwargs)
        records_written.send(sender=self.model, using=self.db)
        return objs

    def bulk_update(self, *args, **kwargs):
        rows = super().bulk_update(*args, **kwargs)
        records_written.send(sender=self.model, using=self.db)
        return rows

"""The domain's signal for bulk writes, and the SQLite search triggers after migrate.

No business logic here (see docs/ARCHITECTURE.md): writes go through claims/services.py. Derived state kept
outside the domain (the page cache, factcheck/cache.py) listens to the model signals and to ``records_written``
(factcheck/apps.py); the domain imports nothing of it.
"""

from django.db.models.signals import post_migrate
from django.dispatch import Signal

# Sent after a bulk write (QuerySet.update, bulk_create, bulk_update on claims/querysets.py's ContentQuerySet),
# which sends no post_save: ``sender`` is the model, ``using`` the database alias.
records_written = Signal()

# Sent when a source is created or its URL changes (claims/services.py), so a copy of the page can be captured
# (archive/): ``sender`` is Source, with ``source``, ``by`` (the user) and ``reason`` ("created", "url_changed").
source_url_set = Signal()


def search_triggers(sender, using="default", **kwargs):
    from .search import ensure_sqlite_search  # not at the top: search imports the models, which import this

    ensure_sqlite_search(using)


def connect(app_config) -> None:
    post_migrate.connect(search_triggers, sender=app_config, dispatch_uid="claims.search_triggers")

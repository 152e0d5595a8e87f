"""Signal receivers: cache invalidation on every content write, and the SQLite search triggers after migrate.

No business logic here (see DESIGN.md): writes go through claims/services.py; these only keep derived state
(the cache) in step with the database.
"""

from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from .cache import content_written
from .models import (
    Claim,
    Evidence,
    ExternalReview,
    PublicNote,
    PublicProfile,
    Source,
    Speaker,
    Statement,
    Topic,
    VerdictChange,
)
from .search import ensure_sqlite_search

# Everything a public page or an API read shows.
CONTENT_MODELS = [
    Claim,
    Evidence,
    VerdictChange,
    PublicNote,
    PublicProfile,
    Statement,
    Source,
    Speaker,
    Topic,
    ExternalReview,
]


def content_changed(sender, using=None, **kwargs):
    content_written(using)


def search_triggers(sender, using="default", **kwargs):
    ensure_sqlite_search(using)


def connect(app_config) -> None:
    for model in CONTENT_MODELS:
        uid = f"claims.content_changed.{model.__name__}"
        post_save.connect(content_changed, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=uid + ".delete")
    m2m_changed.connect(content_changed, sender=Claim.topics.through, dispatch_uid="claims.content_changed.topics")
    post_migrate.connect(search_triggers, sender=app_config, dispatch_uid="claims.search_triggers")

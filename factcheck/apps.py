from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class FactcheckConfig(AppConfig):
    """The project's infrastructure beside its settings: the page cache, the replica router, the CSP, /healthz and
    the login backend. Its ready() subscribes the cache to the domain's writes (factcheck/cache.py)."""

    name = "factcheck"
    verbose_name = "factcheck infrastructure"

    def ready(self):
        from archive.models import ARCHIVE_MODELS
        from claims.models import CONTENT_MODELS, Claim
        from claims.signals import records_written

        from .cache import content_changed

        for model in [*CONTENT_MODELS, *ARCHIVE_MODELS]:
            uid = f"factcheck.cache.content_changed.{model.__name__}"
            post_save.connect(content_changed, sender=model, dispatch_uid=uid + ".save")
            post_delete.connect(content_changed, sender=model, dispatch_uid=uid + ".delete")
        m2m_changed.connect(
            content_changed, sender=Claim.topics.through, dispatch_uid="factcheck.cache.content_changed.topics"
        )
        # Bulk writes send no post_save: the domain's ContentQuerySet sends records_written instead.
        records_written.connect(content_changed, dispatch_uid="factcheck.cache.content_changed.bulk")

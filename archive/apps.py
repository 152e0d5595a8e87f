from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Source archive"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from claims.signals import source_url_set

        from .receivers import capture_on_url_set

        source_url_set.connect(capture_on_url_set, dispatch_uid="archive.capture_on_url_set")

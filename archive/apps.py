from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Source archive"
    default_auto_field = "django.db.models.BigAutoField"

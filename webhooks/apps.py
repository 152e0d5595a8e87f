from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from claims.models import PublicChange

        from .receivers import dispatch_on_change

        post_save.connect(dispatch_on_change, sender=PublicChange, dispatch_uid="webhooks.dispatch_on_change")

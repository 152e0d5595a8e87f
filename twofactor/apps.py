from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class TwoFactorConfig(AppConfig):
    default = True
    name = "twofactor"
    verbose_name = "Two-factor sign-in"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import policy

        user_logged_in.connect(policy.signed_in, dispatch_uid="twofactor.signed_in")


class TwoFactorAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site as admin.site: it lets staff in only after their second factor."""

    default = False
    default_site = "twofactor.admin_site.TwoFactorAdminSite"

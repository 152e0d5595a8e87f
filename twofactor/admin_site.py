from django.contrib.admin import AdminSite

from . import policy


class TwoFactorAdminSite(AdminSite):
    def has_permission(self, request):
        # The middleware already sends such a session to the second step; this holds even without it.
        return super().has_permission(request) and not policy.needs_second_factor(request, request.user)

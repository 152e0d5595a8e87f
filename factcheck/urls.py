from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .health import healthz

admin.site.site_header = f"{settings.SITE_NAME} editors"
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Two-factor sign-in (twofactor/): the second step, enrolment, the staff's devices and passkeys.
    path(settings.ADMIN_PATH + "two-factor/", include("twofactor.urls")),
    path(settings.ADMIN_PATH + "two-factor/passkeys/", include("twofactor.webauthn")),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("api/v1/", include("exchange.api")),  # ClaimReview feed and import
    path("api/v1/webhooks/", include("webhooks.api")),
    path("api/v1/", include("claims.api.urls")),
    path("", include("public.urls")),
]

handler500 = "public.views.server_error"  # renders without the request or the database

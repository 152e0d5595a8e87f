"""Staff sessions that passed only the password: the admin sends them to the second step, and everywhere else
(the API's session auth, the browsable API, draft previews) they count as anonymous."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse

from . import policy

# The pages a half-signed-in session may use as itself: the second step, enrolment, passkeys, and signing out.
OPEN_NAMESPACES = {"twofactor", "otp_webauthn"}
OPEN_ADMIN_VIEWS = {"logout", "jsi18n"}


class Unverified(AnonymousUser):
    otp_device = None

    def is_verified(self):
        return False


async def _anonymous():
    return Unverified()


def second_step_url(next_url: str) -> str:
    return f"{reverse('twofactor:verify')}?{urlencode({'next': next_url})}"


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None  # no session, nobody signed in: and no session read (public pages stay cacheable)
        if not policy.needs_second_factor(request, request.user):
            return None
        match = request.resolver_match
        if match.namespace in OPEN_NAMESPACES:
            return None
        if match.namespace == "admin":
            if match.url_name in OPEN_ADMIN_VIEWS:
                return None
            if match.url_name == "login" and request.method == "POST":
                return None  # signing in again, perhaps as someone else
            next_url = request.GET.get("next", "") if match.url_name == "login" else request.get_full_path()
            return redirect(second_step_url(next_url or reverse("admin:index")))
        request.user = Unverified()
        request.auser = _anonymous
        return None

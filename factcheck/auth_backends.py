"""Login attempt tracking (django-axes) for every login made through a request, and its lockout page."""

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.http import HttpResponse
from django.template import engines
from django.urls import reverse

LOCKOUT_PAGE = engines["django"].from_string(
    """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Login locked · {{ site_name }}</title></head>
<body>
<main>
<h1>Login locked</h1>
<p>Too many failed logins{% if username %} for <strong>{{ username }}</strong>{% endif %} from your address:
after {{ limit }} failures in a row, logging in {% if username %}as {{ username }} {% endif %}from here is refused,
even with the right password, {% if minutes %}for {{ minutes }} minute{{ minutes|pluralize }}{% else %}until an
administrator unlocks it{% endif %}.</p>
<p>{% if minutes %}Try again later, or ask{% else %}Ask{% endif %} an administrator to unlock it
(<code>manage.py axes_reset_username USERNAME</code>).</p>
<p><a href="{{ login_url }}">Back to the login page</a></p>
</main>
</body>
</html>
"""
)


class LoginAttemptsBackend(AxesStandaloneBackend):
    """Axes' lockout check for web logins; a login without a request (shell, tests, commands) is not tracked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str | None:
    """The client's address: behind our proxy (DJANGO_BEHIND_PROXY), the hop it added to X-Forwarded-For."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """429 with a page that says what happened, for how long, and what to do (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else 0
    html = LOCKOUT_PAGE.render(
        {
            "site_name": settings.SITE_NAME,
            "username": get_client_username(request, credentials) or "",
            "limit": settings.AXES_FAILURE_LIMIT,
            "minutes": minutes,
            "login_url": reverse("admin:login"),
        }
    )
    response = HttpResponse(html, status=settings.AXES_HTTP_RESPONSE_CODE)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response

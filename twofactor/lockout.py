"""django-axes for the second step: a wrong code is a failed login for that username from that address."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed

from factcheck.auth_backends import lockout_response


def credentials(user) -> dict:
    return {"username": user.get_username()}


def locked_out(request, user):
    """The lockout page (429) when this username is locked out from this address, else None."""
    if AxesProxyHandler.is_locked(request, credentials(user)):
        return lockout_response(request, credentials=credentials(user))
    return None


def failed(request, user, sender) -> None:
    """Count a wrong code; at the limit axes marks the request and its middleware answers with the lockout page."""
    user_login_failed.send(sender=sender, credentials=credentials(user), request=request)


def signed_in(request, user) -> None:
    """Every step passed: the failures of this username from this address are forgotten (as AXES_RESET_ON_SUCCESS)."""
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.reset_attempts(ip_address=request.axes_ip_address, username=user.get_username())

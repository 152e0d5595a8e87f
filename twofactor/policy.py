"""Who must pass a second factor, and when: the one place the rule lives.

A staff member must when REQUIRE_2FA is on (FACTCHECK_REQUIRE_2FA), or when they have enrolled a device
(enrolled = asked). A session that passed only the password is then good for the second step alone.
"""

from django.conf import settings
from django_otp import user_has_device

# Whether the session's user had a device when they signed in (kept so that a request costs no device query).
ENROLLED = "twofactor_enrolled"


def is_verified(user) -> bool:
    return getattr(user, "otp_device", None) is not None


def remember_enrolment(request, user) -> bool:
    enrolled = user_has_device(user)
    request.session[ENROLLED] = enrolled
    return enrolled


def enrolled(request, user) -> bool:
    value = request.session.get(ENROLLED)
    return remember_enrolment(request, user) if value is None else value


def must_verify(request, user) -> bool:
    """Whether this signed-in user's sessions need a second factor at all."""
    return user.is_authenticated and user.is_staff and (settings.REQUIRE_2FA or enrolled(request, user))


def needs_second_factor(request, user) -> bool:
    """A signed-in staff member who must pass a second factor and has not, in this session."""
    return must_verify(request, user) and not is_verified(user)


def signed_in(sender, request, user, **kwargs):
    """user_logged_in: note whether the user has a device; a sign-in with nothing more to pass is complete."""
    if request is None or not hasattr(request, "session"):
        return
    from . import lockout

    remember_enrolment(request, user)
    if not needs_second_factor(request, user):
        lockout.signed_in(request, user)

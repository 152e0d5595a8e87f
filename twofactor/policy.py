"""Who must pass a second factor, and when: the one place the rule lives.

A staff member must when REQUIRE_2FA is on (FACTCHECK_REQUIRE_2FA), or when they have enrolled a device
(enrolled = asked). A session that passed only the password is then good for the second step alone.
"""

import time

from django.conf import settings
from django_otp import user_has_device

# [whether the session's user has a device, when that was looked up (Unix time)]: kept so that a request costs no
# device query. "No device" is looked up again after ENROLLED_RECHECK_SECONDS, so that a device set up in another
# session (or added by an administrator) reaches this one within that time.
ENROLLED = "twofactor_enrolled"
ENROLLED_RECHECK_SECONDS = 60


def is_verified(user) -> bool:
    return getattr(user, "otp_device", None) is not None


def remember_enrolment(request, user) -> bool:
    enrolled = user_has_device(user)
    request.session[ENROLLED] = [enrolled, time.time()]
    return enrolled


def enrolled(request, user) -> bool:
    value = request.session.get(ENROLLED)
    if isinstance(value, list) and (value[0] or time.time() - value[1] < ENROLLED_RECHECK_SECONDS):
        return value[0]
    return remember_enrolment(request, user)


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

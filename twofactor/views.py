"""The second step of signing in to the admin, enrolment, recovery codes and the "Two-factor" page."""

from ipaddress import ip_address
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.templatetags.otp_webauthn import get_configuration

from . import lockout, policy, services
from .forms import CodeForm, NameForm

PENDING_CODES = "twofactor_codes"
PENDING_NEXT = "twofactor_codes_next"


def _next(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return reverse("admin:index")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def passkeys_here(request) -> bool:
    """Whether a browser on this address can use the site's passkeys: WebAuthn wants a domain name, not an IP."""
    host = request.get_host().rsplit(":", 1)[0].strip("[]")
    rp_id = settings.OTP_WEBAUTHN_RP_ID
    try:
        ip_address(host)
        return False
    except ValueError:
        return host == rp_id or host.endswith("." + rp_id)


def _render(request, template, title, **context):
    return TemplateResponse(
        request,
        f"twofactor/{template}",
        {
            **admin.site.each_context(request),
            "title": title,
            "next": _next(request),
            "require_2fa": settings.REQUIRE_2FA,
            "passkeys_here": passkeys_here(request),
            "rp_id": settings.OTP_WEBAUTHN_RP_ID,
            **context,
        },
    )


def _staff_only(view):
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_active and request.user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return never_cache(wrapped)


def _verified_only(view):
    """Changing one's devices needs a session that passed the second factor (when one is needed)."""

    def wrapped(request, *args, **kwargs):
        if policy.needs_second_factor(request, request.user):
            return redirect(_with_next("twofactor:verify", request.get_full_path()))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return _staff_only(wrapped)


def _signed_in(request, device) -> None:
    """The second factor passed: the session is verified and the failed attempts are forgotten."""
    if not policy.is_verified(request.user):
        otp_login(request, device)
    lockout.signed_in(request, request.user)


@sensitive_post_parameters("otp_token")
@_staff_only
def verify(request):
    user, next_url = request.user, _next(request)
    if not policy.needs_second_factor(request, user):
        return redirect(next_url)
    if not policy.remember_enrolment(request, user):
        # No device (never enrolled, or an administrator reset them).
        return redirect(_with_next("twofactor:enrol", next_url)) if settings.REQUIRE_2FA else redirect(next_url)
    form = CodeForm(request.POST or None, user=user)
    if request.method == "POST":
        if locked := lockout.locked_out(request, user):
            return locked
        if form.is_valid():
            _signed_in(request, form.device)
            if isinstance(form.device, StaticDevice):
                left = services.recovery_codes_left(user=user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. Make new ones on the Two-factor page "
                    "if you are running out.",
                )
            return redirect(next_url)
        lockout.failed(request, user, sender=verify)
    passkeys = WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    return _render(
        request,
        "verify.html",
        "Two-factor sign-in",
        form=form,
        has_app=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        has_passkey=passkeys,
        webauthn_config=get_configuration(request) if passkeys else None,
    )


def _qr_data_uri(device) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@sensitive_post_parameters("otp_token")
@_staff_only
def enrol(request):
    """Set up an authenticator app: on first sign-in (guided) or from the Two-factor page."""
    user, next_url = request.user, _next(request)
    if policy.needs_second_factor(request, user) and policy.remember_enrolment(request, user):
        return redirect(_with_next("twofactor:verify", request.get_full_path()))  # prove it is you first
    device = services.totp_pending(user=user)
    first = not policy.remember_enrolment(request, user)
    form = NameForm(request.POST or None, user=user, totp=device, recovery=False)
    if request.method == "POST":
        if locked := lockout.locked_out(request, user):
            return locked
        if form.is_valid():
            services.totp_confirm(user=user, device=device, name=form.cleaned_data["name"])
            policy.remember_enrolment(request, user)
            _signed_in(request, device)
            messages.success(request, f"“{device.name}” is set up: sign-ins will ask for its code.")
            if not services.recovery_codes_left(user=user):
                return _show_codes(request, services.recovery_codes_new(user=user), next_url)
            return redirect(next_url)
        lockout.failed(request, user, sender=enrol)
    return _render(
        request,
        "enrol.html",
        "Set up two-factor sign-in" if first and settings.REQUIRE_2FA else "Add an authenticator app",
        form=form,
        first=first,
        qr=_qr_data_uri(device),
        secret=services.totp_secret(device),
        webauthn_config=get_configuration(request),
    )


def _show_codes(request, codes, next_url):
    request.session[PENDING_CODES] = codes
    request.session[PENDING_NEXT] = next_url
    return redirect("twofactor:codes")


@_verified_only
def codes(request):
    """The new recovery codes, shown until the user says they saved them (then never again)."""
    pending = request.session.get(PENDING_CODES)
    next_url = request.session.get(PENDING_NEXT) or reverse("twofactor:manage")
    if not pending:
        return redirect("twofactor:manage")
    if request.method == "POST":
        del request.session[PENDING_CODES]
        request.session.pop(PENDING_NEXT, None)
        return redirect(next_url)
    return _render(request, "codes.html", "Your recovery codes", codes=pending)


@require_POST
@_verified_only
def codes_new(request):
    return _show_codes(request, services.recovery_codes_new(user=request.user), reverse("twofactor:manage"))


@require_POST
@_verified_only
def passkey_registered(request):
    """After a passkey is registered (the JavaScript posts here): recovery codes if the user has none yet."""
    user = request.user
    policy.remember_enrolment(request, user)
    if not WebAuthnCredential.objects.filter(user=user, confirmed=True).exists():
        return redirect("twofactor:manage")
    lockout.signed_in(request, user)
    messages.success(request, "Your passkey is registered: sign-ins will offer it.")
    if not services.recovery_codes_left(user=user):
        return _show_codes(request, services.recovery_codes_new(user=user), _next(request))
    return redirect(_next(request))


def _device(user, key: str):
    kinds = {"app": TOTPDevice, "passkey": WebAuthnCredential}
    kind, _, pk = key.partition(":")
    if kind not in kinds or not pk.isdigit():
        return None
    return kinds[kind].objects.filter(user=user, confirmed=True, pk=int(pk)).first()


def _device_key(device) -> str:
    return f"{'passkey' if isinstance(device, WebAuthnCredential) else 'app'}:{device.pk}"


@_verified_only
def manage(request):
    user = request.user
    devices = [
        {"key": _device_key(d), "name": d.name or "Passkey", "passkey": isinstance(d, WebAuthnCredential), "obj": d}
        for d in services.factors(user=user)
    ]
    return _render(
        request,
        "manage.html",
        "Two-factor sign-in",
        devices=devices,
        codes_left=services.recovery_codes_left(user=user),
        form=CodeForm(user=user),
        webauthn_config=get_configuration(request),
    )


@sensitive_post_parameters("otp_token")
@require_POST
@_verified_only
def remove(request):
    """Remove an app or a passkey: a fresh code (from an app or a recovery code) says it is really you."""
    user = request.user
    device = _device(user, request.POST.get("device", ""))
    if device is None:
        messages.error(request, "That device is not one of yours, or was removed already.")
        return HttpResponseRedirect(reverse("twofactor:manage"))
    remaining = [d for d in services.factors(user=user) if _device_key(d) != _device_key(device)]
    if settings.REQUIRE_2FA and not remaining:
        messages.error(
            request,
            "Two-factor sign-in is required on this site: add another authenticator app or passkey before removing "
            "your last one.",
        )
        return HttpResponseRedirect(reverse("twofactor:manage"))
    if locked := lockout.locked_out(request, user):
        return locked
    form = CodeForm(request.POST, user=user)
    if not form.is_valid():
        lockout.failed(request, user, sender=remove)
        messages.error(request, f"Nothing was removed: {' '.join(form.errors['otp_token'])}")
        return HttpResponseRedirect(reverse("twofactor:manage"))
    name = device.name or "Passkey"
    services.device_remove(user=user, device=device)
    if not remaining:
        services.reset(user=user)  # the recovery codes go with the last device: two-factor is off for you
        messages.success(request, f"Removed “{name}”. Your account signs in with its password alone now.")
    else:
        messages.success(request, f"Removed “{name}”.")
    if policy.remember_enrolment(request, user) and request.session.get(DEVICE_ID_SESSION_KEY) in (
        None,
        device.persistent_id,
    ):
        # The session stays verified: by the device that passed the fresh code, unless that was the removed one.
        survivor = form.device if form.device.persistent_id != device.persistent_id else remaining[0]
        otp_login(request, survivor)
    lockout.signed_in(request, user)
    return HttpResponseRedirect(reverse("twofactor:manage"))

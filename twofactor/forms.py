import math

from django import forms
from django.db import transaction
from django.utils import timezone
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .services import normalize_code, recovery_stored


def _wait_message(data) -> str:
    if data and data.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS and data.get("locked_until"):
        seconds = max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))
        return f"Too many wrong codes in a row: wait {seconds} second{'s' if seconds != 1 else ''}, then try again."
    return "This device cannot be used just now; try again in a minute."


def check_code(user, code: str, *, totp: TOTPDevice | None = None, recovery: bool = True):
    """The device that accepts this code (six digits from an app, or a recovery code), else a ValidationError.

    `totp` checks that one (unconfirmed) app only, as when setting it up. A recovery code is used up.
    """
    code = normalize_code(code)
    if code.isdigit() and len(code) == 6:
        model, candidates = TOTPDevice, [totp] if totp else None
    elif recovery and not totp:
        model, candidates = StaticDevice, None
    else:
        raise forms.ValidationError("Enter the six-digit code your authenticator app shows.", code="format")
    with transaction.atomic():
        if candidates is None:
            candidates = model.objects.devices_for_user(user, confirmed=True).select_for_update()
        else:
            candidates = model.objects.filter(pk=totp.pk, user=user).select_for_update()
        refused = None
        for device in candidates:
            allowed, data = device.verify_is_allowed()
            if not allowed:
                refused = data
                continue
            if device.verify_token(recovery_stored(device, code) if model is StaticDevice else code):
                return device
    if refused is not None:
        raise forms.ValidationError(_wait_message(refused), code="throttled")
    if model is StaticDevice:
        raise forms.ValidationError(
            "That recovery code is not right, or was used already: each works once.", code="wrong_code"
        )
    raise forms.ValidationError(
        "That code is not right. Check that your phone's clock is right and enter the code the app shows now.",
        code="wrong_code",
    )


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label="Code",
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, user, totp=None, recovery=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.totp, self.recovery = user, totp, recovery
        self.device = None

    def clean_otp_token(self):
        self.device = check_code(self.user, self.cleaned_data["otp_token"], totp=self.totp, recovery=self.recovery)
        return self.cleaned_data["otp_token"]


class NameForm(CodeForm):
    name = forms.CharField(label="Name (to tell your devices apart)", max_length=64, required=False)

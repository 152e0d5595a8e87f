"""Every write to a staff member's second-factor devices: enrolment, recovery codes, removal, reset."""

import base64

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

RECOVERY_CODES = 10
RECOVERY_NAME = "Recovery codes"
RECOVERY_SALT = "factcheck.twofactor.recovery-code"


def totp_pending(*, user) -> TOTPDevice:
    """The authenticator app being set up: one unconfirmed device per user, kept until confirmed or replaced."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def totp_confirm(*, user, device: TOTPDevice, name: str = "") -> TOTPDevice:
    """The app gave the right code: it is a device from now on, named after the others if need be."""
    taken = set(TOTPDevice.objects.filter(user=user, confirmed=True).values_list("name", flat=True))
    base = name.strip() or "Authenticator app"
    device.name, number = base, 2
    while device.name in taken:
        device.name, number = f"{base} {number}", number + 1
    device.confirmed = True
    device.save(update_fields=["name", "confirmed"])
    return device


def format_code(token: str) -> str:
    return f"{token[:4]}-{token[4:]}"


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def recovery_digest(code: str, secret: str | None = None) -> str:
    """What is stored of a recovery code: a keyed hash (HMAC-SHA256 with the secret key, or `secret`), cut to the
    16 characters otp_static keeps, so that a copy of the database alone gives no code away."""
    mac = salted_hmac(RECOVERY_SALT, normalize_code(code), secret=secret, algorithm="sha256").digest()
    return base64.b32encode(mac).decode()[:16].lower()


def recovery_stored(device: StaticDevice, code: str) -> str:
    """The stored form of `code` among the device's codes, to hand to `verify_token`: made with the secret key, or
    with one it replaced (SECRET_KEY_FALLBACKS) for codes made before a rotation."""
    digests = [recovery_digest(code, key) for key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)]
    return device.token_set.filter(token__in=digests).values_list("token", flat=True).first() or digests[0]


@transaction.atomic
def recovery_codes_new(*, user) -> list[str]:
    """Ten fresh single-use codes in place of any the user had; returned once, for showing once, and stored only
    as `recovery_digest`s."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    tokens = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=recovery_digest(token)) for token in tokens)
    return [format_code(token) for token in tokens]


def recovery_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def factors(*, user) -> list:
    """The user's authenticator apps and passkeys (recovery codes aside)."""
    return [device for device in devices_for_user(user) if not isinstance(device, StaticDevice)]


def device_remove(*, user, device) -> None:
    if device.user_id != user.pk:
        raise ValueError("not this user's device")
    device.delete()


@transaction.atomic
def reset(*, user) -> int:
    """Remove every device of a user (lost phone, no codes left): they enrol again at their next sign-in."""
    removed = 0
    for model in (TOTPDevice, StaticDevice, WebAuthnCredential):
        devices = model.objects.filter(user=user)
        removed += devices.count()
        devices.delete()
    return removed

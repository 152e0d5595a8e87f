"""Two-factor sign-in in real Chromium: the password, then an app's code; enrolment on first sign-in; and a passkey
registered and used through Chromium's virtual authenticator (the DevTools WebAuthn domain)."""

import base64
import re

import pytest
from django.conf import settings as django_settings
from django_otp.oath import totp

from tests.browser.helpers import check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def required(settings):
    settings.REQUIRE_2FA = True


@pytest.fixture
def editor(transactional_db):
    from tests.factories import EditorFactory

    return EditorFactory()


def admin_url(live_server, path=""):
    return f"{live_server.url}/{django_settings.ADMIN_PATH}{path}"


def password_step(page, live_server, user):
    page.goto(admin_url(live_server))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def app_code(key: bytes) -> str:
    return f"{totp(key):06d}"


def test_sign_in_with_the_apps_code(page, live_server, editor, required, screenshot):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=editor, name="Phone", confirmed=True)
    password_step(page, live_server, editor)
    assert "/two-factor/verify/" in page.url
    assert page.get_by_text("One more step").is_visible()
    check(page)
    screenshot("twofactor-verify")

    page.fill("#id_otp_token", app_code(device.bin_key))
    page.click("input[value=Verify]")
    assert page.url == admin_url(live_server)
    assert page.get_by_role("link", name="Two-factor").is_visible()
    assert page.csp_reports == []


def test_enrolment_on_first_sign_in(page, live_server, editor, required, screenshot):
    password_step(page, live_server, editor)
    assert "/two-factor/app/" in page.url
    assert page.locator("img[alt^='QR code']").evaluate("img => img.complete && img.naturalWidth > 0")
    check(page)
    screenshot("twofactor-enrol")

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.fill("#id_otp_token", app_code(base64.b32decode(secret)))
    page.click("input[value=Confirm]")
    assert "/two-factor/codes/" in page.url
    codes = page.locator(".twofactor-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", c) for c in codes)
    check(page)
    screenshot("twofactor-codes")
    page.click("input[value='I have saved them']")
    assert page.url == admin_url(live_server)


@pytest.fixture
def authenticator(page):
    """Chromium's virtual platform authenticator: a passkey store that says yes without a person."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    found = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    yield cdp, found["authenticatorId"]
    cdp.send("WebAuthn.disable")


def test_register_a_passkey_then_sign_in_with_it(page, live_server, editor, required, authenticator, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp_webauthn.models import WebAuthnCredential

    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    device = TOTPDevice.objects.create(user=editor, name="Phone", confirmed=True)
    password_step(page, live_server, editor)
    page.fill("#id_otp_token", app_code(device.bin_key))
    page.click("input[value=Verify]")

    page.goto(admin_url(live_server, "two-factor/"))
    page.click("#passkey-register-button")
    page.wait_for_url("**/two-factor/codes/")  # registered; recovery codes, since the editor had none
    assert WebAuthnCredential.objects.filter(user=editor, confirmed=True).count() == 1
    cdp, authenticator_id = authenticator
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]) == 1
    page.click("input[value='I have saved them']")

    page.get_by_role("button", name="Log out").click()
    password_step(page, live_server, editor)
    assert "/two-factor/verify/" in page.url
    page.click("#passkey-verification-button")
    page.wait_for_url(admin_url(live_server))
    assert page.get_by_role("link", name="Two-factor").is_visible()
    assert WebAuthnCredential.objects.get(user=editor).last_used_at is not None
    assert page.csp_reports == []

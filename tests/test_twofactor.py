"""Two-factor sign-in for staff (twofactor/): every step through the admin's own pages, as a browser would."""

import base64
import importlib
import re
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.apps import apps as django_apps
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from freezegun import freeze_time

from claims.models import Topic
from tests.factories import ClaimFactory, EditorFactory
from twofactor import policy, services

PASSWORD = "correct horse battery staple"  # the factories' password
LIMIT = 5

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


@pytest.fixture
def required(settings):
    settings.REQUIRE_2FA = True


@pytest.fixture
def editor(db):
    return EditorFactory()


def app(user, name="Phone") -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=name, confirmed=True)


def code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def wrong(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


def sign_in(client, user, password=PASSWORD):
    return client.post(reverse("admin:login"), {"username": user.username, "password": password, "next": "/admin/"})


def verify(client, token, next_url="/admin/"):
    return client.post(reverse("twofactor:verify"), {"otp_token": token, "next": next_url})


def second_step(next_url="/admin/") -> str:
    return f"{reverse('twofactor:verify')}?next={next_url.replace('/', '%2F')}"


def in_admin(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def page(response) -> str:
    return response.content.decode()


# Signing in: the password, then the code


def test_password_then_the_apps_code(client, editor, required):
    device = app(editor)
    response = sign_in(client, editor)
    assert response.status_code == 302  # the password is right...
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == second_step()  # ...and the admin asks for the second step

    response = client.get(response["Location"])
    assert response.status_code == 200
    assert "One more step" in page(response)
    assert "Six-digit code from your app, or a recovery code" in page(response)
    # The login page does not show its form again to a session that passed the password: it sends it on.
    response = client.get(reverse("admin:login") + "?next=/admin/claims/claim/")
    assert response["Location"] == second_step("/admin/claims/claim/")

    response = verify(client, code(device))
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert in_admin(client)
    assert "Two-factor</a>" in page(client.get(reverse("admin:index")))  # the link to one's own devices


def test_a_wrong_code_is_refused_with_a_clear_message(client, editor, required):
    device = app(editor)
    sign_in(client, editor)
    response = verify(client, wrong(code(device)))
    assert response.status_code == 200
    assert "That code is not right" in page(response)
    assert not in_admin(client)
    response = verify(client, "12 34")
    assert "Enter the six-digit code your authenticator app shows." not in page(response)  # a recovery code then
    assert "That recovery code is not right" in page(response)


def test_a_code_is_good_once(client, editor, required):
    device = app(editor)
    with freeze_time() as clock:
        sign_in(client, editor)
        token = code(device)
        assert verify(client, token).status_code == 302
        client.post(reverse("admin:logout"))
        clock.tick(2)
        sign_in(client, editor)
        response = verify(client, token)  # replayed within its 30 seconds
        assert response.status_code == 200
        assert "That code is not right" in page(response)


def test_setting_off_password_alone_for_staff_without_a_device(client, editor):
    response = sign_in(client, editor)
    assert response["Location"] == "/admin/"
    assert in_admin(client)
    assert not AccessAttempt.objects.exists()


def test_setting_off_staff_who_enrolled_are_still_asked(client, editor):
    device = app(editor)
    sign_in(client, editor)
    assert client.get(reverse("admin:index"))["Location"] == second_step()
    assert verify(client, code(device)).status_code == 302
    assert in_admin(client)


def test_setting_off_a_device_set_up_elsewhere_reaches_a_password_only_session_within_a_minute(client, editor):
    with freeze_time() as clock:
        sign_in(client, editor)
        assert in_admin(client)  # no device: the password alone
        device = app(editor)  # set up in another session
        clock.tick(policy.ENROLLED_RECHECK_SECONDS + 1)
        assert client.get(reverse("admin:index"))["Location"] == second_step()
        assert verify(client, code(device)).status_code == 302
        assert in_admin(client)


def test_an_unknown_next_is_not_followed(client, editor):
    device = app(editor)
    sign_in(client, editor)
    assert verify(client, code(device), next_url="https://evil.example/")["Location"] == reverse("admin:index")


# Enrolment on first sign-in


def test_guided_enrolment_on_first_sign_in(client, editor, required):
    with freeze_time() as clock:
        sign_in(client, editor)
        response = client.get(reverse("admin:index"), follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("twofactor:enrol"))
        text = page(response)
        assert "Set up two-factor sign-in" in text
        assert re.search(r'<img src="data:image/svg\+xml[^"]+" alt="QR code', text)
        device = TOTPDevice.objects.get(user=editor, confirmed=False)
        secret = base64.b32encode(device.bin_key).decode()
        shown = re.search(r'<code id="totp-secret">([^<]+)</code>', text).group(1)
        assert shown.replace(" ", "") == secret
        assert not in_admin(client)

        enrol = reverse("twofactor:enrol") + "?next=/admin/"
        response = client.post(enrol, {"otp_token": wrong(code(device)), "next": "/admin/"})
        assert response.status_code == 200
        assert "That code is not right" in page(response)
        assert TOTPDevice.objects.filter(user=editor, confirmed=True).count() == 0

        clock.tick(2)  # django-otp makes one wait a second after a wrong code
        response = client.post(enrol, {"otp_token": code(device), "name": "My phone", "next": "/admin/"})
        assert response["Location"] == reverse("twofactor:codes")
        device.refresh_from_db()
        assert device.confirmed and device.name == "My phone"

        response = client.get(reverse("twofactor:codes"))
        shown = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", page(response))
        assert len(shown) == 10
        stored = set(StaticToken.objects.filter(device__user=editor).values_list("token", flat=True))
        assert {services.recovery_digest(c) for c in shown} == stored  # kept only as keyed hashes
        assert not {c.replace("-", "") for c in shown} & stored
        assert "they are not shown again" in page(response)

        response = client.post(reverse("twofactor:codes"))
        assert response["Location"] == "/admin/"
        assert in_admin(client)
        # Shown once: the page is gone, and the list of devices says only how many are left.
        assert client.get(reverse("twofactor:codes"))["Location"] == reverse("twofactor:manage")
        manage = page(client.get(reverse("twofactor:manage")))
        assert "10 unused recovery codes left" in manage
        assert shown[0] not in manage


def test_enrolment_cannot_be_skipped_for_the_api_or_previews(client, editor, required):
    draft = ClaimFactory()
    sign_in(client, editor)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.post("/api/v1/topics/", {"name": "Leaks"}, content_type="application/json").status_code in (401, 403)
    assert not Topic.objects.exists()


# Recovery codes


def test_a_recovery_code_signs_in_once(client, editor, required):
    app(editor)
    codes = services.recovery_codes_new(user=editor)
    sign_in(client, editor)
    response = verify(client, f"  {codes[0].upper()} ")  # as typed: spaces and capitals do not matter
    assert response.status_code == 302
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "You signed in with a recovery code; 9 left." in page(response)
    assert StaticToken.objects.filter(device__user=editor).count() == 9

    client.post(reverse("admin:logout"))
    sign_in(client, editor)
    response = verify(client, codes[0])
    assert response.status_code == 200
    assert "That recovery code is not right, or was used already: each works once." in page(response)
    assert not in_admin(client)


def test_a_recovery_code_alone(client, editor, required):
    codes = services.recovery_codes_new(user=editor)
    sign_in(client, editor)
    response = client.get(second_step())
    assert "A recovery code" in page(response)
    assert verify(client, codes[3]).status_code == 302
    assert in_admin(client)


def test_recovery_codes_made_before_the_secret_key_was_rotated_still_work(client, editor, required, settings):
    codes = services.recovery_codes_new(user=editor)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a new secret key for the test of recovery codes after a rotation"
    sign_in(client, editor)
    assert verify(client, codes[1]).status_code == 302
    assert in_admin(client)


def test_recovery_codes_stored_in_plain_before_are_hashed_by_the_migration_and_still_work(client, editor, required):
    plain = StaticToken.random_token()
    device = services.StaticDevice.objects.create(user=editor, name=services.RECOVERY_NAME, confirmed=True)
    made_before = StaticToken.objects.create(device=device, token=plain)
    migration = importlib.import_module("twofactor.migrations.0001_hash_recovery_codes")
    migration.hash_plain_codes(django_apps, None)
    made_before.refresh_from_db()
    assert made_before.token == services.recovery_digest(plain)
    sign_in(client, editor)
    assert verify(client, services.format_code(plain)).status_code == 302
    assert in_admin(client)


# A session that passed only the password is not a staff session anywhere


def test_an_unverified_session_is_refused_by_the_admin_the_api_and_previews(client, editor):
    device = app(editor)
    draft = ClaimFactory()
    sign_in(client, editor)
    for url in (reverse("admin:index"), reverse("admin:claims_claim_changelist"), reverse("admin:claims_topic_add")):
        assert client.get(url)["Location"].startswith(reverse("twofactor:verify")), url
    assert client.post(reverse("admin:claims_topic_add"), {"name": "Leaks"}).status_code == 302
    assert client.get(draft.get_absolute_url()).status_code == 404  # no draft preview
    response = client.get(f"/api/v1/claims/{draft.slug}/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404  # the browsable API does not see drafts
    response = client.post("/api/v1/topics/", {"name": "Leaks"}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Topic.objects.exists()

    verify(client, code(device))
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert client.get(f"/api/v1/claims/{draft.slug}/", HTTP_ACCEPT="text/html").status_code == 200
    response = client.post("/api/v1/topics/", {"name": "Leaks"}, content_type="application/json")
    assert response.status_code == 201, response.content


def test_the_admin_site_itself_asks_for_verification(rf, editor, required):
    from django.contrib import admin
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/admin/")
    request.session = SessionStore()
    request.user = editor
    editor.otp_device = None
    assert not admin.site.has_permission(request)
    editor.otp_device = app(editor)
    assert admin.site.has_permission(request)


# django-axes at the second step


def assert_locked_out(response, username):
    assert response.status_code == 429
    assert "Login locked" in page(response)
    assert f"Too many failed logins for <strong>{username}</strong>" in page(response)


def test_five_wrong_codes_lock_out_even_the_right_code(client, editor, required):
    device = app(editor)
    sign_in(client, editor)
    right = code(device)
    for _ in range(LIMIT - 1):
        response = verify(client, wrong(right))
        assert response.status_code == 200
        assert "code" in page(response)  # wrong, or wait after wrong ones
    assert_locked_out(verify(client, wrong(right)), editor.username)
    assert_locked_out(verify(client, right), editor.username)
    assert not in_admin(client)
    assert AccessAttempt.objects.get(username=editor.username).failures_since_start == LIMIT
    assert "otp_token=" in AccessAttempt.objects.get().post_data
    assert right not in AccessAttempt.objects.get().post_data  # the codes are masked in the record

    client.post(reverse("admin:logout"))
    assert_locked_out(sign_in(client, editor), editor.username)  # and the password step too

    call_command("axes_reset_username", editor.username, verbosity=0)
    with freeze_time() as clock:
        clock.tick(60)  # django-otp's own delay after wrong codes
        sign_in(client, editor)
        assert verify(client, code(device)).status_code == 302


def test_the_password_step_does_not_forget_wrong_codes(client, editor, required):
    device = app(editor)
    sign_in(client, editor)
    for _ in range(LIMIT - 1):
        verify(client, "000000" if code(device) != "000000" else "111111")
    client.post(reverse("admin:logout"))
    assert sign_in(client, editor).status_code == 302  # the right password is not a complete sign-in...
    assert_locked_out(verify(client, "000000" if code(device) != "000000" else "111111"), editor.username)


def test_a_complete_sign_in_forgets_the_failures(client, editor, required):
    device = app(editor)
    with freeze_time() as clock:
        sign_in(client, editor, password="wrong")
        sign_in(client, editor)
        verify(client, wrong(code(device)))
        assert AccessAttempt.objects.get().failures_since_start == 2
        clock.tick(2)
        assert verify(client, code(device)).status_code == 302
        assert not AccessAttempt.objects.exists()


def test_wrong_codes_at_enrolment_lock_out_too(client, editor, required):
    sign_in(client, editor)
    client.get(reverse("twofactor:enrol"))
    device = TOTPDevice.objects.get(user=editor)
    enrol = reverse("twofactor:enrol")
    for _ in range(LIMIT - 1):
        assert client.post(enrol, {"otp_token": wrong(code(device))}).status_code == 200
    assert_locked_out(client.post(enrol, {"otp_token": wrong(code(device))}), editor.username)
    assert_locked_out(client.post(enrol, {"otp_token": code(device)}), editor.username)
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


# The Two-factor page


@pytest.fixture
def verified(client, editor, required):
    """The editor, signed in with the password and their app; returns the app."""
    device = app(editor)
    services.recovery_codes_new(user=editor)
    sign_in(client, editor)
    assert verify(client, code(device)).status_code == 302
    return device


def test_the_two_factor_page_lists_the_devices(client, editor, verified):
    response = client.get(reverse("twofactor:manage"))
    assert response.status_code == 200
    text = page(response)
    assert "Phone" in text and "Authenticator app" in text
    assert "10 unused recovery codes left" in text
    assert 'href="/admin/two-factor/app/"' in text


def test_add_a_second_app(client, editor, verified):
    response = client.get(reverse("twofactor:enrol"))
    assert "Add an authenticator app" in page(response)
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    response = client.post(reverse("twofactor:enrol"), {"otp_token": code(device), "next": "/admin/two-factor/"})
    assert response["Location"] == "/admin/two-factor/"  # no new recovery codes: the old ones still hold
    assert list(TOTPDevice.objects.filter(user=editor).values_list("name", flat=True).order_by("pk")) == [
        "Phone",
        "Authenticator app",
    ]


def test_new_recovery_codes_replace_the_old_ones_and_show_once(client, editor, verified):
    old = set(StaticToken.objects.values_list("token", flat=True))
    response = client.post(reverse("twofactor:codes_new"))
    assert response["Location"] == reverse("twofactor:codes")
    shown = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", page(client.get(response["Location"])))
    new = set(StaticToken.objects.values_list("token", flat=True))
    assert {services.recovery_digest(c) for c in shown} == new and not new & old
    client.post(reverse("twofactor:codes"))
    assert client.get(reverse("twofactor:codes"))["Location"] == reverse("twofactor:manage")


def test_removing_a_device_needs_a_fresh_code(client, editor, verified):
    spare = app(editor, name="Old phone")
    remove = reverse("twofactor:remove")
    response = client.post(remove, {"device": f"app:{spare.pk}", "otp_token": "000000"}, follow=True)
    assert "Nothing was removed: That code is not right" in page(response)
    assert TOTPDevice.objects.filter(pk=spare.pk).exists()
    with freeze_time() as clock:
        clock.tick(2)
        response = client.post(remove, {"device": f"app:{spare.pk}", "otp_token": code(spare)}, follow=True)
    assert "Removed “Old phone”." in page(response)
    assert not TOTPDevice.objects.filter(pk=spare.pk).exists()
    assert in_admin(client)  # the session stays verified


def test_the_last_device_stays_while_two_factor_is_required(client, editor, verified):
    response = client.post(
        reverse("twofactor:remove"), {"device": f"app:{verified.pk}", "otp_token": code(verified)}, follow=True
    )
    assert "add another authenticator app or passkey before removing your last one" in page(response)
    assert TOTPDevice.objects.filter(pk=verified.pk).exists()


def test_without_the_setting_removing_the_last_device_turns_two_factor_off(client, editor, verified, settings):
    settings.REQUIRE_2FA = False
    codes = services.recovery_codes_new(user=editor)
    response = client.post(
        reverse("twofactor:remove"), {"device": f"app:{verified.pk}", "otp_token": codes[0]}, follow=True
    )
    assert "Your account signs in with its password alone now." in page(response)
    assert not StaticToken.objects.exists()
    client.post(reverse("admin:logout"))
    sign_in(client, editor)
    assert in_admin(client)


def test_someone_elses_device_is_not_removed(client, editor, verified):
    other = app(EditorFactory())
    response = client.post(
        reverse("twofactor:remove"), {"device": f"app:{other.pk}", "otp_token": code(verified)}, follow=True
    )
    assert "That device is not one of yours" in page(response)
    assert TOTPDevice.objects.filter(pk=other.pk).exists()


def test_devices_cannot_be_changed_before_the_second_step(client, editor, required):
    app(editor)
    sign_in(client, editor)
    for url in (reverse("twofactor:manage"), reverse("twofactor:enrol")):
        assert client.get(url)["Location"].startswith(reverse("twofactor:verify")), url
    assert client.post(reverse("twofactor:codes_new"))["Location"].startswith(reverse("twofactor:verify"))
    assert StaticToken.objects.count() == 0


def test_readers_are_sent_to_the_login(client, required):
    assert client.get(reverse("twofactor:verify"))["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("twofactor:manage"))["Location"].startswith(reverse("admin:login"))


# An administrator resets a user who lost everything


def test_the_reset_command(client, editor, required):
    app(editor)
    services.recovery_codes_new(user=editor)
    out = StringIO()
    call_command("twofactor_reset", editor.username, stdout=out)
    assert out.getvalue().strip() == f"Removed 2 two-factor devices of {editor.username}."
    sign_in(client, editor)
    response = client.get(reverse("admin:index"), follow=True)
    assert "Set up two-factor sign-in" in page(response)  # they enrol again


def test_the_reset_command_names_an_unknown_user():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No user named 'nobody'."):
        call_command("twofactor_reset", "nobody")


# Passkeys (django-otp-webauthn): the endpoints are wired and the page offers them


@pytest.fixture
def passkey(editor, settings):
    settings.OTP_WEBAUTHN_RP_ID = "testserver"
    return WebAuthnCredential.objects.create(
        user=editor, name="Laptop", confirmed=True, credential_id=b"\x01" * 32, public_key=b"\x02" * 16
    )


def test_the_second_step_offers_the_passkey(client, editor, passkey, required):
    sign_in(client, editor)
    text = page(client.get(second_step()))
    assert 'id="passkey-verification-button"' in text
    assert '<script id="otp_webauthn_config" type="application/json">' in text
    assert "/static/django_otp_webauthn/otp_webauthn_auth.js" in text
    assert "/admin/two-factor/passkeys/jsi18n/" in text

    response = client.post(reverse("otp_webauthn:credential-authentication-begin"))
    assert response.status_code == 200
    options = response.json()
    assert options["rpId"] == "testserver"
    assert options["allowCredentials"][0]["id"] == base64.urlsafe_b64encode(b"\x01" * 32).decode().rstrip("=")
    assert client.get("/admin/two-factor/passkeys/jsi18n/").status_code == 200


def test_a_passkey_is_never_the_only_step(client, passkey):
    response = client.post(reverse("otp_webauthn:credential-authentication-begin"))
    assert response.status_code == 403
    assert response.json()["code"] == "passwordless_login_disabled"


def test_a_bad_passkey_answer_is_refused_and_a_locked_out_one_too(client, editor, passkey, required):
    sign_in(client, editor)
    client.post(reverse("otp_webauthn:credential-authentication-begin"))
    response = client.post(
        reverse("otp_webauthn:credential-authentication-complete"), "{}", content_type="application/json"
    )
    assert response.status_code >= 400 and response.status_code != 500
    assert not in_admin(client)
    for _ in range(LIMIT):
        verify(client, "abcd-efgh")
    client.post(reverse("otp_webauthn:credential-authentication-begin"))
    response = client.post(
        reverse("otp_webauthn:credential-authentication-complete"), "{}", content_type="application/json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_registering_a_passkey_is_offered_on_the_two_factor_page(client, editor, verified, settings):
    settings.OTP_WEBAUTHN_RP_ID = "testserver"
    text = page(client.get(reverse("twofactor:manage")))
    assert 'id="passkey-registration-placeholder"' in text
    assert "/static/django_otp_webauthn/otp_webauthn_register.js" in text
    response = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert response.status_code == 200
    assert response.json()["rp"] == {"name": "factcheck", "id": "testserver"}


def test_passkeys_are_not_offered_on_an_ip_address(client, editor, verified, settings):
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    text = page(client.get(reverse("twofactor:manage"), HTTP_HOST="127.0.0.1"))
    assert 'id="passkey-registration-placeholder"' not in text
    assert "Passkeys for this site are registered at its address on <strong>localhost</strong>" in text


def test_the_pages_keep_the_content_security_policy(client, editor, passkey, required):
    sign_in(client, editor)
    for url in (second_step(), reverse("twofactor:enrol")):
        response = client.get(url, follow=True)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page(response))
        assert scripts == []  # no inline script: only files and the JSON data block


# The setting and the demo


def test_the_setting_follows_debug_unless_set():
    from tests.helpers import SECRET, run

    script = ["-c", "import django; django.setup(); from django.conf import settings; print(settings.REQUIRE_2FA)"]
    assert run(script, DJANGO_SECRET_KEY=SECRET).stdout.strip() == "True"  # production: required
    assert run(script, DJANGO_DEBUG="1").stdout.strip() == "False"  # make run
    assert run(script, DJANGO_DEBUG="1", FACTCHECK_REQUIRE_2FA="1").stdout.strip() == "True"
    assert run(script, DJANGO_SECRET_KEY=SECRET, FACTCHECK_REQUIRE_2FA="0").stdout.strip() == "False"


def test_the_demo_accounts_sign_in_with_the_password_alone_under_make_run(client, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "The password alone signs them in (FACTCHECK_REQUIRE_2FA is off" in out.getvalue()
    response = client.post(reverse("admin:login"), {"username": "reviewer", "password": "factcheck-reviewer"})
    assert response.status_code == 302
    assert in_admin(client)


def test_the_demo_says_when_two_factor_is_required(settings, required):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Two-factor sign-in is required (FACTCHECK_REQUIRE_2FA is on)" in out.getvalue()


def test_adding_an_app_when_the_site_does_not_require_one_says_what_it_will_do(client, editor):
    sign_in(client, editor)
    text = page(client.get(reverse("twofactor:enrol")))
    assert "Add an authenticator app" in text and "Set up two-factor sign-in" not in text
    assert "this account is asked for a code from the app after its password" in text
    assert "Staff accounts on this site sign in with a second factor" not in text

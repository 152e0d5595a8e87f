"""Admin login protection (django-axes): lockout after repeated failures, through the admin's own login page."""

import datetime
import subprocess
import sys

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from factcheck.auth_backends import client_ip
from tests.factories import EditorFactory, PublishedClaimFactory, ReviewerFactory
from tests.helpers import ROOT, SECRET, clean_env, key_client

PASSWORD = "correct horse battery staple"  # the factories' password
LIMIT = 3

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def login(client, username, password, **extra):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": reverse("admin:index")}, **extra
    )


def logged_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def assert_refused_for_bad_password(response):
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()


def assert_locked_out(response, username):
    assert response.status_code == 429
    page = response.content.decode()
    assert "Login locked" in page
    assert f"Too many failed logins for <strong>{username}</strong>" in page
    assert f"after {LIMIT} failures in a row" in page
    assert "even with the right password, for 15 minutes" in page
    assert response["Retry-After"] == str(15 * 60)
    assert f'href="{reverse("admin:login")}"' in page


def test_the_right_password_logs_in(client):
    editor = EditorFactory()
    response = login(client, editor.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert logged_in(client)
    assert AccessLog.objects.filter(username=editor.username).count() == 1


def test_locked_out_after_the_limit_even_with_the_right_password(client):
    editor = EditorFactory()
    for _ in range(LIMIT - 1):
        assert_refused_for_bad_password(login(client, editor.username, "wrong"))
    assert_locked_out(login(client, editor.username, "wrong"), editor.username)

    # The next attempt, with the right password, is refused too and logs nobody in.
    assert_locked_out(login(client, editor.username, PASSWORD), editor.username)
    assert not logged_in(client)
    attempt = AccessAttempt.objects.get(username=editor.username)
    assert attempt.failures_since_start == LIMIT + 1
    assert attempt.ip_address == "127.0.0.1"


def test_the_lockout_is_for_that_username_from_that_address_only(client):
    editor, other = EditorFactory(), EditorFactory()
    for _ in range(LIMIT):
        login(client, editor.username, "wrong")
    assert_locked_out(login(client, editor.username, PASSWORD), editor.username)

    assert login(client, other.username, PASSWORD).status_code == 302  # a colleague at the same desk
    client.logout()
    assert login(client, editor.username, PASSWORD, REMOTE_ADDR="192.0.2.7").status_code == 302  # another address


def test_a_successful_login_resets_the_count(client):
    editor = EditorFactory()
    for _ in range(LIMIT - 1):
        assert_refused_for_bad_password(login(client, editor.username, "wrong"))
    assert login(client, editor.username, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=editor.username).exists()
    client.logout()

    for _ in range(LIMIT - 1):
        assert_refused_for_bad_password(login(client, editor.username, "wrong"))
    assert login(client, editor.username, PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_lockout_ends_after_the_cool_off(client):
    editor = EditorFactory()
    for _ in range(LIMIT):
        login(client, editor.username, "wrong")
    assert login(client, editor.username, PASSWORD).status_code == 429

    # 16 minutes later (the cool-off is 15).
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16))
    assert login(client, editor.username, PASSWORD).status_code == 302
    assert logged_in(client)


def test_an_administrator_unlocks_with_the_axes_command(client):
    editor = EditorFactory()
    for _ in range(LIMIT):
        login(client, editor.username, "wrong")
    assert login(client, editor.username, PASSWORD).status_code == 429
    call_command("axes_reset_username", editor.username, verbosity=0)
    assert login(client, editor.username, PASSWORD).status_code == 302


def test_no_cool_off_means_locked_until_reset(client, settings):
    settings.AXES_COOLOFF_TIME = None
    editor = EditorFactory()
    for _ in range(LIMIT):
        login(client, editor.username, "wrong")
    response = login(client, editor.username, PASSWORD)
    assert response.status_code == 429
    assert "until an\nadministrator unlocks it" in response.content.decode()
    assert "Retry-After" not in response


def test_the_lockout_page_escapes_the_username(client):
    username = '<script>window.__xss=1</script>"><img src=x onerror=alert(1)>'
    for _ in range(LIMIT):
        response = login(client, username, "wrong")
    page = response.content.decode()
    assert response.status_code == 429
    assert "<script>window" not in page and "<img" not in page
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page


def test_unknown_usernames_are_locked_out_too(client):
    for _ in range(LIMIT):
        response = login(client, "nobody-here", "guess")
    assert response.status_code == 429


# Axes leaves every other way of being authenticated alone.


def test_api_key_auth_still_works(client):
    reviewer = ReviewerFactory()
    for _ in range(LIMIT):
        login(client, reviewer.username, "wrong")  # locked out of the admin login form...
    api = key_client(reviewer)
    response = api.post("/api/v1/topics/", {"name": "Leaks"}, format="json")
    assert response.status_code == 201, response.content  # ...but an API key is not a password guess


def test_force_login_and_the_browsable_api_with_a_session(client):
    claim = PublishedClaimFactory()
    editor = EditorFactory()
    client.force_login(editor)
    assert logged_in(client)
    response = client.get(f"/api/v1/claims/{claim.slug}/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert editor.username in response.content.decode()  # the browsable API shows who is logged in
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(editor)
    assert api.post("/api/v1/topics/", {"name": "Without CSRF"}, format="json").status_code == 403
    api.logout()


def test_client_login_without_a_request_is_not_tracked(client):
    editor = EditorFactory()
    assert client.login(username=editor.username, password=PASSWORD)
    assert not client.login(username=editor.username, password="wrong")
    assert AccessAttempt.objects.count() == 0


def test_axes_tables_are_migrated():
    # The lockout tests above write to them; here, the migrations are all applied.
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert plan == []
    assert any(app == "axes" for app, _ in executor.loader.applied_migrations)


# The client's address


class FakeRequest:
    def __init__(self, **meta):
        self.META = meta


def test_client_ip_is_the_remote_address_when_not_behind_a_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    request = FakeRequest(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(request) == "203.0.113.5"  # a client cannot pick its address by sending the header


def test_client_ip_behind_our_proxy_is_the_hop_it_added(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = FakeRequest(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5")
    assert client_ip(request) == "203.0.113.5"  # the first entry is whatever the client sent
    assert client_ip(FakeRequest(REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


# The admin's path

CUSTOM_ADMIN_PATH = """
from django.test import Client
from django.test.utils import setup_test_environment
import django
django.setup()
setup_test_environment()
from django.core.management import call_command
call_command("migrate", verbosity=0)
c = Client()
print(c.get("/desk/login/").status_code, c.get("/admin/login/").status_code, c.get("/desk/").status_code)
print(c.get("/desk/").headers["Location"])
for _ in range(2):
    r = c.post("/desk/login/", {"username": "someone", "password": "wrong"})
print(r.status_code, "Login locked" in r.content.decode(), 'href="/desk/login/"' in r.content.decode())
print(c.get("/desk/login/").headers["Content-Security-Policy"])
"""


def test_the_admin_moves_with_django_admin_path(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-c", CUSTOM_ADMIN_PATH],
        cwd=ROOT,
        env=clean_env(
            DJANGO_SECRET_KEY=SECRET,
            DJANGO_ALLOWED_HOSTS="testserver",
            DJANGO_ADMIN_PATH="/desk/",
            DJANGO_SECURE_SSL_REDIRECT="0",
            DJANGO_MANIFEST_STATIC="0",
            AXES_FAILURE_LIMIT="2",
            DATABASE_URL=f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        ),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "200 404 302"
    assert lines[1].startswith("/desk/login/")
    assert lines[2] == "429 True True"  # the lockout applies there, and points back to the moved login page
    assert "style-src 'self' 'unsafe-inline'" in lines[3]  # the admin's CSP follows it too

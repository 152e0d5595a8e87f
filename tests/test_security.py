"""Production mode: Django's deploy check, security headers, CSP, static files, /healthz, gunicorn and `make serve`."""

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.db import OperationalError
from django.urls import reverse

from tests.factories import EvidenceFactory, PublishedClaimFactory, StatementFactory, TopicFactory
from tests.helpers import ROOT, SECRET, clean_env, run

# The documented production environment (README "Running in production"), with a throw-away database.
PRODUCTION = {"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "factcheck.example.org"}


def production_env(tmp_path, **extra) -> dict:
    return {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}", **extra}


# manage.py check --deploy


def test_deploy_check_reports_nothing_in_production_mode(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("weakening", "warning"),
    [
        ({"DJANGO_HSTS_SECONDS": "0"}, "security.W004"),
        ({"DJANGO_SECURE_SSL_REDIRECT": "0"}, "security.W008"),
        ({"DJANGO_SECURE_COOKIES": "0"}, "security.W012"),
        ({"DJANGO_DEBUG": "1"}, "security.W018"),
        ({"DJANGO_SECRET_KEY": "short"}, "security.W009"),
    ],
)
def test_deploy_check_catches_each_weakening(tmp_path, weakening, warning):
    # So the check above cannot pass by checking nothing.
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **production_env(tmp_path, **weakening))
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


PRINT_SECURITY = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in (
    "DEBUG", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS", "SECURE_PROXY_SSL_HEADER", "STATIC_ROOT",
    "AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME",
)} | {"staticfiles": settings.STORAGES["staticfiles"]["BACKEND"]}, default=str))
"""


def security_settings(**env) -> dict:
    result = run(["-c", PRINT_SECURITY], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_defaults():
    settings = security_settings(**PRODUCTION)
    assert settings["DEBUG"] is False
    assert settings["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert settings["SECURE_HSTS_PRELOAD"] is True
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_REDIRECT_EXEMPT"] == ["^healthz$"]
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert settings["SECURE_REFERRER_POLICY"] == "same-origin"
    assert settings["X_FRAME_OPTIONS"] == "DENY"
    assert settings["SECURE_PROXY_SSL_HEADER"] is None
    assert settings["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert Path(settings["STATIC_ROOT"]) == ROOT / "staticfiles"
    assert settings["AXES_FAILURE_LIMIT"] == 5
    assert settings["AXES_COOLOFF_TIME"] == "0:15:00"


def test_production_settings_from_the_environment(tmp_path):
    settings = security_settings(
        **PRODUCTION,
        DJANGO_HSTS_SECONDS="3600",
        DJANGO_BEHIND_PROXY="1",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        AXES_FAILURE_LIMIT="10",
        AXES_COOLOFF_MINUTES="0",
    )
    assert settings["SECURE_HSTS_SECONDS"] == 3600
    assert settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert settings["STATIC_ROOT"] == str(tmp_path / "static")
    assert settings["AXES_FAILURE_LIMIT"] == 10
    assert settings["AXES_COOLOFF_TIME"] is None  # locked until an administrator resets it
    assert security_settings(**PRODUCTION, DJANGO_HSTS_SECONDS="0")["SECURE_HSTS_PRELOAD"] is False


# Headers on every kind of page


@pytest.fixture
def published(db):
    claim = PublishedClaimFactory(topics=[TopicFactory()])
    EvidenceFactory(claim=claim, statement=StatementFactory())
    return claim


def public_urls(claim) -> list[str]:
    statement = claim.evidence.first().statement
    return [
        reverse("claims:home"),
        reverse("claims:claim_list"),
        claim.get_absolute_url(),
        statement.source.get_absolute_url(),
        statement.speaker.get_absolute_url(),
        claim.topics.first().get_absolute_url(),
        reverse("claims:methodology"),
        reverse("claims:corrections"),
        reverse("claims:api"),
        reverse("claims:feed_claims_rss"),
        reverse("claims:feed_claims_atom"),
        reverse("claims:sitemap"),
        reverse("claims:robots_txt"),
        "/healthz",
        "/static/claims/site.css",
        "/no-such-page/",
    ]


API_URLS = ["/api/v1/", "/api/v1/claims/", "/api/v1/verdicts/", "/api/v1/schema/", "/api/v1/claimreview/"]
DOCS_URLS = ["/api/v1/docs/", "/api/v1/redoc/"]


def csp(response) -> dict[str, list[str]]:
    policy = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


def assert_security_headers(response, path):
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", path
    assert response["X-Content-Type-Options"] == "nosniff", path
    assert response["Referrer-Policy"] == "same-origin", path
    assert response["X-Frame-Options"] == "DENY", path
    policy = csp(response)
    assert policy["default-src"] == ["'self'"], path
    assert policy["object-src"] == ["'none'"], path
    assert policy["base-uri"] == ["'none'"], path
    assert policy["frame-ancestors"] == ["'none'"], path
    scripts = policy["script-src"]
    assert scripts[0] == "'self'", path
    assert not {"'unsafe-inline'", "'unsafe-eval'", "data:", "blob:", "*", "https:"} & set(scripts), path
    assert all(s.startswith("'sha256-") for s in scripts[1:]), path


def test_security_headers_on_public_pages_feeds_and_static(client, published):
    for path in public_urls(published):
        response = client.get(path, secure=True)
        assert response.status_code in (200, 404), path
        assert_security_headers(response, path)
        assert csp(response)["style-src"] == ["'self'"], path  # no <style> elements on our pages


def test_security_headers_on_the_api_and_its_docs(client, published):
    for path in [*API_URLS, f"/api/v1/claims/{published.slug}/", "/api/v1/nothing/", *DOCS_URLS]:
        response = client.get(path, secure=True)
        assert response.status_code in (200, 404), path
        assert_security_headers(response, path)
    browsable = client.get("/api/v1/claims/", secure=True, HTTP_ACCEPT="text/html")
    assert browsable["Content-Type"].startswith("text/html")
    assert_security_headers(browsable, "browsable API")


def test_security_headers_on_the_admin(client, published, reviewer):
    assert_security_headers(client.get(reverse("admin:login"), secure=True), "login")
    client.force_login(reviewer)
    for path in [
        reverse("admin:index"),
        reverse("admin:claims_claim_changelist"),
        reverse("admin:claims_claim_change", args=[published.pk]),
        reverse("admin:claims_claim_add"),
    ]:
        response = client.get(path, secure=True)
        assert response.status_code == 200, path
        assert_security_headers(response, path)
        assert "'unsafe-inline'" in csp(response)["style-src"]  # the admin's own <style> blocks, never script


def test_no_hsts_over_plain_http(client, db):
    # HSTS over HTTP means nothing and browsers ignore it; Django sends it on HTTPS only.
    assert "Strict-Transport-Security" not in client.get("/healthz")


def test_session_and_csrf_cookies_are_secure(client, db):
    response = client.get(reverse("admin:login"), secure=True)
    assert response.cookies["csrftoken"]["secure"] is True
    assert response.cookies["csrftoken"]["samesite"] == "Lax"


# No inline script anywhere, except data blocks and the docs' own, allowed by hash


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts = []  # (attrs, body)
        self._open = None
        self.handlers = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [(tag, name) for name in attrs if name.startswith("on")]
        if tag == "script":
            self._open = (attrs, [])

    def handle_data(self, data):
        if self._open:
            self._open[1].append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._open:
            self.scripts.append((self._open[0], "".join(self._open[1])))
            self._open = None


def inline_scripts(html: str) -> tuple[list[str], list]:
    parser = Scripts()
    parser.feed(html)
    data_types = {"application/ld+json", "application/json"}
    code = [body for attrs, body in parser.scripts if not attrs.get("src") and attrs.get("type") not in data_types]
    return code, parser.handlers


def test_our_pages_and_the_admin_have_no_inline_script(client, published, reviewer):
    for path in [p for p in public_urls(published) if not p.startswith(("/static", "/feeds", "/sitemap", "/robots"))]:
        code, handlers = inline_scripts(client.get(path).content.decode())
        assert code == [] and handlers == [], path
    client.force_login(reviewer)
    for path in [reverse("admin:claims_claim_changelist"), reverse("admin:claims_claim_change", args=[published.pk])]:
        code, handlers = inline_scripts(client.get(path).content.decode())
        assert code == [] and handlers == [], path


def test_the_swagger_ui_script_is_allowed_by_its_hash_only(client, db):
    response = client.get("/api/v1/docs/")
    code, _ = inline_scripts(response.content.decode())
    assert len(code) == 1
    digest = base64.b64encode(hashlib.sha256(code[0].encode()).digest()).decode()
    assert csp(response)["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert "worker-src" in csp(response)
    redoc = client.get("/api/v1/redoc/")
    assert inline_scripts(redoc.content.decode())[0] == []
    assert csp(redoc)["script-src"] == ["'self'"]


def test_a_response_with_its_own_policy_keeps_it(rf, settings):
    from django.http import HttpResponse

    from factcheck.middleware import ContentSecurityPolicyMiddleware

    def view(request):
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    assert ContentSecurityPolicyMiddleware(view)(rf.get("/"))["Content-Security-Policy"] == "default-src 'none'"


# /healthz


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_healthz_is_503_when_the_database_fails(client, db, monkeypatch):
    class DownConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr("factcheck.health.connection", DownConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert "connection refused" not in response.content.decode()  # no details for the world


HEALTHZ_NO_DATABASE = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
c = Client()
r = c.get("/healthz")  # plain HTTP: exempt from the HTTPS redirect, for load balancers
print(r.status_code, r.content.decode())
print(c.get("/").status_code, c.get("/").headers.get("Location"))
"""


def test_healthz_in_production_mode_without_a_database(tmp_path):
    # A database file in a directory that does not exist: SQLite cannot open it.
    env = {**PRODUCTION, "DJANGO_ALLOWED_HOSTS": "testserver", "DATABASE_URL": "sqlite:////nonexistent/dir/db.sqlite3"}
    result = run(["-c", HEALTHZ_NO_DATABASE], **env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == '503 {"status": "error", "database": "unavailable"}'
    assert lines[1] == "301 https://testserver/"  # everything else goes to HTTPS


# Static files: WhiteNoise, hashed and compressed names


STATIC_CHECK = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
import re
c = Client()
page = c.get("/methodology/", secure=True).content.decode()
css = re.search(r'href="(/static/claims/site\\.[0-9a-f]{12}\\.css)"', page).group(1)
print(css)
r = c.get(css, secure=True)
print(r.status_code, r["Cache-Control"], r.get("Content-Encoding", "-"))
r = c.get(css, secure=True, HTTP_ACCEPT_ENCODING="gzip")
print(r.status_code, r.get("Content-Encoding", "-"), r["Content-Security-Policy"].split(";")[0])
"""


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """collectstatic in production mode into a fresh directory, and a migrated database next to it."""
    tmp = tmp_path_factory.mktemp("production")
    env = production_env(tmp, DJANGO_STATIC_ROOT=str(tmp / "static"))
    for command in (["collectstatic", "--noinput", "-v0"], ["migrate", "--noinput", "-v0"]):
        result = run(["manage.py", *command], **env)
        assert result.returncode == 0, result.stderr
    return tmp, env


def test_collectstatic_writes_hashed_and_compressed_files(collected):
    tmp, _ = collected
    static = tmp / "static"
    manifest = json.loads((static / "staticfiles.json").read_text())["paths"]
    hashed = manifest["claims/site.css"]
    assert re.fullmatch(r"claims/site\.[0-9a-f]{12}\.css", hashed)
    assert (static / hashed).exists()
    assert (static / (hashed + ".gz")).exists()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in manifest
    assert "admin/css/base.css" in manifest


def test_whitenoise_serves_hashed_names_forever_cached(collected):
    _, env = collected
    result = run(["-c", STATIC_CHECK], **{**env, "DJANGO_ALLOWED_HOSTS": "testserver"})
    assert result.returncode == 0, result.stderr
    css, plain, gzipped = result.stdout.splitlines()
    assert re.fullmatch(r"/static/claims/site\.[0-9a-f]{12}\.css", css)
    assert plain == "200 max-age=315360000, public, immutable -"
    assert gzipped == "200 gzip default-src 'self'"


# gunicorn in production mode, over a Unix socket (no port taken)


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.socket_path)


def fetch(sock, path, **headers):
    conn = UnixHTTPConnection(str(sock))
    conn.request("GET", path, headers={"Host": "factcheck.example.org", **headers})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def wait_for_socket(server, sock):
    for _ in range(600):  # gunicorn creates the socket once it listens
        if sock.exists():
            return
        assert server.poll() is None, server.stderr.read()
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not listen on {sock}")


def test_gunicorn_serves_the_site_in_production_mode(collected):
    tmp, env = collected
    sock = tmp / "gunicorn.sock"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn and fixed arguments
        [str(gunicorn), "factcheck.wsgi", "--bind", f"unix:{sock}", "--workers", "1"],
        cwd=ROOT,
        env=clean_env(**env, DJANGO_BEHIND_PROXY="1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_socket(server, sock)
        response, body = fetch(sock, "/healthz")
        assert response.status == 200
        assert json.loads(body) == {"status": "ok", "database": "ok"}

        response, _ = fetch(sock, "/")
        assert response.status == 301
        assert response.getheader("Location") == "https://factcheck.example.org/"

        response, body = fetch(sock, "/methodology/", **{"X-Forwarded-Proto": "https"})
        assert response.status == 200
        assert response.getheader("Strict-Transport-Security").startswith("max-age=31536000")
        assert "script-src 'self';" in response.getheader("Content-Security-Policy")
        css = re.search(r'href="(/static/claims/site\.[0-9a-f]{12}\.css)"', body.decode()).group(1)
        response, _ = fetch(sock, css, **{"X-Forwarded-Proto": "https"})
        assert response.status == 200
        assert "immutable" in response.getheader("Cache-Control")

        response, _ = fetch(sock, "/", Host="evil.example.com")
        assert response.status == 400  # not in DJANGO_ALLOWED_HOSTS
    finally:
        server.terminate()
        server.wait(timeout=30)


# make serve


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "make serve: set DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": SECRET}, "make serve: set DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "x.example.org", "DJANGO_DEBUG": "1"}, "DJANGO_DEBUG"),
    ],
)
def test_make_serve_says_what_is_missing(env, message):
    result = subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", "serve"],  # noqa: S607 - make from PATH
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert "gunicorn" not in result.stdout  # stopped before starting anything


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_serve_checks_migrates_collects_and_runs_gunicorn(collected):
    tmp, env = collected
    sock = tmp / "make-serve.sock"
    server = subprocess.Popen(  # noqa: S603
        # -o install: the virtualenv is there already; BIND: a Unix socket rather than a port.
        ["make", "--no-print-directory", "-o", "install", "serve", f"BIND=unix:{sock}", "WORKERS=1"],  # noqa: S607
        cwd=ROOT,
        env=clean_env(**env, DJANGO_MANIFEST_STATIC="0"),  # make serve turns it back on
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # make and its gunicorn in one process group, stopped together
    )
    try:
        wait_for_socket(server, sock)
        response, body = fetch(sock, "/healthz")
        assert response.status == 200 and json.loads(body)["database"] == "ok"
        response, _ = fetch(sock, "/methodology/")
        assert response.status == 301
        assert response.getheader("Location") == "https://factcheck.example.org/methodology/"
        # gunicorn trusts the proxy's X-Forwarded-Proto from its Unix socket (and 127.0.0.1) only.
        response, body = fetch(sock, "/methodology/", **{"X-Forwarded-Proto": "https"})
        assert response.status == 200
        assert re.search(r'href="/static/claims/site\.[0-9a-f]{12}\.css"', body.decode())
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output, errors = server.communicate(timeout=60)
    assert "manage.py check --deploy" in output
    assert "collectstatic --noinput" in output
    assert "gunicorn factcheck.wsgi --bind unix:" in output
    assert "Booting worker" in errors or "Listening at: unix:" in errors

"""factcheck/settings.py reads the environment: each run starts a fresh interpreter with a clean environment."""

import json
import re
from pathlib import Path

import pytest

from factcheck.settings import env_bool, env_list
from tests.helpers import ROOT, SECRET, run

PRINT_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "db": {k: db.get(k) for k in ("ENGINE", "NAME", "HOST", "PORT", "USER", "PASSWORD", "CONN_MAX_AGE")},
    "db_options": db.get("OPTIONS", {}),
    "cache": settings.CACHES["default"],
    "SITE_NAME": settings.SITE_NAME,
    "SITE_URL": settings.SITE_URL,
    "PUBLISHER_NAME": settings.PUBLISHER_NAME,
    "PUBLISHER_URL": settings.PUBLISHER_URL,
    "ADMIN_PATH": settings.ADMIN_PATH,
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
    "throttle": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
}, default=str))
"""


def settings_with(**env) -> dict:
    result = run(["-c", PRINT_SETTINGS], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# Starting without a secret key


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run(["manage.py", "check"])
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DJANGO_SECRET_KEY" in lines[0]
    assert "DJANGO_DEBUG=1" in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_makemigrations_check_needs_no_key():
    """It only compares the models with the migrations; the site itself still refuses to start (above)."""
    result = run(["manage.py", "makemigrations", "--check", "--dry-run"])
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


@pytest.mark.parametrize("debug", ["0", "false", "no", "off", ""])
def test_debug_off_spellings_still_need_the_key(debug):
    result = run(["manage.py", "check"], DJANGO_DEBUG=debug, DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_starts_in_debug_without_a_key():
    result = run(["manage.py", "check"], DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_starts_with_a_key_and_debug_off():
    result = run(["manage.py", "check"], DJANGO_SECRET_KEY=SECRET)
    assert result.returncode == 0, result.stderr


def test_debug_defaults_off_and_secure_cookies_on():
    settings = settings_with(DJANGO_SECRET_KEY=SECRET)
    assert settings["DEBUG"] is False
    assert settings["SECRET_KEY"] == SECRET
    assert settings["ALLOWED_HOSTS"] == []
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True


def test_debug_on_uses_a_development_key_and_local_hosts():
    settings = settings_with(DJANGO_DEBUG="1")
    assert settings["DEBUG"] is True
    assert "insecure" in settings["SECRET_KEY"]
    assert set(settings["ALLOWED_HOSTS"]) == {"localhost", "127.0.0.1", "[::1]"}


def test_allowed_hosts_and_csrf_origins_from_comma_lists():
    settings = settings_with(
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS=" factcheck.example.org, www.factcheck.example.org ,",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://factcheck.example.org",
    )
    assert settings["ALLOWED_HOSTS"] == ["factcheck.example.org", "www.factcheck.example.org"]
    assert settings["CSRF_TRUSTED_ORIGINS"] == ["https://factcheck.example.org"]


# Database


def test_database_defaults_to_a_sqlite_file_in_the_project():
    settings = settings_with(DJANGO_DEBUG="1")
    assert settings["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(settings["db"]["NAME"]) == ROOT / "db.sqlite3"
    assert settings["db_options"]["timeout"] == 20


def test_database_url_for_postgresql():
    settings = settings_with(
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://factcheck:s3cret@db.example.org:5433/newsroom",
        DATABASE_CONN_MAX_AGE="0",
    )
    assert settings["db"] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "newsroom",
        "HOST": "db.example.org",
        "PORT": 5433,
        "USER": "factcheck",
        "PASSWORD": "s3cret",
        "CONN_MAX_AGE": 0,
    }
    assert "timeout" not in settings["db_options"]


def test_database_url_for_another_sqlite_file(tmp_path):
    path = tmp_path / "other.sqlite3"
    settings = settings_with(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{path}")
    assert settings["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["db"]["NAME"] == str(path)
    assert settings["db"]["CONN_MAX_AGE"] == 60


# Cache


def test_cache_is_local_memory_without_redis():
    assert settings_with(DJANGO_DEBUG="1")["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_redis_url_switches_the_cache_to_redis():
    cache = settings_with(DJANGO_DEBUG="1", REDIS_URL="redis://cache.example.org:6379/2")["cache"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://cache.example.org:6379/2"


# Identity, admin path, static files, throttles


def test_site_identity_defaults_and_overrides():
    default = settings_with(DJANGO_DEBUG="1")
    assert default["SITE_URL"] == "http://127.0.0.1:8000"
    assert default["PUBLISHER_URL"] == default["SITE_URL"]
    custom = settings_with(
        DJANGO_DEBUG="1",
        FACTCHECK_SITE_NAME="Sora Watch",
        FACTCHECK_SITE_URL="https://checks.example.org/",
        FACTCHECK_PUBLISHER_NAME="Example Newsroom",
    )
    assert custom["SITE_NAME"] == "Sora Watch"
    assert custom["SITE_URL"] == "https://checks.example.org"
    assert custom["PUBLISHER_NAME"] == "Example Newsroom"
    assert custom["PUBLISHER_URL"] == "https://checks.example.org"
    assert settings_with(DJANGO_DEBUG="1", FACTCHECK_PUBLISHER_URL="https://news.example.org")["PUBLISHER_URL"] == (
        "https://news.example.org"
    )


@pytest.mark.parametrize(("value", "expected"), [("/editors/", "editors/"), ("desk", "desk/"), ("", "admin/")])
def test_admin_path(value, expected):
    env = {"DJANGO_DEBUG": "1"}
    if value:
        env["DJANGO_ADMIN_PATH"] = value
    assert settings_with(**env)["ADMIN_PATH"] == expected


def test_manifest_static_files_outside_debug_only_by_default():
    manifest = "whitenoise.storage.CompressedManifestStaticFilesStorage"
    plain = "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert settings_with(DJANGO_SECRET_KEY=SECRET)["staticfiles"] == manifest
    assert settings_with(DJANGO_DEBUG="1")["staticfiles"] == plain
    assert settings_with(DJANGO_SECRET_KEY=SECRET, DJANGO_MANIFEST_STATIC="0")["staticfiles"] == plain


def test_throttle_rates_from_the_environment():
    defaults = {"anon": "120/minute", "user": "1200/minute", "key": "1200/minute"}
    assert settings_with(DJANGO_DEBUG="1")["throttle"] == defaults
    custom = settings_with(
        DJANGO_DEBUG="1", API_THROTTLE_ANON="10/second", API_THROTTLE_USER="5000/hour", API_THROTTLE_KEY="60/minute"
    )
    assert custom["throttle"] == {"anon": "10/second", "user": "5000/hour", "key": "60/minute"}


# Helpers, in process


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("TRUE", True), ("yes", True), ("on", True), (" on ", True)]
    + [("0", False), ("false", False), ("no", False), ("off", False), ("anything", False)],
)
def test_env_bool(monkeypatch, value, expected):
    monkeypatch.setenv("FACTCHECK_TEST_FLAG", value)
    assert env_bool("FACTCHECK_TEST_FLAG") is expected


def test_env_bool_default_when_unset_or_empty(monkeypatch):
    monkeypatch.delenv("FACTCHECK_TEST_FLAG", raising=False)
    assert env_bool("FACTCHECK_TEST_FLAG", True) is True
    monkeypatch.setenv("FACTCHECK_TEST_FLAG", "")
    assert env_bool("FACTCHECK_TEST_FLAG", True) is True


def test_env_list(monkeypatch):
    monkeypatch.setenv("FACTCHECK_TEST_LIST", "a, b,,c ")
    assert env_list("FACTCHECK_TEST_LIST") == ["a", "b", "c"]
    monkeypatch.delenv("FACTCHECK_TEST_LIST")
    assert env_list("FACTCHECK_TEST_LIST", "x,y") == ["x", "y"]


# Documentation


def test_readme_documents_every_environment_variable():
    settings_source = (ROOT / "factcheck" / "settings.py").read_text()
    names = set(
        re.findall(r"""(?:environ\.get|env_bool|env_list|getenv)\(\s*["']([A-Z][A-Z0-9_]+)["']""", settings_source)
    )
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= names
    readme = (ROOT / "README.md").read_text()
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert missing == [], f"README.md 'Settings' does not document: {', '.join(missing)}"

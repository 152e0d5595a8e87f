import pytest
from django.core.cache import cache

from tests.factories import EditorFactory, ReviewerFactory, UserFactory, ensure_roles
from tests.helpers import key_client
from tests.pages_server import closed_url, pages, silent_url, tls_certificate, tls_pages  # noqa: F401 (fixtures)
from tests.webhook_receiver import receiver  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Pages and API reads are cached (factcheck/cache.py): each test starts with an empty cache."""
    cache.clear()


@pytest.fixture(autouse=True)
def _no_tasks_left_over():
    """Tasks an earlier test enqueued (and never ran) are not this test's: the dummy task backend starts empty
    (tests/helpers.py `run_tasks`)."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks.backends.dummy import DummyBackend

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if isinstance(backend, DummyBackend):
        backend.clear()


@pytest.fixture
def signals_kept():
    """For a test that runs a task worker in-process (call_command("db_worker", "--batch"), "rqworker --burst"):
    the worker installs its own SIGINT/SIGTERM handlers, and pytest's are put back after the test."""
    import signal

    kept = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for number, handler in kept.items():
        signal.signal(number, handler)


@pytest.fixture
def rq_redis(signals_kept):
    """The RQ task backend on the Redis at RQ_TEST_URL (a database of its own, emptied before and after): skipped
    when no Redis answers, unless REQUIRE_REDIS=1 (CI), then failed."""
    import os

    import redis
    from django.test import override_settings

    from tests.helpers import RQ_TASKS, RQ_TEST_URL

    client = redis.Redis.from_url(RQ_TEST_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but no Redis answers at {RQ_TEST_URL}")
        pytest.skip(f"no Redis server at {RQ_TEST_URL}")
    client.flushdb()
    with override_settings(TASKS=RQ_TASKS, RQ_QUEUES={"default": {"URL": RQ_TEST_URL}}):
        yield client
    client.flushdb()


@pytest.fixture(scope="session", autouse=True)
def _serialized_rollback_after_other_flushes():
    """A serialized_rollback test restores the database as migrate left it. An earlier transactional test's
    flush re-created content types and permissions under new ids, which the restore would collide with:
    empty the tables first, so that the restore works whatever ran before."""
    from django.core.management import call_command
    from django.db.backends.base.creation import BaseDatabaseCreation

    restore = BaseDatabaseCreation.deserialize_db_from_string

    def flush_then_restore(self, data):
        call_command("flush", database=self.connection.alias, interactive=False, inhibit_post_migrate=True, verbosity=0)
        restore(self, data)

    BaseDatabaseCreation.deserialize_db_from_string = flush_then_restore
    yield
    BaseDatabaseCreation.deserialize_db_from_string = restore


@pytest.fixture(autouse=True)
def _migration_groups_in_transactional_tests(request):
    """A transactional test ends with a flush that empties every table. The flush makes content types and
    permissions again, but not the data migration's groups, and after a serialized_rollback test nothing at
    all: later transactional tests get them all back here."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    from django.contrib.auth.models import Permission
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connection

    request.getfixturevalue("transactional_db")
    if not Permission.objects.exists():
        emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    ensure_roles()


@pytest.fixture(autouse=True)
def _captures_in_tmp_path(settings, tmp_path, monkeypatch):
    """Captured WARC files go to this test's own directory, never to the project's media/."""
    from django.core.files.storage import storages

    from archive.models import Capture

    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "captures": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    # The field made its storage once, when the model was loaded: point it at the new one.
    monkeypatch.setattr(Capture._meta.get_field("warc"), "storage", storages["captures"])


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The real hasher is slow by design; tests only need passwords to check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db):
    return EditorFactory()


@pytest.fixture
def reviewer(db):
    return ReviewerFactory()


@pytest.fixture
def reader(db):
    """A logged-in user with no staff rights: sees what anonymous readers see."""
    return UserFactory()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def editor_api(editor):
    return key_client(editor)


@pytest.fixture
def reviewer_api(reviewer):
    return key_client(reviewer)

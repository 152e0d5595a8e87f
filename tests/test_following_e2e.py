"""Two factcheck processes on two ports with two databases: B follows A and imports what A publishes.

Each site is `manage.py runserver` on a free port of 127.0.0.1 over its own SQLite file (migrated by `manage.py
migrate` once, then copied: the two start alike). Claims are published and retracted on A through its services
(tests/following_site.py, run with `manage.py shell -c`); B is told to follow and poll with `manage.py follow`."""

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.helpers import ROOT, SECRET, clean_env

LEAK = "The leaked Sora access was authentic."
PAUSE = "OpenAI paused the Sora early access program for three days."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    def __init__(self, tmp_path, name: str):
        self.database = tmp_path / f"{name}.sqlite3"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = clean_env(
            DJANGO_SECRET_KEY=SECRET,
            DATABASE_URL=f"sqlite:///{self.database}",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SECURE_SSL_REDIRECT="0",
            DJANGO_MANIFEST_STATIC="0",
            DJANGO_MEDIA_ROOT=str(tmp_path / f"{name}-media"),
            FACTCHECK_SITE_URL=self.url,
            FACTCHECK_PUBLISHER_NAME=f"Newsroom {name.upper()}",
            FACTCHECK_ALLOW_LOOPBACK="1",
            FACTCHECK_TASKS="dummy",
            FACTCHECK_CAPTURE_ON_SAVE="0",
        )
        self.server: subprocess.Popen | None = None

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def python(self, code: str):
        """Run code in `manage.py shell` on this site; what it prints last, read as JSON."""
        return json.loads(self.manage("shell", "-v", "0", "-c", code).strip().splitlines()[-1])

    def start(self) -> None:
        self.server = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_started(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{self.url} did not start")

    def query(self, sql: str) -> list[tuple]:
        """Read this site's database as it stands (its processes commit each change)."""
        with sqlite3.connect(self.database) as connection:
            return [tuple(row) for row in connection.execute(sql)]

    def get(self, path: str):
        with urllib.request.urlopen(self.url + path, timeout=10) as answer:  # noqa: S310
            return json.loads(answer.read())

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=10)


@pytest.fixture
def sites(tmp_path):
    a, b = Site(tmp_path, "a"), Site(tmp_path, "b")
    a.manage("migrate", "-v", "0")
    shutil.copyfile(a.database, b.database)
    try:
        a.start()
        b.start()
        a.wait_started()
        b.wait_started()
        yield a, b
    finally:
        a.stop()
        b.stop()


PUBLISH = "import json; from tests.following_site import publish; print(json.dumps([{claims}]))"
REVIEWS = (
    "SELECT c.text, r.url, r.publisher_name, r.textual_rating FROM claims_externalreview r"
    " JOIN claims_claim c ON c.id = r.claim_id ORDER BY r.id"
)
FOLLOWED = "SELECT claim_text, state FROM following_followedreview ORDER BY claim_text"


def test_one_factcheck_follows_another_and_imports_what_it_publishes(sites):
    a, b = sites
    leak, _ = a.python(PUBLISH.format(claims=f"publish({LEAK!r}).slug, publish({PAUSE!r}, 'true').slug"))
    b.python(PUBLISH.format(claims="publish('The leaked Sora access was authentic!', 'mostly_false').slug"))

    # A gives B a read key; B's polls are then A's partner's, under its own rate limit.
    a.manage("shell", "-c", "from django.contrib.auth.models import User; User.objects.create_user('newsroom-b')")
    key = a.manage("create_api_key", "Newsroom B", "--user", "newsroom-b", "--scopes", "read").strip()
    assert "Following Newsroom A at " + a.url in b.manage("follow", a.url, "--key", key)
    assert "2 change(s): 1 imported, 1 suggestion(s)" in b.manage("follow", "--poll")
    assert b.query(REVIEWS) == [
        ("The leaked Sora access was authentic!", f"{a.url}/claims/{leak}", "Newsroom A", "False")
    ]
    assert b.query(FOLLOWED) == [(PAUSE, "suggested"), (LEAK, "imported")]
    assert a.query("SELECT count(*) FROM apikeys_apikey WHERE last_used_at IS NOT NULL") == [(1,)]
    assert b.query("SELECT count(*) FROM claims_claim") == [(1,)]  # the suggestion waits for an editor
    assert [c["type"] for c in b.get("/api/v1/changes/")["results"]] == ["claim.published"]  # B's own only

    # A retraction on A withdraws the review on B; nothing else is read again.
    a.python(f"from tests.following_site import retract; retract({leak!r}); print(1)")
    assert "1 change(s): 0 imported, 0 suggestion(s), 1 withdrawn" in b.manage("follow", "--poll")
    assert b.query(REVIEWS) == []
    assert b.query(FOLLOWED) == [(PAUSE, "suggested"), (LEAK, "retracted")]

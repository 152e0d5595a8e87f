"""Read replicas (factcheck/db_router.py): reads from a replica, writes and a writing request's reads from the primary,
a client that just wrote reads the primary for a while, atomic blocks and migrations stay on the primary.

The test database has one replica here, ``replica1``, a mirror of ``default`` (the same test database, through a
connection of its own), added for this module only; every other test runs without replicas, as a site without
DATABASE_REPLICA_URLS does. Tests are transactional: in a TestCase's transaction the replica's connection could
not see the test's rows, and every read would be in an atomic block anyway.
"""

import copy
import json
import re
import time
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from apikeys.models import APIKey
from claims.models import Claim, Topic
from factcheck.cache import RECENT_WRITE_KEY
from factcheck.db_router import PIN_COOKIE, ReplicaPinMiddleware, ReplicaRouter, current_request
from tests import helpers
from tests.factories import EditorFactory, PublishedClaimFactory, ReviewerFactory, TopicFactory
from tests.helpers import SECRET, run

API = "/api/v1/"
MIDDLEWARE = "factcheck.db_router.ReplicaPinMiddleware"

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica1"])


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """``replica1``: the test database through a second connection, a test mirror of ``default``."""
    default = connections["default"].settings_dict
    replica = copy.deepcopy(default)
    replica["TEST"] = {**default["TEST"], "MIRROR": "default"}
    connections.settings["replica1"] = replica
    # ``replica2``: a replica that cannot be reached (nothing listens on its port, or its file cannot be opened).
    dead = copy.deepcopy(replica)
    if connections["default"].vendor == "postgresql":
        dead.update(PORT="1", OPTIONS={**dead.get("OPTIONS", {}), "connect_timeout": 2})
    else:
        dead["NAME"] = "/nonexistent/directory/replica.sqlite3"
    connections.settings["replica2"] = dead
    yield
    for alias in ("replica1", "replica2"):
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


@pytest.fixture
def replicas(settings):
    """The settings DATABASE_REPLICA_URLS with one URL makes (tested in a subprocess below)."""
    settings.DATABASE_REPLICAS = ["replica1"]
    settings.DATABASE_REPLICA_PIN_SECONDS = 5
    settings.DATABASE_ROUTERS = ["factcheck.db_router.ReplicaRouter"]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1, MIDDLEWARE)
    settings.MIDDLEWARE = middleware
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}


def caught_up():
    """The replicas have replayed every write: the page cache may be filled from them again."""
    cache.delete(RECENT_WRITE_KEY)


class Queries:
    """The queries each alias ran inside the block."""

    def __enter__(self):
        self.default = CaptureQueriesContext(connections["default"])
        self.replica = CaptureQueriesContext(connections["replica1"])
        self.default.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.default.__exit__(*exc)

    def sql(self, alias: str) -> list[str]:
        captured = self.default if alias == "default" else self.replica
        return [query["sql"] for query in captured.captured_queries]


def key_client(user) -> APIClient:
    """An API client with a key whose use is already noted: the minute's one UPDATE of its last use (on the primary)
    is not among the reads measured."""
    client = helpers.key_client(user)
    assert client.get(f"{API}verdicts/").status_code == 200
    return client


def credentials_only(sql: list[str]) -> bool:
    """The primary was asked for nothing but credentials (db_router.PRIMARY_READS: the key, the session)."""
    return all(q.startswith("SELECT") and re.search(r'FROM "(apikeys_apikey|django_session)"', q) for q in sql)


def later(seconds: float):
    """The clock the pin cookie's signature is checked against, `seconds` from now."""
    now = time.time()
    return mock.patch("django.core.signing.time.time", return_value=now + seconds)


def in_request(work, method="GET", cookies=None):
    """Run `work` inside the middleware, as a view would; return (its result, the response)."""
    result = {}

    def view(request):
        result["value"] = work()
        return HttpResponse("ok")

    request = RequestFactory().generic(method, "/")
    request.COOKIES.update(cookies or {})
    response = ReplicaPinMiddleware(view)(request)
    return result.get("value"), response


# Pages and the API through the test client


def test_anonymous_page_reads_a_replica(client, replicas):
    claim = PublishedClaimFactory()
    caught_up()
    with Queries() as queries:
        response = client.get(claim.get_absolute_url())
    assert response.status_code == 200
    assert claim.text in response.content.decode()
    assert queries.sql("replica1"), "the page read nothing from the replica"
    assert queries.sql("default") == []
    assert PIN_COOKIE not in response.cookies


def test_api_reads_a_replica(replicas):
    claim = PublishedClaimFactory()
    editor_api = key_client(EditorFactory())
    caught_up()
    with Queries() as queries:
        listed = APIClient().get(f"{API}claims/")
        one = editor_api.get(f"{API}claims/{claim.slug}/")
    assert listed.status_code == 200 and one.status_code == 200
    assert [item["slug"] for item in listed.json()["results"]] == [claim.slug]
    assert queries.sql("replica1")
    # Only the key is read from the primary: a revoked key is refused at once, not after a replica's lag.
    [key_read] = queries.sql("default")
    assert key_read.startswith("SELECT") and "apikeys_apikey" in key_read
    assert not any("apikeys_apikey" in sql for sql in queries.sql("replica1"))


def test_api_write_reads_the_primary_then_pins_the_client(replicas):
    claim = PublishedClaimFactory(summary="Before.")
    reviewer = ReviewerFactory()  # a published claim changes by a reviewer, with a public note
    api = key_client(reviewer)
    caught_up()
    url = f"{API}claims/{claim.slug}/"
    etag = api.get(url)["ETag"]

    with Queries() as queries:
        note = {"note_kind": "update", "note_reason": "Rewritten."}
        response = api.patch(url, {"summary": "After.", **note}, HTTP_IF_MATCH=etag, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["summary"] == "After."
    # The key, the permission checks, the row lock, the If-Match representation, the write, the answer:
    # all on the primary, nothing on the replica.
    assert queries.sql("replica1") == []
    written = queries.sql("default")
    assert any(sql.startswith("UPDATE") and "claims_claim" in sql for sql in written)
    if connections["default"].vendor == "postgresql":
        assert any("FOR UPDATE" in sql for sql in written)
    assert PIN_COOKIE in response.cookies
    pin = response.cookies[PIN_COOKIE]
    assert pin["max-age"] == 5 and pin["httponly"] and pin["samesite"] == "Lax"

    # The same client's next read, within the pin window: the primary.
    with Queries() as queries:
        again = api.get(url)
    assert again.json()["summary"] == "After."
    assert queries.sql("replica1") == []
    assert queries.sql("default")
    assert PIN_COOKIE not in again.cookies  # a read does not extend the window

    # Another client: the replica.
    other = key_client(reviewer)
    with Queries() as queries:
        assert other.get(url).status_code == 200
    assert queries.sql("replica1")
    assert credentials_only(queries.sql("default"))

    # The same client after the window: the replica again.
    with later(6), Queries() as queries:
        assert api.get(url).status_code == 200
    assert queries.sql("replica1")
    assert credentials_only(queries.sql("default"))


def test_noting_a_keys_use_writes_the_primary_without_pinning_the_client(replicas):
    claim = PublishedClaimFactory()
    api = helpers.key_client(EditorFactory())  # not used yet: this request notes its first use
    caught_up()
    with Queries() as queries:
        response = api.get(f"{API}claims/{claim.slug}/")
    assert response.status_code == 200
    written = [sql for sql in queries.sql("default") if sql.startswith("UPDATE")]
    assert len(written) == 1 and "apikeys_apikey" in written[0] and "last_used_at" in written[0]
    assert any("claims_claim" in sql for sql in queries.sql("replica1"))  # the claim still read from the replica
    assert PIN_COOKIE not in response.cookies


def test_stale_if_match_is_checked_against_the_primary(replicas):
    claim = PublishedClaimFactory()
    api = key_client(EditorFactory())
    caught_up()
    url = f"{API}claims/{claim.slug}/"
    etag = api.get(url)["ETag"]
    Claim.objects.filter(pk=claim.pk).update(summary="Changed elsewhere.")  # outside a request: the primary
    with Queries() as queries:
        late = api.patch(url, {"summary": "Mine."}, HTTP_IF_MATCH=etag)
    assert late.status_code == 412
    assert queries.sql("replica1") == []
    assert Claim.objects.get(pk=claim.pk).summary == "Changed elsewhere."


def test_admin_post_writes_and_reads_the_primary_then_pins(client, replicas):
    topic = TopicFactory(name="Leaks")
    editor = EditorFactory()
    client.force_login(editor)
    caught_up()
    url = reverse("admin:claims_topic_change", args=[topic.pk])

    with Queries() as queries:
        response = client.post(url, {"name": "Leaked access", "slug": topic.slug})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Topic.objects.get(pk=topic.pk).name == "Leaked access"
    assert queries.sql("replica1") == []  # the session and the user too
    assert any(sql.startswith("UPDATE") and "claims_topic" in sql for sql in queries.sql("default"))
    assert PIN_COOKIE in response.cookies

    with Queries() as queries:
        listing = client.get(reverse("admin:claims_topic_changelist"))
    assert "Leaked access" in listing.content.decode()
    assert queries.sql("replica1") == []

    other = Client()
    other.force_login(editor)
    with Queries() as queries:
        assert other.get(reverse("admin:claims_topic_changelist")).status_code == 200
    assert queries.sql("replica1")
    assert credentials_only(queries.sql("default"))


def test_a_tampered_pin_cookie_counts_for_nothing(client, replicas):
    claim = PublishedClaimFactory()
    caught_up()
    client.cookies[PIN_COOKIE] = "1:forged:signature"
    with Queries() as queries:
        assert client.get(claim.get_absolute_url()).status_code == 200
    assert queries.sql("replica1")
    assert queries.sql("default") == []


def test_page_cache_after_a_write_is_filled_from_the_primary(client, replicas):
    """A replica lagging behind must not put the old content back in the cache just after a write."""
    claim = PublishedClaimFactory(summary="First.")
    caught_up()
    assert client.get(claim.get_absolute_url()).status_code == 200  # cached

    claim.summary = "Second."
    claim.save()  # bumps the content generation and marks the cache recently written
    assert cache.get(RECENT_WRITE_KEY) is not None
    with Queries() as queries:
        page = Client().get(claim.get_absolute_url())
        api = APIClient().get(f"{API}claims/{claim.slug}/")
    assert "Second." in page.content.decode()
    assert api.json()["summary"] == "Second."
    assert queries.sql("replica1") == []
    assert queries.sql("default")
    assert PIN_COOKIE not in page.cookies and PIN_COOKIE not in api.cookies  # still shareable
    with Queries() as queries:
        assert Client().get(claim.get_absolute_url())["X-Cache"] == "hit"
    assert queries.sql("default") == [] and queries.sql("replica1") == []

    # Once the replicas have caught up, a page not cached yet is built from a replica.
    caught_up()
    with Queries() as queries:
        assert Client().get(reverse("claims:corrections")).status_code == 200
    assert queries.sql("replica1")
    assert queries.sql("default") == []


def test_write_mark_lasts_the_pin_window(replicas, settings):
    settings.DATABASE_REPLICA_PIN_SECONDS = 7
    with mock.patch.object(cache, "set", wraps=cache.set) as cache_set:
        TopicFactory()
    assert mock.call(RECENT_WRITE_KEY, 1, timeout=7) in cache_set.call_args_list


# The router and the middleware, one request at a time


def test_reads_go_to_a_replica_writes_to_the_primary(replicas):
    topic = TopicFactory()
    aliases, response = in_request(
        lambda: (
            Topic.objects.all().db,
            Topic.objects.select_for_update().db,
            router.db_for_write(Topic),
        )
    )
    assert aliases == ("replica1", "default", "default")
    # select_for_update and the explicit write both count as writes: the client is pinned.
    assert PIN_COOKIE in response.cookies
    _, plain = in_request(lambda: list(Topic.objects.filter(pk=topic.pk)))
    assert PIN_COOKIE not in plain.cookies


def test_credentials_are_read_from_the_primary_without_pinning(replicas):
    aliases, response = in_request(lambda: (APIKey.objects.all().db, Session.objects.all().db, Topic.objects.all().db))
    assert aliases == ("default", "default", "replica1")
    assert PIN_COOKIE not in response.cookies


def test_a_write_sends_the_rest_of_the_request_to_the_primary(replicas):
    def work():
        before = Topic.objects.all().db
        TopicFactory()
        with Queries() as queries:
            assert Topic.objects.count() == 1
        return before, queries.sql("default"), queries.sql("replica1")

    (before, on_default, on_replica), response = in_request(work)
    assert before == "replica1"
    assert on_default and on_replica == []
    assert PIN_COOKIE in response.cookies


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_unsafe_methods_read_the_primary(replicas, method):
    alias, response = in_request(lambda: Topic.objects.all().db, method=method)
    assert alias == "default"
    assert PIN_COOKIE in response.cookies


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_methods_read_a_replica(replicas, method):
    alias, response = in_request(lambda: Topic.objects.all().db, method=method)
    assert alias == "replica1"
    assert PIN_COOKIE not in response.cookies


def test_atomic_blocks_read_the_primary(replicas):
    TopicFactory()

    def work():
        with transaction.atomic(), Queries() as inside:
            Topic.objects.count()
            nested = Topic.objects.all().db
        with Queries() as outside:
            Topic.objects.count()
        return nested, inside.sql("default"), inside.sql("replica1"), outside.sql("replica1")

    (nested, inside_default, inside_replica, outside_replica), _ = in_request(work)
    assert nested == "default"
    assert inside_default and inside_replica == []
    assert outside_replica


def test_state_is_reset_after_each_request_even_on_errors(replicas):
    assert current_request() is None
    in_request(lambda: TopicFactory())
    assert current_request() is None

    def fail():
        raise RuntimeError("the view broke")

    with pytest.raises(RuntimeError):
        in_request(fail, method="POST")
    assert current_request() is None
    # The next request starts clean: not pinned by what the previous ones did.
    alias, _ = in_request(lambda: Topic.objects.all().db)
    assert alias == "replica1"


def test_outside_a_request_everything_uses_the_primary(replicas):
    assert Topic.objects.all().db == "default"
    assert router.db_for_read(Topic) == "default"


def test_pin_cookie_sends_reads_to_the_primary_for_the_window(replicas):
    _, response = in_request(lambda: TopicFactory(), method="POST")
    cookie = {PIN_COOKIE: response.cookies[PIN_COOKIE].value}
    assert in_request(lambda: Topic.objects.all().db, cookies=cookie)[0] == "default"
    with later(4):
        assert in_request(lambda: Topic.objects.all().db, cookies=cookie)[0] == "default"
    with later(6):
        assert in_request(lambda: Topic.objects.all().db, cookies=cookie)[0] == "replica1"


def test_no_pin_across_requests_with_a_zero_window(replicas, settings):
    settings.DATABASE_REPLICA_PIN_SECONDS = 0
    _, response = in_request(lambda: TopicFactory(), method="POST")
    assert PIN_COOKIE not in response.cookies


@mock.patch("factcheck.db_router.replica_reachable", return_value=True)
def test_replicas_are_picked_at_random(reachable, replicas, settings):
    settings.DATABASE_REPLICAS = ["replica1", "replica2"]  # only named: nothing connects to replica2
    picked, _ = in_request(lambda: {ReplicaRouter().db_for_read(Topic) for _ in range(200)})
    assert picked == {"replica1", "replica2"}


@mock.patch("factcheck.db_router.replica_reachable", return_value=True)
def test_an_objects_relations_come_from_its_replica(reachable, replicas, settings):
    settings.DATABASE_REPLICAS = ["replica1", "replica2"]
    topic = Topic(name="x")
    topic._state.db = "replica2"
    picked, _ = in_request(lambda: {ReplicaRouter().db_for_read(Topic, instance=topic) for _ in range(50)})
    assert picked == {"replica2"}


def test_relations_allowed_between_primary_and_replicas(replicas):
    on_primary, on_replica, elsewhere = Topic(name="a"), Topic(name="b"), Topic(name="c")
    on_primary._state.db, on_replica._state.db, elsewhere._state.db = "default", "replica1", "archive"
    assert router.allow_relation(on_primary, on_replica) is True
    assert router.allow_relation(on_replica, on_replica) is True
    assert ReplicaRouter().allow_relation(on_primary, elsewhere) is None


def test_migrations_only_on_the_primary(replicas):
    assert router.allow_migrate_model("default", Claim)
    assert not router.allow_migrate_model("replica1", Claim)
    assert not router.allow_migrate("replica1", "auth")
    assert router.allow_migrate("default", "claims", model_name="claim")


# Without replicas (the default)


def test_without_replicas_nothing_is_wired():
    assert django_settings.DATABASE_REPLICAS == []
    assert django_settings.DATABASE_ROUTERS == []
    assert MIDDLEWARE not in django_settings.MIDDLEWARE


def test_without_replicas_a_page_reads_the_primary(client):
    claim = PublishedClaimFactory()
    cache.clear()
    with Queries() as queries:
        response = client.get(claim.get_absolute_url())
    assert response.status_code == 200
    assert queries.sql("default")
    assert queries.sql("replica1") == []
    assert PIN_COOKIE not in response.cookies


def test_router_without_replicas_sends_everything_to_the_primary(settings):
    settings.DATABASE_REPLICAS = []
    settings.DATABASE_ROUTERS = ["factcheck.db_router.ReplicaRouter"]
    with pytest.raises(MiddlewareNotUsed):
        ReplicaPinMiddleware(lambda request: HttpResponse())
    assert router.db_for_read(Topic) == "default"
    assert router.db_for_write(Topic) == "default"


# Settings: DATABASE_REPLICA_URLS and DATABASE_REPLICA_PIN_SECONDS, read in a fresh interpreter

PRINT_DATABASES = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "databases": {
        alias: {k: db.get(k) for k in ("ENGINE", "NAME", "HOST", "PORT", "USER", "PASSWORD", "TEST", "OPTIONS")}
        for alias, db in settings.DATABASES.items()
    },
    "replicas": settings.DATABASE_REPLICAS,
    "pin": settings.DATABASE_REPLICA_PIN_SECONDS,
    "routers": settings.DATABASE_ROUTERS,
    "middleware": settings.MIDDLEWARE,
}, default=str))
"""

PRIMARY = "postgres://factcheck:pw@db:5432/factcheck"


def replica_settings(**env) -> dict:
    result = run(["-c", PRINT_DATABASES], DJANGO_SECRET_KEY=SECRET, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_settings_no_replicas_by_default():
    config = replica_settings()
    assert list(config["databases"]) == ["default"]
    assert config["replicas"] == [] and config["routers"] == []
    assert MIDDLEWARE not in config["middleware"]
    assert config["pin"] == 5


def test_settings_replica_urls_become_mirrored_aliases():
    config = replica_settings(
        DATABASE_URL=PRIMARY,
        DATABASE_REPLICA_URLS=(
            " postgres://reader:s3cret@replica-a:5432/factcheck , postgres://r@replica-b/factcheck?connect_timeout=9,"
        ),
        DATABASE_REPLICA_PIN_SECONDS="8",
    )
    databases = config["databases"]
    assert list(databases) == ["default", "replica1", "replica2"]
    assert databases["replica1"]["HOST"] == "replica-a" and databases["replica1"]["PASSWORD"] == "s3cret"
    assert databases["replica2"]["HOST"] == "replica-b" and databases["replica2"]["USER"] == "r"
    assert databases["replica1"]["TEST"]["MIRROR"] == databases["replica2"]["TEST"]["MIRROR"] == "default"
    # A replica that does not answer is given up on after 3 s, unless its URL says otherwise.
    assert databases["replica1"]["OPTIONS"]["connect_timeout"] == 3
    assert str(databases["replica2"]["OPTIONS"]["connect_timeout"]) == "9"
    assert config["replicas"] == ["replica1", "replica2"]
    assert config["pin"] == 8
    assert config["routers"] == ["factcheck.db_router.ReplicaRouter"]
    middleware = config["middleware"]
    assert middleware.index(MIDDLEWARE) < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"DATABASE_REPLICA_URLS": "replica-a:5432/factcheck"}, ["DATABASE_REPLICA_URLS", "number 1", "not a"]),
        (
            {"DATABASE_REPLICA_URLS": "postgres://r@replica-a/f,postgres://r:s3cret@replica-b:port/f"},
            ["DATABASE_REPLICA_URLS", "number 2", "not a"],
        ),
        ({"DATABASE_REPLICA_URLS": "postgres://r:s3cret@replica-a:5432"}, ["DATABASE_REPLICA_URLS", "no database"]),
        ({"DATABASE_REPLICA_URLS": "mysql://r:s3cret@replica-a/f"}, ["DATABASE_REPLICA_URLS", "engine"]),
        ({"DATABASE_REPLICA_PIN_SECONDS": "soon"}, ["DATABASE_REPLICA_PIN_SECONDS", "whole number"]),
        ({"DATABASE_REPLICA_PIN_SECONDS": "-1"}, ["DATABASE_REPLICA_PIN_SECONDS", "whole number"]),
    ],
)
def test_settings_bad_replica_values_stop_with_one_line(env, words):
    result = run(["manage.py", "check"], DJANGO_SECRET_KEY=SECRET, DATABASE_URL=PRIMARY, **env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert all(word in lines[0] for word in words), lines[0]
    assert "Traceback" not in result.stderr
    assert "s3cret" not in result.stderr  # a password in a URL is never printed


# A replica that does not answer


@pytest.fixture
def dead_replica(replicas, settings):
    """``replica2`` listed after ``replica1``; no replica is left out yet."""
    from factcheck import db_router

    settings.DATABASE_REPLICAS = ["replica1", "replica2"]
    db_router._down_until.clear()
    yield "replica2"
    db_router._down_until.clear()


WITH_DEAD_REPLICA = pytest.mark.django_db(transaction=True, databases=["default", "replica1", "replica2"])


@WITH_DEAD_REPLICA
def test_reads_leave_out_a_replica_that_does_not_answer(client, dead_replica, settings):
    from factcheck import db_router

    claim = PublishedClaimFactory()
    caught_up()
    dead_first = mock.patch("factcheck.db_router.random.sample", side_effect=lambda aliases, k: aliases[::-1])
    with dead_first, Queries() as queries:
        response = client.get(claim.get_absolute_url())
    assert response.status_code == 200 and claim.text in response.content.decode()
    assert queries.sql("replica1") and queries.sql("default") == []
    assert db_router._down_until[dead_replica] > time.monotonic() + db_router.REPLICA_RETRY_SECONDS - 5

    # With no replica answering, reads go to the primary.
    settings.DATABASE_REPLICAS = [dead_replica]
    cache.clear()
    with Queries() as queries:
        response = client.get(claim.get_absolute_url())
    assert response.status_code == 200 and claim.text in response.content.decode()
    assert queries.sql("default") and queries.sql("replica1") == []


@WITH_DEAD_REPLICA
def test_a_replica_left_out_is_tried_again_after_a_while(dead_replica):
    from factcheck import db_router

    assert db_router.replica_reachable(dead_replica) is False
    with mock.patch.object(connections[dead_replica], "ensure_connection") as connect:
        assert db_router.replica_reachable(dead_replica) is False  # left out: not even tried
        connect.assert_not_called()
        later_on = time.monotonic() + db_router.REPLICA_RETRY_SECONDS + 1
        with mock.patch("factcheck.db_router.time.monotonic", return_value=later_on):
            assert db_router.replica_reachable(dead_replica) is True  # it answers again
        connect.assert_called_once()
    assert dead_replica not in db_router._down_until


@WITH_DEAD_REPLICA
def test_healthz_reports_replicas_and_stays_up_while_one_is_down(client, dead_replica):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "replicas": {"replica1": "ok", "replica2": "unavailable"},
    }

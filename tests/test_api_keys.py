"""API keys (apikeys/): hashed at rest, scoped, capped by the owner's permissions, expiring, revocable, their last
use noted, limited per key; made in the admin and by create_api_key; DRF's old tokens migrated into keys."""

import importlib
import io
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from freezegun import freeze_time
from rest_framework import permissions
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from apikeys.models import APIKey
from apikeys.permissions import KeyScopeMixin
from apikeys.scopes import ALL_SCOPES
from claims.api.views import ApiViewMixin
from claims.models import Claim, Status, Topic, VerdictChange
from tests.factories import (
    CaptureFactory,
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    SpeakerFactory,
    TopicFactory,
    UserFactory,
)
from tests.helpers import api_key, key_client
from webhooks import services as webhook_services

API = "/api/v1/"
KEYS = "/api/v1/claims/"

pytestmark = pytest.mark.django_db


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and body["error"]["status"] == response.status_code, body
    return body["error"]


def client_with(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def everything_stored() -> str:
    """The text of every row of every table, as the database holds it."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names from the database itself
            parts.extend(repr(row) for row in cursor.fetchall())
    out = io.StringIO()
    call_command("dumpdata", exclude=["django_rq"], stdout=out)  # django_rq's one model has no table
    return "\n".join(parts) + out.getvalue()


@pytest.fixture
def superuser(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


# Hashed at rest


def test_a_key_is_stored_only_as_a_hash(superuser, admin_client):
    made = [api_key(superuser)]
    out = io.StringIO()
    call_command("create_api_key", "Partner", "--user", "boss", "--scopes", "read", stdout=out, stderr=io.StringIO())
    made.append(out.getvalue().strip())
    response = admin_client.post(
        reverse("admin:apikeys_apikey_add"), {"owner": superuser.pk, "name": "From the admin", "scopes": ["read"]}
    )
    made.append(re.search(r'<code id="api-key">([^<]+)</code>', response.content.decode()).group(1))
    for key in made:
        assert client_with(f"Api-Key {key}").get(KEYS).status_code == 200  # noted as used: written again

    stored = everything_stored()
    for key in made:
        prefix, secret = key.split(".")
        assert prefix in stored  # the prefix is kept, to find the key and to show it
        assert key not in stored and secret not in stored


# Scopes


def write_requests(claim, evidence, capture, topic, speaker, delivery) -> list[tuple[str, str]]:
    """Every write the API offers (from its OpenAPI schema), with real objects in its path."""
    values = {
        ("webhooks", "id"): delivery.endpoint_id,
        ("webhooks", "delivery_id"): delivery.pk,
        ("claims", "slug"): claim.slug,
        ("evidence", "id"): evidence.pk,
        ("sources", "id"): capture.source_id,
        ("statements", "id"): evidence.statement_id,
        ("topics", "slug"): topic.slug,
        ("speakers", "slug"): speaker.slug,
    }
    schema = SchemaGenerator().get_schema(request=None, public=True)
    requests = []
    for path, operations in schema["paths"].items():
        resource = path.removeprefix(API).split("/")[0]
        for method in operations:
            if method in ("get", "head", "options"):
                continue

            def fill(match, resource=resource, path=path):
                name = match.group(1)
                assert (resource, name) in values, f"Give this test an object for {path} ({name})"
                return str(values[resource, name])

            requests.append((method, re.sub(r"\{(\w+)\}", fill, path)))
    return requests


def test_a_read_key_gets_403_on_every_write(superuser):
    claim = PublishedClaimFactory()
    evidence = EvidenceFactory(claim=claim)
    endpoint = webhook_services.endpoint_create(owner=superuser, url="http://127.0.0.1:9/hook")
    delivery = webhook_services.send_test(endpoint=endpoint)
    requests = write_requests(claim, evidence, CaptureFactory(), TopicFactory(), SpeakerFactory(), delivery)
    assert len(requests) >= 30
    reader = key_client(superuser, scopes=["read"])  # a superuser's key: only its scope refuses
    for method, url in requests:
        response = getattr(reader, method)(url, {}, format="json")
        assert response.status_code == 403, (method, url, response.content)
        assert error(response)["code"] == "insufficient_scope", (method, url)
        assert re.match(r"The API key lacks the scope '(write|submit|publish|webhooks)'", error(response)["message"])
    assert reader.get(f"{API}claims/{claim.slug}/").status_code == 200
    assert Claim.objects.get(pk=claim.pk).version == claim.version


def test_a_write_key_writes_but_takes_no_workflow_step(editor, superuser):
    writer = key_client(editor, scopes=["write"])
    assert writer.post(f"{API}topics/", {"name": "Leaks"}).status_code == 201
    response = writer.get(f"{API}topics/")
    assert response.status_code == 403 and "'read'" in error(response)["message"]
    draft = ClaimFactory(text="A draft to submit.")
    refused = writer.post(f"{API}claims/{draft.slug}/submit/")
    assert refused.status_code == 403
    assert error(refused)["code"] == "insufficient_scope" and "'submit'" in error(refused)["message"]
    assert Claim.objects.get(pk=draft.pk).status == Status.DRAFT


def test_a_submit_key_sends_to_review_and_a_publish_key_publishes(editor, reviewer):
    claim = ClaimFactory(ready=True, text="A claim ready to publish.")
    assert key_client(editor, scopes=["submit"]).post(f"{API}claims/{claim.slug}/submit/").status_code == 200
    submit_only = key_client(reviewer, scopes=["submit"])
    refused = submit_only.post(f"{API}claims/{claim.slug}/publish/")
    assert refused.status_code == 403 and "'publish'" in error(refused)["message"]

    publisher = key_client(reviewer, scopes=["publish"])
    verdict = {"verdict": "false", "kind": "initial", "reason": "Checked."}
    assert publisher.post(f"{API}claims/{claim.slug}/verdict/", verdict).status_code == 200
    response = publisher.post(f"{API}claims/{claim.slug}/publish/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.PUBLISHED


def test_a_key_can_never_do_more_than_its_owner(editor):
    """An editor's key with every scope still cannot publish or set a verdict: the owner's permissions apply."""
    claim = ClaimFactory(ready=True, status=Status.IN_REVIEW, text="In review.")
    everything = key_client(editor, scopes=ALL_SCOPES)
    for step, body in (("publish", {}), ("verdict", {"verdict": "true", "kind": "initial", "reason": "x"})):
        response = everything.post(f"{API}claims/{claim.slug}/{step}/", body)
        assert response.status_code == 403, step
        assert error(response)["code"] != "insufficient_scope"
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW
    assert not VerdictChange.objects.filter(claim=claim).exists()
    # A reader's key with every scope writes nothing: the account has no permission to.
    assert key_client(UserFactory(), scopes=ALL_SCOPES).post(f"{API}topics/", {"name": "x"}).status_code == 403
    assert not Topic.objects.filter(name="x").exists()


def test_the_claimreview_import_needs_the_write_scope(superuser):
    response = key_client(superuser, scopes=["read"]).post(
        f"{API}claimreview/import/", b"{}", content_type="application/json"
    )
    assert response.status_code == 403 and error(response)["code"] == "insufficient_scope"


class WebhooksLikeView(ApiViewMixin, APIView):
    """A view that names its scope, as the webhooks endpoints do."""

    permission_classes = [permissions.IsAuthenticated]
    key_scope = "webhooks"

    def get(self, request):
        return Response({"scopes": request.auth.scopes})


def test_a_view_names_the_scope_it_needs(editor):
    view = WebhooksLikeView.as_view()
    for scopes, status in ((["read", "write"], 403), (["webhooks"], 200)):
        request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Api-Key {api_key(editor, scopes)}")
        response = view(request)
        assert response.status_code == status, scopes
    assert response.data == {"scopes": ["webhooks"]}  # request.auth is the key


def test_sessions_are_not_scope_checked(editor):
    session = APIClient()
    session.force_login(editor)
    assert session.post(f"{API}topics/", {"name": "By session"}).status_code == 201


def test_every_api_view_checks_the_key_scope():
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    views = {callback.cls for _path, _regex, _method, callback in generator.endpoints}
    assert len(views) >= 10
    docs = (SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView)  # the schema and its pages: public
    assert [view for view in views if not issubclass(view, (KeyScopeMixin, *docs))] == []


# Refused keys: 401 with a code


def test_expired_revoked_unknown_and_inactive_keys_are_401(editor):
    leaver = UserFactory()
    cases = {
        "key_expired": api_key(editor, name="expired", expiry_date=timezone.now() + timedelta(days=1)),
        "key_revoked": api_key(editor, name="revoked"),
        "inactive_owner": api_key(leaver),
    }
    APIKey.objects.filter(name="expired").update(expiry_date=timezone.now() - timedelta(minutes=1))
    APIKey.objects.filter(name="revoked").update(revoked=True)
    type(leaver).objects.filter(pk=leaver.pk).update(is_active=False)
    good = api_key(editor)
    cases["invalid_key"] = f"{good.split('.')[0]}.{'x' * 32}"  # a real prefix with a wrong secret
    for code, key in cases.items():
        for scheme in ("Api-Key", "Token"):
            response = client_with(f"{scheme} {key}").get(KEYS)
            assert response.status_code == 401, (code, scheme)
            assert error(response)["code"] == code
            assert response["WWW-Authenticate"] == 'Api-Key realm="api"'
    assert client_with(f"Api-Key {good}").get(KEYS).status_code == 200


def test_no_credentials_on_a_write_is_401_not_403(db):
    response = APIClient().post(f"{API}topics/", {"name": "x"})
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Api-Key realm="api"'


# Last use


def test_last_use_is_noted_at_most_once_a_minute(editor):
    key = api_key(editor)
    stored = APIKey.objects.get(owner=editor)
    assert stored.last_used_at is None
    client = client_with(f"Api-Key {key}")
    with freeze_time("2026-12-01 10:00:00"):
        assert client.get(KEYS, REMOTE_ADDR="203.0.113.7").status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at.isoformat() == "2026-12-01T10:00:00+00:00"
    assert stored.last_used_ip == "203.0.113.7"
    with freeze_time("2026-12-01 10:00:40"), CaptureQueriesContext(connection) as queries:
        assert client.get(KEYS, REMOTE_ADDR="203.0.113.8").status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    stored.refresh_from_db()
    assert stored.last_used_ip == "203.0.113.7"
    with freeze_time("2026-12-01 10:01:30"):
        assert client.get(KEYS, REMOTE_ADDR="203.0.113.8").status_code == 200
    stored.refresh_from_db()
    assert (stored.last_used_at.minute, stored.last_used_ip) == (1, "203.0.113.8")


def test_a_failure_to_note_the_use_does_not_fail_the_request(editor):
    client = key_client(editor)
    with mock.patch.object(QuerySet, "update", side_effect=DatabaseError("read-only")):
        assert client.get(f"{API}verdicts/").status_code == 200
    assert APIKey.objects.get(owner=editor).last_used_at is None


# Rate limits per key


def test_each_key_has_its_own_limit(settings, editor):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": "1000/minute", "key": "2/minute"},
    }
    first, second = key_client(editor), key_client(editor)
    assert [first.get(KEYS).status_code for _ in range(3)] == [200, 200, 429]
    refused = first.get(KEYS)
    assert error(refused)["code"] == "throttled" and int(refused["Retry-After"]) > 0
    assert second.get(KEYS).status_code == 200  # the same owner's other key
    session = APIClient()
    session.force_login(editor)
    assert [session.get(KEYS).status_code for _ in range(3)] == [200, 200, 200]  # the user's limit, not the key's


# The admin


def test_staff_make_a_key_in_the_admin_and_see_it_once(admin_client, editor):
    response = admin_client.post(
        reverse("admin:apikeys_apikey_add"),
        {"owner": editor.pk, "name": "Partner desk", "scopes": ["read", "submit"], "expiry_date_0": "2099-01-31",
         "expiry_date_1": "12:00:00"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    key = re.search(r'<code id="api-key">([^<]+)</code>', page).group(1)
    assert "shown this once" in page
    stored = APIKey.objects.get(name="Partner desk")
    assert (stored.owner, stored.scopes, stored.expiry_date.year) == (editor, ["read", "submit"], 2099)
    assert client_with(f"Api-Key {key}").get(KEYS).status_code == 200

    for url in (reverse("admin:apikeys_apikey_change", args=[stored.pk]), reverse("admin:apikeys_apikey_changelist")):
        later = admin_client.get(url).content.decode()
        assert stored.prefix in later and key not in later and key.split(".")[1] not in later


def test_the_admin_refuses_bad_input_and_writes_nothing(admin_client, editor):
    url = reverse("admin:apikeys_apikey_add")
    for data in (
        {"owner": editor.pk, "name": "No scope"},
        {"owner": editor.pk, "name": "Bad scope", "scopes": ["admin"]},
        {"owner": editor.pk, "name": "Past", "scopes": ["read"], "expiry_date_0": "2001-01-01", "expiry_date_1": "0:0"},
        {"name": "No owner", "scopes": ["read"]},
    ):
        response = admin_client.post(url, data)
        assert response.status_code == 200 and response.context["adminform"].form.errors, data
    assert not APIKey.objects.exists()


def test_the_admin_revokes_keys(admin_client, editor):
    key = api_key(editor)
    stored = APIKey.objects.get(owner=editor)
    response = admin_client.post(
        reverse("admin:apikeys_apikey_changelist"), {"action": "revoke", "_selected_action": [stored.pk]}, follow=True
    )
    assert "Revoked 1 API key" in response.content.decode()
    stored.refresh_from_db()
    assert stored.revoked
    refused = client_with(f"Api-Key {key}").get(KEYS)
    assert refused.status_code == 401 and error(refused)["code"] == "key_revoked"


def test_only_those_with_the_keys_permissions_manage_keys(client, editor, reviewer):
    client.force_login(reviewer)  # staff, a reviewer, but without the apikeys permissions
    assert client.get(reverse("admin:apikeys_apikey_changelist")).status_code == 403
    assert client.post(reverse("admin:apikeys_apikey_add"), {"owner": reviewer.pk, "name": "x"}).status_code == 403
    reviewer.user_permissions.add(*Permission.objects.filter(content_type__app_label="apikeys"))
    assert client.get(reverse("admin:apikeys_apikey_add")).status_code == 200
    # DRF's plaintext tokens and the library's own key model are not in the admin.
    index = client.get(reverse("admin:index")).content.decode()
    assert "authtoken" not in index and "rest_framework_api_key" not in index


# The command


def test_create_api_key_prints_a_working_key_once(editor):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_key", "Partner", "--user", editor.username, "--scopes", "read, write", "--expires", "30",
        stdout=out, stderr=err,
    )  # fmt: skip
    key = out.getvalue().strip()
    assert "\n" not in key and "once" in err.getvalue()
    stored = APIKey.objects.get(owner=editor)
    assert (stored.name, stored.scopes) == ("Partner", ["read", "write"])
    assert timedelta(days=29) < stored.expiry_date - timezone.now() <= timedelta(days=30)
    client = client_with(f"Api-Key {key}")
    assert client.post(f"{API}topics/", {"name": "By key"}).status_code == 201


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "ghost", "--scopes", "read"], "No user 'ghost'"),
        (["--user", "gone", "--scopes", "read"], "inactive"),
        (["--user", "someone", "--scopes", "read,admin"], "Unknown scope 'admin'"),
        (["--user", "someone", "--scopes", " , "], "at least one scope"),
        (["--user", "someone", "--scopes", "read", "--expires", "0"], "from 1 to 3650, not '0'"),
        (["--user", "someone", "--scopes", "read", "--expires", "soon"], "not 'soon'"),
        (["--user", "someone", "--scopes", "read", "--expires", "-3"], "not '-3'"),
    ],
)
def test_create_api_key_refuses_bad_input(args, message):
    UserFactory(username="someone")
    UserFactory(username="gone", is_active=False)
    with pytest.raises(CommandError, match=message):
        call_command("create_api_key", "Partner", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert not APIKey.objects.exists()


# DRF's tokens, migrated


MIGRATION = importlib.import_module("apikeys.migrations.0002_migrate_drf_tokens")


def test_drf_tokens_become_hashed_keys_that_keep_working(editor):
    token = Token.objects.create(user=editor).key
    MIGRATION.migrate_tokens(apps, None)
    assert not Token.objects.exists()
    key = APIKey.objects.get(owner=editor)
    assert (key.name, key.scopes, key.revoked) == ("Migrated API token", ALL_SCOPES, False)
    assert client_with(f"Token {token}").post(f"{API}topics/", {"name": "Still works"}).status_code == 201
    assert client_with(f"Api-Key {token}").get(KEYS).status_code == 200
    assert token not in everything_stored()


@pytest.mark.django_db(transaction=True)
def test_the_token_migration_runs_in_the_migration_chain(editor):
    executor = MigrationExecutor(connection)
    executor.migrate([("apikeys", "0001_initial")])
    old_apps = executor.loader.project_state([("apikeys", "0001_initial"), MIGRATION.Migration.dependencies[1]]).apps
    token = old_apps.get_model("authtoken", "Token").objects.create(
        key="a" * 8 + "0123456789" * 3 + "bc", user_id=editor.pk
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert not Token.objects.exists()
    assert client_with(f"Token {token.key}").get(KEYS).status_code == 200
    assert APIKey.objects.get(owner=editor).name == "Migrated API token"


# The schema


def test_the_schema_describes_the_key_scheme_and_its_scopes(db):
    schema = APIClient().get(f"{API}schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    scheme = schema.json()["components"]["securitySchemes"]["ApiKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    for text in ("Api-Key <key>", "insufficient_scope", "key_expired", "key_revoked", *(f"`{s}`" for s in ALL_SCOPES)):
        assert text in scheme["description"], text
    publish = schema.json()["paths"]["/api/v1/claims/{slug}/publish/"]["post"]
    assert {"ApiKey": []} in publish["security"] and "`publish` scope" in publish["description"]
    assert "`submit` scope" in schema.json()["paths"]["/api/v1/claims/{slug}/submit/"]["post"]["description"]

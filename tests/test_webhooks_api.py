"""Webhooks over the API (/api/v1/webhooks/) and in the admin: a client manages its own endpoints, sees the secret
once, reads deliveries with their attempts, sends a test event and sends a delivery again; staff do the same in the
admin."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from tests.helpers import key_client, messages_of, run_tasks
from webhooks import services
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


@pytest.fixture
def partner(django_user_model):
    return django_user_model.objects.create_user("partner", password="a long password for the partner")


@pytest.fixture
def api(partner):
    return key_client(partner, scopes=["webhooks"])


def create(api, receiver, **fields):
    response = api.post(URL, {"url": receiver.url, "description": "Our desk", **fields}, format="json")
    assert response.status_code == 201, response.json()
    receiver.secret = response.json()["secret"]
    return response.json()


def test_a_client_registers_an_endpoint_and_sees_the_secret_once(api, receiver, partner):
    made = create(api, receiver, events=["claim.published", "source.changed"])
    assert made["secret"].startswith("whsec_") and made["is_active"] is True
    assert made["events"] == ["claim.published", "source.changed"]
    assert Endpoint.objects.get().owner == partner
    listed = api.get(URL).json()["results"]
    assert [e["id"] for e in listed] == [made["id"]] and "secret" not in listed[0]
    one = api.get(f"{URL}{made['id']}/").json()
    assert "secret" not in one and one["url"] == receiver.url
    assert made["secret"] not in str(api.get(f"{URL}{made['id']}/").content)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://10.1.2.3/hook", "refused_address"),
        ("http://[::ffff:192.168.0.1]/hook", "refused_address"),
        ("gopher://example.org/", "refused_scheme"),
        ("https://user:pw@example.org/", "refused_credentials"),
    ],
)
def test_a_private_or_odd_address_is_refused_with_its_code(api, url, code):
    response = api.post(URL, {"url": url}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and "url" in error["fields"]
    assert not Endpoint.objects.exists()


def test_an_unknown_event_type_is_refused(api, receiver):
    response = api.post(URL, {"url": receiver.url, "events": ["claim.deleted"]}, format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"]["events"]


def test_anonymous_clients_get_nothing(receiver):
    assert APIClient().get(URL).status_code in (401, 403)
    assert APIClient().post(URL, {"url": receiver.url}, format="json").status_code in (401, 403)


def test_another_clients_endpoints_are_not_found(api, receiver, django_user_model):
    other = services.endpoint_create(owner=django_user_model.objects.create_user("other"), url=receiver.url)
    assert api.get(URL).json()["results"] == []
    for method, path in [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "test/"),
        ("get", "deliveries/"),
        ("post", "rotate-secret/"),
    ]:
        assert getattr(api, method)(f"{URL}{other.pk}/{path}", {}, format="json").status_code == 404, (method, path)
    assert Endpoint.objects.get(pk=other.pk).is_active


def test_send_a_test_event_then_read_the_deliveries_with_their_attempts(api, receiver):
    made = create(api, receiver)
    response = api.post(f"{URL}{made['id']}/test/")
    assert response.status_code == 202 and response.json()["event_type"] == "webhook.test"
    run_tasks()
    [got] = receiver.received
    assert got.verified and got.event["type"] == "webhook.test"
    [delivery] = api.get(f"{URL}{made['id']}/deliveries/").json()["results"]
    assert delivery["state"] == "delivered" and delivery["event_id"] == got.id
    assert delivery["payload"] == got.event
    [attempt] = delivery["attempts"]
    assert attempt["number"] == 1 and attempt["status_code"] == 200 and attempt["response_excerpt"] == "ok"


def test_send_again(api, receiver):
    made = create(api, receiver)
    receiver.answers = [(500, {}, "x" * 2000)]
    api.post(f"{URL}{made['id']}/test/")
    run_tasks()
    delivery = Delivery.objects.get()
    assert delivery.state == "failed" and len(delivery.attempt_log.get().response_excerpt) == 500
    response = api.post(f"{URL}{made['id']}/deliveries/{delivery.pk}/retry/")
    assert response.status_code == 202
    run_tasks()
    assert receiver.ids == [delivery.event_id] * 2
    assert Delivery.objects.get().state == "delivered"
    assert api.post(f"{URL}{made['id']}/deliveries/{delivery.pk + 1}/retry/").status_code == 404


def test_rotating_the_secret_signs_with_both_for_a_while(api, receiver):
    made = create(api, receiver)
    old = made["secret"]
    response = api.post(f"{URL}{made['id']}/rotate-secret/")
    assert response.status_code == 200
    new = response.json()["secret"]
    assert new.startswith("whsec_") and new != old
    receiver.secret = old
    api.post(f"{URL}{made['id']}/test/")
    run_tasks()
    [got] = receiver.received
    assert got.verified  # with the old secret
    from standardwebhooks import Webhook

    Webhook(new).verify(got.body, got.headers)  # and with the new one
    assert len(got.headers["webhook-signature"].split(" ")) == 2


def test_turn_off_and_on_and_delete(api, receiver):
    made = create(api, receiver)
    off = api.patch(f"{URL}{made['id']}/", {"is_active": False}, format="json").json()
    assert off["is_active"] is False and off["disabled_reason"]
    response = api.post(f"{URL}{made['id']}/test/")
    assert response.status_code == 400 and response.json()["error"]["code"] == "endpoint_inactive"
    on = api.patch(f"{URL}{made['id']}/", {"is_active": True}, format="json").json()
    assert on["is_active"] is True and on["disabled_reason"] == ""
    refused = api.patch(f"{URL}{made['id']}/", {"url": "http://192.168.1.1/"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "refused_address"
    assert Endpoint.objects.get().url == receiver.url
    assert api.delete(f"{URL}{made['id']}/").status_code == 204
    assert not Endpoint.objects.exists()


def test_the_views_ask_for_the_webhooks_scope():
    from webhooks.api import EndpointViewSet

    assert EndpointViewSet.key_scope == "webhooks"


def test_the_schema_describes_webhooks():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    assert {
        "/api/v1/webhooks/",
        "/api/v1/webhooks/{id}/",
        "/api/v1/webhooks/{id}/test/",
        "/api/v1/webhooks/{id}/deliveries/",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry/",
        "/api/v1/webhooks/{id}/rotate-secret/",
    } <= set(paths)
    assert "webhook-signature" in paths["/api/v1/webhooks/"]["post"]["description"]


# The admin


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_user("webmaster", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="webhooks"))
    client.force_login(user)
    return client


def test_staff_add_an_endpoint_in_the_admin_and_see_the_secret_once(staff, receiver, partner):
    response = staff.post(
        "/admin/webhooks/endpoint/add/",
        {"owner": partner.pk, "url": receiver.url, "description": "Partner desk", "events": ["claim.published"],
         "is_active": "on"},
        follow=True,
    )  # fmt: skip
    endpoint = Endpoint.objects.get()
    assert endpoint.owner == partner and endpoint.events == ["claim.published"]
    [shown] = [m for m in messages_of(response) if "secret" in m]
    assert endpoint.secret in shown
    page = staff.get(f"/admin/webhooks/endpoint/{endpoint.pk}/change/")
    assert page.status_code == 200 and endpoint.secret not in page.content.decode()


def test_the_admin_refuses_a_private_address(staff, partner):
    response = staff.post("/admin/webhooks/endpoint/add/", {"owner": partner.pk, "url": "http://10.0.0.1/x"})
    assert response.status_code == 200 and "not allowed" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_admin_actions_test_event_off_on_and_send_again(staff, receiver, partner):
    endpoint = services.endpoint_create(owner=partner, url=receiver.url)
    receiver.secret = endpoint.secret
    changelist = "/admin/webhooks/endpoint/"
    staff.post(changelist, {"action": "send_test", "_selected_action": [endpoint.pk]})
    run_tasks()
    assert [r.event["type"] for r in receiver.received] == ["webhook.test"] and receiver.received[0].verified
    staff.post(changelist, {"action": "turn_off", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "webmaster" in endpoint.disabled_reason
    staff.post(changelist, {"action": "turn_on", "_selected_action": [endpoint.pk]})
    assert Endpoint.objects.get().is_active
    delivery = Delivery.objects.get()
    page = staff.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").content.decode()
    assert "webhook.test" in page and ">ok<" in page.replace('<td class="field-response_excerpt">', ">")
    staff.post("/admin/webhooks/delivery/", {"action": "send_again", "_selected_action": [delivery.pk]})
    run_tasks()
    assert receiver.ids == [delivery.event_id] * 2


def test_an_endpoint_made_off_and_unknown_fields_refused(api, receiver):
    made = create(api, receiver, is_active=False)
    assert made["is_active"] is False and made["disabled_reason"]
    response = api.post(URL, {"url": receiver.url, "colour": "blue"}, format="json")
    assert response.status_code == 400 and "colour" in response.json()["error"]["fields"]
    response = api.patch(f"{URL}{made['id']}/", {"secret": "whsec_mine"}, format="json")
    assert response.status_code == 400 and "secret" in response.json()["error"]["fields"]

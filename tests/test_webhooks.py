"""Webhooks: the public record's changes delivered signed (the Standard Webhooks specification) to a receiver on
127.0.0.1 that verifies each with the `standardwebhooks` package; the outbox, the retry schedule, Retry-After, 410,
redirects, the address rules and workers that stop."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from archive import services as archive
from claims import services as record
from claims.models import Claim, PublicChange, Status, Verdict
from tests.factories import ClaimFactory, EvidenceFactory, PublishedClaimFactory, SourceFactory, StatementFactory
from tests.helpers import DB_TASKS, db_worker, run_tasks
from tests.pages_server import ARTICLE, REWRITTEN
from webhooks import services
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 12, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def client_user(django_user_model):
    return django_user_model.objects.create_user("partner", password="a long password for the partner")


@pytest.fixture
def endpoint(receiver, client_user):
    made = services.endpoint_create(owner=client_user, url=receiver.url, description="Our newsroom")
    receiver.secret = made.secret
    return made


def published(reviewer, **fields) -> Claim:
    claim = ClaimFactory(status=Status.IN_REVIEW, ready=True, **fields)
    record.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.FALSE, kind="initial", reason="Rated.")
    return record.claim_publish(claim=claim, by=reviewer)


def site_reader(settings) -> APIClient:
    """A reader of the API at the site's address (settings.SITE_URL), as the URLs in events name it."""
    site = urlsplit(settings.SITE_URL)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, site.hostname]
    return APIClient(HTTP_HOST=site.netloc)


def delivery() -> Delivery:
    return Delivery.objects.get()


# Delivered, signed


def test_a_published_claim_arrives_signed_and_verifies(reviewer, endpoint, receiver, settings):
    assert endpoint.secret.startswith("whsec_")
    claim = published(reviewer)
    run_tasks()
    [got] = receiver.received
    assert got.verified, got.error
    change = PublicChange.objects.get()
    assert got.id == f"msg_{change.pk}"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-signature"].startswith("v1,")
    event = got.event
    assert event["type"] == "claim.published"
    assert event["timestamp"] == change.at.isoformat().replace("+00:00", "Z")
    data = event["data"]
    assert data["id"] == got.id and data["change_id"] == str(change.pk)
    etag = data["claim"].pop("etag")
    assert data["claim"] == {
        "id": claim.pk,
        "slug": claim.slug,
        "url": f"{settings.SITE_URL}/api/v1/claims/{claim.slug}/",
        "html_url": f"{settings.SITE_URL}/claims/{claim.slug}/",
    }
    # The ETag a reader of the claim's address gets: sent back in If-None-Match, nothing to read.
    reader = site_reader(settings)
    assert reader.get(data["claim"]["url"], HTTP_IF_NONE_MATCH=etag).status_code == 304
    record.claim_add_note(claim=claim, by=reviewer, kind="update", reason="More evidence came in.")
    assert reader.get(data["claim"]["url"], HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert (data["verdict"], data["status"], data["slug"]) == ("false", "published", claim.slug)
    assert len(got.body) < 2000  # small
    sent = delivery()
    assert (sent.state, sent.attempts, sent.last_status) == ("delivered", 1, 200)
    [attempt] = sent.attempt_log.all()
    assert (attempt.number, attempt.status_code, attempt.response_excerpt) == (1, 200, "ok")
    assert attempt.latency_ms >= 0


def test_a_client_that_was_offline_catches_up_from_the_feed_after_its_last_event(reviewer, endpoint, receiver):
    first = published(reviewer, text="The first claim the client heard of.")
    run_tasks()
    [heard] = receiver.received
    receiver.answers = [(503, {}, "offline")] * 5  # the client goes away; two more changes happen
    second = published(reviewer, text="A claim published while the client was away.")
    record.claim_retract(claim=first, by=reviewer, reason="Withdrawn while the client was away.")
    run_tasks()
    assert len(set(receiver.ids)) == 1 + 2 and Delivery.objects.filter(state="delivered").count() == 1

    page = APIClient().get(heard.event["data"]["changes_after"]).json()  # back: read on from the last one heard
    assert [(c["type"], c["claim"]["slug"]) for c in page["results"]] == [
        ("claim.published", second.slug),
        ("claim.retracted", first.slug),
    ]


def test_every_kind_of_change_is_an_event(reviewer, endpoint, receiver):
    claim = published(reviewer)
    record.claim_add_note(claim=claim, by=reviewer, kind="update", reason="Context added.")
    record.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.MIXED, kind="correction", reason="We erred.")
    record.claim_retract(claim=Claim.objects.get(pk=claim.pk), by=reviewer, reason="Withdrawn.")
    run_tasks()
    assert all(r.verified for r in receiver.received)
    types = [r.event["type"] for r in sorted(receiver.received, key=lambda r: int(r.id[4:]))]
    assert types == [
        "claim.published",
        "claim.updated",
        "claim.verdict_changed",
        "correction.published",
        "claim.retracted",
    ]
    changed = next(r.event["data"] for r in receiver.received if r.event["type"] == "claim.verdict_changed")
    assert (changed["verdict_change_kind"], changed["verdict"], changed["previous_verdict"]) == (
        "correction",
        "mixed",
        "false",
    )


def test_an_endpoint_gets_only_the_events_it_asked_for(reviewer, receiver, client_user):
    only = services.endpoint_create(owner=client_user, url=receiver.url, events=["claim.retracted"])
    receiver.secret = only.secret
    claim = published(reviewer)
    run_tasks()
    assert receiver.received == []
    record.claim_retract(claim=Claim.objects.get(pk=claim.pk), by=reviewer, reason="Withdrawn.")
    run_tasks()
    assert [r.event["type"] for r in receiver.received] == ["claim.retracted"]


def test_a_change_that_rolls_back_sends_nothing(reviewer, endpoint, receiver):
    claim = ClaimFactory(status=Status.IN_REVIEW, ready=True)
    record.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.FALSE, kind="initial", reason="Rated.")
    with pytest.raises(RuntimeError), transaction.atomic():
        record.claim_publish(claim=claim, by=reviewer)
        raise RuntimeError("something after the publication failed")
    run_tasks()
    services.sweep()
    run_tasks()
    assert receiver.received == [] and not Delivery.objects.exists()


def test_a_lost_enqueue_is_made_good_by_the_sweep(reviewer, endpoint, receiver):
    """The change commits but its fan-out never runs (a queue that was down): the recurring sweep sends it."""
    published(reviewer)
    from django_tasks import default_task_backend

    from tests.helpers import waiting_tasks

    waiting_tasks()
    default_task_backend.clear()  # the enqueued fan-out is lost
    run_tasks()
    assert receiver.received == []
    services.sweep()
    run_tasks()
    assert len(receiver.received) == 1 and receiver.received[0].verified


def test_a_source_that_drifted_is_a_source_changed_event(reviewer, endpoint, receiver, monkeypatch, settings):
    source = SourceFactory(url="https://news.example.org/leak")
    EvidenceFactory(claim=PublishedClaimFactory(), statement=StatementFactory(source=source))
    pages = {source.url: ARTICLE}
    monkeypatch.setattr(
        archive, "fetch", lambda url, **kw: archive.stand_in_fetch(url=url, body=pages[url].encode(), at=timezone.now())
    )
    for body in (ARTICLE, REWRITTEN):
        pages[source.url] = body
        made = archive.capture_request(source=source, reason="watch", run=False)
        archive.capture_run(made.pk)
    run_tasks()
    [got] = receiver.received
    assert got.verified
    assert got.event["type"] == "source.changed"
    data = got.event["data"]
    etag = data["source"].pop("etag")
    assert data["source"] == {
        "id": source.pk,
        "url": f"{settings.SITE_URL}/api/v1/sources/{source.pk}/",
        "html_url": f"{settings.SITE_URL}/sources/{source.pk}/",
    }
    reader = site_reader(settings)
    assert reader.get(data["source"]["url"]).headers["ETag"] == etag
    assert (data["change"], data["url"], data["source_id"]) == ("drifted", source.url, source.pk)


# Retries


def test_a_receiver_that_is_down_gets_retries_at_the_scheduled_times_then_none(reviewer, endpoint, receiver):
    """The specification's schedule: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h
    after each failure (up to 10 % later), then it is given up."""
    receiver.answers = [(500, {}, "down for maintenance")] * 20
    with freeze_time(T0) as clock:
        published(reviewer)
        run_tasks()
        assert len(receiver.received) == 1
        for number, delay in enumerate(services.SCHEDULE, start=2):
            due, now = delivery().next_attempt_at, timezone.now()
            assert now + delay <= due <= now + delay * 1.1 + datetime.timedelta(seconds=1)
            clock.move_to(due - datetime.timedelta(seconds=1))
            run_tasks()
            assert len(receiver.received) == number - 1, f"attempt {number} came early"
            clock.move_to(due)
            run_tasks()
            assert len(receiver.received) == number
        sent = delivery()
        assert (sent.state, sent.attempts, sent.next_attempt_at) == ("given_up", 10, None)
        assert timezone.now() - T0 >= datetime.timedelta(hours=75)  # about three days
        clock.move_to(timezone.now() + datetime.timedelta(days=2))
        services.sweep()
        run_tasks()
    assert len(receiver.received) == 10
    assert len(set(receiver.ids)) == 1 and all(r.verified for r in receiver.received)
    excerpts = [a.response_excerpt for a in sent.attempt_log.all()]
    assert excerpts == ["down for maintenance"] * 10
    assert [a.status_code for a in sent.attempt_log.all()] == [500] * 10


def test_a_receiver_that_comes_back_gets_it_once(reviewer, endpoint, receiver):
    receiver.answers = [(503, {}, "busy"), (502, {}, "bad gateway")]
    with freeze_time(T0) as clock:
        published(reviewer)
        for _ in range(3):
            run_tasks()
            if delivery().next_attempt_at:
                clock.move_to(delivery().next_attempt_at)
        run_tasks()
    assert [a.status_code for a in delivery().attempt_log.all()] == [503, 502, 200]
    assert delivery().state == "delivered" and len(set(receiver.ids)) == 1


@pytest.mark.parametrize("header", ["120", "Wed, 02 Dec 2026 09:02:00 GMT"])
def test_429_with_retry_after_waits_that_long(reviewer, endpoint, receiver, header):
    receiver.answers = [(429, {"Retry-After": header}, "slow down")]
    with freeze_time(T0) as clock:
        published(reviewer)
        run_tasks()
        assert delivery().next_attempt_at == T0 + datetime.timedelta(seconds=120)
        clock.move_to(T0 + datetime.timedelta(seconds=119))
        run_tasks()
        assert len(receiver.received) == 1
        clock.move_to(T0 + datetime.timedelta(seconds=120))
        run_tasks()
    assert len(receiver.received) == 2 and delivery().state == "delivered"


def test_a_retry_after_beyond_a_day_is_capped(reviewer, endpoint, receiver):
    receiver.answers = [(503, {"Retry-After": str(30 * 24 * 3600)}, "")]
    with freeze_time(T0):
        published(reviewer)
        run_tasks()
        assert delivery().next_attempt_at == T0 + datetime.timedelta(hours=24)


def test_410_disables_the_endpoint_with_the_reason(reviewer, endpoint, receiver):
    receiver.answers = [(410, {}, "gone")]
    published(reviewer)
    run_tasks()
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "410" in endpoint.disabled_reason and endpoint.disabled_at
    assert delivery().state == "given_up"
    published(reviewer)
    run_tasks()
    services.sweep()
    run_tasks()
    assert len(receiver.received) == 1 and Delivery.objects.count() == 1


def test_an_endpoint_that_fails_everything_for_five_days_is_turned_off_and_what_waits_goes_when_it_is_on(
    reviewer, client_user, receiver
):
    receiver.answers = [(500, {}, "down")] * 100
    with freeze_time(T0) as clock:
        endpoint = services.endpoint_create(owner=client_user, url=receiver.url)
        receiver.secret = endpoint.secret
        clock.tick(60)
        published(reviewer, text="Published on the first day.")
        run_tasks()
        clock.move_to(T0 + datetime.timedelta(days=4))
        published(reviewer, text="Published on the fifth day.")
        run_tasks()
        endpoint.refresh_from_db()
        assert endpoint.is_active  # four days of failures: still on
        assert endpoint.failing_since == T0 + datetime.timedelta(seconds=60)

        clock.move_to(T0 + datetime.timedelta(days=5, minutes=2))
        run_tasks()  # the retries due now fail too
        endpoint.refresh_from_db()
        assert not endpoint.is_active and endpoint.disabled_at == timezone.now()
        assert "Every attempt failed since 2026-12-02 09:01 UTC" in endpoint.disabled_reason
        assert "HTTP 500" in endpoint.disabled_reason
        assert sorted(Delivery.objects.values_list("state", flat=True)) == ["failed", "failed"]

        tried = len(receiver.received)
        off = published(reviewer, text="Published while the endpoint is off.")
        clock.move_to(timezone.now() + datetime.timedelta(hours=1))
        services.sweep()
        run_tasks()
        assert len(receiver.received) == tried  # off: nothing is sent, nothing new is made for it
        assert Delivery.objects.count() == 2

        receiver.answers = []  # it answers again, and its owner turns it on
        services.endpoint_enable(endpoint=endpoint)
        clock.move_to(timezone.now() + datetime.timedelta(minutes=11))
        services.sweep()
        run_tasks()
        assert sorted(Delivery.objects.values_list("state", flat=True)) == ["delivered", "delivered"]
        endpoint.refresh_from_db()
        assert endpoint.is_active and endpoint.failing_since is None
        # What happened while it was off is in the changes feed, after the last event it got.
        [last] = [r for r in receiver.received if r.verified][-1:]
        page = APIClient().get(last.event["data"]["changes_after"]).json()
        assert off.slug in [c["claim"]["slug"] for c in page["results"]]

        # Turned on again, the clock starts again: one failure the next day is retried, not turned off.
        receiver.answers = [(500, {}, "down again")]
        clock.move_to(timezone.now() + datetime.timedelta(days=1))
        published(reviewer, text="Published the day after.")
        run_tasks()
        endpoint.refresh_from_db()
        assert endpoint.is_active


def test_an_endpoint_that_delivered_within_five_days_stays_on(reviewer, client_user, receiver):
    with freeze_time(T0) as clock:
        endpoint = services.endpoint_create(owner=client_user, url=receiver.url)
        receiver.secret = endpoint.secret
        clock.tick(60)
        receiver.answers = [(500, {}, "down")]
        published(reviewer, text="A failure on the first day.")
        run_tasks()
        clock.move_to(T0 + datetime.timedelta(days=1))
        receiver.answers = [(200, {}, "ok")] + [(500, {}, "down")] * 50
        published(reviewer, text="Delivered on the second day.")
        run_tasks()
        clock.move_to(T0 + datetime.timedelta(days=5, minutes=2))
        published(reviewer, text="A failure after five days.")
        run_tasks()
        endpoint.refresh_from_db()
        assert endpoint.is_active


def test_a_redirect_is_a_failure_and_is_not_followed(reviewer, endpoint, receiver):
    receiver.answers = [(301, {"Location": receiver.url + "/elsewhere"}, "moved")]
    published(reviewer)
    run_tasks()
    assert [r.path for r in receiver.received] == ["/hook"]
    [attempt] = delivery().attempt_log.all()
    assert (attempt.status_code, attempt.error_code) == (301, "redirect")
    assert delivery().state == "failed"


def test_a_receiver_that_answers_nothing_in_time_is_a_timeout(reviewer, client_user, silent_url, settings):
    settings.WEBHOOKS_TIMEOUT = 0.5
    services.endpoint_create(owner=client_user, url=silent_url)
    published(reviewer)
    run_tasks()
    [attempt] = delivery().attempt_log.all()
    assert attempt.status_code is None and attempt.error_code == "timeout"
    assert delivery().state == "failed"


def test_a_loopback_endpoint_is_refused_at_delivery_when_loopback_is_not_allowed(
    reviewer, endpoint, receiver, settings
):
    settings.ALLOW_LOOPBACK = False
    published(reviewer)
    run_tasks()
    assert receiver.received == []
    [attempt] = delivery().attempt_log.all()
    assert attempt.error_code == "refused_address" and "loopback" in attempt.error


def test_a_private_address_is_refused_when_an_endpoint_is_made(client_user):
    from django.core.exceptions import ValidationError

    for url in ("http://10.0.0.7/hook", "http://169.254.169.254/latest", "ftp://example.org/", "http://u:p@a.org/"):
        with pytest.raises(ValidationError) as refused:
            services.endpoint_create(owner=client_user, url=url)
        assert refused.value.error_dict["url"][0].code.startswith("refused_")
    assert not Endpoint.objects.exists()


# Once, whatever the workers do


def test_a_delivery_is_sent_by_one_worker_at_a_time(reviewer, endpoint, receiver):
    published(reviewer)
    from tests.helpers import waiting_tasks

    waiting_tasks()
    services.dispatch_changes()
    pk = delivery().pk
    now = timezone.now()
    assert services._claim(pk, now) is True
    assert services._claim(pk, now) is False  # another worker finds it leased
    run_tasks()  # the enqueued attempt finds it leased: nothing is sent
    assert receiver.received == []
    with freeze_time(now + services._lease() + datetime.timedelta(seconds=1)):
        services.sweep()  # the worker that held it died: the lease ran out
        run_tasks()
    assert len(receiver.received) == 1 and delivery().state == "delivered"
    services.deliver(pk)
    assert len(receiver.received) == 1


def test_fanning_out_twice_makes_one_delivery_per_endpoint_and_event(reviewer, endpoint, receiver, client_user):
    other = services.endpoint_create(owner=client_user, url=receiver.url)
    published(reviewer)
    services.dispatch_changes()
    from claims.models import PublicChange as Change
    from webhooks.models import Dispatch

    Dispatch.objects.update(position=0)  # as if the position were lost
    services.dispatch_changes()
    assert Delivery.objects.count() == 2
    assert Delivery.objects.filter(endpoint=other).count() == 1
    assert Change.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("signals_kept")
def test_a_worker_stopped_and_started_again_delivers_everything_once(receiver, client_user):
    from tests.factories import ReviewerFactory, ensure_roles

    ensure_roles()
    reviewer = ReviewerFactory()
    with override_settings(TASKS=DB_TASKS):
        made = services.endpoint_create(owner=client_user, url=receiver.url)
        receiver.secret = made.secret
        for _ in range(4):
            published(reviewer)
        db_worker("--max-tasks", "3")  # stopped after three tasks
        for _ in range(2):
            published(reviewer)  # while no worker runs
        db_worker()
        services.sweep()
        db_worker()
    counts = receiver.counts()
    assert len(counts) == 6 and set(counts.values()) == {1}
    assert all(r.verified for r in receiver.received)
    assert Delivery.objects.filter(state="delivered").count() == 6


def test_the_sweep_leaves_a_delivery_waiting_in_the_queue_alone(reviewer, endpoint, receiver):
    """A long queue is not a lost attempt: the sweep does not enqueue it again until it has waited ENQUEUED_LOST."""
    from tests.helpers import waiting_tasks

    with freeze_time(T0) as clock:
        published(reviewer)
        waiting_tasks()
        services.dispatch_changes()
        queued = len(waiting_tasks())
        assert services.sweep() == 0 and len(waiting_tasks()) == queued
        clock.move_to(T0 + services.ENQUEUED_LOST + datetime.timedelta(seconds=1))
        assert services.sweep() == 1
        run_tasks()
    assert len(receiver.received) == 1

"""Caching (factcheck/cache.py): anonymous page and API reads come from the cache until content changes; staff
and credentialed requests never do; ETags follow the content. Runs on local memory and, when a Redis server
answers at REDIS_TEST_URL (default redis://127.0.0.1:6379/15), on Redis too."""

import os

import pytest
from django.core.cache import cache, caches
from django.urls import reverse
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim, Evidence, Verdict
from factcheck.cache import GENERATION_KEY, bump_generation, generation
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    SpeakerFactory,
    StatementFactory,
    VerdictChangeFactory,
)
from tests.helpers import key_client

pytestmark = pytest.mark.django_db

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping())
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(params=["locmem", "redis"])
def backend(request, settings):
    if request.param == "redis":
        if not _redis_reachable():
            pytest.skip(f"no Redis server at {REDIS_TEST_URL}")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_TEST_URL,
                "KEY_PREFIX": "factcheck-test",
            }
        }
        assert type(caches["default"]).__name__ == "RedisCache"
    cache.clear()
    yield request.param
    cache.clear()


def hit(response) -> bool:
    return response.get("X-Cache") == "hit"


# Public pages


def test_page_is_cached_and_changes_after_a_verdict_change(backend, client, reviewer):
    claim = PublishedClaimFactory(text="The leak was real.", verdict=Verdict.FALSE)
    VerdictChangeFactory(claim=claim, verdict=Verdict.FALSE)
    url = claim.get_absolute_url()
    first = client.get(url)
    assert first.status_code == 200 and not hit(first)
    again = client.get(url)
    assert hit(again) and again.content == first.content and again["ETag"] == first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.TRUE, kind="update", reason="New tokens.")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and not hit(changed)
    assert changed["ETag"] != first["ETag"]
    assert "New tokens." in changed.content.decode()
    assert hit(client.get(url))


def test_list_page_changes_after_an_evidence_edit(backend, client):
    claim = PublishedClaimFactory(text="The leak was real.")
    statement = StatementFactory(text="The zeppelin landed.")
    url = reverse("claims:claim_list") + "?q=zeppelin"
    assert "0 claims match" in client.get(url).content.decode()
    assert hit(client.get(url))
    evidence = EvidenceFactory(claim=claim, statement=statement)
    assert "1 claim matches" in client.get(url).content.decode()
    page = claim.get_absolute_url()
    assert "The zeppelin landed." in client.get(page).content.decode()
    assert hit(client.get(page))
    Evidence.objects.filter(pk=evidence.pk).update(note="Edited in bulk.")  # no signal: the queryset bumps
    assert not hit(client.get(page))
    evidence.delete()
    response = client.get(page)
    assert not hit(response) and "The zeppelin landed." not in response.content.decode()


def test_speaker_and_topic_changes_reach_cached_pages(backend, client):
    speaker = SpeakerFactory(name="Niko Felix")
    PublishedClaimFactory(claimant=speaker)
    url = speaker.get_absolute_url()
    client.get(url)
    assert hit(client.get(url))
    speaker.title = "OpenAI spokesperson"
    speaker.save()
    response = client.get(url)
    assert not hit(response) and "OpenAI spokesperson" in response.content.decode()


def test_staff_and_previews_are_never_cached_or_served_to_anonymous(backend, client, editor):
    draft = ClaimFactory(text="A draft nobody outside may see.")
    published = PublishedClaimFactory(text="A published claim.")
    client.force_login(editor)
    preview = client.get(draft.get_absolute_url())
    assert preview.status_code == 200 and "no-store" in preview["Cache-Control"]
    staff_page = client.get(published.get_absolute_url())
    assert not hit(client.get(published.get_absolute_url()))
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404
    anonymous = client.get(published.get_absolute_url())
    assert not hit(anonymous)  # the staff page was not stored
    assert hit(client.get(published.get_absolute_url()))
    # ... and the anonymous copy is not served to staff.
    client.force_login(editor)
    again = client.get(published.get_absolute_url())
    assert not hit(again) and "private" in again["Cache-Control"]
    assert staff_page.status_code == 200


def test_signed_in_readers_get_fresh_pages(backend, client, reader):
    claim = PublishedClaimFactory()
    client.get(claim.get_absolute_url())
    client.force_login(reader)
    assert not hit(client.get(claim.get_absolute_url()))


def test_head_and_query_strings_have_their_own_entries(backend, client):
    PublishedClaimFactory(text="The leak was real.")
    url = reverse("claims:claim_list")
    client.get(url, {"q": "leak"})
    assert not hit(client.get(url, {"q": "zeppelin"}))
    assert hit(client.get(url, {"q": "leak"}))
    assert client.head(url, {"q": "leak"}).status_code == 200
    assert client.post(url).status_code == 405


# The API


def test_api_reads_are_cached_and_follow_writes(backend, editor):
    anon = APIClient()
    claim = PublishedClaimFactory(text="The leak was real.")
    url = "/api/v1/claims/"
    first = anon.get(url)
    assert first.status_code == 200 and not hit(first)
    again = anon.get(url)
    assert hit(again) and again.json() == first.json() and again["ETag"] == first["ETag"]
    assert anon.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    detail = f"{url}{claim.slug}/"
    anon.get(detail)
    assert hit(anon.get(detail))

    Claim.objects.filter(pk=claim.pk).update(summary="Changed in bulk.")
    changed = anon.get(detail)
    assert not hit(changed) and changed.json()["summary"] == "Changed in bulk."
    listed = anon.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert listed.status_code == 200 and listed["ETag"] != first["ETag"]

    # Formats have their own entries.
    csv = anon.get(url, HTTP_ACCEPT="text/csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert anon.get(url).json()["results"][0]["slug"] == claim.slug


def test_api_with_credentials_is_never_cached(backend, editor):
    draft = ClaimFactory(text="A draft.")
    client = key_client(editor)
    url = f"/api/v1/claims/{draft.slug}/"
    assert client.get(url).status_code == 200
    assert not hit(client.get(url))
    assert APIClient().get(url).status_code == 404
    anon = APIClient()
    anon.get("/api/v1/claims/")
    assert hit(anon.get("/api/v1/claims/"))
    staff_list = client.get("/api/v1/claims/")
    assert not hit(staff_list) and draft.slug in {c["slug"] for c in staff_list.json()["results"]}


def test_browsable_api_is_not_cached(backend):
    anon = APIClient()
    anon.get("/api/v1/claims/", HTTP_ACCEPT="text/html")
    assert not hit(anon.get("/api/v1/claims/", HTTP_ACCEPT="text/html"))


# The generation counter


def test_generation_counts_writes(backend):
    before = generation()
    PublishedClaimFactory()
    assert generation() > before
    cache.delete(GENERATION_KEY)
    bump_generation()  # starts a new counter rather than failing
    assert generation() is not None


def test_a_cache_that_is_down_does_not_break_pages(settings, client):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    claim = PublishedClaimFactory()
    assert generation() is None
    response = client.get(claim.get_absolute_url())
    assert response.status_code == 200 and not hit(response)
    claim.summary = "Written while the cache is down."
    claim.save()  # the invalidation fails quietly
    assert "Written while the cache is down." in client.get(claim.get_absolute_url()).content.decode()


def test_a_cache_that_is_down_does_not_break_the_api(settings, reviewer):
    """The throttles count in the cache: with it down they let requests through rather than answer 500."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    claim = PublishedClaimFactory()
    anonymous = APIClient().get("/api/v1/claims/")
    assert anonymous.status_code == 200
    assert [c["id"] for c in anonymous.json()["results"]] == [claim.pk]
    client = key_client(reviewer)
    note = {"note_kind": "update", "note_reason": "Rewritten."}  # a published claim changes with a public note
    changed = client.patch(f"/api/v1/claims/{claim.slug}/", {"summary": "Written while the cache is down.", **note})
    assert changed.status_code == 200
    assert Claim.objects.get(pk=claim.pk).summary == "Written while the cache is down."

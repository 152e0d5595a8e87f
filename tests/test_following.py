"""Following another newsroom (following/): `manage.py follow`, the poll of a followed site's changes feed, the
import of its fact checks as external reviews or suggestions, retractions, failures and backoff, the admin.

The other site is a fake on 127.0.0.1 (`other`): its changes feed, paged by an opaque cursor as ours is, and the
ClaimReview of each of its claims. tests/test_following_e2e.py runs two real factcheck processes instead."""

import datetime
import json
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from archive import fetch
from claims import services as record
from claims.api.changes import decode_cursor, encode_cursor
from claims.models import Claim, ExternalReview, Status
from claims.search import trigram_similarity
from following import services
from following.models import FollowedReview, FollowedSite
from following.tasks import follow_tick, poll_site
from tests.factories import ClaimFactory, PublishedClaimFactory, UserFactory
from tests.helpers import messages_of, run_tasks, waiting_tasks
from tests.pages_server import Page

pytestmark = pytest.mark.django_db

KEY = "PartnerKey.0123456789abcdef"
LEAK = "The leaked Sora access was authentic."
State = FollowedReview.State


class OtherSite:
    """A factcheck site on 127.0.0.1, as far as a follower sees it."""

    RATINGS = {"false": (1, "False"), "true": (5, "True"), "mixed": (3, "Mixed")}

    def __init__(self, pages):
        self.pages = pages
        self.changes: list[dict] = []
        self.claims: dict[str, dict] = {}  # slug: {"id", "text", "verdict", "status"}
        self.broken: dict[str, Page] = {}  # slug: what its ClaimReview answers instead
        self.feed: Page | None = None  # what the feed answers instead, when set
        pages.add("/api/v1/changes/", self._feed)
        pages.add("/api/v1/claimreview/", self._datafeed)

    @property
    def url(self) -> str:
        return self.pages.url("").rstrip("/")

    def _json(self, data, status=200) -> Page:
        return Page(status=status, body=json.dumps(data), content_type="application/json")

    def _feed(self, path: str) -> Page:
        if self.feed is not None:
            return self.feed
        query = parse_qs(urlsplit(path).query)
        after = decode_cursor(query["after"][0]) if "after" in query else 0
        size = int(query.get("page_size", ["20"])[0])
        rows = [c for c in self.changes if int(c["id"]) > after][:size]
        last = int(rows[-1]["id"]) if rows else after
        return self._json({"results": rows, "next": f"{self.url}/api/v1/changes/?after={encode_cursor(last)}"})

    def _datafeed(self, path: str) -> Page:
        return self._json({"@type": "DataFeed", "publisher": {"@type": "Organization", "name": "The Other Desk"}})

    def claimreview(self, slug: str) -> dict:
        claim = self.claims[slug]
        value, name = self.RATINGS[claim["verdict"]]
        return {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": f"https://other.example.org/claims/{slug}",
            "claimReviewed": claim["text"],
            "author": {"@type": "Organization", "name": "The Other Desk", "url": "https://other.example.org"},
            "datePublished": "2024-11-27",
            "inLanguage": "en",
            "reviewRating": {
                "@type": "Rating",
                "ratingValue": value,
                "bestRating": 5,
                "worstRating": 1,
                "alternateName": name,
            },
            "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "An artist"}},
        }

    def _claimreview(self, slug: str):
        def answer(path: str) -> Page:
            if slug in self.broken:
                return self.broken[slug]
            if self.claims[slug]["status"] != "published":
                return self._json({"error": {"status": 404, "code": "not_found"}}, status=404)
            return self._json(self.claimreview(slug))

        return answer

    def change(self, kind: str, slug: str):
        claim = self.claims[slug]
        self.changes.append(
            {
                "id": str(len(self.changes) + 1),
                "type": kind,
                "at": "2024-11-27T10:00:00Z",
                "claim": {"id": claim["id"], "slug": slug, "url": f"{self.url}/api/v1/claims/{slug}/"},
                "data": {"slug": slug, "verdict": claim["verdict"], "status": claim["status"]},
            }
        )

    def publish(self, slug: str, text: str, verdict: str = "false"):
        self.claims[slug] = {"id": len(self.claims) + 1, "text": text, "verdict": verdict, "status": "published"}
        self.pages.add(f"/api/v1/claims/{slug}/claimreview/", self._claimreview(slug))
        self.change("claim.published", slug)

    def rate(self, slug: str, verdict: str):
        self.claims[slug]["verdict"] = verdict
        self.change("claim.verdict_changed", slug)

    def retract(self, slug: str):
        self.claims[slug]["status"] = "retracted"
        self.change("claim.retracted", slug)

    def hits(self, prefix: str = "/api/v1/") -> list[tuple[str, dict]]:
        return [(path, headers) for path, headers in self.pages.hits if path.startswith(prefix)]


@pytest.fixture
def other(pages):
    return OtherSite(pages)


def follow(other, **options) -> FollowedSite:
    out = StringIO()
    call_command("follow", other.url, "--key", KEY, stdout=out, **options)
    return FollowedSite.objects.get()


def poll(site) -> services.PollResult:
    return services.poll(site.pk)


def reviews() -> list[tuple[str, str, str, str]]:
    return sorted(
        ExternalReview.objects.values_list("claim__text", "publisher_name", "textual_rating", "mapped_verdict")
    )


# manage.py follow / unfollow


def test_follow_checks_the_site_names_it_and_lists_it_with_a_key_hint_only(other):
    out = StringIO()
    call_command("follow", other.url + "/api/v1/changes/", "--key", KEY, stdout=out)
    assert f"Following The Other Desk at {other.url}: its changes feed answers." in out.getvalue()
    site = FollowedSite.objects.get()
    assert (site.url, site.name, site.api_key, site.active, site.cursor) == (other.url, "The Other Desk", KEY, True, "")
    assert other.hits("/api/v1/changes/")[0][1]["Authorization"] == f"Api-Key {KEY}"

    listed = StringIO()
    call_command("follow", "--list", stdout=listed)
    assert f"{other.url}  The Other Desk  [following]  key PartnerK…  0 imported, 0 suggestion(s)" in listed.getvalue()
    assert KEY not in listed.getvalue()


def test_follow_reads_the_key_from_the_standard_input(other, monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO(KEY + "\n"))
    call_command("follow", other.url, "--key", "-", stdout=StringIO())
    assert FollowedSite.objects.get().api_key == KEY


def test_follow_takes_the_name_given(other):
    call_command("follow", other.url, "--key", KEY, "--name", "Partner desk", stdout=StringIO())
    assert FollowedSite.objects.get().name == "Partner desk"


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://other.example.org", "only http and https addresses are fetched"),
        ("http://10.0.0.8", "10.0.0.8 is a private address"),
        ("http://user:pw@other.example.org", "an address with a user name or password is not fetched"),
        ("other.example.org", "an address must start with http:// or https://"),
    ],
)
def test_follow_refuses_an_address_never_fetched(url, message):
    with pytest.raises(CommandError, match=message):
        call_command("follow", url, "--key", KEY, stdout=StringIO())
    assert not FollowedSite.objects.exists()


@pytest.mark.parametrize("key, message", [("", "Give the API key"), ("two words", "printable ASCII without spaces")])
def test_follow_refuses_a_missing_or_odd_key(other, key, message):
    with pytest.raises(CommandError, match=message):
        call_command("follow", other.url, "--key", key, stdout=StringIO())
    assert not FollowedSite.objects.exists()


def test_follow_refuses_a_site_that_does_not_answer_unless_told_not_to_check(closed_url):
    with pytest.raises(CommandError, match=r"does not answer as a factcheck site \(unreachable\).*refused"):
        call_command("follow", closed_url, "--key", KEY, stdout=StringIO())
    assert not FollowedSite.objects.exists()

    out = StringIO()
    call_command("follow", closed_url, "--key", KEY, "--no-check", stdout=out)
    assert "(not checked)" in out.getvalue()
    assert FollowedSite.objects.get().name == urlsplit(closed_url).netloc


def test_follow_refuses_a_site_that_is_not_a_factcheck(pages):
    pages.add("/api/v1/changes/", body="<html><p>A blog</p></html>")
    with pytest.raises(CommandError, match=r"not_json"):
        call_command("follow", pages.url(""), "--key", KEY, stdout=StringIO())
    pages.add("/api/v1/changes/", body='{"items": []}', content_type="application/json")
    with pytest.raises(CommandError, match=r"not_a_feed"):
        call_command("follow", pages.url(""), "--key", KEY, stdout=StringIO())
    assert not FollowedSite.objects.exists()


def test_unfollow_stops_the_polls_and_following_again_continues_from_the_cursor(other):
    other.publish("leak", LEAK)
    site = follow(other)
    poll(site)
    cursor = FollowedSite.objects.get().cursor
    out = StringIO()
    call_command("unfollow", other.url + "/", stdout=out)
    assert "No longer following The Other Desk" in out.getvalue()

    other.publish("pause", "OpenAI paused the program.")
    hits = len(other.pages.hits)
    assert services.lease_due(now=timezone.now() + datetime.timedelta(days=1)) == []
    assert poll(site).skipped
    with pytest.raises(CommandError, match="is unfollowed: follow it again"):
        call_command("follow", "--poll", other.url, stdout=StringIO())
    assert len(other.pages.hits) == hits  # not even asked

    follow(other)
    site = FollowedSite.objects.get()
    assert (site.active, site.cursor) == (True, cursor)
    assert poll(site).changes == 1  # only what came since


def test_unfollow_an_unknown_site():
    with pytest.raises(CommandError, match="http://other.example.org is not a followed site"):
        call_command("unfollow", "http://other.example.org/", stdout=StringIO())


# The poll


def test_a_poll_imports_each_fact_check_on_the_matching_claim_or_suggests_it(other):
    ours = PublishedClaimFactory(text=LEAK)
    other.publish("leak", "The leaked Sora access was authentic!")
    other.publish("money", "OpenAI raised money at a high valuation.", verdict="true")
    PublishedClaimFactory(text="OpenAI raised a lot of money.")  # alike, not enough to take it without an editor
    site = follow(other)

    out = StringIO()
    call_command("follow", "--poll", stdout=out)
    assert "The Other Desk" in out.getvalue() and "2 change(s): 1 imported, 1 suggestion(s)" in out.getvalue()

    [review] = ExternalReview.objects.all()
    assert (review.claim, review.url, review.publisher_name, review.textual_rating, review.mapped_verdict) == (
        ours,
        "https://other.example.org/claims/leak",
        "The Other Desk",
        "False",
        "false",
    )
    imported = FollowedReview.objects.get(state=State.IMPORTED)
    assert (imported.external_review, imported.remote_slug, imported.site) == (review, "leak", site)
    suggestion = FollowedReview.objects.get(state=State.SUGGESTED)
    assert suggestion.claim_text == "OpenAI raised money at a high valuation."
    assert [c.text for c in suggestion.candidates.all()] == ["OpenAI raised a lot of money."]
    assert Claim.objects.count() == 2  # a suggestion makes no claim

    site.refresh_from_db()
    assert (site.reviews_imported, site.suggestions, site.consecutive_failures, site.last_error) == (1, 1, 0, "")
    assert site.cursor == encode_cursor(2)
    assert site.last_success_at is not None and site.next_check_at > timezone.now()
    # Every request carried the key.
    assert {headers.get("Authorization") for _, headers in other.hits()} == {f"Api-Key {KEY}"}


def test_a_source_change_in_the_feed_is_passed_over(other):
    PublishedClaimFactory(text=LEAK)
    other.publish("leak", LEAK)
    other.changes.append(
        {
            "id": str(len(other.changes) + 1),
            "type": "source.changed",
            "at": "2024-11-28T10:00:00Z",
            "claim": None,
            "source": {"id": 7, "url": f"{other.url}/api/v1/sources/7/", "html_url": f"{other.url}/sources/7/"},
            "data": {"change": "drifted"},
        }
    )
    site = follow(other)
    result = poll(site)
    assert not result.error and result.changes == 1
    assert ExternalReview.objects.count() == 1
    site.refresh_from_db()
    assert site.cursor == encode_cursor(2) and site.last_error == ""


def test_a_similar_claim_of_ours_takes_the_review(other):
    ours = ClaimFactory(text=LEAK)
    theirs = "Leaked Sora access was authentic, the artists say."
    assert trigram_similarity(LEAK, theirs) >= 0.6
    other.publish("leak", theirs)
    poll(follow(other))
    assert ExternalReview.objects.get().claim == ours
    # Matched by likeness: the review only, none of its appearances as evidence of our draft.
    assert not ours.evidence.exists()


def test_reading_a_page_again_imports_nothing_twice(other):
    PublishedClaimFactory(text=LEAK)
    other.publish("leak", LEAK)
    other.publish("money", "OpenAI raised money at a high valuation.")
    site = follow(other)
    poll(site)
    before = (ExternalReview.history.count(), FollowedReview.objects.count(), Claim.objects.count())

    FollowedSite.objects.filter(pk=site.pk).update(cursor="")  # as if the page had not been read
    result = poll(site)
    assert result.changes == 2 and not result.error
    assert (ExternalReview.history.count(), FollowedReview.objects.count(), Claim.objects.count()) == before
    assert ExternalReview.objects.count() == 1


def test_a_new_verdict_updates_the_review_and_a_retraction_withdraws_it(other):
    PublishedClaimFactory(text=LEAK)
    other.publish("leak", LEAK)
    other.publish("money", "OpenAI raised money at a high valuation.")
    site = follow(other)
    poll(site)

    other.rate("leak", "mixed")
    result = poll(site)
    assert (result.changes, result.imported) == (1, 1)
    assert reviews() == [(LEAK, "The Other Desk", "Mixed", "mixed")]

    other.retract("leak")
    other.retract("money")
    result = poll(site)
    assert result.withdrawn == 2
    assert not ExternalReview.objects.exists()
    assert ExternalReview.history.filter(history_type="-").count() == 1  # its history keeps what it said
    assert set(FollowedReview.objects.values_list("state", flat=True)) == {State.RETRACTED}
    site.refresh_from_db()
    assert (site.reviews_imported, site.suggestions) == (0, 0)


def test_a_review_an_editor_deleted_is_not_brought_back_by_the_next_update(other, reviewer):
    PublishedClaimFactory(text=LEAK)
    other.publish("leak", LEAK)
    site = follow(other)
    poll(site)
    record.external_review_delete(review=ExternalReview.objects.get(), by=reviewer)

    other.rate("leak", "mixed")
    result = poll(site)
    assert (result.changes, result.imported) == (1, 0)
    assert not ExternalReview.objects.exists()
    followed = FollowedReview.objects.get()
    assert (followed.state, followed.textual_rating) == (State.DISMISSED, "Mixed")  # as last received
    site.refresh_from_db()
    assert (site.reviews_imported, site.suggestions) == (0, 0)


def test_a_claim_published_then_retracted_on_one_page_is_not_imported(other):
    PublishedClaimFactory(text=LEAK)
    other.publish("leak", LEAK)
    other.retract("leak")
    result = poll(follow(other))
    assert (result.changes, result.imported, result.withdrawn) == (2, 0, 0)
    assert not ExternalReview.objects.exists()
    assert not other.hits("/api/v1/claims/")  # nothing to read of a retracted claim


def test_a_poll_reads_a_bounded_number_of_pages_and_the_next_tick_reads_on(other, settings):
    settings.FOLLOW_PAGE_SIZE, settings.FOLLOW_MAX_PAGES = 2, 2
    for n in range(5):
        other.publish(f"claim-{n}", f"Claim number {n} about the leak.")
    site = follow(other)
    now = timezone.now()
    result = services.poll(site.pk, now=now)
    assert (result.pages, result.changes, result.suggested) == (2, 4, 4)
    site.refresh_from_db()
    assert site.cursor == encode_cursor(4)
    assert site.next_check_at == now  # more to read: due at the next tick
    result = services.poll(site.pk, now=now)
    assert (result.pages, result.changes) == (1, 1)
    site.refresh_from_db()
    assert site.next_check_at == now + settings.FOLLOW_EVERY


# Failures


def test_a_site_that_is_down_is_polled_again_later_each_time_later(closed_url, settings):
    site, _ = services.follow(url=closed_url, api_key=KEY, check=False)
    now = timezone.now()
    delays = []
    for failures in range(1, 9):
        result = services.poll(site.pk, now=now)
        site.refresh_from_db()
        assert result.error.startswith("unreachable:") and "refused the connection" in site.last_error
        assert site.consecutive_failures == failures
        delays.append(site.next_check_at - now)
    every = settings.FOLLOW_EVERY
    assert delays[:4] == [every, every * 2, every * 4, every * 8]
    assert delays[-1] == settings.FOLLOW_MAX_BACKOFF == datetime.timedelta(hours=6)
    # Not due before its time.
    assert services.lease_due(now=now + delays[-1] - datetime.timedelta(minutes=1)) == []
    assert services.lease_due(now=now + delays[-1]) == [site.pk]


def test_the_tick_does_not_hammer_a_failing_site(other, settings):
    other.feed = Page(status=503, body="down", content_type="text/plain")
    follow_site, _ = services.follow(url=other.url, api_key=KEY, check=False)
    start = timezone.now()
    with freeze_time(start) as clock:
        follow_tick.call()
        run_tasks()
        assert len(other.hits("/api/v1/changes/")) == 1
        for _ in range(4):  # ticks come and go for 4 minutes; its next poll is 5 minutes after the failure
            clock.tick(datetime.timedelta(seconds=60))
            follow_tick.call()
            run_tasks()
        assert len(other.hits("/api/v1/changes/")) == 1
        site = FollowedSite.objects.get()
        assert site.last_error.startswith("http_error:") and "answered 503" in site.last_error
        clock.move_to(site.next_check_at)
        follow_tick.call()
        run_tasks()
        assert len(other.hits("/api/v1/changes/")) == 2
        assert FollowedSite.objects.get(pk=follow_site.pk).consecutive_failures == 2


def test_an_answer_that_is_not_json_is_recorded_and_writes_nothing(other):
    PublishedClaimFactory(text=LEAK)
    PublishedClaimFactory(text="OpenAI raised money at a high valuation.")
    other.publish("leak", LEAK)
    other.publish("money", "OpenAI raised money at a high valuation.")
    other.broken["money"] = Page(body="{not json", content_type="application/json")
    site = follow(other)
    result = poll(site)
    assert result.error.startswith("not_json:")
    site.refresh_from_db()
    assert (site.cursor, site.consecutive_failures, site.last_success_at) == ("", 1, None)
    assert "money/claimreview/ did not answer JSON" in site.last_error
    # The page is all or nothing: the first claim's review is not imported either.
    assert not ExternalReview.objects.exists() and not FollowedReview.objects.exists()

    del other.broken["money"]
    FollowedSite.objects.filter(pk=site.pk).update(next_check_at=None)
    assert poll(site).imported == 2
    site.refresh_from_db()
    assert (site.consecutive_failures, site.last_error, site.reviews_imported) == (0, "", 2)


@pytest.mark.parametrize(
    "feed, code",
    [
        (Page(body="[1, 2", content_type="application/json"), "not_json"),
        (Page(body='{"results": "none", "next": ""}', content_type="application/json"), "not_a_feed"),
        (Page(body='{"results": [], "next": "http://x/?page=2"}', content_type="application/json"), "not_a_feed"),
        (Page(body='{"results": [{"type": "claim.published"}], "next": "http://x/?after=Y2"}'), "not_a_feed"),
    ],
)
def test_a_feed_that_cannot_be_read_is_recorded(other, feed, code):
    site, _ = services.follow(url=other.url, api_key=KEY, check=False)
    other.feed = feed
    assert poll(site).error.startswith(f"{code}:")
    site.refresh_from_db()
    assert (site.cursor, site.consecutive_failures) == ("", 1)


def test_a_claimreview_that_is_not_one_is_recorded(other):
    other.publish("leak", LEAK)
    other.broken["leak"] = Page(body='{"@type": "ClaimReview", "claimReviewed": "x"}', content_type="application/json")
    result = poll(follow(other))
    assert result.error.startswith("not_a_claimreview:") and "missing required property 'url'" in result.error
    assert not FollowedReview.objects.exists()


def test_the_key_goes_to_the_site_only_not_where_it_redirects(pages):
    elsewhere = pages.url("/elsewhere").replace("127.0.0.1", "localhost")
    pages.add("/here", status=302, location=elsewhere)
    pages.add("/elsewhere", body="{}", content_type="application/json")
    fetched = fetch.fetch(pages.url("/here"), headers={"Authorization": "Api-Key secret", "Accept": "application/json"})
    assert fetched.ok
    [(_, first), (_, second)] = pages.hits
    assert (first["Authorization"], first["Accept"]) == ("Api-Key secret", "application/json")
    assert "Authorization" not in second


# The recurring task


def test_the_tick_polls_each_due_site_once(other):
    PublishedClaimFactory(text=LEAK)
    other.publish("leak", LEAK)
    site, _ = services.follow(url=other.url, api_key=KEY, check=False)
    follow_tick.call()
    assert [(t.task.name, t.args) for t in waiting_tasks()] == [("poll_site", [site.pk])]
    follow_tick.call()  # the site is leased while its poll is waiting
    assert len(waiting_tasks()) == 1
    run_tasks()
    assert reviews() == [(LEAK, "The Other Desk", "False", "false")]


# The admin


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_follows_a_site_and_never_shows_its_key_again(admin_client, other):
    url = reverse("admin:following_followedsite_add")
    response = admin_client.post(url, {"url": other.url + "/", "api_key": KEY, "name": "", "check": "on"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    site = FollowedSite.objects.get()
    assert (site.url, site.name, site.api_key) == (other.url, "The Other Desk", KEY)

    change = admin_client.get(reverse("admin:following_followedsite_change", args=[site.pk]))
    listing = admin_client.get(reverse("admin:following_followedsite_changelist"))
    for response in (change, listing):
        assert KEY not in response.content.decode() and "PartnerK…" in response.content.decode()

    # A new key replaces it; an empty one keeps it.
    change_url = reverse("admin:following_followedsite_change", args=[site.pk])
    admin_client.post(change_url, {"name": "Partner", "api_key": ""})
    assert FollowedSite.objects.values_list("name", "api_key").get() == ("Partner", KEY)
    admin_client.post(change_url, {"name": "Partner", "api_key": "NewKey.987"})
    assert FollowedSite.objects.get().api_key == "NewKey.987"


@pytest.mark.django_db(transaction=True)
def test_admin_asks_the_other_site_outside_any_transaction(admin_client, other, monkeypatch):
    asked_in_a_transaction = []
    check_site = services.check_site

    def watched(*args, **kwargs):
        asked_in_a_transaction.append(connection.in_atomic_block)
        return check_site(*args, **kwargs)

    monkeypatch.setattr(services, "check_site", watched)
    url = reverse("admin:following_followedsite_add")
    response = admin_client.post(url, {"url": other.url, "api_key": KEY, "name": "", "check": "on"})
    assert response.status_code == 302
    assert asked_in_a_transaction == [False]
    assert FollowedSite.objects.get().name == "The Other Desk"


def test_admin_refuses_a_site_that_does_not_answer(admin_client, closed_url):
    url = reverse("admin:following_followedsite_add")
    response = admin_client.post(url, {"url": closed_url, "api_key": KEY, "check": "on"})
    assert response.status_code == 200
    assert "does not answer as a factcheck site" in str(response.context["adminform"].form.errors)
    response = admin_client.post(url, {"url": "http://10.1.2.3/", "api_key": KEY, "check": "on"})
    assert "10.1.2.3 is a private address" in str(response.context["adminform"].form.errors)
    assert not FollowedSite.objects.exists()


def test_admin_poll_now_unfollow_and_status_columns(admin_client, other):
    PublishedClaimFactory(text=LEAK)
    other.publish("leak", LEAK)
    site, _ = services.follow(url=other.url, api_key=KEY, check=False)
    changelist = reverse("admin:following_followedsite_changelist")
    response = admin_client.post(changelist, {"action": "poll_now", "_selected_action": [site.pk]}, follow=True)
    assert "Polling 1 site(s) now" in messages_of(response)[0]
    run_tasks()
    assert ExternalReview.objects.count() == 1

    other.feed = Page(status=500, body="oops", content_type="text/plain")
    poll_site.call(site.pk)
    page = admin_client.get(changelist).content.decode()
    assert "answered 500" in page

    admin_client.post(changelist, {"action": "unfollow", "_selected_action": [site.pk]})
    assert not FollowedSite.objects.get().active
    admin_client.post(changelist, {"action": "poll_now", "_selected_action": [site.pk]})
    assert waiting_tasks() == []  # an unfollowed site is not polled
    assert admin_client.get(reverse("admin:following_followedsite_delete", args=[site.pk])).status_code == 403


@pytest.fixture
def suggestion(other):
    other.publish("money", "OpenAI raised money at a high valuation.", verdict="true")
    poll(follow(other))
    return FollowedReview.objects.get(state=State.SUGGESTED)


def test_editors_see_suggestions_on_the_admin_home_and_attach_one_to_a_claim(editor_client, suggestion):
    home = editor_client.get(reverse("admin:index")).content.decode()
    assert "Fact checks from followed sites" in home

    ours = PublishedClaimFactory(text="OpenAI's valuation after the round.")
    url = reverse("admin:following_followedreview_change", args=[suggestion.pk])
    page = editor_client.get(url).content.decode()
    assert "OpenAI raised money at a high valuation." in page and "Attach to our claim" in page
    response = editor_client.post(url, {"attach_to": ours.pk})
    assert response.status_code == 302
    review = ExternalReview.objects.get()
    assert (review.claim, review.textual_rating, review.mapped_verdict) == (ours, "True", "true")
    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.external_review) == (State.IMPORTED, review)
    assert FollowedSite.objects.values_list("reviews_imported", "suggestions").get() == (1, 0)


def test_editors_take_a_suggestion_in_as_a_draft_claim_or_dismiss_it(editor_client, other, suggestion):
    changelist = reverse("admin:following_followedreview_changelist")
    editor_client.post(changelist, {"action": "new_claims", "_selected_action": [suggestion.pk]})
    claim = Claim.objects.get()
    assert (claim.text, claim.status) == ("OpenAI raised money at a high valuation.", Status.DRAFT)
    assert ExternalReview.objects.get().claim == claim

    other.publish("pause", "OpenAI paused the program for three days.")
    poll(FollowedSite.objects.get())
    dismissed = FollowedReview.objects.get(remote_slug="pause")
    response = editor_client.post(changelist, {"action": "dismiss", "_selected_action": [dismissed.pk]}, follow=True)
    assert "1 suggestion(s) dismissed." in messages_of(response)
    other.rate("pause", "mixed")
    poll(FollowedSite.objects.get())
    dismissed.refresh_from_db()
    assert dismissed.state == State.DISMISSED and dismissed.textual_rating == "Mixed"  # kept, not suggested again


def test_a_newsroom_that_follows_no_one_has_no_suggestions_row(editor_client):
    assert "Fact checks from followed sites" not in editor_client.get(reverse("admin:index")).content.decode()


def test_readers_do_not_see_the_suggestions(client, suggestion):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:following_followedreview_changelist")).status_code == 403

"""RSS and Atom feeds, /sitemap.xml and /robots.txt."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import Claim, Status, Verdict
from public.feeds import FEED_ITEMS
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    ReviewerFactory,
    SourceFactory,
    SpeakerFactory,
    StatementFactory,
    TopicFactory,
    VerdictChangeFactory,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def parse_xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own output


def rss_items(response) -> list[dict]:
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = parse_xml(response.content).find("channel")
    return [{child.tag: child.text for child in item} for item in channel.findall("item")]


def atom_entries(response) -> list[dict]:
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = parse_xml(response.content)
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "published": entry.findtext(f"{ATOM}published"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


@pytest.fixture
def claims():
    now = timezone.now()
    old = PublishedClaimFactory(text="Old but updated claim.", published_at=now - datetime.timedelta(days=5))
    # Published three days ago, its row saved just now (as a seeding or a silent internal edit would):
    # readers' dates are the publication's, never the save's.
    new = PublishedClaimFactory(
        text="Brand new claim.", verdict=Verdict.TRUE, published_at=now - datetime.timedelta(days=3)
    )
    services.claim_add_note(
        claim=old, by=ReviewerFactory(), kind="update", reason="New context.", at=now - datetime.timedelta(hours=1)
    )
    retracted = PublishedClaimFactory(text="Retracted claim.", status=Status.RETRACTED, retraction_reason="Wrong.")
    draft = ClaimFactory(text="Draft claim in feeds?")
    review = ClaimFactory(text="In review claim in feeds?", status=Status.IN_REVIEW, verdict=Verdict.FALSE)
    return {"old": Claim.objects.get(pk=old.pk), "new": new, "retracted": retracted, "draft": draft, "review": review}


def test_rss_feed_of_published_claims_new_and_updated(client, claims):
    items = rss_items(client.get(reverse("claims:feed_claims_rss")))
    titles = [item["title"] for item in items]
    # Most recently updated first: the old claim has a public note from after the new one was published.
    assert titles == ["False: Old but updated claim.", "True: Brand new claim."]
    first = items[0]
    assert first["link"] == settings.SITE_URL + claims["old"].get_absolute_url()
    assert first["guid"] == first["link"]
    assert first["pubDate"] and "The claim is not accurate." in first["description"]


def test_atom_feed_of_published_claims(client, claims):
    entries = atom_entries(client.get(reverse("claims:feed_claims_atom")))
    assert [e["title"] for e in entries] == ["False: Old but updated claim.", "True: Brand new claim."]
    assert entries[0]["link"] == settings.SITE_URL + claims["old"].get_absolute_url()
    assert entries[0]["updated"] > entries[0]["published"]
    assert entries[0]["updated"] == claims["old"].public_updated_at.isoformat()  # the note's date
    # Never updated for readers: its "updated" is its publication, not the row's later save.
    assert entries[1]["updated"] == entries[1]["published"] == claims["new"].published_at.isoformat()


@pytest.mark.parametrize("name", ["feed_claims_rss", "feed_claims_atom"])
def test_claim_feeds_leave_out_drafts_reviews_and_retractions(client, claims, name):
    body = client.get(reverse(f"claims:{name}")).content.decode()
    assert "Draft claim" not in body and "In review claim" not in body and "Retracted claim." not in body


def test_claim_feed_escapes_text(client):
    PublishedClaimFactory(text="<script>alert(1)</script> & co")
    items = rss_items(client.get(reverse("claims:feed_claims_rss")))
    assert items[0]["title"] == "False: <script>alert(1)</script> & co"  # parsed back: it was escaped in the XML


@pytest.fixture
def corrections(claims):
    now = timezone.now()
    public = VerdictChangeFactory(
        claim=claims["new"],
        previous_verdict=Verdict.FALSE,
        verdict=Verdict.TRUE,
        kind="correction",
        reason="We misread the date.",
        changed_at=now - datetime.timedelta(days=1),
    )
    on_retracted = VerdictChangeFactory(
        claim=claims["retracted"], kind="correction", reason="Correction before retraction.", changed_at=now
    )
    VerdictChangeFactory(claim=claims["new"], kind="update", reason="Only an update.")
    VerdictChangeFactory(claim=claims["draft"], kind="correction", reason="Secret draft correction.")
    VerdictChangeFactory(claim=claims["review"], kind="correction", reason="Secret review correction.")
    return public, on_retracted


def test_corrections_feeds_list_corrections_on_public_claims_newest_first(client, corrections):
    public, on_retracted = corrections
    items = rss_items(client.get(reverse("claims:feed_corrections_rss")))
    assert [i["link"] for i in items] == [
        f"{settings.SITE_URL}{on_retracted.claim.get_absolute_url()}#verdict-change-{on_retracted.pk}",
        f"{settings.SITE_URL}{public.claim.get_absolute_url()}#verdict-change-{public.pk}",
    ]
    assert items[1]["title"] == "Corrected: False → True: Brand new claim."
    assert "We misread the date." in items[1]["description"]
    entries = atom_entries(client.get(reverse("claims:feed_corrections_atom")))
    assert [e["link"] for e in entries] == [i["link"] for i in items]


@pytest.mark.parametrize("name", ["feed_corrections_rss", "feed_corrections_atom"])
def test_corrections_feeds_leave_out_updates_and_unpublished_claims(client, corrections, name):
    body = client.get(reverse(f"claims:{name}")).content.decode()
    assert "Only an update." not in body
    assert "Secret draft correction." not in body and "Secret review correction." not in body


@pytest.mark.parametrize("n", [1, 50])
def test_feeds_run_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    for _ in range(n):
        VerdictChangeFactory(claim=PublishedClaimFactory(), kind="correction")
    # The corrections feeds: the union of verdict and note corrections, then each kind's rows (claims/public_record).
    limits = {"feed_claims_rss": 1, "feed_claims_atom": 1, "feed_corrections_rss": 3, "feed_corrections_atom": 3}
    for name, most in limits.items():
        with django_assert_max_num_queries(most):
            response = client.get(reverse(f"claims:{name}"))
        assert response.content.count(b"<item>") + response.content.count(b"<entry>") == min(n, FEED_ITEMS)


# --- sitemap and robots ----------------------------------------------------------------------


def sitemap_locations(response) -> list[str]:
    root = parse_xml(response.content)
    return [url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")]


def test_sitemap_lists_public_pages_on_the_site_url(client, settings, claims):
    settings.SITE_URL = "https://factcheck.example.org"
    topic = TopicFactory(name="Visible topic")
    claims["new"].topics.add(topic)
    speaker = SpeakerFactory(name="Visible speaker")
    source = SourceFactory()
    EvidenceFactory(claim=claims["new"], statement=StatementFactory(source=source, speaker=speaker))
    locations = sitemap_locations(client.get(reverse("claims:sitemap")))  # asked on testserver
    base = "https://factcheck.example.org"
    for path in ["/", "/claims/", "/methodology/", "/corrections/"]:
        assert base + path in locations
    for obj in [claims["new"], claims["old"], claims["retracted"], topic, speaker, source, claims["new"].claimant]:
        assert base + obj.get_absolute_url() in locations
    assert all(loc.startswith(base) for loc in locations)


def test_sitemap_leaves_out_everything_unpublished(client, claims):
    secret_topic = TopicFactory(name="Secret topic")
    claims["draft"].topics.add(secret_topic)
    secret_source = SourceFactory()
    secret_speaker = SpeakerFactory()
    EvidenceFactory(claim=claims["draft"], statement=StatementFactory(source=secret_source, speaker=secret_speaker))
    locations = sitemap_locations(client.get(reverse("claims:sitemap")))
    for obj in [claims["draft"], claims["review"], secret_topic, secret_source, secret_speaker]:
        assert settings.SITE_URL + obj.get_absolute_url() not in locations
    assert claims["draft"].claimant.get_absolute_url() not in " ".join(locations)


def test_sitemap_has_lastmod_for_claims(client, claims):
    root = parse_xml(client.get(reverse("claims:sitemap")).content)
    lastmods = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root.findall(f"{SITEMAP}url")
    }
    # What readers see last changed: the publication, or the latest public note; not the row's own save.
    assert (
        lastmods[settings.SITE_URL + claims["new"].get_absolute_url()] == claims["new"].published_at.date().isoformat()
    )
    assert claims["new"].updated_at.date() != claims["new"].published_at.date()
    assert lastmods[settings.SITE_URL + claims["old"].get_absolute_url()] == (
        claims["old"].public_updated_at.date().isoformat()
    )


@pytest.mark.parametrize("n", [1, 50])
def test_sitemap_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    topic = TopicFactory()
    for _ in range(n):
        EvidenceFactory(claim=PublishedClaimFactory(topics=[topic]))
    with django_assert_max_num_queries(8):  # a count and a page for each of four querysets
        response = client.get(reverse("claims:sitemap"))
    assert len(sitemap_locations(response)) == 4 + n * 4 + 1  # pages, claims, claimants, speakers, sources, topic


def test_robots_txt_points_to_the_sitemap_and_keeps_out_of_the_admin(client, settings):
    settings.ADMIN_PATH = "desk/"
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /desk/" in lines
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in lines


def test_visibility_helpers_agree_with_the_sitemap(client, claims):
    """The sitemap's speakers are exactly those an anonymous reader can open."""
    from claims.models import Speaker

    locations = set(sitemap_locations(client.get(reverse("claims:sitemap"))))
    for speaker in Speaker.objects.all():
        visible = Speaker.objects.visible_to(AnonymousUser()).filter(pk=speaker.pk).exists()
        in_sitemap = settings.SITE_URL + speaker.get_absolute_url() in locations
        assert visible == in_sitemap
        assert client.get(speaker.get_absolute_url()).status_code == (200 if visible else 404)

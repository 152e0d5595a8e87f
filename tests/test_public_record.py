"""What readers see of a claim's public record: truthful dates on every page and export, the byline, public notes
in the history, corrections of both kinds, the correction notice at the top, valid <time> values."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.urls import reverse

from claims import services
from claims.models import Claim
from public import views
from tests import public_story as story
from tests.factories import PublishedClaimFactory, UserFactory


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
TIME = re.compile(r'<time datetime="([^"]*)"')
# HTML's valid date string, or valid global date and time string (to the second, at most milliseconds).
HTML_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})"
)


def html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def facts(page: str) -> dict:
    """The claim page's facts list, term → plain text."""
    block = re.search(r'<dl class="facts">(.*?)</dl>', page, re.S).group(1)
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block, re.S)
    return {term: re.sub(r"<[^>]+>", "", value) for term, value in pairs}


def card_meta(page: str, claim) -> str:
    card = re.search(rf'href="{re.escape(claim.get_absolute_url())}">.*?</article>', page, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", card))


def claimreview(page: str) -> dict:
    return json.loads(LD_JSON.search(page).group(1))


def atom_entry(client, claim) -> dict:
    feed = ET.fromstring(client.get(reverse("claims:feed_claims_atom")).content)  # noqa: S314 - our own output
    for entry in feed.findall(f"{ATOM}entry"):
        if entry.find(f"{ATOM}link").get("href").endswith(claim.get_absolute_url()):
            return {"published": entry.findtext(f"{ATOM}published"), "updated": entry.findtext(f"{ATOM}updated")}
    raise AssertionError("not in the feed")


def lastmod(client, claim) -> str:
    root = ET.fromstring(client.get(reverse("claims:sitemap")).content)  # noqa: S314
    for url in root.findall(f"{SITEMAP}url"):
        if url.findtext(f"{SITEMAP}loc").endswith(claim.get_absolute_url()):
            return url.findtext(f"{SITEMAP}lastmod")
    raise AssertionError("not in the sitemap")


@pytest.fixture
def rita():
    return story.reviewer("Rita Reviewer")


# --- dates --------------------------------------------------------------------------------------


def test_dates_follow_the_public_record_never_a_silent_save(client, api_client, rita):
    claim = story.published(by=rita, text="The bridge cost twice its budget.")
    claim = story.silent_save(claim, by=rita)
    assert claim.updated_at.date() > story.CHECKED.date()  # the row was saved today
    surfaces = _surfaces(client, api_client, claim)
    assert surfaces["facts"]["Checked"] == "27 November 2024" and "Updated" not in surfaces["facts"]
    assert "Checked 27 Nov 2024" in surfaces["card"] and "updated" not in surfaces["card"]
    checked = "2024-11-27T10:00:00.123456+00:00"
    assert surfaces["claimreview"]["dateModified"] == checked
    assert surfaces["atom"] == {"published": checked, "updated": checked}
    assert surfaces["lastmod"] == "2024-11-27"
    assert surfaces["api"]["checked_at"] == surfaces["api"]["public_updated_at"] == "2024-11-27T10:00:00.123456Z"
    assert surfaces["og"]["article:published_time"] == surfaces["og"]["article:modified_time"] == "2024-11-27T10:00:00Z"

    # A public note moves "Updated" everywhere; "Checked" stays.
    story.note(claim, by=rita)
    surfaces = _surfaces(client, api_client, claim)
    assert surfaces["facts"]["Checked"] == "27 November 2024" and surfaces["facts"]["Updated"] == "3 December 2024"
    assert "Checked 27 Nov 2024, updated 3 Dec 2024" in surfaces["card"]
    assert surfaces["claimreview"]["dateModified"] == "2024-12-03T09:30:00+00:00"
    assert surfaces["atom"] == {"published": checked, "updated": "2024-12-03T09:30:00+00:00"}
    assert surfaces["lastmod"] == "2024-12-03"
    assert surfaces["api"]["public_updated_at"] == "2024-12-03T09:30:00Z"
    assert surfaces["og"]["article:modified_time"] == "2024-12-03T09:30:00Z"

    # So does a verdict change; a later silent save again does not.
    story.correct_verdict(claim, by=rita)
    story.silent_save(claim, by=rita)
    surfaces = _surfaces(client, api_client, claim)
    assert surfaces["facts"]["Updated"] == "10 December 2024"
    assert "updated 10 Dec 2024" in surfaces["card"]
    assert surfaces["claimreview"]["dateModified"] == "2024-12-10T16:45:00+00:00"
    assert surfaces["lastmod"] == "2024-12-10"
    assert surfaces["api"]["checked_at"] == "2024-11-27T10:00:00.123456Z"


def _surfaces(client, api_client, claim) -> dict:
    claim.refresh_from_db()
    page = html(client, claim.get_absolute_url())
    og = dict(re.findall(r'<meta property="(article:[a-z_]+)" content="([^"]*)">', page))
    return {
        "facts": facts(page),
        "card": card_meta(html(client, reverse("claims:claim_list")), claim),
        "claimreview": claimreview(page),
        "atom": atom_entry(client, claim),
        "lastmod": lastmod(client, claim),
        "api": api_client.get(f"/api/v1/claims/{claim.slug}/").json(),
        "og": og,
    }


def test_updated_is_shown_only_on_a_later_day(client, rita):
    claim = story.published(by=rita)
    story.note(claim, by=rita, at=story.CHECKED.replace(hour=18))
    page = html(client, claim.get_absolute_url())
    assert "Updated" not in facts(page)
    assert "updated" not in card_meta(html(client, reverse("claims:claim_list")), claim)


def test_the_updated_order_follows_notes_and_verdict_changes_not_saves(client, rita):
    first = story.published(by=rita, text="First checked claim.", at=story.CHECKED)
    second = story.published(by=rita, text="Second checked claim.", at=story.CHECKED.replace(day=28))
    story.silent_save(first, by=rita)

    def order():
        page = html(client, reverse("claims:claim_list") + "?order=updated")
        return re.findall(r'class="claim-card-title"><a href="[^"]+">([^<]+)</a>', page)

    assert order() == ["Second checked claim.", "First checked claim."]
    story.note(first, by=rita)
    assert order() == ["First checked claim.", "Second checked claim."]
    story.correct_verdict(second, by=rita)
    assert order() == ["Second checked claim.", "First checked claim."]


def test_the_datafeed_date_is_the_newest_public_update(client, rita):
    claim = story.published(by=rita)
    story.note(claim, by=rita)
    story.silent_save(claim, by=rita)
    feed = client.get("/api/v1/claimreview/").json()
    assert feed["dateModified"] == "2024-12-03T09:30:00+00:00"
    [review] = feed["dataFeedElement"]
    assert review["datePublished"] == "2024-11-27" and review["dateModified"] == "2024-12-03T09:30:00+00:00"


# --- valid <time datetime> ----------------------------------------------------------------------


def test_every_time_element_carries_a_valid_html_datetime(client, rita):
    claim = story.published(by=rita)
    story.note(claim, by=rita, kind="correction")
    story.correct_verdict(claim, by=rita)
    services.claim_retract(claim=PublishedClaimFactory(), by=rita, reason="Wrong.", at=story.CORRECTED)
    statement = claim.evidence.get().statement
    urls = [
        "/",
        reverse("claims:claim_list"),
        reverse("claims:claim_list") + "?order=updated",
        claim.get_absolute_url(),
        Claim.objects.get(status="retracted").get_absolute_url(),
        reverse("claims:corrections"),
        statement.source.get_absolute_url(),
        statement.speaker.get_absolute_url(),
        claim.claimant.get_absolute_url(),
    ]
    seen = 0
    for url in urls:
        page = html(client, url)
        for value in TIME.findall(page):
            assert HTML_DATETIME.fullmatch(value), (url, value)
            seen += 1
        for value in re.findall(r'<meta property="article:[a-z_]+" content="([^"]*)">', page):
            assert HTML_DATETIME.fullmatch(value), (url, value)
    assert seen >= 10
    page = html(client, claim.get_absolute_url())
    assert '<time datetime="2024-11-27T10:00:00Z">27 November 2024</time>' in page


# --- byline -------------------------------------------------------------------------------------


def test_the_byline_names_who_rated_published_and_wrote_notes(client, api_client, rita):
    otto = story.reviewer(first_name="Otto", last_name="Noter")  # no public name: his full name
    claim = story.published(by=rita)
    story.note(claim, by=otto)
    story.note(claim, by=rita, at=story.CORRECTED)  # named once
    other = story.published(by=rita, publisher=story.reviewer("Pat Publisher"), text="Published by someone else.")
    assert facts(html(client, claim.get_absolute_url()))["Checked by"] == "Rita Reviewer and Otto Noter"
    assert facts(html(client, other.get_absolute_url()))["Checked by"] == "Rita Reviewer and Pat Publisher"
    assert api_client.get(f"/api/v1/claims/{claim.slug}/").json()["checked_by"] == ["Rita Reviewer", "Otto Noter"]


def test_a_public_name_change_shows_on_the_byline(client, rita):
    claim = story.published(by=rita)
    services.public_name_set(user=rita, by=rita, public_name="R. Reviewer")
    assert facts(html(client, claim.get_absolute_url()))["Checked by"] == "R. Reviewer"


@override_settings(BYLINE="desk", DESK_NAME="the Example Newsroom desk")
def test_a_newsroom_may_publish_as_its_desk(client, api_client, rita):
    claim = story.published(by=rita)
    page = html(client, claim.get_absolute_url())
    assert facts(page)["Checked by"] == "the Example Newsroom desk" and "Rita" not in page
    assert api_client.get(f"/api/v1/claims/{claim.slug}/").json()["checked_by"] == ["the Example Newsroom desk"]


def test_the_desk_is_named_after_the_publisher_by_default(settings):
    from factcheck import settings as project_settings

    assert project_settings.BYLINE == "reviewers"
    assert project_settings.DESK_NAME.removeprefix("the ").removesuffix(" desk") == project_settings.PUBLISHER_NAME


def test_a_draft_preview_has_no_byline(admin_client, rita):
    claim = story.published(by=rita)
    Claim.objects.filter(pk=claim.pk).update(status="draft", published_at=None)
    assert "Checked by" not in facts(html(admin_client, claim.get_absolute_url()))


@pytest.mark.parametrize("n", [1, 6])
def test_the_claim_page_with_byline_and_notes_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    claim = story.published(by=story.reviewer("First"))
    for i in range(n):
        story.note(claim, by=story.reviewer(f"Noter {i}"), kind=["update", "correction"][i % 2])
    with django_assert_max_num_queries(8):
        page = html(client, claim.get_absolute_url())
    assert page.count('class="timeline-item timeline-note') == n


# --- public notes in the history ----------------------------------------------------------------


def test_public_notes_and_verdict_changes_make_one_history_by_date(client, rita):
    claim = story.published(by=rita)
    correction = story.correct_summary(claim, by=rita)
    change = story.correct_verdict(claim, by=rita)
    update = story.note(claim, by=rita, at=story.CORRECTED.replace(day=20), reason="A new source agrees.")
    page = html(client, claim.get_absolute_url())
    history = page[page.index('id="history-heading"') :]
    anchors = re.findall(r'<li id="([a-z-]+-\d+)" class="timeline-item', history)
    initial = claim.verdict_changes.get(kind="initial")
    assert anchors == [
        f"verdict-change-{initial.pk}",
        f"note-{correction.pk}",
        f"verdict-change-{change.pk}",
        f"note-{update.pk}",
    ]
    item = re.search(rf'<li id="note-{correction.pk}".*?</li>', history, re.S).group(0)
    assert "Correction" in item and "3 December 2024" in item and "We changed our fact check." in item
    assert "We had the date of the post wrong." in item
    item = re.search(rf'<li id="note-{update.pk}".*?</li>', history, re.S).group(0)
    assert ">Update<" in item and "A new source agrees." in item and "A note on this fact check." in item


# --- corrections --------------------------------------------------------------------------------


def test_the_corrections_page_and_feed_list_both_kinds_newest_first(client, rita):
    by_note = story.published(by=rita, text="Corrected in a note.")
    by_verdict = story.published(by=rita, text="Corrected in its verdict.")
    note = story.correct_summary(by_note, by=rita, at=story.CORRECTED.replace(day=12))
    change = story.correct_verdict(by_verdict, by=rita)
    story.note(by_verdict, by=rita, kind="update", reason="Only an update, not a correction.")
    page = html(client, reverse("claims:corrections"))
    links = re.findall(r'<h2 class="correction-claim"><a href="([^"]+)">', page)
    assert links == [
        f"{by_note.get_absolute_url()}#note-{note.pk}",
        f"{by_verdict.get_absolute_url()}#verdict-change-{change.pk}",
    ]
    assert "We corrected our fact check." in page and "We had the date of the post wrong." in page
    assert "Only an update" not in page
    feed = ET.fromstring(client.get(reverse("claims:feed_corrections_rss")).content)  # noqa: S314
    items = feed.find("channel").findall("item")
    assert [item.findtext("link").removeprefix(_site()) for item in items] == links
    assert items[0].findtext("title") == "Corrected: Corrected in a note."
    assert "We had the date of the post wrong." in items[0].findtext("description")
    atom = ET.fromstring(client.get(reverse("claims:feed_corrections_atom")).content)  # noqa: S314
    assert [e.find(f"{ATOM}link").get("href").removeprefix(_site()) for e in atom.findall(f"{ATOM}entry")] == links


def _site() -> str:
    from django.conf import settings

    return settings.SITE_URL


def test_corrections_on_claims_readers_cannot_see_are_left_out(client, rita):
    claim = story.published(by=rita)
    story.correct_summary(claim, by=rita, reason="A secret correction.")
    Claim.objects.filter(pk=claim.pk).update(status="in_review")
    assert "A secret correction." not in html(client, reverse("claims:corrections"))
    assert b"A secret correction." not in client.get(reverse("claims:feed_corrections_rss")).content


def test_the_corrections_page_is_paged_with_a_fixed_number_of_queries(client, rita, django_assert_max_num_queries):
    claim = story.published(by=rita)
    for day in range(1, 22):  # one more than a page
        story.note(claim, by=rita, kind="correction", at=story.CORRECTED.replace(day=day), reason=f"Fix number {day}.")
    story.correct_verdict(claim, by=rita, at=story.CORRECTED.replace(month=11, day=28), reason="The oldest fix.")
    with django_assert_max_num_queries(4):
        first = html(client, reverse("claims:corrections"))
    assert first.count('class="correction"') == views.PAGE_SIZE and "Fix number 21." in first
    with django_assert_max_num_queries(4):
        second = html(client, reverse("claims:corrections") + "?page=2")
    assert second.count('class="correction"') == 2
    assert "Fix number 1." in second and second.index("Fix number 1.") < second.index("The oldest fix.")


# --- the correction notice at the top -----------------------------------------------------------


def test_a_claim_corrected_in_a_note_says_so_under_its_title(client, rita):
    claim = story.published(by=rita)
    note = story.correct_summary(claim, by=rita)
    page = html(client, claim.get_absolute_url())
    notice = re.search(r'<p class="notice notice-correction" role="note">(.*?)</p>', page, re.S)
    assert notice, "no correction notice"
    assert page.index("</h1>") < notice.start() < page.index('class="claim-verdict"')
    text = re.sub(r"<[^>]+>", "", notice.group(1))
    assert text.startswith("Corrected on 3 December 2024: We had the date of the post wrong.")
    assert f'href="#note-{note.pk}"' in notice.group(1)
    assert f'id="note-{note.pk}"' in page


def test_a_verdict_correction_says_so_under_the_title_the_latest_correction_first(client, rita):
    claim = story.published(by=rita)
    story.correct_summary(claim, by=rita)
    change = story.correct_verdict(claim, by=rita)
    story.note(claim, by=rita, kind="update", at=story.CORRECTED.replace(day=20))  # an update is no correction
    page = html(client, claim.get_absolute_url())
    notice = re.search(r'<p class="notice notice-correction" role="note">(.*?)</p>', page, re.S).group(1)
    assert "10 December 2024" in notice and f'href="#verdict-change-{change.pk}"' in notice
    assert "our verdict was False until then." in re.sub(r"<[^>]+>", "", notice)


def test_no_notice_without_a_correction(client, rita):
    claim = story.published(by=rita)
    story.note(claim, by=rita, kind="update")
    services.claim_set_verdict(
        claim=claim, by=rita, verdict="mixed", kind="update", reason="New data.", at=story.CORRECTED
    )
    assert "notice-correction" not in html(client, claim.get_absolute_url())


# --- the API's read-only dates ------------------------------------------------------------------


def test_the_api_lists_the_public_dates_and_refuses_to_write_them(api_client, rita):
    claim = story.published(by=rita)
    story.note(claim, by=rita)
    [row] = [c for c in api_client.get("/api/v1/claims/").json()["results"] if c["slug"] == claim.slug]
    assert row["checked_at"] == row["published_at"] == "2024-11-27T10:00:00.123456Z"
    assert row["public_updated_at"] == "2024-12-03T09:30:00Z"
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["change_claim", "view_claim", "publish_claim"]))
    api_client.force_authenticate(user)
    response = api_client.patch(f"/api/v1/claims/{claim.slug}/", {"public_updated_at": "2030-01-01T00:00:00Z"})
    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.public_updated_at == story.NOTED

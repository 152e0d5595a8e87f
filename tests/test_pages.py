"""The public pages, through the test client the way a reader (or a previewing editor) uses them."""

import datetime
import json
import re
from html import unescape

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import Claim, Evidence, Status, Verdict, VerdictChange
from exchange.claimreview import claim_review
from public import views
from tests.factories import (
    EDITORS,
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    ReviewerFactory,
    SourceFactory,
    SpeakerFactory,
    StatementFactory,
    TopicFactory,
    UserFactory,
    VerdictChangeFactory,
)

pytestmark = pytest.mark.django_db

LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def text_of(response) -> str:
    return response.content.decode()


def json_ld(response) -> list[dict]:
    return [json.loads(block) for block in LD_JSON.findall(text_of(response))]


def head_value(response, pattern: str) -> str:
    match = re.search(pattern, text_of(response))
    assert match, f"{pattern!r} not found"
    return unescape(match.group(1))


@pytest.fixture
def story():
    """A published claim with every kind of evidence and history, a retracted one, and a draft."""
    topic = TopicFactory(name="Sora")
    claimant = SpeakerFactory(name="Niko Felix", title="OpenAI spokesperson")
    verge = SourceFactory(
        title="Artists say they leaked Sora",
        publisher="The Verge",
        url="https://www.theverge.com/sora-leak",
        archive_url="https://web.archive.org/web/2024/https://www.theverge.com/sora-leak",
    )
    letter = SourceFactory(title="Open letter", publisher="Hugging Face", url="https://huggingface.co/letter")
    artists = SpeakerFactory(name="Sora beta testers", kind="organization")
    claim = PublishedClaimFactory(
        text="The leaked Sora access was authentic.",
        claimant=claimant,
        first_appearance=verge,
        first_appeared_on=datetime.date(2024, 11, 26),
        summary="The **leak** was real. [Read more](https://example.org/more)",
        verdict=Verdict.MOSTLY_TRUE,
        topics=[topic],
    )
    supports = StatementFactory(
        source=letter, speaker=artists, text="We leaked access to Sora in protest.", is_quote=True
    )
    refutes = StatementFactory(source=verge, speaker=claimant, text="Sora is still in research preview.")
    context = StatementFactory(
        source=verge, speaker=None, text="OpenAI paused access after three hours.", is_quote=False
    )
    stale = StatementFactory(source=verge, speaker=claimant, text="An old misquote.")
    EvidenceFactory(claim=claim, statement=supports, stance="supports", rank="preferred", note="The artists' own post.")
    EvidenceFactory(claim=claim, statement=refutes, stance="refutes")
    EvidenceFactory(claim=claim, statement=context, stance="context")
    EvidenceFactory(
        claim=claim, statement=stale, stance="refutes", rank="deprecated", deprecation_reason="Misattributed quote."
    )
    t0 = timezone.now() - datetime.timedelta(days=2)
    VerdictChangeFactory(claim=claim, verdict=Verdict.FALSE, kind="initial", reason="First look.", changed_at=t0)
    correction = VerdictChangeFactory(
        claim=claim,
        previous_verdict=Verdict.FALSE,
        verdict=Verdict.MOSTLY_TRUE,
        kind="correction",
        reason="We misread the timeline.",
        changed_at=t0 + datetime.timedelta(days=1),
    )

    retracted = PublishedClaimFactory(
        text="Sora was released in November.",
        status=Status.RETRACTED,
        retracted_at=timezone.now(),
        retraction_reason="We checked the wrong product.",
        topics=[topic],
    )

    secret_topic = TopicFactory(name="Secret topic")
    secret_speaker = SpeakerFactory(name="Hidden Person")
    secret_source = SourceFactory(title="Unpublished memo", url="https://example.org/memo")
    draft = ClaimFactory(
        text="Draft claim nobody may see.",
        claimant=secret_speaker,
        first_appearance=secret_source,
        summary="draft summary zebra",
        topics=[secret_topic],
    )
    secret_statement = StatementFactory(source=secret_source, speaker=secret_speaker, text="Secret words xylophone.")
    EvidenceFactory(claim=draft, statement=secret_statement, stance="supports")
    draft_correction = VerdictChangeFactory(claim=draft, kind="correction", reason="Draft correction reason.")
    return {
        "claim": claim,
        "retracted": retracted,
        "draft": draft,
        "topic": topic,
        "claimant": claimant,
        "artists": artists,
        "verge": verge,
        "letter": letter,
        "correction": correction,
        "secret_topic": secret_topic,
        "secret_speaker": secret_speaker,
        "secret_source": secret_source,
        "draft_correction": draft_correction,
    }


def public_urls(story):
    return [
        reverse("claims:home"),
        reverse("claims:claim_list"),
        story["claim"].get_absolute_url(),
        story["retracted"].get_absolute_url(),
        story["verge"].get_absolute_url(),
        story["claimant"].get_absolute_url(),
        story["topic"].get_absolute_url(),
        reverse("claims:methodology"),
        reverse("claims:corrections"),
    ]


# --- every page ------------------------------------------------------------------------------


def test_every_page_has_title_description_canonical_and_open_graph(client, story):
    titles = set()
    for url in public_urls(story):
        response = client.get(url)
        assert response.status_code == 200, url
        title = head_value(response, r"<title>(.*?)</title>")
        assert title.endswith(settings.SITE_NAME)
        titles.add(title)
        assert head_value(response, r'<meta name="description" content="([^"]+)"')
        assert head_value(response, r'<link rel="canonical" href="([^"]+)"') == settings.SITE_URL + url
        assert head_value(response, r'<meta property="og:url" content="([^"]+)"') == settings.SITE_URL + url
        for prop in ("og:title", "og:description", "og:type", "og:site_name"):
            assert head_value(response, rf'<meta property="{prop}" content="([^"]+)"')
        html = text_of(response)
        assert 'href="#main"' in html and 'id="main"' in html  # skip link and its target
        assert "<nav" in html and "<footer" in html
        assert "claims/site.css" in html
    assert len(titles) == len(public_urls(story)), "every page has its own title"


def test_claim_pages_have_their_own_description_from_the_claim_and_summary(client, story):
    twin = PublishedClaimFactory(text="Another mostly true claim.", verdict=Verdict.MOSTLY_TRUE, summary="")
    description = head_value(
        client.get(story["claim"].get_absolute_url()), r'<meta name="description" content="([^"]+)"'
    )
    assert description == "Mostly true: “The leaked Sora access was authentic.” The leak was real. Read more"
    twin_description = head_value(client.get(twin.get_absolute_url()), r'<meta name="description" content="([^"]+)"')
    assert twin_description == f"Mostly true: “{twin.text}” {twin.verdict_meaning}"
    retracted = client.get(story["retracted"].get_absolute_url())
    assert head_value(retracted, r"<title>(.*?)</title>").startswith("Retracted: Sora was released in November.")
    assert head_value(retracted, r'<meta name="description" content="([^"]+)"').startswith("Retracted: “Sora")


def test_404_page_is_in_the_site_design(client):
    response = client.get("/claims/no-such-claim/")
    assert response.status_code == 404
    html = text_of(response)
    assert "Page not found" in html
    assert "claims/site.css" in html and 'role="search"' in html
    # Its own title; not indexed, and no canonical link to an address that does not exist.
    assert f"<title>Page not found · {settings.SITE_NAME}</title>" in html
    assert '<meta name="robots" content="noindex">' in html and 'rel="canonical"' not in html


def test_500_page_renders_without_request_context_or_database(django_assert_num_queries):
    from factcheck import urls

    assert urls.handler500 == "public.views.server_error"
    with django_assert_num_queries(0):
        response = views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = text_of(response)
    assert "Something went wrong" in html and settings.SITE_NAME in html and "claims/site.css" in html


def test_pages_refuse_writes(client, story):
    assert client.post(reverse("claims:claim_list")).status_code == 405


# --- home ------------------------------------------------------------------------------------


def test_home_lists_latest_claims_chart_search_and_topics(client, story):
    PublishedClaimFactory(verdict=Verdict.FALSE)
    response = client.get("/")
    html = text_of(response)
    assert story["claim"].text in html
    assert 'action="/claims/"' in html and 'name="q"' in html
    assert story["topic"].get_absolute_url() in html
    # The chart counts published claims only: one mostly true, one false; the retracted and the draft are out.
    rows = dict(re.findall(r'verdict=(\w+)">[^<]+</a></th>.*?<span class="bar-count">(\d+)</span>', html, re.S))
    assert rows["mostly_true"] == "1" and rows["false"] == "1" and rows["true"] == "0"
    assert "2 published claims" in html


def test_verdict_chart_is_a_table_with_text_labels(client, story):
    html = text_of(client.get("/"))
    assert '<table class="verdict-chart">' in html and "<caption>" in html
    for verdict in Verdict:
        if verdict != Verdict.UNVERIFIED:
            assert f">{verdict.label}</a></th>" in html


# --- claim page ------------------------------------------------------------------------------


def test_claim_page_shows_verdict_summary_people_and_sources(client, story):
    claim = story["claim"]
    html = text_of(client.get(claim.get_absolute_url()))
    assert claim.text in html
    assert 'class="verdict verdict-mostly_true verdict-large"' in html and ">Mostly true</span>" in html
    assert claim.verdict_meaning in html
    assert "<strong>leak</strong>" in html  # Markdown rendered
    assert story["claimant"].get_absolute_url() in html and "OpenAI spokesperson" in html
    assert story["verge"].get_absolute_url() in html  # first appearance
    assert "26 November 2024" in html
    assert story["topic"].get_absolute_url() in html


def test_claim_page_evidence_columns_context_and_folded_deprecated(client, story):
    html = text_of(client.get(story["claim"].get_absolute_url()))
    supports = html.index('class="evidence-column evidence-supports"')
    refutes = html.index('class="evidence-column evidence-refutes"')
    context = html.index('class="evidence-context"')
    folded = html.index('<details class="evidence-deprecated">')
    assert supports < html.index("We leaked access to Sora in protest.") < refutes
    assert refutes < html.index("Sora is still in research preview.") < context
    assert context < html.index("OpenAI paused access after three hours.") < folded
    assert folded < html.index("An old misquote.") and "Misattributed quote." in html
    assert "Key evidence" in html and "The artists&#x27; own post." in html
    # Each statement: speaker, date, quote or paraphrase, source with link and archive link.
    assert story["artists"].get_absolute_url() in html
    assert ">Quote</span>" in html and ">Paraphrase</span>" in html and "Unattributed" in html
    assert 'href="https://www.theverge.com/sora-leak"' in html
    assert 'href="https://web.archive.org/web/2024/https://www.theverge.com/sora-leak"' in html
    assert story["letter"].get_absolute_url() in html


def test_claim_page_verdict_history_timeline(client, story):
    html = text_of(client.get(story["claim"].get_absolute_url()))
    first = html.index("First look.")
    second = html.index("We misread the timeline.")
    assert first < second
    assert "Initial rating" in html and "Correction of an error" in html
    assert f'id="verdict-change-{story["correction"].pk}"' in html
    assert "False → <strong>Mostly true</strong>" in html


def test_claim_page_related_claims_share_topic_or_claimant(client, story):
    same_claimant = PublishedClaimFactory(text="Another claim by Felix.", claimant=story["claimant"])
    unrelated = PublishedClaimFactory(text="Unrelated claim.")
    html = text_of(client.get(story["claim"].get_absolute_url()))
    related = html[html.index('id="related-heading"') :]
    assert same_claimant.text in related
    assert story["retracted"].text in related  # same topic
    assert unrelated.text not in html
    assert story["draft"].text not in html


def test_claim_text_and_summary_are_escaped_and_sanitized(client):
    claim = PublishedClaimFactory(
        text='Evil <img src=x onerror="alert(1)"> claim',
        summary="Hi <script>alert(1)</script> [x](javascript:alert(2)) [ok](https://example.org)",
    )
    html = text_of(client.get(claim.get_absolute_url()))
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "<script>alert(1)</script>" not in html
    assert "javascript:" not in html
    assert '<a href="https://example.org" rel="nofollow noopener">ok</a>' in html


def test_claimreview_json_ld_has_the_required_properties(client, story):
    claim = story["claim"]
    response = client.get(claim.get_absolute_url())
    (review,) = json_ld(response)
    canonical = head_value(response, r'<link rel="canonical" href="([^"]+)"')
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["url"] == canonical == settings.SITE_URL + claim.get_absolute_url()
    assert review["claimReviewed"] == claim.text
    assert review["author"]["name"] == settings.PUBLISHER_NAME
    assert review["datePublished"]
    rating = review["reviewRating"]
    assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (4, 5, 1)
    assert rating["alternateName"] == "Mostly true"
    item = review["itemReviewed"]
    assert item["@type"] == "Claim" and item["author"]["name"] == "Niko Felix"
    assert item["datePublished"] == "2024-11-26"
    assert item["firstAppearance"]["url"] == "https://www.theverge.com/sora-leak"
    assert "https://huggingface.co/letter" in [a["url"] for a in item["appearance"]]


def test_every_published_demo_claim_has_a_claimreview_that_parses(client):
    """The demo story as `make run` loads it: each published claim's JSON-LD, with the properties readers need."""
    call_command("seed_demo", "--no-accounts", verbosity=0)
    published = list(Claim.objects.filter(status=Status.PUBLISHED))
    assert len(published) >= 3
    for claim in published:
        response = client.get(claim.get_absolute_url())
        (review,) = json_ld(response)
        assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
        assert review["url"] == settings.SITE_URL + claim.get_absolute_url()
        assert review["claimReviewed"] == claim.text
        publisher = {"@type": "Organization", "name": settings.PUBLISHER_NAME, "url": settings.PUBLISHER_URL}
        assert review["author"] == publisher
        assert datetime.date.fromisoformat(review["datePublished"])
        rating = review["reviewRating"]
        assert rating["alternateName"] == claim.get_verdict_display()
        if claim.verdict == Verdict.UNPROVEN:
            assert "ratingValue" not in rating
        else:
            assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (claim.rating_value, 5, 1)
        item = review["itemReviewed"]
        assert item["@type"] == "Claim" and item["author"]["name"] == claim.claimant.name
        assert item["firstAppearance"]["url"] == claim.first_appearance.url
        assert item["datePublished"] == claim.first_appeared_on.isoformat()
        assert item["appearance"] and all(a["url"].startswith("https://") for a in item["appearance"])
    for claim in Claim.objects.exclude(status=Status.PUBLISHED):
        assert json_ld(client.get(claim.get_absolute_url())) == [], claim.status


def test_a_claim_not_yet_rated_is_never_exported():
    """The database refuses a published unverified claim; the export refuses it too, on its own."""
    claim = PublishedClaimFactory(verdict=Verdict.FALSE)
    assert claim_review(claim)["reviewRating"]["ratingValue"] == 1
    claim.verdict = Verdict.UNVERIFIED  # in memory only
    assert claim_review(claim) is None


def test_claimreview_for_unproven_has_alternate_name_only(client):
    claim = PublishedClaimFactory(verdict=Verdict.UNPROVEN)
    (review,) = json_ld(client.get(claim.get_absolute_url()))
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Unproven"}


def test_claimreview_json_cannot_close_the_script_tag(client):
    claim = PublishedClaimFactory(text="</script><script>alert(1)</script> & more")
    response = client.get(claim.get_absolute_url())
    html = text_of(response)
    assert "</script><script>alert(1)" not in html
    (review,) = json_ld(response)
    assert review["claimReviewed"] == claim.text


def test_retracted_claim_shows_notice_and_reason_and_no_claimreview(client, story):
    response = client.get(story["retracted"].get_absolute_url())
    assert response.status_code == 200
    html = text_of(response)
    assert "This fact check was retracted" in html and "We checked the wrong product." in html
    assert "Withdrawn with this fact check." in html  # its verdict no longer stands
    assert json_ld(response) == []
    assert "Draft preview" not in html


# --- who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "reader", "editor_without_staff"])
def test_nothing_in_draft_reaches_a_reader(client, story, who):
    if who == "reader":
        client.force_login(UserFactory())
    elif who == "editor_without_staff":
        user = UserFactory(groups=[EDITORS])  # has view_claim, but is not staff
        client.force_login(user)
    secrets = [
        "Draft claim nobody may see.",
        "Hidden Person",
        "Unpublished memo",
        "Secret topic",
        "Secret words",
        "Draft correction reason.",
    ]
    pages = public_urls(story) + [
        reverse("claims:claim_list") + "?q=zebra",
        reverse("claims:claim_list") + "?q=xylophone",
        reverse("claims:claim_list") + f"?speaker={story['secret_speaker'].slug}",
        reverse("claims:sitemap"),
        reverse("claims:feed_claims_rss"),
        reverse("claims:feed_claims_atom"),
        reverse("claims:feed_corrections_rss"),
        reverse("claims:feed_corrections_atom"),
        story["letter"].get_absolute_url(),
        story["artists"].get_absolute_url(),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = text_of(response)
        for secret in secrets:
            assert secret not in html, (url, secret)
        assert story["draft"].slug not in html
    for url in [
        story["draft"].get_absolute_url(),
        story["secret_speaker"].get_absolute_url(),
        story["secret_source"].get_absolute_url(),
        story["secret_topic"].get_absolute_url(),
    ]:
        assert client.get(url).status_code == 404, url


def test_search_finds_nothing_in_drafts(client, story):
    html = text_of(client.get(reverse("claims:claim_list"), {"q": "zebra"}))
    assert "0 claims match ‘zebra’" in html


def test_staff_preview_a_draft_under_a_banner_without_caching_or_claimreview(editor_client, story):
    draft = story["draft"]
    draft.verdict = Verdict.FALSE
    draft.save()
    response = editor_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    html = text_of(response)
    assert 'role="status"' in html and "Draft preview" in html
    assert draft.text in html
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    assert not response.has_header("ETag")
    assert json_ld(response) == []
    assert '<meta name="robots" content="noindex">' in html


def test_staff_lists_and_counts_stay_public(editor_client, story):
    """Lists, counts and search show what readers see, even to staff."""
    html = text_of(editor_client.get("/"))
    assert story["draft"].text not in html
    assert story["draft"].text not in text_of(editor_client.get(reverse("claims:claim_list")))


def test_staff_see_draft_claims_on_a_speaker_page_marked_not_public(editor_client, story):
    response = editor_client.get(story["secret_speaker"].get_absolute_url())
    assert response.status_code == 200
    html = text_of(response)
    assert story["draft"].text in html and "(not public)" in html
    assert "no-store" in response["Cache-Control"]


def test_published_page_for_staff_is_private_not_shared(editor_client, story):
    response = editor_client.get(story["claim"].get_absolute_url())
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


# --- source, speaker, topic, methodology, corrections -----------------------------------------


def test_source_page_lists_statements_and_the_claims_they_bear_on(client, story):
    html = text_of(client.get(story["verge"].get_absolute_url()))
    assert "Artists say they leaked Sora" in html and "The Verge" in html
    assert "Sora is still in research preview." in html
    assert story["claim"].get_absolute_url() in html
    assert "Claims that first appeared here" in html
    assert 'href="https://www.theverge.com/sora-leak"' in html and "archived copy" in html


def test_speaker_page_statements_claims_and_scorecard(client, story):
    PublishedClaimFactory(claimant=story["claimant"], verdict=Verdict.FALSE, text="Felix said something false.")
    html = text_of(client.get(story["claimant"].get_absolute_url()))
    assert "Niko Felix" in html and "OpenAI spokesperson" in html
    assert "Felix said something false." in html and story["claim"].text in html
    assert "Sora is still in research preview." in html
    assert not re.search(r"<figcaption>\s*,", html), "a statement on its speaker's page starts with the date"
    scorecard = html[html.index('id="scorecard-heading"') :]
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>.*?<span class="bar-count">(\d+)</span>', scorecard, re.S))
    assert rows["False"] == "1" and rows["Mostly true"] == "1" and rows["True"] == "0"
    assert "?speaker=" + story["claimant"].slug in html


def test_speaker_page_links_affiliation_only_when_it_is_public(client, story):
    org = SpeakerFactory(name="Shadow Org", kind="organization")
    speaker = story["claimant"]
    speaker.affiliation = org
    speaker.save()
    html = text_of(client.get(speaker.get_absolute_url()))
    assert "Shadow Org" in html and org.get_absolute_url() not in html
    assert client.get(org.get_absolute_url()).status_code == 404


def test_topic_page_lists_public_claims_of_the_topic(client, story):
    other = PublishedClaimFactory(text="Off-topic claim.")
    html = text_of(client.get(story["topic"].get_absolute_url()))
    assert story["claim"].text in html and story["retracted"].text in html
    assert other.text not in html
    assert "Retracted" in html


def test_methodology_page_shows_the_scale(client):
    html = text_of(client.get(reverse("claims:methodology")))
    for verdict in Verdict:
        assert f'id="verdict-{verdict.value}"' in html
    assert "The claim is not accurate." in html
    assert "5 of 5" in html and "1 of 5" in html
    assert 'id="corrections"' in html and 'id="sources"' in html


def test_corrections_page_lists_corrections_on_public_claims_newest_first(client, story):
    newer = VerdictChangeFactory(
        claim=story["retracted"], kind="correction", reason="Newer correction.", changed_at=timezone.now()
    )
    VerdictChangeFactory(claim=story["claim"], kind="update", reason="Just an update.")
    html = text_of(client.get(reverse("claims:corrections")))
    assert html.index("Newer correction.") < html.index("We misread the timeline.")
    assert "Just an update." not in html and "Draft correction reason." not in html
    assert f"#verdict-change-{newer.pk}" in html


# --- search and bad query strings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "found"),
    [("AUTHENTIC", True), ("leak", True), ("research preview", True), ("paused access", True), ("nothing-like", False)],
)
def test_search_over_text_summary_and_statements(client, story, q, found):
    response = client.get(reverse("claims:claim_list"), {"q": q})
    html = text_of(response)
    assert (story["claim"].text in html) is found
    count = 1 if found else 0
    assert f"{count} claim{'' if count == 1 else 's'} match{'es' if count == 1 else ''} ‘{q}’" in html


def test_search_results_say_how_many_matched(client, story):
    PublishedClaimFactory(text="Sora one"), PublishedClaimFactory(text="Sora two")
    html = text_of(client.get(reverse("claims:claim_list"), {"q": "sora"}))
    assert "4 claims match ‘sora’" in html


def test_filters_verdict_topic_and_speaker(client, story):
    false_claim = PublishedClaimFactory(text="A false one.", verdict=Verdict.FALSE)
    url = reverse("claims:claim_list")
    html = text_of(client.get(url, {"verdict": "false"}))
    assert false_claim.text in html and story["claim"].text not in html
    html = text_of(client.get(url, {"topic": story["topic"].slug}))
    assert story["claim"].text in html and false_claim.text not in html
    # The speaker filter finds claims they made and claims their statements are evidence for.
    html = text_of(client.get(url, {"speaker": story["artists"].slug}))
    assert story["claim"].text in html and false_claim.text not in html
    assert "involving Sora beta testers" in html
    html = text_of(client.get(url, {"speaker": story["claimant"].slug, "verdict": "mostly_true"}))
    assert story["claim"].text in html


def test_order_newest_or_recently_updated(client):
    older = PublishedClaimFactory(text="Older claim.", published_at=timezone.now() - datetime.timedelta(days=3))
    newer = PublishedClaimFactory(text="Newer claim.", published_at=timezone.now())
    # A silent internal save is not an update for readers.
    Claim.objects.filter(pk=older.pk).update(updated_at=timezone.now() + datetime.timedelta(hours=1))
    url = reverse("claims:claim_list")
    html = text_of(client.get(url))
    assert html.index(newer.text) < html.index(older.text)
    html = text_of(client.get(url, {"order": "updated"}))
    assert html.index(newer.text) < html.index(older.text)
    # A public note is.
    services.claim_add_note(claim=older, by=ReviewerFactory(), kind="update", reason="New context.")
    html = text_of(client.get(url, {"order": "updated"}))
    assert html.index(older.text) < html.index(newer.text)


def test_pagination_and_pages_out_of_range(client):
    PublishedClaimFactory.create_batch(views.PAGE_SIZE + 1)
    url = reverse("claims:claim_list")
    first = text_of(client.get(url))
    assert 'rel="next"' in first and "?after=" in first  # cursor pages: tests/test_claim_list_pages.py
    second = client.get(url, {"page": 2})  # an old numbered link
    assert second.status_code == 200 and text_of(second).count('class="claim-card"') == 1
    for page in ["99999", "0", "-1", "abc", "1e3", "9" * 40]:
        assert client.get(url, {"page": page}).status_code == 404, page


@pytest.mark.parametrize(
    "params",
    [
        {"verdict": "nonsense"},
        {"verdict": "unverified"},
        {"topic": "no-such-topic"},
        {"speaker": "nobody"},
        {"order": "sideways"},
        {"q": "x" * 5000},
        {"q": "nul\x00byte"},
        {"q": "emoji 🧪 RTL \u202e زبان"},
        {"q": "%_\\' OR 1=1 --"},
        {"topic": "\x00", "speaker": "a" * 1000},
    ],
)
def test_bad_query_strings_give_a_normal_page(client, story, params):
    response = client.get(reverse("claims:claim_list"), params)
    assert response.status_code == 200


@pytest.mark.parametrize("page", ["99999", "0", "abc", "%00", "1" * 30, "２"])
def test_other_paginated_pages_answer_a_bad_page_with_a_404(client, story, page):
    for url in [reverse("claims:corrections"), story["topic"].get_absolute_url()]:
        assert client.get(f"{url}?page={page}").status_code == 404, url


@pytest.mark.parametrize(
    "query", ["q=%ED%A0%80", "verdict=%FF", "order=%00", "x=" + "é" * 3000, "verdict=true&verdict=nonsense"]
)
def test_odd_query_strings_on_every_page_give_a_normal_page(client, story, query):
    for url in public_urls(story) + [reverse("claims:feed_claims_rss"), reverse("claims:sitemap")]:
        assert client.get(f"{url}?{query}").status_code == 200, (url, query)


def test_unknown_filters_are_ignored_with_a_note(client, story):
    html = text_of(client.get(reverse("claims:claim_list"), {"verdict": "nonsense", "topic": "nope"}))
    assert "That verdict is not on our scale" in html and "There is no such topic" in html
    assert story["claim"].text in html


def test_long_query_is_cut_and_nul_bytes_removed(client, story):
    html = text_of(client.get(reverse("claims:claim_list"), {"q": "leak\x00" + "y" * 500}))
    assert "cut to its first 200 characters" in html
    assert "\x00" not in html


def test_unicode_query_is_echoed_escaped(client):
    PublishedClaimFactory(text="Über <b>claim</b>")
    html = text_of(client.get(reverse("claims:claim_list"), {"q": "Über <b>"}))
    assert "1 claim matches ‘Über &lt;b&gt;’" in html


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("q=%ED%A0%80", 200),
        ("q=%FF%FE", 200),
        ("q=%00", 200),
        ("verdict=%C0%AF", 200),
        ("q=a&q=b", 200),
        ("page=%00", 404),
    ],
)
def test_undecodable_query_strings_give_a_normal_page_or_404(client, raw, status):
    assert client.get(reverse("claims:claim_list") + "?" + raw).status_code == status


# --- conditional GET -------------------------------------------------------------------------


def test_conditional_get_answers_304_when_unchanged(client, story):
    for url in public_urls(story) + [reverse("claims:feed_claims_rss"), reverse("claims:sitemap")]:
        response = client.get(url)
        etag = response["ETag"]
        assert "public" in response["Cache-Control"]
        again = client.get(url, headers={"if-none-match": etag})
        assert again.status_code == 304, url
        assert again.content == b""


def test_etag_changes_when_the_claim_changes(client, story):
    url = story["claim"].get_absolute_url()
    etag = client.get(url)["ETag"]
    Claim.objects.filter(pk=story["claim"].pk).update(text="The leaked Sora access was fake.")
    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 200 and response["ETag"] != etag


def test_signed_in_reader_gets_private_pages(client, story):
    client.force_login(UserFactory())
    response = client.get("/")
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


# --- a fixed number of queries ---------------------------------------------------------------


def _many_claims(n, **kwargs):
    topic = TopicFactory()
    speaker = SpeakerFactory()
    source = SourceFactory()
    claims = []
    for _ in range(n):
        claim = PublishedClaimFactory(claimant=speaker, first_appearance=source, topics=[topic], **kwargs)
        statement = StatementFactory(source=source, speaker=speaker)
        EvidenceFactory(claim=claim, statement=statement)
        VerdictChangeFactory(claim=claim, kind="correction")
        claims.append(claim)
    return topic, speaker, source, claims


@pytest.mark.parametrize("n", [1, 50])
def test_list_pages_run_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    topic, speaker, source, claims = _many_claims(n)
    pages = {
        "/": 3,
        reverse("claims:claim_list"): 3,
        # PostgreSQL's search reads the newest claim id first: where its newest matches start (claims/search.py)
        reverse("claims:claim_list") + f"?q=claim&verdict=false&topic={topic.slug}&speaker={speaker.slug}": (
            6 if connection.vendor == "postgresql" else 5
        ),
        topic.get_absolute_url(): 3,
        speaker.get_absolute_url(): 7,
        source.get_absolute_url(): 5,  # and its newest captures
        reverse("claims:corrections"): 4,  # a count, the page of the union of both kinds, then each kind's rows
        reverse("claims:methodology"): 0,
    }
    for url, most in pages.items():
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("n", [1, 50])
def test_claim_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    topics = TopicFactory.create_batch(3)
    claim = PublishedClaimFactory(topics=topics, first_appearance=SourceFactory())
    for i in range(n):
        EvidenceFactory(claim=claim, stance=["supports", "refutes", "context"][i % 3])
        VerdictChangeFactory(claim=claim)
        PublishedClaimFactory(topics=[topics[0]])
    # +3 for the byline and the notes: the notes, who first published it (history), the users' public names.
    with django_assert_max_num_queries(8):
        response = client.get(claim.get_absolute_url())
    assert response.status_code == 200
    assert text_of(response).count('class="evidence-item') == n
    assert len(json_ld(response)) == 1


def test_evidence_on_a_draft_claim_does_not_show_on_a_public_source(client, story):
    """A statement bearing on a public claim and a draft one lists only the public claim."""
    statement = Evidence.objects.filter(claim=story["claim"], stance="refutes", rank="normal").get().statement
    EvidenceFactory(claim=story["draft"], statement=statement, stance="supports")
    html = text_of(client.get(story["verge"].get_absolute_url()))
    assert story["claim"].get_absolute_url() in html
    assert story["draft"].text not in html


def test_verdict_change_kinds_are_labelled(client, story):
    assert VerdictChange.Kind.CORRECTION.label in text_of(client.get(story["claim"].get_absolute_url()))

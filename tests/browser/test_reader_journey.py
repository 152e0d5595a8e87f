"""A reader's way through the site in real Chromium, checked with axe-core at phone and desktop sizes."""

import json
import re

import pytest

from tests.browser.helpers import check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_goes_home_search_claim_source_speaker(live_server, demo_story, page, screenshot):
    from playwright.sync_api import expect

    page.goto(live_server.url + "/")
    expect(page).to_have_title(re.compile("factcheck"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fact checks")
    expect(page.get_by_role("table", name="Published claims by verdict")).to_be_visible()
    expect(page.get_by_role("link", name="Sora", exact=True).first).to_be_visible()
    check(page)
    screenshot("01-home")

    # Search from the home page.
    page.get_by_label("Search the claims").fill("unpaid")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/claims/\?q=unpaid"))
    # The claim matches by its text; others by a statement quoted as evidence ("unpaid testing").
    expect(page.get_by_role("heading", name=re.compile(r"^\d+ claims? match(es)? ‘unpaid’$"))).to_be_visible()
    check(page)
    screenshot("02-search")

    # The claim: verdict with its meaning, evidence on both sides, the verdict history, ClaimReview.
    page.get_by_role("link", name="OpenAI's Sora early-access program uses artists as unpaid R&D and PR.").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "OpenAI's Sora early-access program uses artists as unpaid R&D and PR."
    )
    expect(page.locator(".claim-verdict .verdict")).to_have_text("Verdict: Mixed")
    expect(page.locator(".claim-verdict")).to_contain_text("partly accurate and partly inaccurate")
    expect(page.get_by_role("heading", name=re.compile("Supports the claim"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Refutes the claim"))).to_be_visible()
    expect(page.get_by_role("heading", name="History", exact=True)).to_be_visible()
    expect(page.locator(".timeline-item").first).to_contain_text("Initial rating")
    review = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert review["@type"] == "ClaimReview" and review["reviewRating"]["ratingValue"] == 3
    assert review["url"].endswith("/claims/sora-early-access-uses-artists-as-unpaid-rd-and-pr/")
    check(page)
    screenshot("03-claim")

    # Its source: where the claim first appeared.
    page.locator(".facts").get_by_role("link", name=re.compile("Open letter from Sora beta testers")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Open letter from Sora beta testers")
    expect(page.get_by_role("heading", name="Statements in this source")).to_be_visible()
    original = page.locator(".facts").get_by_role("link", name="huggingface.co/spaces")
    expect(original).to_have_attribute("href", "https://huggingface.co/spaces/PR-Puppets/PR-Puppet-Sora")
    check(page)
    screenshot("04-source")

    # A speaker quoted there: their claims and the scorecard.
    page.locator(".statement figcaption").get_by_role("link", name="Sora beta testers").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sora beta testers")
    expect(page.get_by_role("heading", name="Scorecard")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Verdicts on claims by Sora beta testers"))).to_be_visible()
    expect(page.get_by_role("link", name="The leaked Sora access was authentic.").first).to_be_visible()
    check(page)
    screenshot("05-speaker")


def test_other_reader_pages_pass_axe(live_server, demo_story, page, screenshot):
    from playwright.sync_api import expect

    for name, path in [
        ("06-methodology", "/methodology/"),
        ("07-corrections", "/corrections/"),
        ("08-topic", "/topics/sora/"),
        ("09-claims", "/claims/?verdict=nonsense"),
        ("10-not-found", "/claims/no-such-claim/"),
        ("11-api", "/api/"),
    ]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check(page)
        screenshot(name)


def test_keyboard_reader_can_skip_to_content(live_server, demo_story, page):
    from playwright.sync_api import expect

    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/#main$"))  # waits: the fragment navigation is not synchronous


def test_pages_work_without_javascript(live_server, demo_story, chromium):
    from playwright.sync_api import expect

    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        page.get_by_label("Search the claims").fill("Sora")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("heading", name=re.compile(r"\d+ claims match ‘Sora’"))).to_be_visible()
        page.get_by_label("Verdict").select_option("mixed")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("heading", name=re.compile("1 claim matches ‘Sora’, rated Mixed"))).to_be_visible()
        page.get_by_role("link", name="OpenAI's Sora early-access program uses artists as unpaid R&D and PR.").click()
        page.get_by_text(re.compile("Evidence we set aside")).count()  # folded away by <details>, no script
        expect(page.get_by_role("heading", name="Evidence", exact=True)).to_be_visible()
    finally:
        context.close()


def test_claim_page_runs_under_the_content_security_policy(live_server, demo_story, page):
    """No inline script but the JSON-LD data block, no <style> element: Chromium reports no violation."""
    from playwright.sync_api import expect

    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " (window.cspViolations = window.cspViolations || []).push(e.violatedDirective + ' ' + e.blockedURI))"
    )
    response = page.goto(live_server.url + "/claims/sora-early-access-uses-artists-as-unpaid-rd-and-pr/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    expect(page.locator(".claim-verdict .verdict")).to_have_text("Verdict: Mixed")
    # The stylesheet applied (a blocked one would leave the badge unstyled), and so did the chart's widths.
    assert page.locator(".claim-verdict .verdict").evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    assert page.evaluate("window.cspViolations || []") == []
    assert page.csp_reports == []

    # The check can fail: a <style> element, which the policy forbids, is reported in the console.
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            "document.head.appendChild(Object.assign(document.createElement('style'), {textContent: 'p {}'}))"
        )
    assert page.csp_reports and page.evaluate("window.cspViolations.length") == 1


def test_home_chart_bars_are_drawn_under_the_content_security_policy(live_server, demo_story, page):
    """The bar widths are style attributes, which the policy allows: the longest bar fills its track."""
    page.goto(live_server.url + "/")
    widths = page.locator(".verdict-chart .bar").evaluate_all("bars => bars.map(b => b.getBoundingClientRect().width)")
    track = page.locator(".verdict-chart .bar-track").first.evaluate("t => t.getBoundingClientRect().width")
    assert max(widths) == pytest.approx(track, abs=1) and min(widths) == 0
    assert page.csp_reports == []


@pytest.fixture
def corrected_and_retracted(demo_story):
    """A correction on one demo claim and a retraction of another, made through the services as the desk does."""
    from claims.models import Claim, Verdict, VerdictChange
    from claims.services import claim_retract, claim_set_verdict
    from tests.factories import ReviewerFactory

    reviewer = ReviewerFactory()
    claim_set_verdict(
        claim=Claim.objects.get(slug="sora-early-access-uses-artists-as-unpaid-rd-and-pr"),
        by=reviewer,
        verdict=Verdict.MOSTLY_TRUE,
        kind=VerdictChange.Kind.CORRECTION,
        reason="We misread OpenAI's statement: it does not deny that testing was unpaid.",
    )
    claim_retract(
        claim=Claim.objects.get(slug="leaked-sora-access-was-authentic"),
        by=reviewer,
        reason="We relied on a screenshot we could not verify.",
    )


def test_history_set_aside_evidence_correction_and_retraction_read_well(
    live_server, corrected_and_retracted, page, screenshot
):
    from playwright.sync_api import expect

    # A verdict updated on new evidence, with evidence set aside: folded, opened by the reader.
    page.goto(live_server.url + "/claims/sora-will-be-available-by-the-end-of-2024/")
    expect(page.locator(".timeline-item")).to_have_count(2)
    expect(page.locator(".timeline-item").nth(1)).to_contain_text("Update on new evidence")
    reason = page.get_by_text("Outdated: OpenAI released Sora to the public on 9 December 2024.")
    expect(reason).to_be_hidden()
    page.get_by_text(re.compile(r"Evidence we set aside \(1\)")).click()
    expect(reason).to_be_visible()
    check(page)
    screenshot("11-claim-updated")

    # A correction: in the claim's history and on the corrections page.
    page.goto(live_server.url + "/corrections/")
    correction = page.locator(".correction").first
    expect(correction).to_contain_text("Corrected from Mixed to Mostly true.")
    correction.get_by_role("link").click()
    expect(page.locator(".timeline-correction")).to_contain_text("Correction of an error")
    expect(page.locator(".timeline-correction")).to_be_in_viewport()  # the link lands on the history entry
    check(page)
    screenshot("12-claim-corrected")

    # A retraction: the page stays, with its notice, and no ClaimReview.
    page.goto(live_server.url + "/claims/leaked-sora-access-was-authentic/")
    notice = page.get_by_role("region", name=re.compile("This fact check was retracted"))
    expect(notice).to_contain_text("We relied on a screenshot we could not verify.")
    expect(page.locator(".claim-verdict")).to_contain_text("Withdrawn with this fact check.")
    expect(page.locator('script[type="application/ld+json"]')).to_have_count(0)
    check(page)
    screenshot("13-claim-retracted")


@pytest.fixture
def editor_session(demo_story):
    """The session cookie of a signed-in editor (staff who may preview drafts)."""
    from django.conf import settings
    from django.test import Client

    from tests.factories import EditorFactory

    client = Client()
    client.force_login(EditorFactory())
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


def test_staff_preview_a_draft_under_a_banner(live_server, editor_session, page, screenshot):
    from playwright.sync_api import expect

    page.context.add_cookies([{**editor_session, "url": live_server.url}])
    page.goto(live_server.url + "/claims/every-sora-output-must-be-approved-by-openai/")
    expect(page.get_by_role("status")).to_contain_text("Draft preview.")
    expect(page.locator('script[type="application/ld+json"]')).to_have_count(0)
    check(page)
    screenshot("14-draft-preview")

    # Without the session, a reader gets the 404 page.
    page.context.clear_cookies()
    assert page.goto(live_server.url + "/claims/every-sora-output-must-be-approved-by-openai/").status == 404

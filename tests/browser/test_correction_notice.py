"""A corrected claim says so at the top of its page, with the date and a link to the correction, and names who
checked it: in real Chromium at phone and desktop widths."""

import re

import pytest

from tests import public_story as story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def corrected(transactional_db):
    """A demo-like claim, checked on 27 November 2024 and corrected on 10 December 2024 in a public note."""
    from importlib import import_module

    from django.contrib.auth.models import Group, Permission

    for name, codenames in import_module("claims.migrations.0002_editor_and_reviewer_groups").GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="claims", codename__in=codenames))
    rita = story.reviewer("Rita Reviewer")
    claim = story.published(
        by=rita,
        verdict="mostly_false",
        text="Sora's source code leaked on Hugging Face, letting anyone generate videos with OpenAI's model.",
    )
    story.note(claim, by=story.reviewer("Otto Noter"), kind="update", reason="OpenAI confirmed the pause.")
    note = story.correct_summary(
        claim, by=rita, at=story.CORRECTED, reason="We wrote that the post appeared on 25 November; it was the 26th."
    )
    return claim, note


def test_a_corrected_claim_says_so_at_the_top_and_names_who_checked_it(live_server, corrected, page, screenshot):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    claim, note = corrected
    page.goto(live_server.url + claim.get_absolute_url())
    notice = page.get_by_role("note")
    expect(notice).to_contain_text("Corrected on 10 December 2024")
    expect(notice).to_be_in_viewport()  # at the top: seen without scrolling, on a phone too
    title_box = page.get_by_role("heading", level=1).bounding_box()
    notice_box, verdict_box = notice.bounding_box(), page.locator(".claim-verdict").bounding_box()
    assert title_box["y"] < notice_box["y"] < verdict_box["y"]  # under the title, above the verdict
    expect(page.locator(".facts")).to_contain_text("Checked by")
    expect(page.locator(".byline dd")).to_have_text("Rita Reviewer and Otto Noter")
    expect(page.locator(".facts")).to_contain_text("27 November 2024")
    expect(page.locator(".facts")).to_contain_text("10 December 2024")

    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow}px wider than the window"
    problems = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}]
    assert not problems, problems
    screenshot("correction-notice")

    # The link goes to the correction in the claim's history.
    notice.get_by_role("link", name="Read the correction").click()
    page.wait_for_url(re.compile(rf"#note-{note.pk}$"))
    correction = page.locator(f"#note-{note.pk}")
    expect(correction).to_be_in_viewport()
    expect(correction).to_contain_text("it was the 26th")
    expect(correction).to_contain_text("Correction")

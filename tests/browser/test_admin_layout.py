"""The editors' admin in real Chromium at 1280×800: the claim list, a claim's form and the admin home fit the
window without horizontal scrolling; screenshots go to /tmp for a look."""

import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WINDOW = {"width": 1280, "height": 800}


@pytest.fixture
def reviewer_page(chromium, live_server, demo_story):
    from tests.factories import ReviewerFactory

    reviewer = Client()
    reviewer.force_login(ReviewerFactory())
    context = chromium.new_context(viewport=WINDOW)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": reviewer.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    yield page
    context.close()


def fits(page) -> bool:
    """No sideways scrolling: neither the page nor a box inside it (the claim list's table scrolls on its own)."""
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth && [...document.querySelectorAll('.results, "
        "fieldset, .inline-group')].every(box => box.scrollWidth <= box.clientWidth)"
    )


def test_the_claim_list_and_form_fit_1280_pixels(live_server, reviewer_page):
    from claims.models import Claim

    page = reviewer_page
    admin = f"{live_server.url}/{settings.ADMIN_PATH}"
    longest = max(Claim.objects.all(), key=lambda claim: len(claim.text) + len(claim.summary))
    in_review = Claim.objects.filter(status="in_review").first() or longest
    draft = Claim.objects.filter(status="draft").first() or longest

    for name, url in [
        ("home", admin),
        ("claim-list", f"{admin}claims/claim/"),
        ("claim-form", f"{admin}claims/claim/{longest.pk}/change/"),
        ("claim-form-in-review", f"{admin}claims/claim/{in_review.pk}/change/"),
        ("claim-form-draft", f"{admin}claims/claim/{draft.pk}/change/"),
        ("set-verdict", f"{admin}claims/claim/{draft.pk}/verdict/"),
        ("retract", f"{admin}claims/claim/{longest.pk}/workflow/retract/"),
        ("claim-add", f"{admin}claims/claim/add/"),
    ]:
        response = page.goto(url)
        assert response.status == 200, url
        page.screenshot(path=str(Path(tempfile.gettempdir()) / f"admin-{name}-1280.png"), full_page=True)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert fits(page), f"{name} scrolls sideways: {width}"
    assert page.locator("link[rel=icon]").get_attribute("href").endswith("/claims/favicon.svg")

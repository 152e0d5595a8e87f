"""The admin's similar-claims box in real Chromium: as an editor types a claim, tracked look-alikes appear
below the text field, under the Content Security Policy (an external script, no inline code)."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_a_claim_lists_similar_tracked_claims(live_server, demo_story, page):
    from playwright.sync_api import expect

    from claims.models import Claim
    from tests.factories import EditorFactory

    tracked = Claim.objects.get(slug="sora-early-access-uses-artists-as-unpaid-rd-and-pr")
    editor = Client()
    editor.force_login(EditorFactory())
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": editor.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/{settings.ADMIN_PATH}claims/claim/add/")
    box = page.locator("#similar-claims")
    expect(box).to_be_hidden()
    # Right below the text field's row.
    assert page.evaluate(
        "document.querySelector('#similar-claims').previousElementSibling.contains(document.getElementById('id_text'))"
    )

    page.fill("#id_text", tracked.text.replace("Sora", "OpenAI's Sora") + " again")
    expect(box).to_be_visible()
    expect(box.locator("li a").first).to_have_text(tracked.text)
    assert box.locator("li a").first.get_attribute("href").endswith(f"/claims/claim/{tracked.pk}/change/")

    page.fill("#id_text", "Zeppelins land on the moon every Tuesday.")
    expect(box).to_be_hidden()
    assert page.csp_reports == []

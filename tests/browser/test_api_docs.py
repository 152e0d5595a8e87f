"""The API page and the API docs (Swagger UI and ReDoc) in real Chromium under the site's CSP: the docs draw every
operation from our own files, and ask nothing of another site."""

import re

import pytest

from tests.browser.helpers import check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("path", "operation"),
    [("/api/v1/docs/", ".opblock"), ("/api/v1/redoc/", "[data-section-id^='operation/']")],
)
def test_the_docs_draw_every_operation_and_ask_nothing_of_another_site(live_server, page, path, operation):
    from playwright.sync_api import expect

    requested = []
    page.on("request", lambda request: requested.append(request.url))  # every request, blocked ones too
    page.goto(live_server.url + path)
    expect(page.locator(operation).first).to_be_visible(timeout=20_000)
    assert page.locator(operation).count() >= 40  # every operation of the schema, not an error box
    expect(page.get_by_text("Set or change the verdict").first).to_be_attached()
    page.wait_for_load_state("networkidle")
    elsewhere = [url for url in requested if not url.startswith((live_server.url + "/", "blob:", "data:"))]
    assert elsewhere == []
    assert page.csp_reports == []
    # The schema was asked for once, as JSON (preloaded by the page, then read from there).
    assert [url for url in requested if "/api/v1/schema/" in url] == [live_server.url + "/api/v1/schema/?format=json"]


def test_the_swagger_ui_page_shows_the_groups_with_their_descriptions(live_server, page, screenshot):
    from playwright.sync_api import expect

    page.goto(live_server.url + "/api/v1/docs/")
    claims = page.locator(".opblock-tag-section").filter(has=page.locator("h3#operations-tag-claims"))
    expect(claims).to_contain_text("the editorial workflow", timeout=20_000)
    expect(claims.locator(".opblock-summary-path").first).to_have_text("/api/v1/claims/")
    expect(page.locator(".loading-container")).to_have_count(0)
    screenshot("api-swagger")


def test_the_api_link_leads_a_client_to_the_api_page(live_server, demo_story, page, screenshot):
    from playwright.sync_api import expect

    page.goto(live_server.url + "/")
    page.locator(".site-footer").get_by_role("link", name="API", exact=True).click()
    page.wait_for_url(live_server.url + "/api/")
    expect(page.get_by_role("heading", level=1)).to_have_text("The factcheck API")
    expect(page.get_by_role("table", name=re.compile("Verdict values"))).to_be_visible()
    expect(page.get_by_role("link", name="List claims")).to_have_attribute("href", "/api/v1/docs/#/claims/claims_list")
    check(page)
    screenshot("api-page")

    # From there to Swagger UI, at the operation it names.
    page.get_by_role("link", name="List claims").click()
    expect(page.locator("#operations-claims-claims_list .opblock-body")).to_be_visible(timeout=20_000)

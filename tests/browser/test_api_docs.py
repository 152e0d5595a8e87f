"""The API docs (Swagger UI and ReDoc from drf-spectacular-sidecar) work in real Chromium under the site's CSP."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# ReDoc's bundle always shows the Redocly logo from its CDN; the CSP blocks it (img-src 'self') and ReDoc
# then hides it. Nothing else may be blocked.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.mark.parametrize(
    ("path", "operation"),
    [("/api/v1/docs/", ".opblock-summary-path"), ("/api/v1/redoc/", "[data-section-id^='operation/']")],
)
def test_the_docs_render_every_operation_from_our_own_files(live_server, page, path, operation):
    from playwright.sync_api import expect

    elsewhere = []
    page.on(
        "requestfinished",
        lambda request: (
            request.url.startswith(("http:", "https:"))
            and not request.url.startswith(live_server.url)
            and elsewhere.append(request.url)
        ),
    )
    page.goto(live_server.url + path)
    expect(page.locator(operation).first).to_be_visible(timeout=20_000)
    assert page.locator(operation).count() >= 40  # every operation of the schema, not an error box
    expect(page.get_by_text("Set or change the verdict").first).to_be_attached()
    assert elsewhere == []
    assert [r for r in page.csp_reports if REDOCLY_LOGO not in r] == []

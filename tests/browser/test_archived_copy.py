"""An archived copy in real Chromium: its captured script never runs on our origin. The capture page shows the page's
text escaped, and its WARC file (which holds the script as the server sent it, uncompressed) is only ever a download,
not a page; the source and capture pages pass axe-core and fit a phone."""

import pytest

from tests.browser.helpers import check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = "<script>window.pwned=1</script>"
IMAGE = '<img src="x" onerror="window.pwned=1">'


@pytest.fixture
def archived(transactional_db):
    """A source cited by a published claim, captured with a script in its text and its WARC, since drifted."""
    from archive.models import Change, Watch
    from tests.factories import CaptureFactory, EvidenceFactory, PublishedClaimFactory, SourceFactory, StatementFactory
    from tests.helpers import with_warc

    source = SourceFactory(title="Artists say they leaked Sora")
    claim = PublishedClaimFactory(text="The leaked access was authentic.")
    EvidenceFactory(claim=claim, statement=StatementFactory(source=source))
    body = f"<html><body><p>Hello</p>{SCRIPT}{IMAGE}</body></html>".encode()
    cited = with_warc(
        CaptureFactory(source=source, text=f"Hello {SCRIPT}\nAn image: {IMAGE}", content_type="text/html"),
        body,
        content_type="text/html; charset=utf-8",
        gzip=False,  # served inline by mistake, the browser would run it
    )
    later = CaptureFactory(source=source, change=Change.DRIFTED, text="Rewritten.")
    Watch.objects.create(
        source=source, baseline=cited, last=later, since_cited=Change.DRIFTED, changed_at=later.captured_at
    )
    return {"source": source, "claim": claim, "cited": cited}


def pwned(page) -> str:
    return page.evaluate("() => typeof window.pwned")


def test_the_capture_page_shows_the_script_as_text_and_runs_nothing(live_server, chromium, archived):
    from playwright.sync_api import expect

    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    for bypass_csp in (True, False):  # escaping alone, then under the site's policy too
        context = chromium.new_context(bypass_csp=bypass_csp)
        page = context.new_page()
        page.on("dialog", on_dialog)
        page.goto(live_server.url + archived["cited"].get_absolute_url(), wait_until="load")
        page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)))")
        text = page.locator(".archived-text")
        expect(text).to_contain_text(SCRIPT)
        expect(text).to_contain_text(IMAGE)
        assert text.locator("script, img").count() == 0
        assert pwned(page) == "undefined" and dialogs == []
        context.close()


def test_the_warc_is_a_download_never_a_page(live_server, chromium, archived):
    from playwright.sync_api import Error

    context = chromium.new_context(bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    capture_url = live_server.url + archived["cited"].get_absolute_url()
    warc_url = live_server.url + archived["cited"].get_warc_url()
    page.goto(capture_url)

    with page.expect_download() as clicked:
        page.get_by_role("link", name="Download the WARC file").click()
    download = clicked.value
    assert download.suggested_filename == f"source-{archived['source'].pk}-capture-{archived['cited'].pk}.warc"
    with open(download.path(), "rb") as saved:
        assert SCRIPT.encode() in saved.read()  # the file holds the script, as the server sent it
    assert page.url == capture_url and pwned(page) == "undefined"

    # Opened by its address, the WARC is a download too: Chromium never navigates to it.
    with page.expect_download() as opened:
        try:
            page.goto(warc_url)
        except Error as exc:  # Chromium aborts a navigation that turns into a download
            assert "Download is starting" in str(exc) or "ERR_ABORTED" in str(exc), exc
    assert opened.value.url == warc_url
    assert page.url == capture_url and pwned(page) == "undefined"
    context.close()


def test_the_source_and_capture_pages_are_accessible_and_fit(live_server, archived, page):
    from playwright.sync_api import expect

    page.goto(live_server.url + archived["source"].get_absolute_url())
    expect(page.get_by_role("note")).to_contain_text("The original of this source has changed since we cited it")
    expect(page.locator(".capture-list > li")).to_have_count(2)
    check(page)
    page.get_by_role("note").get_by_role("link", name="Read the copy we cited").click()
    expect(page.locator(".kicker")).to_have_text("Archived copy · the copy we cited")
    check(page)
    page.goto(live_server.url + archived["claim"].get_absolute_url())
    expect(page.locator(".evidence-item .notice-original")).to_contain_text("has changed since we cited it")
    check(page)

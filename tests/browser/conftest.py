"""Real headless Chromium (Debian's /usr/bin/chromium) through Playwright's sync API.

Playwright's sync API keeps an asyncio event loop running in the test's thread for as long as it is
started, and while it runs Django hands that thread a separate database connection (its connections
are per event loop). So a browser lives for one test only: it starts after the test's database is
set up and stops before the database is flushed, and nothing of it keeps running into later tests.

The tests are transactional (the live server reads what they write), so each one ends with a flush
that empties every table; the demo_story fixture puts back what the migrations made, whatever ran
before, instead of relying on serialized_rollback.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def _require_browser() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


def _unavailable(reason: str):
    if _require_browser():
        pytest.fail(f"{reason}; REQUIRE_BROWSER=1 makes that a failure", pytrace=False)
    pytest.skip(f"{reason}; browser tests skipped (set REQUIRE_BROWSER=1 to make this a failure)")


@pytest.fixture(scope="session")
def sync_playwright():
    """Playwright's entry point, or a skip (a failure under REQUIRE_BROWSER=1) without Chromium or Playwright."""
    if not os.path.exists(CHROMIUM):
        _unavailable(f"no Chromium at {CHROMIUM} (install the Debian package 'chromium' or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"Playwright is not installed ({exc}); `make install-dev` installs it")
    return sync_playwright


@pytest.fixture
def chromium(sync_playwright, live_server, transactional_db, monkeypatch):
    """A headless Chromium for this test (see the module docstring for why not one per session)."""
    from django.db import connections

    # The test's own ORM calls, if any, run while Playwright's loop is running in this thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()  # the connections opened inside the loop, before it stops


@pytest.fixture(params=list(VIEWPORTS))
def page(request, chromium):
    """A fresh page at phone or desktop size; page.viewport_name names the size."""
    context = chromium.new_context(viewport=VIEWPORTS[request.param])
    page = context.new_page()
    page.viewport_name = request.param
    page.csp_reports = []  # what Chromium logs when the Content Security Policy blocks something
    page.on("console", lambda message: _note_csp(page, message))
    yield page
    context.close()


def _note_csp(page, message):
    if "Content Security Policy" in message.text:
        page.csp_reports.append(message.text)


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}-{page.viewport_name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def demo_story(transactional_db):
    """The demo story, loaded as `make run` loads it (no accounts), after the data migration's groups."""
    from django.core.management import call_command

    from tests.factories import ensure_roles

    ensure_roles()
    call_command("seed_demo", "--no-accounts", verbosity=0)

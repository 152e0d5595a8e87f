"""What the browser tests check on every page they visit: axe-core, the window's width and the CSP."""

BLOCKING = {"serious", "critical"}


def assert_accessible(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
    assert not problems, f"axe-core on {page.url}:\n" + "\n".join(problems)


def assert_fits_the_window(page):
    """Nothing makes the reader scroll sideways (a wide table, a long link, a fixed width)."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the {page.viewport_size['width']}px window"


def check(page):
    assert_accessible(page)
    assert_fits_the_window(page)
    assert page.csp_reports == [], f"Content Security Policy violations on {page.url}: {page.csp_reports}"

"""The XSS corpus (tests/data/xss_payloads.txt) in real Chromium: every page that shows what users wrote is loaded
with the payloads in every field; no dialog opens, window.__xss stays undefined, and the live DOM (as Chromium's own
HTML parser built it) holds no event handler, script URL or foreign script.

Pages load twice over: with the Content Security Policy bypassed, so that escaping and sanitizing alone are tested,
and with it, where Chromium must report no violation (something blocked would mean something tried to run).
"""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from tests.xss_corpus import PAYLOADS, build_corpus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What Chromium's DOM holds that could run script, after the page and its scripts have loaded.
DOM_PROBLEMS = """() => {
  const problems = [];
  const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'poster', 'background'];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) problems.push(`${el.tagName} ${attr.name}=${attr.value}`);
      if (attr.name === 'srcdoc') problems.push(`${el.tagName} srcdoc`);
      if (urlAttributes.includes(attr.name)) {
        const value = attr.value.replace(/[\\t\\n\\r]/g, '').trim().toLowerCase();
        if (/^(javascript|vbscript|data):/.test(value)) problems.push(`${el.tagName} ${attr.name}=${attr.value}`);
      }
    }
  }
  for (const script of document.querySelectorAll('script')) {
    if (script.src && new URL(script.src).origin !== location.origin) problems.push(`script from ${script.src}`);
    const data = ['application/ld+json', 'application/json'].includes(script.type);
    if (!script.src && !data && script.textContent.includes('__xss')) problems.push(`script ${script.textContent}`);
  }
  for (const tag of ['iframe', 'frame', 'object', 'embed', 'base', 'meta[http-equiv=refresh i]']) {
    if (document.querySelector(tag)) problems.push(`a ${tag} element`);
  }
  return problems;
}"""


def new_page(browser, *, bypass_csp: bool, cookies=()):
    context = browser.new_context(bypass_csp=bypass_csp, java_script_enabled=True)
    if cookies:
        context.add_cookies(list(cookies))
    page = context.new_page()
    page.dialogs = []
    page.csp_reports = []

    def on_dialog(dialog):
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_reports.append(m.text))
    return page


def visit(page, url: str, *, dom: bool = True) -> list[str]:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status in (200, 404), f"{url}: {response and response.status}"
    # Give payloads that fire on focus, toggle or error a moment (no timed assertion: what fired, fired).
    page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)))")
    problems = []
    if page.evaluate("() => typeof window.__xss") != "undefined":
        problems.append("window.__xss was set")
    if page.dialogs:
        problems.append(f"dialogs: {page.dialogs}")
        page.dialogs.clear()
    if dom:
        problems += page.evaluate(DOM_PROBLEMS)
    return problems


def reader_urls(corpus) -> list[str]:
    urls = [
        reverse("claims:home"),
        reverse("claims:claim_list"),
        reverse("claims:claim_list") + "?page=2",
        reverse("claims:claim_list") + "?page=3",
        reverse("claims:claim_list") + "?page=4",
        reverse("claims:corrections"),
        *[claim.get_absolute_url() for _, claim in corpus.claims],
        *[source.get_absolute_url() for _, source in corpus.sources],
        *[speaker.get_absolute_url() for _, speaker in corpus.speakers],
        *[topic.get_absolute_url() for _, topic in corpus.topics],
        *[capture.get_absolute_url() for _, capture in corpus.captures],
    ]
    # Reflected input: searches and filters echo it back.
    for payload in PAYLOADS[:20]:
        urls.append(reverse("claims:claim_list") + "?q=" + quote(payload) + "&topic=" + quote(payload))
    return urls


FEEDS = ["feed_claims_rss", "feed_claims_atom", "feed_corrections_rss", "feed_corrections_atom"]


def test_no_payload_runs_in_chromium(live_server, chromium):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("xss-admin", "xss@example.org", "not-used-here")
    corpus = build_corpus(by=admin)
    base = live_server.url
    problems = {}

    # Escaping and sanitizing alone: the CSP is bypassed.
    page = new_page(chromium, bypass_csp=True)
    urls = reader_urls(corpus)
    api = ["/api/v1/claims/?page_size=100", "/api/v1/sources/?page_size=100", "/api/v1/speakers/?page_size=100"]
    api += [f"/api/v1/claims/{claim.slug}/?format=api" for _, claim in corpus.claims[::5]]
    headings = {claim.get_absolute_url(): payload for payload, claim in corpus.claims}
    for url in urls + [u + ("&" if "?" in u else "?") + "format=api" for u in api[:3]] + api[3:]:
        if found := visit(page, base + url):
            problems[url] = found
        if url in headings:  # the payload is on the page, as text
            assert page.locator("h1").text_content() == headings[url], url
    for name in FEEDS:  # Chromium shows feeds as an XML tree; nothing in them may run
        url = reverse(f"claims:{name}")
        if found := visit(page, base + url, dom=False):
            problems[url] = found
    pages_without_csp = len(urls) + len(api) + len(FEEDS)
    page.context.close()

    # With the policy: nothing is blocked, because nothing tries to run; the API docs render under it.
    page = new_page(chromium, bypass_csp=False)
    strict = urls[:40] + [reverse("claims:claim_list") + "?q=" + quote(p) for p in PAYLOADS[20:40]]
    strict += ["/api/v1/claims/?page_size=100&format=api", api[3]]  # the browsable API, under the policy too
    for url in strict:
        if found := visit(page, base + url) + page.csp_reports:
            problems[f"{url} (CSP)"] = found
            page.csp_reports.clear()
    page.goto(base + "/api/v1/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    page.goto(base + "/api/v1/redoc/")
    page.locator("h1", has_text="factcheck API").wait_for()
    # Nothing blocked: ReDoc's bundle goes out without the logo it would ask of cdn.redoc.ly (claims/api/docs.py).
    if page.csp_reports:
        problems["API docs (CSP)"] = list(page.csp_reports)
    page.context.close()

    # The admin, as a reviewer reads what editors wrote (its own scripts run under the policy).
    client = Client()
    client.force_login(admin)
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}
    page = new_page(chromium, bypass_csp=False, cookies=[cookie])
    admin_urls = [reverse("admin:claims_claim_changelist"), reverse("admin:claims_source_changelist")]
    admin_urls += [reverse("admin:claims_claim_change", args=[claim.pk]) for _, claim in corpus.claims[::10]]
    for url in admin_urls:
        if found := visit(page, base + url) + page.csp_reports:
            problems[f"{url} (admin)"] = found
            page.csp_reports.clear()
    assert "Change claim" in page.title() or "claim" in page.title().lower()
    page.context.close()

    assert problems == {}, "\n".join(f"{url}: {found}" for url, found in problems.items())
    print(
        f"\nChromium: {len(PAYLOADS)} payloads, {pages_without_csp} pages without CSP, "
        f"{len(strict) + 2} with it, {len(admin_urls)} admin pages"
    )


def test_the_browser_checks_can_fail(chromium):
    """A page that does not escape: the flag, the dialog and the DOM check each catch it."""
    page = new_page(chromium, bypass_csp=True)
    page.set_content('<p>x</p><img src="data:," onerror="window.__xss=1"><a href="javascript:alert(1)">a</a>')
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 0))")
    assert page.evaluate("() => window.__xss") == 1
    problems = page.evaluate(DOM_PROBLEMS)
    assert any("onerror" in p for p in problems) and any("javascript:" in p for p in problems)
    page.set_content("<script>alert('xss')</script>")
    assert page.dialogs == ["alert: xss"]
    page.context.close()

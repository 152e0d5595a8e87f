"""No script injection: a corpus of XSS payloads (tests/data/xss_payloads.txt) through every field a user can write,
then every public page, the feeds, the JSON-LD, the CSV, the API (JSON and browsable), its docs and the admin are
parsed and checked: no script, event handler or script URL from a payload is live anywhere.

The same corpus runs in real Chromium in tests/browser/test_xss.py.
"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own feeds
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from claims.models import Claim, Speaker, Status, Topic, VerdictChange
from tests.factories import (
    ClaimFactory,
    ReviewerFactory,
    SourceFactory,
    SpeakerFactory,
)
from tests.xss_corpus import FIELDS, MARKER, PAYLOADS, build_corpus

# What "nothing executable" means, on a parsed page

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "poster", "background", "xlink:href", "srcset", "ping",
    "codebase", "cite", "manifest", "lowsrc", "dynsrc", "longdesc", "usemap", "icon",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto"}
# Elements none of our pages, the API's or the admin's use: from a payload if they appear.
FOREIGN_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math", "marquee", "audio", "video",
    "source", "template", "noscript", "x", "mglyph", "mtext", "xmp", "plaintext", "isindex",
}  # fmt: skip
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}


def unsafe_url(value: str) -> bool:
    # As browsers read a URL: leading/trailing spaces and controls dropped, tabs and newlines removed anywhere.
    cleaned = re.sub(r"[\t\n\r]", "", value).strip(" \x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f").lower()
    scheme = re.match(r"([a-z][a-z0-9+.\-]*):", cleaned)
    return bool(scheme) and scheme.group(1) not in SAFE_SCHEMES


class LiveContent(HTMLParser):
    """Collects whatever in a page could run script."""

    def __init__(self, foreign_allowed=frozenset()):
        super().__init__(convert_charrefs=True)
        self.foreign = FOREIGN_TAGS - foreign_allowed
        self.problems: list[str] = []
        self.scripts: list[tuple[dict, str]] = []
        self.text: list[str] = []
        self._script = None
        self.body_tags = 0

    def handle_starttag(self, tag, attrs):
        names = [name for name, _ in attrs]
        attrs_d = {name: value or "" for name, value in attrs}
        where = f"<{tag} {' '.join(names)}>"
        if tag == "body":
            self.body_tags += 1
        if tag in self.foreign:
            self.problems.append(f"foreign element {where}")
        for name, value in attrs_d.items():
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r} on {where}")
            if name in URL_ATTRIBUTES and unsafe_url(value):
                self.problems.append(f"script URL {name}={value!r} on {where}")
            if name == "style" and MARKER in value:
                self.problems.append(f"style from a payload {value!r} on {where}")
            if name == "srcdoc":
                self.problems.append(f"srcdoc on {where}")
        if tag == "meta" and attrs_d.get("http-equiv", "").lower() == "refresh":
            self.problems.append(f"meta refresh {attrs_d}")
        if tag in ("script", "style"):
            self._script = (tag, attrs_d, [])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._script:
            self._script[2].append(data)
        else:
            self.text.append(data)

    def handle_endtag(self, tag):
        if self._script and tag == self._script[0]:
            kind, attrs, body = self._script
            body = "".join(body)
            self._script = None
            if kind == "style":
                if MARKER in body:
                    self.problems.append(f"style element from a payload: {body[:80]!r}")
                return
            self.scripts.append((attrs, body))
            src = attrs.get("src")
            if src is not None and not (src.startswith("/") and not src.startswith("//")):
                self.problems.append(f"script from elsewhere: {src!r}")
            if src is None and attrs.get("type") not in DATA_SCRIPT_TYPES and MARKER in body:
                self.problems.append(f"inline script from a payload: {body[:80]!r}")


def live_problems(html: str, *, inline_script_allowed=False, foreign_allowed=frozenset()) -> tuple[list, LiveContent]:
    parser = LiveContent(foreign_allowed)
    parser.feed(html)
    parser.close()
    problems = list(parser.problems)
    code = [body for attrs, body in parser.scripts if "src" not in attrs and attrs.get("type") not in DATA_SCRIPT_TYPES]
    if code and not inline_script_allowed:
        problems.append(f"{len(code)} inline script(s): {code[0][:80]!r}")
    if parser.body_tags > 1:
        problems.append("a second <body>")
    return problems, parser


TAG_LIKE = re.compile(r"<[a-zA-Z!/]")


def assert_no_live_content(html: str, where: str, *, inline_script_allowed=False, foreign_allowed=frozenset()):
    problems, parser = live_problems(html, inline_script_allowed=inline_script_allowed, foreign_allowed=foreign_allowed)
    # A tag from a payload, verbatim: it was not escaped.
    verbatim = [p for p in PAYLOADS if TAG_LIKE.search(p) and MARKER in p and p in html]
    assert not problems and not verbatim, f"{where}: {problems + [f'verbatim payload {v!r}' for v in verbatim]}"
    return parser


def page_text(parser: LiveContent) -> str:
    return "".join(parser.text)


# The pages


pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back at its end (each test runs in a savepoint in it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_corpus()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}
    cache.clear()


def test_the_corpus(corpus):
    assert len(PAYLOADS) >= 60
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    assert sum(MARKER in p or "alert(" in p or "msgbox" in p for p in PAYLOADS) >= 55
    assert Claim.objects.public().count() == len(PAYLOADS)
    assert VerdictChange.objects.filter(kind="correction").count() == len(PAYLOADS)
    assert corpus.fields_written == len(PAYLOADS) * len(FIELDS)
    # The text fields hold the payloads exactly as written.
    for payload, claim in corpus.claims:
        assert claim.text == payload
        assert claim.claimant.name == payload
        assert claim.first_appearance.title == payload


def test_public_pages(client, corpus):
    urls = [
        reverse("claims:home"),
        reverse("claims:claim_list"),
        reverse("claims:claim_list") + "?page=2",
        reverse("claims:claim_list") + "?page=3",
        reverse("claims:claim_list") + "?page=4",
        reverse("claims:claim_list") + "?order=updated",
        reverse("claims:methodology"),
        reverse("claims:corrections"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_live_content(response.content.decode(), url)

    for payload, claim in corpus.claims:
        url = claim.get_absolute_url()
        response = client.get(url)
        assert response.status_code == 200, url
        parser = assert_no_live_content(response.content.decode(), url)
        text = page_text(parser)
        # The payload reached the page as text a reader sees, not markup.
        assert payload.strip() in text, f"{url}: the claim text is not on the page as text"
        if claim.status == Status.RETRACTED:
            assert "This fact check was retracted" in text
    for kind in ("sources", "speakers", "topics", "captures"):
        for _, obj in getattr(corpus, kind):
            url = obj.get_absolute_url()
            response = client.get(url)
            assert response.status_code == 200, url
            assert_no_live_content(response.content.decode(), url)


def test_search_and_filters_reflect_input_safely(client, corpus):
    for payload in PAYLOADS:
        for params in ({"q": payload}, {"topic": payload}, {"speaker": payload}, {"verdict": payload}):
            response = client.get(reverse("claims:claim_list"), data=params)
            assert response.status_code == 200, params
            assert_no_live_content(response.content.decode(), f"claim list {params}")
        response = client.get(reverse("claims:claim_list"), data={"page": payload})
        assert response.status_code == 404
        assert_no_live_content(response.content.decode(), "a bad page number")
    response = client.get("/claims/" + quote("<script>window.__xss=1</script>") + "/")
    assert response.status_code == 404
    assert_no_live_content(response.content.decode(), "a 404 for a payload path")


def test_json_ld_parses_cannot_close_its_script_and_round_trips(client, corpus):
    for payload, claim in corpus.claims:
        html = client.get(claim.get_absolute_url()).content.decode()
        blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL | re.IGNORECASE)
        if claim.status == Status.RETRACTED:
            assert blocks == []  # no ClaimReview for a retracted claim
            continue
        assert len(blocks) == 1, claim.get_absolute_url()
        raw = blocks[0]
        assert "<" not in raw and ">" not in raw  # so no </script, <!-- or <script can appear in it
        review = json.loads(raw)
        assert review["claimReviewed"] == payload
        assert review["itemReviewed"]["author"]["name"] == payload
        assert review["itemReviewed"]["author"]["jobTitle"] == payload
        assert review["itemReviewed"]["firstAppearance"]["headline"] == payload
        assert review["itemReviewed"]["firstAppearance"]["publisher"]["name"] == payload
        assert review["itemReviewed"]["firstAppearance"]["url"] == claim.first_appearance.url
        # The API serves the same object.
        api = client.get(f"/api/v1/claims/{claim.slug}/claimreview/")
        assert api.status_code == 200
        assert api.json() == review


def xml_text(element) -> str:
    return element.text or ""


def test_feeds(client, corpus):
    atom = "{http://www.w3.org/2005/Atom}"
    seen = set()
    for name in ("feed_claims_rss", "feed_corrections_rss", "feed_claims_atom", "feed_corrections_atom"):
        url = reverse(f"claims:{name}")
        response = client.get(url)
        assert response.status_code == 200
        root = ET.fromstring(response.content)  # noqa: S314 - our own feed; it must stay well-formed XML
        if name.endswith("rss"):
            items = root.findall("./channel/item")
            for item in items:
                assert_no_live_content(xml_text(item.find("description")), f"{url} description")
                seen.add(xml_text(item.find("title")))
        else:
            items = root.findall(f"{atom}entry")
            for entry in items:
                title = entry.find(f"{atom}title")
                assert title.get("type", "text") == "text"  # plain text: a reader shows it, never parses it
                summary = entry.find(f"{atom}summary")
                assert summary.get("type") == "html"
                assert_no_live_content(xml_text(summary), f"{url} summary")
                seen.add(xml_text(title))
        assert len(items) == 30, url  # full feeds: the payloads are in them
    # Titles carry the payloads as text.
    assert any("<script>window.__xss=1</script>" in title for title in seen)


def test_csv_neutralizes_formulas(client, corpus):
    response = client.get("/api/v1/claims/", data={"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(PAYLOADS)
    by_slug = {row["slug"]: row for row in rows}
    for payload, claim in corpus.claims:
        row = by_slug[claim.slug]
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)
        expected = "'" + payload if payload.startswith(("=", "+", "-", "@", "\t")) else payload
        assert row["text"] == expected
        assert row["claimant"] == expected


def test_api_json_round_trips_and_is_never_html(client, corpus):
    def fetch(url):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/json", url
        assert response["X-Content-Type-Options"] == "nosniff"
        return response.json()

    claims = {c["slug"]: c for c in fetch("/api/v1/claims/?page_size=100")["results"]}
    sources = {s["id"]: s for s in fetch("/api/v1/sources/?page_size=100")["results"]}
    speakers = {s["slug"]: s for s in fetch("/api/v1/speakers/?page_size=100")["results"]}
    topics = {t["slug"]: t for t in fetch("/api/v1/topics/?page_size=100")["results"]}

    def fetch_all(url):
        rows = []
        while url:
            page = fetch(url)
            rows += page["results"]
            url = page["next"]
        return rows

    statements = fetch_all("/api/v1/statements/?page_size=100")
    evidence = fetch_all("/api/v1/evidence/?page_size=100")
    assert len(statements) == len(evidence) == len(PAYLOADS) + corpus.supporting
    fetch("/api/v1/claimreview/?page_size=200")
    for payload, claim in corpus.claims:
        assert claims[claim.slug]["text"] == payload
        assert claims[claim.slug]["summary"] == claim.summary
        detail = fetch(f"/api/v1/claims/{claim.slug}/")
        assert [change["reason"] for change in detail["verdict_history"]] == [payload.strip()] * 2  # stripped
        assert detail["evidence"][0]["note"] == payload
        assert detail["evidence"][0]["statement"]["text"] == payload
    for payload, source in corpus.sources:
        assert sources[source.pk]["title"] == payload
        assert "notes" not in sources[source.pk]  # staff only
    for payload, speaker in corpus.speakers:
        assert speakers[speaker.slug]["name"] == payload
        assert speakers[speaker.slug]["description"] == payload
    for payload, topic in corpus.topics:
        assert topics[topic.slug]["name"].startswith(payload[:50])


def test_browsable_api_and_api_docs(client, corpus):
    urls = ["/api/v1/", "/api/v1/claims/?page_size=100", "/api/v1/sources/?page_size=100"]
    urls += ["/api/v1/speakers/?page_size=100", "/api/v1/statements/?page_size=100", "/api/v1/evidence/?page_size=100"]
    urls += ["/api/v1/topics/?page_size=100"]
    urls += [f"/api/v1/claims/{claim.slug}/" for _, claim in corpus.claims]
    for url in urls:
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")
        assert_no_live_content(response.content.decode(), f"browsable {url}")
    for url in ("/api/v1/docs/", "/api/v1/redoc/"):
        response = client.get(url)
        assert response.status_code == 200
        # Swagger UI's one inline script is allowed by its hash (tests/test_security.py); nothing else.
        assert_no_live_content(response.content.decode(), url, inline_script_allowed=url.endswith("docs/"))
    schema = client.get("/api/v1/schema/", data={"format": "json"})
    assert MARKER not in schema.content.decode()  # the docs render the schema: no user data in it


def test_admin_pages(client, corpus):
    client.force_login(ReviewerFactory())
    urls = [
        reverse(f"admin:claims_{model}_changelist")
        for model in ("claim", "source", "speaker", "statement", "evidence", "topic", "verdictchange")
    ]
    urls += [reverse("admin:claims_claim_changelist") + "?q=" + quote(PAYLOADS[0])]
    for _, claim in corpus.claims[::7]:
        urls += [
            reverse("admin:claims_claim_change", args=[claim.pk]),
            reverse("admin:claims_claim_history", args=[claim.pk]),
            reverse("admin:claims_source_change", args=[claim.first_appearance_id]),
            reverse("admin:claims_speaker_change", args=[claim.claimant_id]),
        ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        # The admin draws its icons with inline SVG (an <svg> from a payload is caught by its handlers and URLs).
        assert_no_live_content(response.content.decode(), url, foreign_allowed={"svg"})


def test_preview_of_a_draft_with_payloads(client, corpus, editor):
    speaker = Speaker.objects.first()
    draft = ClaimFactory(text=PAYLOADS[0], summary=PAYLOADS[1], claimant=speaker, topics=[Topic.objects.first()])
    client.force_login(editor)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    parser = assert_no_live_content(response.content.decode(), "draft preview")
    assert "Draft preview." in page_text(parser)


def test_script_urls_are_refused_by_validation():
    # So no href on a page can be javascript: — every URL field only takes http(s).
    for value in (
        "javascript:window.__xss=1",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>x</script>",
        "vbscript:x",
    ):
        for obj, name in (
            (SourceFactory.build(url=value), "url"),
            (SourceFactory.build(archive_url=value), "archive_url"),
            (SpeakerFactory.build(url=value), "url"),
        ):
            with pytest.raises(ValidationError) as caught:
                obj.full_clean()
            assert name in caught.value.message_dict


def test_the_checker_finds_live_content():
    # The checks above are only as good as this parser: it must flag each way a payload could run.
    for html in (
        "<p><script>window.__xss=1</script></p>",
        '<img src=x onerror="window.__xss=1">',
        '<a href=" JaVa\tScript:window.__xss=1">x</a>',
        '<iframe src="https://example.org"></iframe>',
        '<meta http-equiv="refresh" content="0;url=javascript:1">',
        '<div style="background:url(javascript:window.__xss=1)">',
        '<script src="https://evil.example/x.js"></script>',
        "<body><body onload=x>",
    ):
        assert live_problems(html)[0], html
    assert live_problems('<a href="https://example.org/?q=%3Cscript%3E">x</a><p>&lt;script&gt;</p>')[0] == []
    assert live_problems('<script type="application/ld+json">{"a": "\\u003C"}</script>')[0] == []


def test_figures(corpus, client, capsys):
    """The figures for the report: run with -s to see them."""
    pages = [
        reverse("claims:home"),
        *[c.get_absolute_url() for _, c in corpus.claims],
        *[s.get_absolute_url() for _, s in corpus.sources],
        *[s.get_absolute_url() for _, s in corpus.speakers],
        *[t.get_absolute_url() for _, t in corpus.topics],
        *[c.get_absolute_url() for _, c in corpus.captures],
    ]
    with capsys.disabled():
        print(
            f"\nXSS corpus: {len(PAYLOADS)} payloads x {len(FIELDS)} fields = {corpus.fields_written} values written; "
            f"{len(pages)} public object pages per run (plus lists, search, feeds, CSV, API, docs and admin)"
        )
    assert len(pages) == 1 + 5 * len(PAYLOADS)


# The checks catch a broken sanitizer or escaper (so the tests above can fail)


def test_an_unsanitized_summary_would_be_caught(client, corpus, monkeypatch):
    import markdown
    from django.utils.safestring import mark_safe

    def unsanitized(text):
        return mark_safe(markdown.markdown(text))  # noqa: S308 - the bug this test plants

    monkeypatch.setattr("public.templatetags.claims_tags.render_markdown", unsanitized)
    _, claim = corpus.claims[0]
    problems, _ = live_problems(client.get(claim.get_absolute_url()).content.decode())
    assert "inline script from a payload: 'window.__xss=1'" in problems


def test_unescaped_json_ld_would_be_caught(client, corpus, monkeypatch):
    monkeypatch.setattr("public.views.to_script_json", json.dumps)
    _, claim = corpus.claims[0]
    html = client.get(claim.get_absolute_url()).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    with pytest.raises(json.JSONDecodeError):
        json.loads(blocks[0])  # the payload's </script> closed the block early
    assert "inline script from a payload: 'window.__xss=1'" in live_problems(html)[0]

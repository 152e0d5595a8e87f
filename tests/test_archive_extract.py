"""archive/extract.py: text, metadata and fingerprints of captured bodies, good and bad."""

import json
import socket
from datetime import date

import pytest

from archive import extract as extract_module
from archive.extract import Extracted, decode, distance, extract, fingerprint
from tests.pages_server import pdf_bytes, png_bytes

ARTICLE = """<!doctype html>
<html lang="en-GB"><head>
<meta charset="utf-8">
<title>Artists leak access to Sora | The Daily Example</title>
<meta name="author" content="Jane Reporter">
<meta property="og:site_name" content="The Daily Example">
<meta property="og:title" content="Artists leak access to Sora">
<meta property="article:published_time" content="2024-11-26T10:00:00Z">
<meta property="article:modified_time" content="2024-11-28T09:00:00Z">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Artists leak access to Sora", "author": {"@type": "Person", "name": "Jane Reporter"},
 "publisher": {"@type": "Organization", "name": "Example Media Group"},
 "datePublished": "2024-11-26", "dateModified": "2024-11-28"}</script>
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/tech">Technology</a></nav>
<article><h1>Artists leak access to Sora</h1>
<p>A group of artists said on Tuesday that they had leaked access to OpenAI's video generator Sora, in protest
at what they called unpaid labour for a company valued at billions.</p>
<p>OpenAI said it had paused access while it looked into the matter. The company said participation in the
early access programme was voluntary and that the artists had not been asked to give feedback.</p>
</article>
<footer>Copyright 2024 The Daily Example. All rights reserved.</footer>
</body></html>"""


def html_page(body: str, head: str = "") -> bytes:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


def json_ld(item: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(item)}</script>'


@pytest.fixture
def no_network(monkeypatch):
    """Extraction never fetches: any DNS lookup or connection fails the test."""
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: pytest.fail("extraction looked up a name"))
    monkeypatch.setattr(socket.socket, "connect", lambda *a, **k: pytest.fail("extraction connected"))


# HTML


def test_an_article_gives_its_main_text_and_metadata(no_network):
    extracted = extract(ARTICLE.encode(), content_type="text/html", url="https://news.example.com/sora")

    assert extracted.text.startswith("Artists leak access to Sora\nA group of artists said on Tuesday")
    assert "paused access" in extracted.text
    assert "Technology" not in extracted.text and "All rights reserved" not in extracted.text
    assert (extracted.title, extracted.author, extracted.publisher) == (
        "Artists leak access to Sora",
        "Jane Reporter",
        "Example Media Group",
    )
    assert (extracted.published_on, extracted.updated_on) == (date(2024, 11, 26), date(2024, 11, 28))
    assert extracted.language == "en-GB"


@pytest.mark.parametrize(
    ("item", "author", "publisher"),
    [
        ({"@type": "NewsArticle", "headline": "H", "author": "Jane Roe", "publisher": "The Example Times"},
         "Jane Roe", "The Example Times"),
        ({"@type": "Report", "name": "H", "author": [{"@type": "Person", "name": "Ann Lee"},
                                                     {"@type": "Person", "name": "Bo Kim"}],
          "publisher": {"@type": "Organization", "name": "Example Institute"}},
         "Ann Lee, Bo Kim", "Example Institute"),
        ({"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Reuters"},
          "publisher": {"@type": "Organization", "name": "Reuters"}}, "Reuters", "Reuters"),
        ({"@graph": [{"@type": "Organization", "@id": "#org", "name": "Graph News"},
                     {"@type": "NewsArticle", "author": {"@id": "#a"}, "publisher": {"@id": "#org"}},
                     {"@type": "Person", "@id": "#a", "name": "Referenced Person"}]},
         "Referenced Person", "Graph News"),
    ],
)  # fmt: skip
def test_author_and_publisher_come_from_json_ld_when_trafilatura_has_none(item, author, publisher):
    body = html_page("<article><p>The report says the artists leaked access to the Sora model.</p></article>",
                     head=json_ld(item))  # fmt: skip

    extracted = extract(body, content_type="text/html", url="https://example.org/report")

    assert (extracted.author, extracted.publisher) == (author, publisher)


def test_the_publisher_comes_from_opengraph_and_never_is_the_host_name():
    with_site_name = html_page("<p>Text of the page.</p>", head='<meta property="og:site_name" content="Daily Ex">')
    without = html_page("<p>Text of the page.</p>", head='<meta property="article:author" content="https://fb.com/x">')

    assert extract(with_site_name, content_type="text/html", url="https://www.daily.example/a").publisher == "Daily Ex"
    plain = extract(without, content_type="text/html", url="https://www.daily.example/a")
    assert (plain.publisher, plain.author) == ("", "")


def test_a_short_stand_in_page_still_has_its_text():
    for body in (b"<p>Demo stand-in: not the real article.</p>", html_page("<div>Demo stand-in.</div>")):
        assert "stand-in" in extract(body, content_type="text/html", url="http://127.0.0.1:8000/demo").text


def test_broken_html_gives_what_can_be_read():
    body = (
        b"<html><head><title>Broken</title><body><p>First <b>bold <div>inside</p></i>"
        + b"<p>unclosed <table><tr><td>cell"
    )

    extracted = extract(body, content_type="text/html", url="https://example.org/broken")

    assert "First" in extracted.text and "cell" in extracted.text


def test_a_date_written_in_the_text_is_found_and_a_copyright_year_is_not():
    dated = html_page("<article><p>Published 26 November 2024. The artists said they leaked access.</p></article>")
    copyright_only = html_page("<article><p>The artists said they leaked access.</p></article>"
                               "<footer>Copyright 2024 Example</footer>")  # fmt: skip

    assert extract(dated, content_type="text/html", url="https://example.org/a").published_on == date(2024, 11, 26)
    undated = extract(copyright_only, content_type="text/html", url="https://example.org/a")
    assert (undated.published_on, undated.updated_on) == (None, None)


def test_a_date_in_the_address_is_used():
    body = html_page("<article><p>The artists said they leaked access to the model.</p></article>")

    extracted = extract(body, content_type="text/html", url="https://example.org/2024/11/27/sora-leak")

    assert extracted.published_on == date(2024, 11, 27)


def test_a_body_that_is_an_address_is_not_fetched(no_network):
    for content_type in ("text/html", "text/plain", ""):
        extracted = extract(b"https://example.org/page", content_type=content_type, url="https://example.org/x")
        assert isinstance(extracted, Extracted)


# Encodings


def test_latin1_bytes_declared_as_utf8_are_read_as_latin1():
    text = "Le café de la gare est très bon, à Genève comme à Zürich."
    body = f"<html><head><meta charset='utf-8'></head><body><p>{text}</p></body></html>".encode("latin-1")

    assert extract(body, content_type="text/html", charset="utf-8", url="https://example.org/").text == text


def test_utf8_bytes_declared_as_latin1_are_read_as_utf8():
    text = "Müller sagte, die Größe sei überschätzt — so sagt man es."
    body = f"<html><head><meta charset='iso-8859-1'></head><body><p>{text}</p></body></html>".encode()

    assert extract(body, content_type="text/html", charset="iso-8859-1", url="https://example.org/").text == text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Artistas dijeron que filtraron el acceso a Sora, según informó la prensa española.", "cp1252"),
        ("Художники заявили, что открыли доступ к Sora в знак протеста против компании.", "cp1251"),
    ],
)
def test_an_undeclared_legacy_encoding_is_detected(text, encoding):
    assert decode(text.encode(encoding)) == text
    assert extract(text.encode(encoding), content_type="text/plain", url="https://example.org/").text == text


def test_the_meta_charset_is_used_when_the_header_has_none():
    text = "Художники заявили, что открыли доступ к Sora."
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
    body = f"<html><head>{meta}</head><body><p>{text}</p></body></html>"

    assert extract(body.encode("cp1251"), content_type="text/html", url="https://example.org/").text == text


def test_a_byte_order_mark_decides():
    assert decode("\ufeffUTF-16 text".encode("utf-16-le"), charset="utf-8") == "UTF-16 text"


# Other kinds of body


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", "text/html"),
        (b"", ""),
        (png_bytes(), "image/png"),
        (png_bytes(), "text/html"),
        (png_bytes(), ""),
        (b"\x00\x01\x02\x03binary\xff\xfe", "application/octet-stream"),
        (b"GIF89a not really", "image/gif"),
        (b"PK\x03\x04zip", "application/zip"),
    ],
)
def test_empty_and_binary_bodies_have_no_text(body, content_type):
    assert extract(body, content_type=content_type, url="https://example.org/file") == Extracted(text="")


def test_a_pdf_gives_its_text_title_and_author():
    body = pdf_bytes("The leak was real.", "Second line (with parentheses).", title="A report", author="Ann Lee")

    for content_type in ("application/pdf", "application/octet-stream", "text/html"):
        extracted = extract(body, content_type=content_type, url="https://example.org/report.pdf")
        assert extracted.text == "The leak was real.\nSecond line (with parentheses)."
        assert (extracted.title, extracted.author) == ("A report", "Ann Lee")


@pytest.mark.parametrize("body", [b"%PDF-1.7\n garbage that is no PDF", b"%PDF-", pdf_bytes("x")[:300]])
def test_a_broken_pdf_gives_no_text_and_no_error(body):
    assert extract(body, content_type="application/pdf", url="https://example.org/x.pdf").text == ""


def test_plain_text_is_decoded():
    body = "Une déclaration, en texte brut.\nDeuxième ligne.\n".encode()

    assert extract(body, content_type="text/plain", url="https://example.org/a.txt").text == body.decode().strip()


def test_the_text_is_capped(monkeypatch):
    monkeypatch.setattr(extract_module, "MAX_TEXT_CHARS", 1000)

    assert len(extract(b"word " * 10_000, content_type="text/plain", url="https://example.org/").text) == 1000


def test_a_very_large_page_is_cut_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr(extract_module, "MAX_HTML_CHARS", 5000)
    body = html_page("<p>Early paragraph of the page.</p>" + "<p>filler words here</p>" * 1000 + "<p>LATE MARKER</p>")

    extracted = extract(body, content_type="text/html", url="https://example.org/")

    assert "Early paragraph" in extracted.text and "LATE MARKER" not in extracted.text


def test_a_library_failure_gives_an_empty_text_not_an_error(monkeypatch):
    monkeypatch.setattr(extract_module, "_from_html", lambda *a, **k: 1 / 0)

    assert extract(ARTICLE.encode(), content_type="text/html", url="https://example.org/") == Extracted(text="")


# Fingerprints


def test_fingerprints():
    text = " ".join(f"Sentence number {i} of the article says something different." for i in range(40))
    edited = text.replace("number 7 ", "number seven ")
    other = " ".join(f"Another story entirely, paragraph {i}, about the weather." for i in range(40))

    assert fingerprint("") == fingerprint("  \n ") == "0" * 16
    assert len(fingerprint(text)) == 16 and int(fingerprint(text), 16) > 0
    assert fingerprint(text) == fingerprint(text.upper().replace(" ", "  \n"))
    assert distance(fingerprint(text), fingerprint(text)) == 0
    assert distance(fingerprint(text), fingerprint(edited)) <= 8
    assert distance(fingerprint(text), fingerprint(other)) >= 16
    assert distance(fingerprint(text), fingerprint(other)) == distance(fingerprint(other), fingerprint(text))
    assert distance("0" * 16, "f" * 16) == 64

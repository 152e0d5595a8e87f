"""The text and the page's own metadata of a captured body, and a fingerprint of the text for comparing versions.

HTML: the main text with trafilatura (the whole visible text when it finds none), title, author and site name
from its metadata, the publication and update dates with htmldate, and the author and publisher from JSON-LD
and OpenGraph (extruct) where trafilatura has none. PDF: text, title and author with pypdf. Plain text as it
is. Images and other binary bodies have no text. Nothing here fetches anything, and nothing raises on a bad
body: a broken page gives what could be read, at worst an empty text.
"""

import logging
import re
import unicodedata
from copy import deepcopy
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from urllib.parse import urlsplit

import charset_normalizer
import htmldate
import trafilatura
from extruct.jsonld import JsonLdExtractor
from extruct.opengraph import OpenGraphExtractor
from pypdf import PdfReader
from simhash import Simhash
from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2_000_000
# trafilatura takes about 0.4 s a megabyte of HTML here: a longer page is cut to this before it is parsed.
MAX_HTML_CHARS = 5_000_000
MAX_PDF_PAGES = 500
# charset-normalizer reads this much of a body to guess its encoding.
DETECT_BYTES = 256 * 1024
# Words per shingle of the fingerprint: three keeps word order in the hash without making one edit count much.
SHINGLE_WORDS = 3

HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"application/json", "application/xml", "application/javascript", "application/rss+xml"}
ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "blogposting",
    "socialmediaposting",
    "scholarlyarticle",
    "techarticle",
    "report",
    "webpage",
    "pressrelease",
}
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
WORD = re.compile(r"\w+")


@dataclass
class Extracted:
    text: str
    title: str = ""
    author: str = ""
    publisher: str = ""
    published_on: date | None = None
    updated_on: date | None = None
    language: str = ""


def extract(body: bytes, *, content_type: str, url: str, charset: str | None = None) -> Extracted:
    """What a reader and an editor want of `body`, served as `content_type` from `url` (which is never fetched:
    it only helps find dates in the address and tell the site's name from its host)."""
    try:
        kind = _kind(body, content_type)
        if kind == "html":
            extracted = _from_html(body, url=url, charset=charset)
        elif kind == "pdf":
            extracted = _from_pdf(body)
        elif kind == "text":
            extracted = Extracted(text=decode(body, charset=charset).strip())
        else:
            extracted = Extracted(text="")
    except Exception:  # a library's bug on a strange page must not stop a capture
        logger.warning("extracting the text of %s failed", url, exc_info=True)
        extracted = Extracted(text="")
    if len(extracted.text) > MAX_TEXT_CHARS:
        extracted.text = extracted.text[:MAX_TEXT_CHARS]
    return extracted


def decode(body: bytes, *, charset: str | None = None, html: bool = False) -> str:
    """`body` as text. A byte order mark decides; then valid UTF-8 wins whatever is declared (a page in
    latin-1 is almost never valid UTF-8, and UTF-8 labelled latin-1 always is); then the declared charset (the
    header's, then the page's <meta>); then charset-normalizer's guess, windows-1252 among equals, as browsers
    do; nothing undecodable raises."""
    encoding, bom = read_bom(body)
    if encoding:
        return body[len(bom) :].decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = [charset]
    if html:
        declared.append(html_body_declared_encoding(body[:4096]))
    for label in declared:
        encoding = resolve_encoding(label) if label else None
        if encoding and encoding not in ("utf-8", "utf8"):
            try:
                return body.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
    matches = list(charset_normalizer.from_bytes(body[:DETECT_BYTES]))
    if matches:
        best = matches[0]
        equals = {
            m.encoding
            for m in matches
            if m.percent_chaos <= best.percent_chaos and m.percent_coherence >= best.percent_coherence
        }
        return body.decode("cp1252" if "cp1252" in equals else best.encoding, errors="replace")
    return body.decode("cp1252", errors="replace")


def fingerprint(text: str) -> str:
    """A 64-bit simhash of the normalized text's word shingles, as 16 hex digits; "0" * 16 for no text."""
    tokens = words(text)
    if not tokens:
        return "0" * 16
    width = min(SHINGLE_WORDS, len(tokens))
    shingles = [" ".join(tokens[i : i + width]) for i in range(len(tokens) - width + 1)]
    return f"{Simhash(shingles, f=64).value:016x}"


def distance(a: str, b: str) -> int:
    """How many of the 64 bits two fingerprints differ in (0: alike)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def words(text: str) -> list[str]:
    """The text's words, compatibility-normalized and case-folded: what fingerprints and comparisons count."""
    return WORD.findall(unicodedata.normalize("NFKC", text or "").casefold())


def _kind(body: bytes, content_type: str) -> str:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if not body:
        return "empty"
    if body.startswith(b"%PDF-") or kind == "application/pdf":
        return "pdf"
    if _looks_binary(body):
        return "binary"
    if kind in HTML_TYPES:
        return "html"
    if kind.startswith("text/") or kind in TEXT_TYPES or kind.endswith(("+json", "+xml")):
        return "text"
    if kind in ("", "application/octet-stream"):
        head = body[:1024].lstrip().lower()
        return "html" if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head else "text"
    return "binary"


def _looks_binary(body: bytes) -> bool:
    head = body[:4096]
    return b"\x00" in head and not read_bom(head)[0]


def _from_html(body: bytes, *, url: str, charset: str | None) -> Extracted:
    html = decode(body, charset=charset, html=True)[:MAX_HTML_CHARS]
    tree = trafilatura.load_html(html)
    if tree is None and html.strip():  # trafilatura wants a whole document, not a fragment
        tree = trafilatura.load_html(f"<html><body><div>{html}</div></body></html>")
    if tree is None:
        return Extracted(text="")
    found = Extracted(text="")
    document = _quietly(
        lambda: trafilatura.bare_extraction(
            deepcopy(tree), url=url or None, with_metadata=True, include_comments=False, include_tables=True
        )
    )
    if document is not None:
        found.text = (document.text or "").strip()
        found.title = (document.title or "").strip()
        found.author = (document.author or "").strip()
        found.publisher = _site_name(document.sitename, url)
    if not found.text:
        found.text = (_quietly(lambda: trafilatura.html2txt(tree)) or "").strip()
    structured = _structured(tree)
    found.title = found.title or structured.get("title", "")
    found.author = found.author or structured.get("author", "")
    found.publisher = found.publisher or structured.get("publisher", "")
    found.published_on = _find_date(tree, url=url, original=True) or _date(structured.get("published"))
    found.updated_on = _find_date(tree, url=url, original=False) or _date(structured.get("updated"))
    if found.updated_on and found.published_on and found.updated_on <= found.published_on:
        found.updated_on = None
    found.language = _language(tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang"))
    found.language = found.language or _language(structured.get("language"))
    return found


def _quietly(work):
    try:
        return work()
    except Exception:  # one library failing leaves the others' results
        logger.info("extraction step failed", exc_info=True)
        return None


def _site_name(name: str | None, url: str) -> str:
    """trafilatura falls back on the host name for the site's name: that is no publisher."""
    name = (name or "").strip()
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    if not name or name.lower().removeprefix("www.") in {host, host.split(".", 1)[-1]}:
        return ""
    return name


def _find_date(tree, *, url: str, original: bool) -> date | None:
    """The page's own date from its markup (meta tags, JSON-LD, <time>, the address). htmldate's extensive
    search also reads the text, but turns a bare year (a copyright line) into 1 January: such a guess is
    kept only for the publication date, and not when it is a 1 January."""
    found = _quietly(
        lambda: htmldate.find_date(
            deepcopy(tree), url=url or None, original_date=original, extensive_search=False, outputformat="%Y-%m-%d"
        )
    )
    if not found and original:
        found = _quietly(
            lambda: htmldate.find_date(
                deepcopy(tree), original_date=True, extensive_search=True, outputformat="%Y-%m-%d"
            )
        )
        if found and found.endswith("-01-01"):
            found = None
    return _date(found)


def _date(value) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _structured(tree) -> dict[str, str]:
    """Title, author, publisher, dates and language from JSON-LD (an article's, else the first item's) and
    OpenGraph."""
    found: dict[str, str] = {}
    items = _flatten(_quietly(lambda: JsonLdExtractor().extract_items(tree)) or [])
    by_id = {item["@id"]: item for item in items if isinstance(item.get("@id"), str)}
    articles = [item for item in items if _types(item) & ARTICLE_TYPES] or items
    for item in articles:
        for key, field in (("headline", "title"), ("name", "title"), ("datePublished", "published"),
                           ("dateModified", "updated"), ("inLanguage", "language")):  # fmt: skip
            value = item.get(key)
            if isinstance(value, str) and value.strip() and field not in found:
                found[field] = value.strip()
        if "author" not in found and (author := _names(item.get("author"), by_id)):
            found["author"] = author
        if "publisher" not in found and (publisher := _names(item.get("publisher"), by_id)):
            found["publisher"] = publisher
    for group in _quietly(lambda: list(OpenGraphExtractor().extract_items(tree))) or []:
        for key, value in group.get("properties", []):
            if not isinstance(value, str) or not value.strip():
                continue
            field = {"og:title": "title", "og:site_name": "publisher", "og:locale": "language"}.get(key)
            if key == "article:author" and not _is_url(value):
                field = "author"
            if field and field not in found:
                found[field] = value.strip()
    return found


def _flatten(items) -> list[dict]:
    flat = []
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, dict):
            flat.append(item)
            flat.extend(_flatten(item.get("@graph", [])))
    return flat


def _types(item: dict) -> set[str]:
    kinds = item.get("@type", [])
    return {k.lower() for k in (kinds if isinstance(kinds, list) else [kinds]) if isinstance(k, str)}


def _names(value, by_id: dict) -> str:
    names = []
    for entry in value if isinstance(value, list) else [value]:
        if isinstance(entry, dict) and set(entry) <= {"@id", "@type"} and entry.get("@id") in by_id:
            entry = by_id[entry["@id"]]
        name = entry.get("name") if isinstance(entry, dict) else entry
        if isinstance(name, str) and name.strip() and not _is_url(name) and name.strip() not in names:
            names.append(name.strip())
    return ", ".join(names)


def _is_url(value: str) -> bool:
    return value.strip().lower().startswith(("http://", "https://", "//"))


def _language(value) -> str:
    """ "en", "pt-BR": a language tag such as the models accept, or ""."""
    if not isinstance(value, str):
        return ""
    parts = value.strip().replace("_", "-").split("-")
    tag = "-".join([parts[0].lower()] + [p.upper() if len(p) == 2 else p for p in parts[1:]])
    return tag if LANGUAGE.match(tag) else ""


def _from_pdf(body: bytes) -> Extracted:
    reader = PdfReader(BytesIO(body))
    if reader.is_encrypted and not _quietly(lambda: reader.decrypt("")):
        return Extracted(text="")
    metadata = _quietly(lambda: reader.metadata)
    texts, size = [], 0
    for page in reader.pages[:MAX_PDF_PAGES]:
        text = _quietly(page.extract_text) or ""
        texts.append(text)
        size += len(text)
        if size >= MAX_TEXT_CHARS:
            break
    title = author = ""
    if metadata is not None:
        title = str(_quietly(lambda: metadata.title) or "").strip()
        author = str(_quietly(lambda: metadata.author) or "").strip()
    return Extracted(text="\n\n".join(t.strip() for t in texts if t.strip()), title=title, author=author)

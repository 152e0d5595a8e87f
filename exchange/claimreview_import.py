"""Reading other fact-checkers' work: schema.org ClaimReview (JSON-LD or embedded in HTML) and
the Google Fact Check Tools API ``claims:search`` response.

Every review becomes an ExternalReview (publisher, original rating, the verdict it maps to)
on a claim found by the review's URL or by the claim's text, or created as a draft. A caller may name
the claim (an editor's choice), ask for the most similar claim when none has the same text
(`match_similar`, a trigram similarity: claims/search.py), and leave a review that matches no claim
unwritten (`create_claims=False`: it is reported in `unmatched`), as following another newsroom does. The
importer never publishes and never sets a claim's verdict: see README "Backups and exchange".
It writes through claims/services.py, as the importing user (without one, as the
"claimreview-import" account, which may add what an import adds and cannot log in).
"""

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from claims import services
from claims.accounts import service_account
from claims.models import (
    PUBLIC_STATUSES,
    Claim,
    Evidence,
    ExternalReview,
    Source,
    Speaker,
    language_validator,
)
from claims.normalize import normalize_url
from claims.search import similar_claims

from .ratings import map_rating

PROGRESS_EVERY = 100
_SCHEMA_PREFIXES = ("https://schema.org/", "http://schema.org/", "schema:")
_WIKIDATA = re.compile(r"^https?://(?:www\.)?wikidata\.org/(?:wiki|entity)/(Q[1-9][0-9]*)$")
_url_validator = URLValidator(schemes=["http", "https"])


class DocumentError(Exception):
    """The whole file cannot be read."""


class ItemError(Exception):
    """One item cannot be imported; the reason says why."""


@dataclass
class Appearance:
    url: str
    title: str = ""
    publisher: str = ""
    published_on: date | None = None


@dataclass
class ReviewItem:
    """One review of one claim, whatever format it came in."""

    claim_text: str
    url: str
    title: str = ""
    publisher_name: str = ""
    publisher_url: str = ""
    reviewed_on: date | None = None
    textual_rating: str = ""
    rating_value: Decimal | None = None
    best_rating: Decimal | None = None
    worst_rating: Decimal | None = None
    language: str = ""
    claimant_name: str = ""
    claimant_kind: str = Speaker.Kind.PERSON
    claimant_url: str = ""
    claimant_wikidata_id: str = ""
    claimant_title: str = ""
    claim_date: date | None = None
    appearances: list[Appearance] = field(default_factory=list)  # the first appearance first

    @property
    def mapped_verdict(self) -> str:
        return map_rating(
            textual=self.textual_rating, value=self.rating_value, best=self.best_rating, worst=self.worst_rating
        )


@dataclass
class ParsedDocument:
    items: list[tuple[str, ReviewItem | str]]  # (label, the item or the reason it cannot be read)
    errors: list[str]  # parts of the file that cannot be read at all


@dataclass
class Problem:
    file: str
    item: str | None
    reason: str

    def __str__(self):
        return f"{self.file}: {self.item}: {self.reason}" if self.item else f"{self.file}: {self.reason}"

    def as_dict(self) -> dict:
        return {"file": self.file, "item": self.item, "reason": self.reason}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Problem] = field(default_factory=list)
    file_errors: list[Problem] = field(default_factory=list)
    claims_created: int = 0
    speakers_created: int = 0
    sources_created: int = 0
    unmatched: list[tuple[str, ReviewItem]] = field(default_factory=list)  # with create_claims=False

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": len(self.skipped),
            "claims_created": self.claims_created,
            "speakers_created": self.speakers_created,
            "sources_created": self.sources_created,
            "errors": [p.as_dict() for p in [*self.file_errors, *self.skipped]],
        }

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped ({self.claims_created} new claims, {self.speakers_created} new speakers, "
            f"{self.sources_created} new sources)"
        )


# Reading values -------------------------------------------------------------------------------


def _types(obj: dict) -> set[str]:
    value = obj.get("@type", [])
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    result = set()
    for name in names:
        if isinstance(name, str):
            for prefix in _SCHEMA_PREFIXES:
                name = name.removeprefix(prefix)
            result.add(name)
    return result


def _first(value):
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(value) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("@value", value.get("name"))
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)
    return " ".join(value.split()) if isinstance(value, str) else ""


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _url(value, prop: str, *, required: bool = False) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id")
    if value in (None, ""):
        if required:
            raise ItemError(f"missing required property '{prop}'")
        return ""
    if not isinstance(value, str):
        raise ItemError(f"bad URL in '{prop}': expected a string, got {type(value).__name__}")
    value = value.strip()
    try:
        _url_validator(value)
    except ValidationError:
        raise ItemError(f"bad URL in '{prop}': {value[:200]!r}") from None
    if len(value) > 1000:
        raise ItemError(f"bad URL in '{prop}': longer than 1000 characters")
    return value


def _date(value, prop: str) -> date | None:
    value = _first(value)
    if value in (None, ""):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text).date()
        except ValueError:
            pass
    raise ItemError(f"bad date in '{prop}': {str(value)[:100]!r} (expected an ISO 8601 date such as 2024-11-26)")


def _decimal(value, prop: str) -> Decimal | None:
    value = _first(value)
    if value in (None, ""):
        return None
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = None
        if number is not None and number.is_finite() and abs(number) < 10000:
            return number.quantize(Decimal("0.01"))
    raise ItemError(f"bad number in '{prop}': {str(value)[:100]!r}")


def _language(value) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    if not isinstance(value, str):
        return ""
    head, _, rest = value.strip().replace("_", "-").partition("-")
    code = head.lower() + (f"-{rest}" if rest else "")
    try:
        language_validator(code)
    except ValidationError:
        return ""
    return code if len(code) <= 16 else ""


def _appearance(value, prop: str) -> Appearance | None:
    if isinstance(value, str):
        return Appearance(url=_url(value, prop))
    if not isinstance(value, dict):
        return None
    url = _url(value.get("url") or value.get("@id"), f"{prop}.url")
    if not url:
        return None
    return Appearance(
        url=url,
        title=_clip(_text(value.get("headline")) or _text(value.get("name")), 300),
        publisher=_clip(_text(value.get("publisher")) or _text(value.get("author")), 200),
        published_on=_date(value.get("datePublished"), f"{prop}.datePublished"),
    )


def _appearances(item: dict) -> list[Appearance]:
    found = []
    first = _appearance(_first(item.get("firstAppearance")), "itemReviewed.firstAppearance")
    if first:
        found.append(first)
    values = item.get("appearance")
    for value in values if isinstance(values, list) else [values]:
        appearance = _appearance(value, "itemReviewed.appearance")
        if appearance:
            found.append(appearance)
    unique = {}
    for appearance in found:
        unique.setdefault(normalize_url(appearance.url), appearance)
    return list(unique.values())


# Formats --------------------------------------------------------------------------------------


def _from_claimreview(obj: dict) -> ReviewItem:
    text = _text(obj.get("claimReviewed"))
    if not text:
        raise ItemError("missing required property 'claimReviewed'")
    url = _url(obj.get("url"), "url", required=True)
    publisher = _first(obj.get("author")) or _first(obj.get("publisher"))
    rating = _first(obj.get("reviewRating"))
    rating = rating if isinstance(rating, dict) else {}
    reviewed = obj.get("itemReviewed")
    reviewed = _first(reviewed) if isinstance(_first(reviewed), dict) else {}
    claimant = _first(reviewed.get("author"))
    item = ReviewItem(
        claim_text=text,
        url=url,
        title=_clip(_text(obj.get("name")) or _text(obj.get("headline")), 500),
        publisher_name=_clip(_text(publisher), 200),
        publisher_url=_url(publisher.get("url"), "author.url") if isinstance(publisher, dict) else "",
        reviewed_on=_date(obj.get("datePublished"), "datePublished"),
        textual_rating=_clip(_text(rating.get("alternateName")) or _text(rating.get("name")), 200),
        rating_value=_decimal(rating.get("ratingValue"), "reviewRating.ratingValue"),
        best_rating=_decimal(rating.get("bestRating"), "reviewRating.bestRating"),
        worst_rating=_decimal(rating.get("worstRating"), "reviewRating.worstRating"),
        language=_language(obj.get("inLanguage")),
        claim_date=_date(reviewed.get("datePublished"), "itemReviewed.datePublished"),
        appearances=_appearances(reviewed),
    )
    if isinstance(claimant, dict | str):
        item.claimant_name = _clip(_text(claimant), 200)
    if isinstance(claimant, dict):
        if "Organization" in _types(claimant):
            item.claimant_kind = Speaker.Kind.ORGANIZATION
        same_as = claimant.get("sameAs")
        links = [claimant.get("url"), *(same_as if isinstance(same_as, list) else [same_as])]
        for link in (link.strip() for link in links if isinstance(link, str)):
            wikidata = _WIKIDATA.match(link)
            if wikidata:
                item.claimant_wikidata_id = item.claimant_wikidata_id or wikidata.group(1)
            elif not item.claimant_url and len(link) <= 500:
                try:
                    _url_validator(link)
                    item.claimant_url = link
                except ValidationError:
                    pass
        item.claimant_title = _clip(_text(claimant.get("jobTitle")), 200)
    return item


def _from_google(claim: dict, review: dict) -> ReviewItem:
    text = _text(claim.get("text"))
    if not text:
        raise ItemError("missing required property 'text'")
    if not isinstance(review, dict):
        raise ItemError("a claimReview entry is not an object")
    publisher = review.get("publisher") if isinstance(review.get("publisher"), dict) else {}
    site = _text(publisher.get("site"))
    if site and "://" not in site:
        site = f"https://{site}"
    return ReviewItem(
        claim_text=text,
        url=_url(review.get("url"), "url", required=True),
        title=_clip(_text(review.get("title")), 500),
        publisher_name=_clip(_text(publisher.get("name")), 200),
        publisher_url=_url(site, "publisher.site"),
        reviewed_on=_date(review.get("reviewDate"), "reviewDate"),
        textual_rating=_clip(_text(review.get("textualRating")), 200),
        language=_language(review.get("languageCode")),
        claimant_name=_clip(_text(claim.get("claimant")), 200),
        claim_date=_date(claim.get("claimDate"), "claimDate"),
    )


def _is_claim_review(obj: dict) -> bool:
    types = _types(obj)
    return "ClaimReview" in types or (not types and "claimReviewed" in obj)


def _claim_reviews(node) -> Iterable[dict]:
    """ClaimReview objects in a JSON-LD tree: lists, @graph, DataFeed, DataFeedItem, mainEntity."""
    if isinstance(node, list):
        for child in node:
            yield from _claim_reviews(child)
    elif isinstance(node, dict):
        if _is_claim_review(node):
            yield node
            return
        for key in ("@graph", "dataFeedElement", "item", "mainEntity"):
            if key in node:
                yield from _claim_reviews(node[key])


def _is_google(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("claims"), list) and "@type" not in data


def _parse_json(data, items: list) -> None:
    try:
        _parse_json_data(data, items)
    except RecursionError:
        raise DocumentError("the JSON is nested too deeply") from None


def _parse_json_data(data, items: list) -> None:
    if _is_google(data):
        for i, claim in enumerate(data["claims"]):
            if not isinstance(claim, dict):
                items.append((f"claims[{i}]", "not an object"))
                continue
            reviews = claim.get("claimReview")
            if not isinstance(reviews, list) or not reviews:
                items.append((f"claims[{i}]", "missing required property 'claimReview' (no review of this claim)"))
                continue
            for j, review in enumerate(reviews):
                _read(items, f"claims[{i}].claimReview[{j}]", _from_google, claim, review)
        return
    _resolve_references(data)
    for obj in _claim_reviews(data):
        _read(items, f"item {len(items) + 1}", _from_claimreview, obj)


def _resolve_references(data) -> None:
    """Replace JSON-LD node references ({"@id": …} alone) by the node they name, as in an @graph."""
    nodes = {}

    def index(node):
        if isinstance(node, list):
            for child in node:
                index(child)
        elif isinstance(node, dict):
            if isinstance(node.get("@id"), str) and len(node) > 1:
                nodes.setdefault(node["@id"], node)
            for child in node.values():
                index(child)

    def resolve(node):
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in list(children):
            if isinstance(child, dict) and len(child) == 1 and child.get("@id") in nodes:
                node[key] = nodes[child["@id"]]
            else:
                resolve(child)

    index(data)
    if nodes:
        resolve(data)


def _read(items: list, label: str, reader: Callable, *args) -> None:
    try:
        items.append((label, reader(*args)))
    except ItemError as error:
        items.append((label, str(error)))


class _JSONLDScripts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._buffer: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            kind = (dict(attrs).get("type") or "").split(";")[0].strip().lower()
            self._buffer = [] if kind == "application/ld+json" else None

    def handle_data(self, data):
        if self._buffer is not None:
            self._buffer.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._buffer is not None:
            self.blocks.append("".join(self._buffer))
            self._buffer = None


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentError(f"not UTF-8 text (byte {error.start})") from None


def _json_error(error: json.JSONDecodeError) -> str:
    return f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"


def parse_document(content: bytes | str) -> ParsedDocument:
    """The review items of a JSON(-LD) or HTML document; DocumentError when it cannot be read."""
    text = _decode(content)
    start = text.lstrip()[:1]
    items: list = []
    errors: list[str] = []
    if start and start != "<":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            if start not in "{[":
                raise DocumentError("neither JSON nor HTML") from None
            raise DocumentError(_json_error(error)) from None
        except RecursionError:
            raise DocumentError("not valid JSON: nested too deeply") from None
        _parse_json(data, items)
        if not items:
            raise DocumentError(
                "no ClaimReview found: expected a ClaimReview, a list, an @graph, a DataFeed "
                "or a Google Fact Check Tools claims:search response"
            )
    elif start == "<":
        parser = _JSONLDScripts()
        parser.feed(text)
        parser.close()
        for n, block in enumerate(parser.blocks, start=1):
            block = block.strip().removeprefix("<!--").removesuffix("-->").strip()
            try:
                data = json.loads(block)
            except json.JSONDecodeError as error:
                errors.append(f"JSON-LD script block {n}: {_json_error(error)}")
                continue
            except RecursionError:
                errors.append(f"JSON-LD script block {n}: nested too deeply")
                continue
            _parse_json(data, items)
        if not items and not errors:
            raise DocumentError("no ClaimReview found in the page's JSON-LD script blocks")
    else:
        raise DocumentError("the file is empty")
    return ParsedDocument(items=items, errors=errors)


# Writing --------------------------------------------------------------------------------------


def normalize_claim_text(text: str) -> str:
    return " ".join(text.split()).casefold().strip("\"'“”‘’«» ").rstrip(".")


IMPORT_USERNAME = "claimreview-import"
# What an import writes: draft claims (and what they cite), their first appearances and claimants.
IMPORT_PERMISSIONS = ["add_claim", "change_claim", "add_source", "add_speaker", "add_statement", "add_evidence"]


def import_user():
    """The account imports run as when no user is named: it may add what an import adds, and cannot log in."""
    return service_account(IMPORT_USERNAME, "ClaimReview", "import", permissions=IMPORT_PERMISSIONS)


class _Importer:
    def __init__(
        self,
        *,
        name: str,
        user,
        report: ImportReport,
        claim: Claim | None = None,
        match_similar: float | None = None,
        create_claims: bool = True,
    ):
        self.name = name
        self.user = user if user is not None and user.is_authenticated else import_user()
        self.report = report
        self.reason = _clip(f"Imported from {name}", 100)
        self.claim = claim
        self.match_similar = match_similar
        self.create_claims = create_claims
        self._claims_by_text: dict[str, int] | None = None

    def similar_claim(self, text: str) -> Claim | None:
        found = similar_claims(text, limit=1, threshold=self.match_similar)
        return found[0] if found else None

    def claim_for_text(self, text: str) -> Claim | None:
        if self._claims_by_text is None:
            self._claims_by_text = {}
            for pk, claim_text in Claim.objects.order_by("id").values_list("id", "text").iterator():
                self._claims_by_text.setdefault(normalize_claim_text(claim_text), pk)
        pk = self._claims_by_text.get(normalize_claim_text(text))
        return Claim.objects.filter(pk=pk).first() if pk else None

    def _speaker(self, item: ReviewItem, counts: dict) -> Speaker | None:
        if not item.claimant_name:
            return None
        speaker = Speaker.objects.filter(name__iexact=item.claimant_name).order_by("id").first()
        if speaker is None:
            speaker = services.speaker_create(
                by=self.user,
                name=item.claimant_name,
                kind=item.claimant_kind,
                url=item.claimant_url,
                wikidata_id=item.claimant_wikidata_id,
                title=item.claimant_title,
            )
            counts["speakers"] += 1
        return speaker

    def _source(self, counts: dict, *, url: str, **defaults) -> Source:
        source = Source.objects.filter(url=url).first()
        if source is None:
            source = services.source_create(by=self.user, url=url, **defaults)
            counts["sources"] += 1
        return source

    def import_item(self, item: ReviewItem, counts: dict) -> str:
        """Write one item; returns 'created', 'updated' or 'unchanged'."""
        with services.changes_because(self.reason):
            return self._import_item(item, counts)

    def _import_item(self, item: ReviewItem, counts: dict) -> str:
        review = ExternalReview.objects.select_related("claim").filter(url=item.url).first()
        claim, same_text = (review.claim, True) if review else (self.claim, False)
        if claim is None:
            claim, same_text = self.claim_for_text(item.claim_text), True
        if claim is None and self.match_similar is not None:
            claim, same_text = self.similar_claim(item.claim_text), False
        if claim is None and not self.create_claims:
            return "unmatched"
        changed = False
        # A claim matched by likeness or named by an editor gets the review only, not the review's appearances.
        editable = claim is None or (same_text and claim.status not in PUBLIC_STATUSES)

        appearances = []
        if editable:
            for appearance in item.appearances:
                source = self._source(
                    counts,
                    url=appearance.url,
                    title=appearance.title or _clip(appearance.url, 300),
                    publisher=appearance.publisher,
                    kind=Source.Kind.OTHER,
                    published_on=appearance.published_on,
                )
                appearances.append((source, appearance))
        self._source(
            counts,
            url=item.url,
            title=_clip(item.title, 300) or _clip(f"{item.publisher_name or 'Review'}: {item.claim_text}", 300),
            publisher=item.publisher_name,
            kind=Source.Kind.NEWS_ARTICLE,
            published_on=item.reviewed_on,
        )

        if claim is None:
            claim = services.claim_create(
                by=self.user,
                text=item.claim_text,
                language=item.language or "en",
                claimant=self._speaker(item, counts),
                first_appearance=appearances[0][0] if appearances else None,
                first_appeared_on=item.claim_date,
            )
            counts["claims"] += 1
            counts["new_claim"] = (normalize_claim_text(claim.text), claim.pk)
        elif editable:
            fill = {}
            if not claim.claimant_id and item.claimant_name:
                fill["claimant"] = self._speaker(item, counts)
            if not claim.first_appearance_id and appearances:
                fill["first_appearance"] = appearances[0][0]
            if not claim.first_appeared_on and item.claim_date:
                fill["first_appeared_on"] = item.claim_date
            if fill:
                services.claim_update(claim=claim, by=self.user, **fill)
                changed = True

        if editable:
            linked = set(Evidence.objects.filter(claim=claim).values_list("statement__source_id", flat=True))
            for source, appearance in appearances:
                if source.pk in linked:
                    continue
                is_first = source.pk == claim.first_appearance_id
                statement = services.statement_create(
                    by=self.user,
                    source=source,
                    speaker=claim.claimant,
                    text=claim.text,
                    is_quote=False,
                    stated_on=(claim.first_appeared_on if is_first else None) or appearance.published_on,
                )
                by = item.publisher_name or "another fact-checker"
                services.evidence_create(
                    claim=claim,
                    statement=statement,
                    by=self.user,
                    stance=Evidence.Stance.SUPPORTS,
                    note=f"An appearance of the claim, listed in the review by {by}: {item.url}",
                )
                linked.add(source.pk)
                changed = True

        values = {
            "title": item.title,
            "publisher_name": item.publisher_name,
            "publisher_url": item.publisher_url,
            "reviewed_on": item.reviewed_on,
            "textual_rating": item.textual_rating,
            "rating_value": item.rating_value,
            "best_rating": item.best_rating,
            "worst_rating": item.worst_rating,
            "mapped_verdict": item.mapped_verdict,
            "language": item.language,
        }
        if review is None:
            services.external_review_create(by=self.user, claim=claim, url=item.url, **values)
            return "created"
        differs = {name: value for name, value in values.items() if getattr(review, name) != value}
        if differs:
            services.external_review_update(review=review, by=self.user, **differs)
            changed = True
        return "updated" if changed else "unchanged"


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items())
    return " ".join(error.messages)


def import_document(
    content: bytes | str,
    *,
    name: str,
    user=None,
    report: ImportReport | None = None,
    progress: Callable[[int, int], None] | None = None,
    claim: Claim | None = None,
    match_similar: float | None = None,
    create_claims: bool = True,
) -> ImportReport:
    """Import every review in one file, each in its own savepoint; problems go into the report. `claim`,
    `match_similar` and `create_claims`: see the module docstring."""
    report = report if report is not None else ImportReport()
    try:
        parsed = parse_document(content)
    except DocumentError as error:
        report.file_errors.append(Problem(name, None, str(error)))
        return report
    report.file_errors.extend(Problem(name, None, reason) for reason in parsed.errors)
    importer = _Importer(
        name=name, user=user, report=report, claim=claim, match_similar=match_similar, create_claims=create_claims
    )
    total = len(parsed.items)
    for done, (label, item) in enumerate(parsed.items, start=1):
        if isinstance(item, str):
            report.skipped.append(Problem(name, label, item))
        else:
            counts = {"claims": 0, "speakers": 0, "sources": 0}
            try:
                with transaction.atomic():
                    outcome = importer.import_item(item, counts)
            except ValidationError as error:
                report.skipped.append(Problem(name, label, _messages(error)))
            except PermissionDenied as error:
                report.skipped.append(Problem(name, label, str(error) or "not permitted"))
            except IntegrityError as error:
                report.skipped.append(Problem(name, label, f"conflicts with existing data: {error}"))
            else:
                if outcome == "unmatched":
                    report.unmatched.append((label, item))
                else:
                    setattr(report, outcome, getattr(report, outcome) + 1)
                report.claims_created += counts["claims"]
                report.speakers_created += counts["speakers"]
                report.sources_created += counts["sources"]
                if "new_claim" in counts and importer._claims_by_text is not None:
                    key, pk = counts["new_claim"]
                    importer._claims_by_text.setdefault(key, pk)
        if progress:
            progress(done, total)
    return report

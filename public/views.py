"""Public pages for readers: server-rendered, no JavaScript needed, a fixed number of queries each."""

import contextlib
import json
import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import FileResponse, Http404, HttpResponse, HttpResponsePermanentRedirect, HttpResponseServerError
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.text import Truncator
from django.views.decorators.http import require_safe

from apikeys.scopes import DESCRIPTIONS, Scope
from archive import reading
from archive.models import Capture
from claims import public_record, verdicts
from claims.api import docs
from claims.api.schema import ERROR_SCHEMA
from claims.models import (
    Claim,
    Evidence,
    PublicChange,
    PublicNote,
    Source,
    Speaker,
    Status,
    Topic,
    Verdict,
    VerdictChange,
    can_see_unpublished,
)
from claims.search import (
    MAX_QUERY_LENGTH,
    SEARCH_MAX_MATCHES,
    clean_query,
    involving_speaker,
    related_claims,
    search_claims,
)
from exchange.claimreview import claim_review, to_script_json
from factcheck.cache import cache_public_page
from factcheck.conditional import conditional, not_modified

from . import keyset, share_image
from .templatetags.claims_tags import markdown_excerpt

PAGE_SIZE = 20
# The claim list without a search is paged by cursor (public/keyset.py). Old ?page=N links are served as they
# were up to this page (an OFFSET of at most a thousand rows), and deeper ones redirected to a cursor.
MAX_NUMBERED_PAGE = SEARCH_MAX_MATCHES // PAGE_SIZE
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")
# The claim list says how many claims it holds up to this many, and "more than" beyond.
LIST_COUNT_LIMIT = 1000
HOME_LATEST = 8
DETAIL_LIST_LIMIT = 50
# A source page lists this many of its newest captures; the API lists them all.
CAPTURES_SHOWN = 20
# A capture's WARC file never changes once written.
WARC_MAX_AGE = 24 * 3600
RELATED_LIMIT = 5
PUBLIC_MAX_AGE = 60
# A share image's address carries its fingerprint (?v=), so a changed claim gets a new address.
SHARE_IMAGE_MAX_AGE = 24 * 3600
SHARE_IMAGE_CACHE_SECONDS = 7 * 24 * 3600

# Verdicts a reader can meet on a public claim, in scale order.
RATED_VERDICTS = verdicts.RATINGS
# "updated": the readers' "Updated" date (the latest verdict change or public note), never a silent save.
ORDERINGS = {"newest": ("-published_at", "-pk"), "updated": ("-public_updated_at", "-pk")}
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")
RANK_ORDER = {Evidence.Rank.PREFERRED: 0, Evidence.Rank.NORMAL: 1, Evidence.Rank.DEPRECATED: 2}


def reader_page(view):
    """GET/HEAD only; conditional GET (content ETag, 304) for pages that may be cached.

    Staff who can see unpublished work get `private, no-store` and no ETag, so no cache ever keeps a
    page with drafts on it; other signed-in users get `private`; anonymous readers a short public max-age,
    and the page from the shared cache until content changes (factcheck/cache.py).
    """

    @require_safe
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()  # TemplateResponse (the sitemap): the ETag needs the content
        if can_see_unpublished(request.user):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            return response
        if response.status_code != 200 or response.streaming:
            return response
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
        else:
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return conditional(request, response)

    return cache_public_page(wrapped)


def _page(request, queryset, per_page=PAGE_SIZE):
    """The requested page of queryset; a page that is not a number or does not exist is a 404."""
    paginator = Paginator(queryset, per_page)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except (InvalidPage, ValueError, OverflowError) as exc:
        raise Http404("No such page.") from exc


def _verdict_rows(claims) -> tuple[list[dict], int]:
    """Counts per verdict for a chart: every rated verdict, in scale order, with bar widths in percent."""
    counts = dict(claims.order_by().values_list("verdict").annotate(n=Count("pk")))
    total = sum(counts.values())
    top = max(counts.values(), default=0) or 1
    rows = [
        {
            "verdict": v.value,
            "label": v.label,
            "count": counts.get(v.value, 0),
            "width": round(100 * counts.get(v.value, 0) / top),
        }
        for v in RATED_VERDICTS
    ]
    return rows, total


def _card_claims(queryset):
    return queryset.select_related("claimant")


def _topics_with_public_claims():
    return Topic.objects.filter(Exists(Claim.objects.public().filter(topics=OuterRef("pk"))))


@reader_page
def home(request):
    latest = list(_card_claims(Claim.objects.published())[:HOME_LATEST])
    chart, total = _verdict_rows(Claim.objects.published())
    return render(
        request,
        "claims/home.html",
        {
            "latest": latest,
            "chart": chart,
            "total": total,
            "topics": list(_topics_with_public_claims()),
            "meta": {
                "description": f"Fact checks by {settings.PUBLISHER_NAME}: what was claimed, the evidence, "
                "the verdict and every change of it."
            },
        },
    )


@reader_page
def claim_list(request):
    notes = []
    claims = Claim.objects.public()
    raw_q = request.GET.get("q", "")
    q = clean_query(raw_q)
    if len(raw_q) > MAX_QUERY_LENGTH:
        notes.append(f"Your search was cut to its first {MAX_QUERY_LENGTH} characters.")
    claims = search_claims(claims, q)

    verdict = request.GET.get("verdict", "")
    if verdict in RATED_VERDICTS:
        claims = claims.filter(verdict=verdict)
    elif verdict:
        notes.append("That verdict is not on our scale, so it was ignored.")
        verdict = ""

    topic = None
    if topic_slug := request.GET.get("topic", ""):
        topic = _topics_with_public_claims().filter(slug=topic_slug).first() if SLUG.fullmatch(topic_slug) else None
        if topic:
            claims = claims.filter(topics=topic)
        else:
            notes.append("There is no such topic, so that filter was ignored.")

    speaker = None
    if speaker_slug := request.GET.get("speaker", ""):
        speakers = Speaker.objects.visible_to(request.user)
        speaker = speakers.filter(slug=speaker_slug).first() if SLUG.fullmatch(speaker_slug) else None
        if speaker:
            claims = involving_speaker(claims, speaker)
        else:
            notes.append("There is no such speaker, so that filter was ignored.")

    order = request.GET.get("order", "relevance" if q else "newest")
    if order == "relevance" and q:
        ordered = claims  # search_claims ranks its matches, most relevant first
    else:
        order = order if order in ORDERINGS else "newest"
        ordered = claims.order_by(*ORDERINGS[order])
    filtered = bool(q or verdict or topic or speaker)
    if q:
        # A search matches at most SEARCH_MAX_MATCHES claims: numbered pages and an exact count stay cheap.
        page = _page(request, _card_claims(ordered))
        count = page.paginator.count
        count_label = f"{count:,}" if count < SEARCH_MAX_MATCHES else f"At least {count:,}"
        if count >= SEARCH_MAX_MATCHES:
            notes.append(f"Only the newest {count:,} matches are ranked: add words to narrow the search.")
    else:
        page = _keyset_page(request, _card_claims(claims), order)
        if isinstance(page, HttpResponse):
            return page
        count, count_label = _capped_count(claims)
    return render(
        request,
        "claims/claim_list.html",
        {
            "page_obj": page,
            "claims": page.object_list,
            "keyset": not q,
            "count": count,
            "count_label": count_label,
            "q": q,
            "verdict": verdict,
            "topic": topic,
            "speaker": speaker,
            "order": order,
            "notes": notes,
            "verdict_choices": RATED_VERDICTS,
            "topics": list(_topics_with_public_claims()),
            "filtered": filtered,
            "verdict_label": Verdict(verdict).label if verdict else "",
            "meta": {
                "title": f"Claims matching ‘{q}’" if q else "Claims",
                "description": "Search every claim we checked, by words, verdict, topic or speaker.",
                "noindex": bool(request.GET),
            },
        },
    )


def _capped_count(claims) -> tuple[int, str]:
    """How many claims, counted up to LIST_COUNT_LIMIT only (a COUNT of every public claim on every view is too
    dear), and how to say it: "47", or "More than 1,000"."""
    count = claims.order_by().values("pk")[: LIST_COUNT_LIMIT + 1].count()
    return count, f"{count:,}" if count <= LIST_COUNT_LIMIT else f"More than {LIST_COUNT_LIMIT:,}"


def _list_url(request, **params) -> str:
    """This list's address with its filters, the page parameters replaced by params."""
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    query.update({name: value for name, value in params.items() if value})
    return f"{request.path}?{query.urlencode()}" if query else request.path


def _keyset_page(request, claims, order: str):
    """The page of a claim list (the claim list, a topic's) ordered by a column, as the request asks: ?after= or
    ?before= a cursor (public/keyset.py), or an old ?page=N link. A page or an HttpResponse (a bad cursor, a
    redirect)."""
    field = ORDERINGS[order][0].lstrip("-")
    args = {"order": order, "field": field, "size": PAGE_SIZE}
    after, before, number = (request.GET.get(name) for name in ("after", "before", "page"))
    try:
        if after is not None and before is not None:
            raise keyset.BadCursor("This page link asks for older and newer claims at once.")
        if after is not None:
            page = keyset.page_after(claims, after, **args)
        elif before is not None:
            page = keyset.page_before(claims, before, **args)
        elif number is not None:
            page = _numbered_keyset_page(request, claims, number, args)
        else:
            page = keyset.first_page(claims, **args)
    except keyset.BadCursor as exc:
        return render(
            request,
            "claims/bad_page_link.html",
            {
                "reason": str(exc),
                "first_url": _list_url(request),
                "meta": {"title": "Broken page link", "noindex": True},
            },
            status=400,
        )
    if isinstance(page, HttpResponse):
        return page
    if not page.object_list and (after is not None or before is not None or number not in (None, "1")):
        raise Http404("No claims on this page any more.")
    page.next_url = _list_url(request, after=page.next_token) if page.has_next else ""
    page.previous_url = _list_url(request, before=page.previous_token) if page.has_previous else ""
    page.first_url = _list_url(request)
    page.is_first = after is None and before is None and page.number in (None, 1)
    return page


def _numbered_keyset_page(request, claims, raw: str, args: dict):
    """An old ?page=N link: served as it was up to MAX_NUMBERED_PAGE; deeper, redirected once (301) to the cursor
    of the same page, which costs an index read of every row before it, so that the link is followed cheaply
    from then on. A page past the end is a 404."""
    if not PAGE_NUMBER.fullmatch(raw):
        raise Http404("No such page.")
    number = int(raw)
    if number <= MAX_NUMBERED_PAGE:
        return keyset.numbered_page(claims, number, **args)
    token = keyset.cursor_at(claims.order_by(), (number - 1) * PAGE_SIZE, order=args["order"], field=args["field"])
    if token is None:
        raise Http404("No such page.")
    return HttpResponsePermanentRedirect(_list_url(request, after=token))


def _evidence_groups(claim) -> dict:
    items = sorted(claim.evidence.all(), key=lambda e: (RANK_ORDER.get(e.rank, 1), e.pk))
    current = [e for e in items if e.rank != Evidence.Rank.DEPRECATED]
    return {
        "supports": [e for e in current if e.stance == Evidence.Stance.SUPPORTS],
        "refutes": [e for e in current if e.stance == Evidence.Stance.REFUTES],
        "context": [e for e in current if e.stance == Evidence.Stance.CONTEXT],
        "deprecated": [e for e in items if e.rank == Evidence.Rank.DEPRECATED],
    }


@reader_page
def claim_detail(request, slug):
    # With each source the copy that was cited (without its text): the notices, the links, ClaimReview's archivedAt.
    evidence = Evidence.objects.select_related(reading.cited_path("statement__source"), "statement__speaker").defer(
        *reading.cited_defer("statement__source")
    )
    claims = (
        Claim.objects.visible_to(request.user)
        .select_related("claimant__affiliation", reading.cited_path("first_appearance"))
        .defer(*reading.cited_defer("first_appearance"))
    )
    claim = get_object_or_404(
        claims.prefetch_related(
            Prefetch("evidence", queryset=evidence),
            "topics",
            Prefetch("verdict_changes", queryset=VerdictChange.objects.order_by("changed_at", "id")),
            Prefetch("public_notes", queryset=PublicNote.objects.order_by("published_at", "id")),
        ),
        slug=slug,
    )
    changes, notes = list(claim.verdict_changes.all()), list(claim.public_notes.all())
    history = public_record.history(changes, notes)
    related = related_claims(claim, queryset=_card_claims(Claim.objects.public()), limit=RELATED_LIMIT)

    review = claim_review(claim)
    preview = not claim.is_public
    rating = "Retracted" if claim.status == Status.RETRACTED else claim.get_verdict_display()
    sharing = {} if preview else _sharing_meta(claim, rating)
    response = render(
        request,
        "claims/claim_detail.html",
        {
            "claim": claim,
            "preview": preview,
            "evidence": _evidence_groups(claim),
            "history": history,
            "correction": public_record.latest_correction(history),
            "checked_by": public_record.checked_by(claim, changes=changes, notes=notes) if claim.published_at else [],
            "related": list(related),
            "claimreview_json": to_script_json(review) if review else "",
            "demo_stand_in": reading.DEMO_STAND_IN,
            "meta": {
                "title": f"{rating}: {Truncator(claim.text).chars(90)}",
                # The claim and what we found: no two claims share it, as "rated Mixed" alone would.
                "description": Truncator(
                    f"{rating}: “{claim.text}” {markdown_excerpt(claim.summary, 400) or claim.verdict_meaning}"
                ).chars(200),
                "og_type": "article",
                "noindex": preview,
                **sharing,
            },
        },
    )
    if preview:
        add_never_cache_headers(response)
    return response


def _drawn(claim) -> dict:
    return share_image.describe(
        text=claim.text, verdict=claim.verdict, status=claim.status, published_at=claim.published_at
    )


def _sharing_meta(claim, rating: str) -> dict:
    """Open Graph and Twitter card fields of a public claim's page: its share image and its dates."""
    version = share_image.fingerprint(_drawn(claim))[:12]
    path = reverse("claims:claim_share_image", kwargs={"slug": claim.slug})
    return {
        "image": f"{settings.SITE_URL}{path}?v={version}",
        "image_width": share_image.WIDTH,
        "image_height": share_image.HEIGHT,
        "image_alt": Truncator(f"{rating}: “{claim.text}”, a fact check by {settings.PUBLISHER_NAME}").chars(400),
        "published_time": claim.published_at,
        "modified_time": claim.public_updated_at or claim.published_at,
    }


@require_safe
def claim_share_image(request, slug):
    """The share image of a claim readers may see (public/share_image.py), drawn once for what it shows."""
    fields = ("text", "verdict", "status", "published_at")
    claim = Claim.objects.public().filter(slug=slug).values("pk", "public_updated_at", *fields).first()
    if claim is None:
        raise Http404("No such claim.")
    drawn = share_image.describe(**{name: claim[name] for name in fields})
    digest = share_image.fingerprint(drawn)
    updated = claim["public_updated_at"].isoformat() if claim["public_updated_at"] else ""
    key = f"factcheck:share-image:{claim['pk']}:{updated}:{digest}"
    etag = f'"{digest}"'
    response = not_modified(request, etag)
    if response is None:
        png = _cached(key)
        if png is None:
            png = share_image.draw(**drawn)
            _store(key, png)
        response = HttpResponse(png, content_type="image/png")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=SHARE_IMAGE_MAX_AGE)
    return response


def _cached(key: str):
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - a cache that is down must not break the image
        return None


def _store(key: str, value: bytes) -> None:
    with contextlib.suppress(Exception):  # a cache that is down: drawn again next time
        cache.set(key, value, SHARE_IMAGE_CACHE_SECONDS)


def _statements_with_claims(statements, user):
    """Statements with the evidence rows (and claims) the user may see, for source and speaker pages."""
    visible_evidence = Evidence.objects.filter(claim__in=Claim.objects.visible_to(user)).select_related("claim")
    return statements.prefetch_related(Prefetch("evidence", queryset=visible_evidence))


def _visible_sources(user):
    """The sources the user may see, with the copy that was cited (without its text) selected along."""
    return Source.objects.visible_to(user).select_related(reading.cited_path()).defer(*reading.cited_defer())


@reader_page
def source_detail(request, pk):
    source = get_object_or_404(_visible_sources(request.user), pk=pk)
    statements = _statements_with_claims(
        source.statements.visible_to(request.user).select_related("speaker"), request.user
    )[:DETAIL_LIST_LIMIT]
    first_of = _card_claims(Claim.objects.visible_to(request.user).filter(first_appearance=source))[:DETAIL_LIST_LIMIT]
    captures = list(source.captures.defer(*reading.HEAVY).order_by("-requested_at", "-id")[: CAPTURES_SHOWN + 1])
    more_captures = len(captures) > CAPTURES_SHOWN
    captures = captures[:CAPTURES_SHOWN]
    cited = reading.cited_copy(source)
    # The copy that was cited, else the newest capture with a page that answered.
    archived = cited or next((c for c in captures if c.is_readable and c.http_status < 400), None)
    title = source.title or source.url
    return render(
        request,
        "claims/source_detail.html",
        {
            "source": source,
            "source_title": title,
            "statements": list(statements),
            "first_of": list(first_of),
            "captures": captures,
            "more_captures": more_captures,
            "captures_shown": CAPTURES_SHOWN,
            "cited": cited,
            "archived": archived,
            "notice": reading.original_notice(source),
            "demo_stand_in": reading.DEMO_STAND_IN,
            "meta": {
                "title": Truncator(title).chars(90),
                "description": f"{source.get_kind_display()}"
                + (f" by {source.publisher}" if source.publisher else "")
                + ": the statements we cite from it, the claims they bear on, and our archived copies of it.",
            },
        },
    )


def _capture_of(request, pk: int, capture: int) -> Capture:
    """A capture of a source the user may see; a 404 for any other (another source's, a draft's)."""
    source = get_object_or_404(_visible_sources(request.user), pk=pk)
    found = get_object_or_404(Capture.objects.filter(source=source), pk=capture)
    found.source = source
    return found


@reader_page
def capture_detail(request, pk, capture):
    capture = _capture_of(request, pk, capture)
    source = capture.source
    title = source.title or source.url
    when = formats.date_format(timezone.localtime(capture.captured_at or capture.requested_at), "j F Y")
    cited = reading.cited_copy(source)
    metadata = capture.metadata if isinstance(capture.metadata, dict) else {}
    return render(
        request,
        "claims/capture_detail.html",
        {
            "source": source,
            "source_title": title,
            "capture": capture,
            "is_cited": cited is not None and cited.pk == capture.pk,
            "cited": cited,
            "what_happened": reading.what_happened(capture),
            "paragraphs": reading.paragraphs(capture.text) if capture.is_readable else [],
            "language": reading.language(capture),
            "page_said": [(label, metadata[name]) for name, label in reading.METADATA_LABELS if metadata.get(name)],
            "notice": reading.original_notice(source),
            "demo_stand_in": reading.DEMO_STAND_IN,
            "meta": {
                "title": Truncator(f"Archived copy of {title}, {when}").chars(90),
                "description": Truncator(
                    f"Our capture of {capture.url} on {when}: the text the page held, its HTTP status, "
                    "SHA-256 and fingerprint, and the WARC file to download."
                ).chars(200),
            },
        },
    )


@require_safe
def capture_warc(request, pk, capture):
    """A capture's WARC file, only as a download: its HTML or script must never run on our origin."""
    capture = _capture_of(request, pk, capture)
    if not capture.warc:
        raise Http404("This capture has no WARC file.")
    etag = f'"{capture.key}"'
    response = not_modified(request, etag)
    if response is None:
        try:
            body = capture.warc.open("rb")
        except OSError as exc:
            raise Http404("This capture's WARC file is missing.") from exc
        suffix = ".warc.gz" if capture.warc.name.endswith(".gz") else ".warc"
        response = FileResponse(
            body,
            as_attachment=True,
            filename=f"source-{capture.source_id}-capture-{capture.pk}{suffix}",
            content_type="application/warc",
        )
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    if can_see_unpublished(request.user):
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
    else:
        patch_cache_control(response, public=True, max_age=WARC_MAX_AGE)
    return response


@reader_page
def speaker_detail(request, slug):
    speakers = Speaker.objects.visible_to(request.user)
    speaker = get_object_or_404(speakers.select_related("affiliation"), slug=slug)
    affiliation_visible = bool(speaker.affiliation_id) and speakers.filter(pk=speaker.affiliation_id).exists()
    made = _card_claims(Claim.objects.visible_to(request.user).filter(claimant=speaker))[:DETAIL_LIST_LIMIT]
    statements = _statements_with_claims(
        speaker.statements.visible_to(request.user).select_related("source"), request.user
    )[:DETAIL_LIST_LIMIT]
    chart, total = _verdict_rows(Claim.objects.published().filter(claimant=speaker))
    return render(
        request,
        "claims/speaker_detail.html",
        {
            "speaker": speaker,
            "affiliation_visible": affiliation_visible,
            "members": list(speakers.filter(affiliation=speaker)),
            "made": list(made),
            "statements": list(statements),
            "chart": chart,
            "total": total,
            "meta": {
                "title": speaker.name,
                "description": Truncator(
                    f"{speaker.name}{', ' + speaker.title if speaker.title else ''}: the claims they made, "
                    "their statements we cite, and how we rated their claims."
                ).chars(200),
                "og_type": "profile" if speaker.kind == Speaker.Kind.PERSON else "website",
            },
        },
    )


@reader_page
def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    claims = Claim.objects.visible_to(request.user).filter(topics=topic)
    count, count_label = _capped_count(claims)  # and paged by cursor, newest first, as the claim list is
    if not count:
        raise Http404("No claims on this topic yet.")  # a topic only editors use stays unknown to readers
    page = _keyset_page(request, _card_claims(claims), "newest")
    if isinstance(page, HttpResponse):
        return page
    meta = {"title": topic.name, "description": f"Fact checks of claims on {topic.name}."}
    return render(
        request,
        "claims/topic_detail.html",
        {
            "topic": topic,
            "page_obj": page,
            "claims": page.object_list,
            "count": count,
            "count_label": count_label,
            "meta": meta,
        },
    )


@reader_page
def methodology(request):
    scale = verdicts.table()
    meta = {
        "title": "How we rate claims",
        "description": "Our rating scale and what each verdict means, how we choose and cite sources, "
        "and our corrections policy.",
    }
    return render(request, "claims/methodology.html", {"scale": scale, "meta": meta})


# How the API page names each throttle rate of settings.REST_FRAMEWORK (any other by its scope).
RATE_LABELS = {
    "anon": "anonymous clients, per address",
    "key": "each API key",
    "user": "a signed-in account without a key",
}
PERIODS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}  # as DRF reads a rate: the period's first letter


def _rate(rate: str) -> str:
    """'120/minute' as '120 requests per minute'."""
    number, period = rate.split("/", 1)
    return f"{number} requests per {PERIODS.get(period[:1], period)}"


@reader_page
def api(request):
    """The API's front page: where a client starts (the docs, the schema, keys, the endpoints, the feeds, the scale)."""
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    meta = {
        "title": "API",
        "description": f"The {settings.SITE_NAME} API: our fact checks, their evidence and sources and every change "
        "to the public record as JSON, with its documentation, OpenAPI schema, feeds, verdict scale and keys.",
    }
    context = {
        "resources": docs.resources(),
        "scale": verdicts.table(),
        "scopes": [(scope, DESCRIPTIONS[scope]) for scope in Scope],
        "event_types": PublicChange.Kind.values,
        "rates": [(RATE_LABELS.get(scope, scope), _rate(rate)) for scope, rate in rates.items() if rate],
        "max_page_size": settings.API_MAX_PAGE_SIZE,
        "error_example": json.dumps(ERROR_SCHEMA["example"], indent=2),
        "error_codes": ERROR_SCHEMA["properties"]["error"]["properties"]["code"]["description"].removeprefix(
            "Machine-readable: "
        ),
        "meta": meta,
    }
    return render(request, "claims/api.html", context)


@reader_page
def corrections(request):
    page = _page(request, public_record.corrections())
    meta = {
        "title": "Corrections",
        "description": "Every correction we made because we got something wrong, newest first.",
    }
    entries = public_record.load(page.object_list)
    return render(request, "claims/corrections.html", {"page_obj": page, "corrections": entries, "meta": meta})


@reader_page
def robots_txt(request):
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_PATH}",
        "Disallow: /api/v1/",
        "",
        f"Sitemap: {settings.SITE_URL}{reverse('claims:sitemap')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def server_error(request, template_name="500.html"):
    """The 500 page: rendered without the request, context processors or the database."""
    template = loader.get_template(template_name)
    return HttpResponseServerError(template.render({"SITE_NAME": settings.SITE_NAME}))

"""The one writer of following/: follow and unfollow a site, poll its changes feed, and what editors decide about
the fact checks it brought (README "Following another newsroom").

A poll reads one page of the other site's feed and the ClaimReview of each claim on it, with no transaction open;
then, in one transaction, it imports them through the ClaimReview importer (exchange/claimreview_import.py),
withdraws the retracted ones and moves the cursor. A page that cannot be read or imported writes nothing: the
failure is recorded and the site is polled again later, each time later (backoff)."""

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from archive.fetch import Refused, check_url
from background.tasks import enqueue, retry_delay
from claims import services as record
from claims.accounts import service_account
from claims.models import Claim, ExternalReview
from claims.normalize import normalize_url
from claims.search import similar_claims
from exchange.claimreview_import import IMPORT_PERMISSIONS, DocumentError, ReviewItem, import_document, parse_document

from . import remote
from .models import FollowedReview, FollowedSite

logger = logging.getLogger(__name__)

FOLLOW_USERNAME = "following"
FOLLOW_PERMISSIONS = [*IMPORT_PERMISSIONS, "add_externalreview", "change_externalreview", "delete_externalreview"]
MAX_KEY_LENGTH = 200
ERROR_CHARS = 2000
SUGGESTED_CANDIDATES = 5

State = FollowedReview.State


def following_user():
    """The account polls write under: it may import reviews and withdraw them, and cannot log in."""
    return service_account(FOLLOW_USERNAME, "Following", "newsrooms", permissions=FOLLOW_PERMISSIONS)


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


# Following and unfollowing


def normalize_site_url(url: str) -> str:
    """The base URL of a factcheck site: scheme and host in lower case, no default port, query or trailing slash,
    and without /api/v1/… when the feed's own address was given. ValidationError for an address never fetched."""
    url = (url or "").strip()
    try:
        check_url(url)
    except Refused as error:
        raise ValidationError(f"{url or 'The address'} cannot be followed: {error}.", code=error.code) from None
    parts = urlsplit(url)
    scheme, host, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    if ":" in host:
        host = f"[{host}]"
    if port and port != {"http": 80, "https": 443}[scheme]:
        host += f":{port}"
    path = parts.path.rstrip("/")
    for suffix in (remote.FEED_PATH.rstrip("/"), "/api/v1"):
        if path.endswith(suffix):
            path = path.removesuffix(suffix)
            break
    base = f"{scheme}://{host}{path}"
    if len(base) > FollowedSite._meta.get_field("url").max_length:
        raise ValidationError("The address is too long.", code="too_long")
    return base


def clean_key(api_key: str) -> str:
    key = (api_key or "").strip()
    if not key:
        raise ValidationError("Give the API key the other site issued to you.", code="no_key")
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable() or " " in key:
        raise ValidationError(
            f"An API key is printable ASCII without spaces, at most {MAX_KEY_LENGTH} characters.", code="bad_key"
        )
    return key


def check_site(base: str, api_key: str) -> str:
    """That base answers as a factcheck (its changes feed reads); its name as it gives it ("" when it does not).
    ValidationError (code not_a_factcheck) when it does not."""
    try:
        remote.read_page(base, api_key, "", 1)
    except remote.RemoteError as error:
        raise ValidationError(
            f"{base} does not answer as a factcheck site ({error.code}): {error}", code="not_a_factcheck"
        ) from None
    return remote.site_name(base, api_key)


def follow(*, url: str, api_key: str, name: str = "", by=None, check: bool = True) -> tuple[FollowedSite, bool]:
    """Follow the site at url (again, if it was unfollowed: from where it stopped), with the key it issued us.
    With check, its changes feed must answer first. Answers the site and whether it is new."""
    base = normalize_site_url(url)
    key = clean_key(api_key)
    name = " ".join((name or "").split())[:200]
    if check:
        name = name or check_site(base, key)  # before the transaction: no transaction across network I/O
    with transaction.atomic():
        site = FollowedSite.objects.select_for_update().filter(url=base).first()
        created = site is None
        if created:
            site = FollowedSite(url=base, followed_by=by if by is not None and by.is_authenticated else None)
        site.name = name or site.name or urlsplit(base).netloc
        site.api_key = key
        site.active = True
        site.next_check_at = timezone.now()  # due at the next tick
        site.full_clean()
        site.save()
    return site, created


@transaction.atomic
def site_update(*, site: FollowedSite, name: str = "", api_key: str = "") -> FollowedSite:
    """A new name or key for a followed site (empty: unchanged)."""
    site = FollowedSite.objects.select_for_update().get(pk=site.pk)
    if name := " ".join((name or "").split())[:200]:
        site.name = name
    if api_key:
        site.api_key = clean_key(api_key)
    site.save(update_fields=["name", "api_key"])
    return site


def site_for_url(url: str) -> FollowedSite:
    """The followed site at url (any spelling); ValidationError (not_followed) when there is none."""
    base = normalize_site_url(url)
    site = FollowedSite.objects.filter(url=base).first()
    if site is None:
        raise ValidationError(f"{base} is not a followed site.", code="not_followed")
    return site


@transaction.atomic
def unfollow(*, site: FollowedSite, by=None) -> FollowedSite:
    """Stop polling the site. What it brought stays; following it again continues from its cursor."""
    site = FollowedSite.objects.select_for_update().get(pk=site.pk)
    site.active = False
    site.next_check_at = None
    site.save(update_fields=["active", "next_check_at"])
    return site


def poll_now(*, site: FollowedSite) -> None:
    """Ask the workers for a poll of the site now, whatever its schedule."""
    from .tasks import poll_site

    enqueue(poll_site, site.pk)


# Polling


def backoff(failures: int) -> timedelta:
    """How long after its n-th failure in a row a site is polled again: the polling interval, doubled each time,
    at most FOLLOW_MAX_BACKOFF."""
    return retry_delay(attempt=failures, backoff=settings.FOLLOW_EVERY, cap=settings.FOLLOW_MAX_BACKOFF, jitter=0)


def lease_due(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """The ids of the active sites due for a poll, each leased for FOLLOW_LEASE so that the next tick does not ask
    again while its poll runs (the poll sets the real next time)."""
    now = _now(now)
    with transaction.atomic():
        due = FollowedSite.objects.due(now + settings.FOLLOW_EVERY / 10).order_by("next_check_at", "id")
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        FollowedSite.objects.filter(pk__in=ids).update(next_check_at=now + settings.FOLLOW_LEASE)
    return ids


class PollFailed(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Received:
    """What a page says of one claim of the other site: its last change, and its ClaimReview as now read."""

    claim_id: int
    slug: str
    retracted: bool = False
    content: bytes = b""
    data: dict = field(default_factory=dict)
    item: ReviewItem | None = None  # None: the claim has no ClaimReview (not or no longer public and rated)


@dataclass
class PollResult:
    site: FollowedSite | None
    pages: int = 0
    changes: int = 0
    imported: int = 0
    suggested: int = 0
    withdrawn: int = 0
    error: str = ""
    skipped: bool = False

    def summary(self) -> str:
        if self.skipped:
            return "not followed: not polled"
        text = (
            f"{self.pages} page(s), {self.changes} change(s): {self.imported} imported, {self.suggested} "
            f"suggestion(s), {self.withdrawn} withdrawn"
        )
        return f"{text}; failed: {self.error}" if self.error else text


def _read(site: FollowedSite, page: remote.Page) -> list[Received]:
    """The ClaimReview of each claim on the page, read once each (network; no transaction)."""
    by_claim: dict[int, Received] = {}
    for change in page.changes:
        entry = by_claim.pop(change.claim_id, None) or Received(claim_id=change.claim_id, slug=change.slug)
        entry.slug, entry.retracted = change.slug, change.type == "claim.retracted"
        by_claim[change.claim_id] = entry  # in the order of each claim's last change
    for entry in by_claim.values():
        if entry.retracted:
            continue
        found = remote.read_claimreview(site.url, site.api_key, entry.slug)
        if found is None:
            continue
        entry.content, entry.data = found
        try:
            items = parse_document(entry.content).items
        except DocumentError as error:
            raise remote.RemoteError("not_a_claimreview", f"{entry.slug}: {error}") from None
        readable = [item for _, item in items if isinstance(item, ReviewItem)]
        if len(items) != 1 or not readable:
            reason = items[0][1] if items and isinstance(items[0][1], str) else "not one ClaimReview"
            raise remote.RemoteError("not_a_claimreview", f"the ClaimReview of {entry.slug}: {reason}")
        entry.item = readable[0]
    return list(by_claim.values())


def poll(site_id: int, *, max_pages: int | None = None, now: datetime | None = None) -> PollResult:
    """Read the site's feed from its cursor, at most max_pages pages (FOLLOW_MAX_PAGES), importing each page in one
    transaction. Never raises for what the other site does: a failure is recorded on the site."""
    site = FollowedSite.objects.filter(pk=site_id).first()
    result = PollResult(site=site)
    if site is None or not site.active:
        result.skipped = True
        return result
    cursor = site.cursor
    pages = max_pages or settings.FOLLOW_MAX_PAGES
    for _ in range(pages):
        try:
            page = remote.read_page(site.url, site.api_key, cursor, settings.FOLLOW_PAGE_SIZE)
            received = _read(site, page)
            applied = _apply(site_id, cursor, page, received, result, now=_now(now))
        except (remote.RemoteError, PollFailed) as error:
            result.error = f"{error.code}: {error}"
            result.site = record_failure(site_id=site_id, error=result.error, now=_now(now))
            return result
        if applied is None:  # unfollowed meanwhile, or another poll read this page first
            break
        result.site, result.pages, cursor = applied, result.pages + 1, page.cursor
        if not page.full:
            break
    return result


def _apply(
    site_id: int, cursor: str, page: remote.Page, received: list[Received], result: PollResult, *, now
) -> FollowedSite | None:
    counts = {"imported": 0, "suggested": 0, "withdrawn": 0, "dismissed": 0}
    with transaction.atomic():
        site = FollowedSite.objects.select_for_update().get(pk=site_id)
        if not site.active or site.cursor != cursor:
            return None
        user = following_user()
        for entry in received:
            if entry.retracted:
                counts["withdrawn"] += _withdraw(site, entry, user, now=now)
            elif entry.item is not None:
                counts[_receive(site, entry, user, now=now)] += 1
        site.cursor = page.cursor
        site.last_checked_at = site.last_success_at = now
        site.last_error, site.consecutive_failures = "", 0
        site.next_check_at = now if page.full else now + settings.FOLLOW_EVERY  # a full page: more to read
        _count(site)
        site.save()
    result.changes += len(page.changes)
    result.imported += counts["imported"]
    result.suggested += counts["suggested"]
    result.withdrawn += counts["withdrawn"]
    return site


def _count(site: FollowedSite) -> None:
    reviews = FollowedReview.objects.filter(site=site)
    site.reviews_imported = reviews.filter(state=State.IMPORTED).count()
    site.suggestions = reviews.filter(state=State.SUGGESTED).count()


def _import(followed: FollowedReview, *, user, **options):
    """Import the followed review's ClaimReview through the importer; PollFailed when it cannot be."""
    report = import_document(json.dumps(followed.claimreview).encode(), name=followed.site.name, user=user, **options)
    problems = [*report.file_errors, *report.skipped]
    if problems:
        raise PollFailed("import_failed", "; ".join(str(p) for p in problems)[:ERROR_CHARS])
    return report


def _receive(site: FollowedSite, entry: Received, user, *, now) -> str:
    """Import or suggest one fact check of the site (as now read); 'imported', 'suggested' or 'dismissed' (kept
    as received, not suggested again)."""
    item = entry.item
    followed = (
        FollowedReview.objects.select_related("external_review").filter(site=site, remote_id=entry.claim_id).first()
    )
    if followed is None:
        followed = FollowedReview(site=site, remote_id=entry.claim_id, received_at=now)
    followed.site = site
    followed.remote_slug = entry.slug
    followed.url = normalize_url(item.url)
    followed.claim_text = item.claim_text
    followed.textual_rating = item.textual_rating
    followed.claimreview = entry.data
    followed.updated_at = now
    if followed.state == State.IMPORTED and followed.external_review is None:
        # An editor deleted the review made of it: their decision, kept as a dismissal is, not undone by an update.
        followed.state = State.DISMISSED
    if followed.state == State.DISMISSED:
        followed.save()
        return "dismissed"
    previous = followed.external_review
    if previous is not None and previous.url != followed.url:  # its address moved (a new slug): the same review
        record.external_review_update(review=previous, by=user, url=followed.url)
    report = _import(followed, user=user, match_similar=settings.FOLLOW_MATCH_SIMILARITY, create_claims=False)
    if report.unmatched:
        followed.state, followed.external_review = State.SUGGESTED, None
        followed.save()
        followed.candidates.set(similar_claims(item.claim_text, limit=SUGGESTED_CANDIDATES))
        return "suggested"
    followed.state = State.IMPORTED
    followed.external_review = ExternalReview.objects.get(url=followed.url)
    followed.save()
    followed.candidates.clear()
    return "imported"


def _withdraw(site: FollowedSite, entry: Received, user, *, now) -> int:
    """The other site retracted its fact check: the external review made of it goes (its history keeps it)."""
    followed = (
        FollowedReview.objects.select_related("external_review").filter(site=site, remote_id=entry.claim_id).first()
    )
    if followed is None or followed.state == State.RETRACTED:
        return 0
    if followed.external_review is not None:
        record.external_review_delete(review=followed.external_review, by=user)
    followed.state, followed.external_review, followed.updated_at = State.RETRACTED, None, now
    followed.save()
    followed.candidates.clear()
    return 1


def record_failure(*, site_id: int, error: str, now: datetime | None = None) -> FollowedSite | None:
    """A poll failed: say why on the site and poll it again later (backoff)."""
    now = _now(now)
    with transaction.atomic():
        site = FollowedSite.objects.select_for_update().filter(pk=site_id).first()
        if site is None:
            return None
        site.consecutive_failures += 1
        site.last_error = error[:ERROR_CHARS]
        site.last_checked_at = now
        if site.active:
            site.next_check_at = now + backoff(site.consecutive_failures)
        site.save()
    logger.warning("Following %s: poll failed (%d in a row): %s", site.url, site.consecutive_failures, error)
    return site


# What editors decide about a suggestion


def _decided(followed: FollowedReview, *, by, state: str, review: ExternalReview | None) -> FollowedReview:
    followed.state, followed.external_review, followed.decided_by = state, review, by
    followed.updated_at = timezone.now()
    followed.save()
    followed.candidates.clear()
    _count(followed.site)
    followed.site.save(update_fields=["reviews_imported", "suggestions"])
    return followed


def _open_suggestion(followed: FollowedReview) -> FollowedReview:
    followed = FollowedReview.objects.select_for_update(of=("self",)).select_related("site").get(pk=followed.pk)
    if followed.state != State.SUGGESTED:
        raise ValidationError(
            f"This fact check is no longer a suggestion: {followed.get_state_display().lower()}.", code="not_suggested"
        )
    return followed


def _as_editor(followed: FollowedReview, *, by, **options) -> ExternalReview:
    try:
        _import(followed, user=by, **options)
    except PollFailed as error:
        if "permission" in str(error).lower():
            raise PermissionDenied(str(error)) from None
        raise ValidationError(str(error), code="import_failed") from None
    return ExternalReview.objects.get(url=followed.url)


@transaction.atomic
def suggestion_attach(*, followed: FollowedReview, claim: Claim, by) -> FollowedReview:
    """An editor says which of our claims the suggested fact check reviews: it becomes its external review."""
    followed = _open_suggestion(followed)
    review = _as_editor(followed, by=by, claim=claim)
    return _decided(followed, by=by, state=State.IMPORTED, review=review)


@transaction.atomic
def suggestion_new_claim(*, followed: FollowedReview, by) -> FollowedReview:
    """An editor takes the suggested fact check in as a new draft claim of ours (the importer's way)."""
    followed = _open_suggestion(followed)
    review = _as_editor(followed, by=by)
    return _decided(followed, by=by, state=State.IMPORTED, review=review)


@transaction.atomic
def suggestion_dismiss(*, followed: FollowedReview, by) -> FollowedReview:
    """Not for us: the suggestion leaves the queue, and later versions of it are not suggested again."""
    followed = _open_suggestion(followed)
    return _decided(followed, by=by, state=State.DISMISSED, review=None)

"""What readers are shown of the archive: the copy that was cited, how the original stands since, the labels. Read by
the public pages, the API and ClaimReview; writes nothing."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.urls import reverse

from .models import NOTABLE, Capture, Change, Watch

DEMO_STAND_IN = "demo stand-in: a small page standing in for the real article, not a copy of it"

# What readers are told when the original is no longer what we cited.
ORIGINAL_NOTICES = {
    Change.DRIFTED: "The original of this source has changed since we cited it",
    Change.MOVED: "The original of this source has moved since we cited it: its address now leads elsewhere",
    Change.GONE: "The original of this source is gone",
}
# What a page said of itself (Capture.metadata), in the order readers see it.
METADATA_LABELS = [
    ("title", "Title"),
    ("author", "Author"),
    ("publisher", "Publisher"),
    ("published_on", "Published"),
    ("updated_on", "Updated"),
    ("language", "Language"),
]
# Columns of a capture that a link to it does not need.
HEAVY = ("text", "metadata")
LANGUAGE_TAG = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8}){0,3}")


def cited_path(prefix: str = "") -> str:
    """The select_related path from a source (or from prefix, a path to one) to the copy that was cited."""
    return f"{prefix}__watch__baseline" if prefix else "watch__baseline"


def cited_defer(prefix: str = "") -> list[str]:
    """What to defer of the cited copy when it is selected along (its text may be long)."""
    return [f"{cited_path(prefix)}__{name}" for name in HEAVY]


def watch_of(source) -> Watch | None:
    try:
        return source.watch
    except Watch.DoesNotExist:
        return None


def cited_copy(source) -> Capture | None:
    """Our capture of the copy that was cited (the first good capture), if there is one."""
    watch = watch_of(source)
    return watch.baseline if watch is not None and watch.baseline_id else None


def original_status(source) -> str | None:
    """How the original stands against the copy that was cited (archive.models.Change), or None before any check."""
    watch = watch_of(source)
    return (watch.since_cited or None) if watch is not None else None


def archived_at(source) -> str | None:
    """The absolute address of our page of the copy that was cited, or None."""
    watch = watch_of(source)
    if watch is None or not watch.baseline_id:
        return None
    return settings.SITE_URL + reverse("claims:capture_detail", kwargs={"pk": source.pk, "capture": watch.baseline_id})


@dataclass(frozen=True)
class OriginalNotice:
    change: str
    message: str
    since: datetime | None
    cited: Capture | None


def original_notice(source) -> OriginalNotice | None:
    """What readers are told when the original drifted, moved or went since it was cited; None otherwise."""
    watch = watch_of(source)
    if watch is None or watch.since_cited not in NOTABLE:
        return None
    change = Change(watch.since_cited)
    return OriginalNotice(
        change=change.value,
        message=ORIGINAL_NOTICES[change],
        since=watch.changed_at,
        cited=watch.baseline if watch.baseline_id else None,
    )


def what_happened(capture: Capture) -> str:
    """A capture's outcome in words, for a list of captures."""
    if capture.state == Capture.State.PENDING:
        return Capture.State.PENDING.label
    if capture.change:
        return Change(capture.change).label
    return Capture.State.DONE.label


def paragraphs(text: str) -> list[str]:
    """The extracted text in paragraphs (one a line, as the extractor writes them), without empty lines."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def language(capture: Capture) -> str:
    """The page's own language tag, when it is one HTML's lang may carry."""
    value = str((capture.metadata or {}).get("language", ""))
    return value if LANGUAGE_TAG.fullmatch(value) else ""

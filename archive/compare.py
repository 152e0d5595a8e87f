"""How a new capture of a source compares with the last good one: the watch's change classes (issue 13).

first      no earlier successful capture, and this one is fine
unchanged  the same bytes (SHA-256)
changed    other bytes, but the text is alike (a date, a typo, a reordered menu)
drifted    the text differs beyond the threshold below (a rewritten paragraph, another article)
moved      the address now leads, through redirects, to another page than before
gone       404 or 410, or failing for settings.GONE_AFTER
failed     any other fetch error or HTTP error, with its reason
"""

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from urllib.parse import urlsplit

from django.conf import settings

from archive.extract import distance, words
from claims.normalize import normalize_url

FIRST = "first"
UNCHANGED = "unchanged"
CHANGED = "changed"
DRIFTED = "drifted"
MOVED = "moved"
GONE = "gone"
FAILED = "failed"
CLASSES = (FIRST, UNCHANGED, CHANGED, DRIFTED, MOVED, GONE, FAILED)

GONE_STATUSES = (404, 410)

# Drift is counted in words, as multisets: the words of one text left unmatched by the other, on the side with
# more. Moving a block (a reordered menu, a paragraph moved down) costs nothing and an edit costs the words it
# touches: a corrected typo or a changed date 1 to 3, a rewritten paragraph dozens, another article nearly all.
# So: this many differing words are a drift on any page (a rewritten sentence or two, an added paragraph) ...
DRIFT_WORDS = 20
# ... and so is this share of a short page's words, once at least DRIFT_SHARE_MIN_WORDS differ (a new date on
# a ten-word page is no drift).
DRIFT_SHARE = 0.15
DRIFT_SHARE_MIN_WORDS = 4
# With fingerprints and no text to compare: simhash bits that differ (alike texts differ in a few).
DRIFT_BITS = 12

# text_diff: units (sentences) on each side between the common start and end that difflib compares; beyond
# this the middle is shown as removed and added whole, so a diff never costs more than this.
MAX_DIFF_UNITS = 50_000
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass
class Snapshot:
    requested_url: str
    final_url: str
    status: int | None
    error_code: str
    error: str
    sha256: str
    text: str
    fingerprint: str


def classify(previous: Snapshot | None, current: Snapshot, *, failing_for: timedelta | None = None) -> tuple[str, str]:
    """(change class, reason) of `current` against `previous`, the last successful capture (None: there is
    none). `failing_for`: how long the source has been failing, this capture included."""
    if current.error_code or current.status is None or current.status >= 400:
        if current.status in GONE_STATUSES:
            return GONE, f"the page answers {_status(current.status)}"
        reason = current.error or (f"the page answers {_status(current.status)}" if current.status else "no answer")
        if failing_for is not None and failing_for >= settings.GONE_AFTER:
            return GONE, f"failing for {_duration(failing_for)}: {reason}"
        return FAILED, reason
    leads_elsewhere = _page(current.final_url or current.requested_url) != _page(current.requested_url)
    if previous is None:
        return FIRST, "first capture" + (f"; the address leads to {current.final_url}" if leads_elsewhere else "")
    if leads_elsewhere and _page(current.final_url) != _page(previous.final_url or previous.requested_url):
        return MOVED, f"the address now leads to {current.final_url}"
    if current.sha256 and current.sha256 == previous.sha256:
        return UNCHANGED, "the same bytes as the capture before"
    return _compare_text(previous, current)


def _compare_text(previous: Snapshot, current: Snapshot) -> tuple[str, str]:
    if not previous.text and not current.text:
        if previous.fingerprint.strip("0") or current.fingerprint.strip("0"):
            bits = distance(previous.fingerprint, current.fingerprint)
            if bits > DRIFT_BITS:
                return DRIFTED, f"the text differs: its fingerprints differ in {bits} of 64 bits"
            return CHANGED, f"the bytes differ; the text's fingerprints differ in {bits} of 64 bits"
        return CHANGED, "the bytes differ; there is no text to compare"
    differing, total = word_difference(previous.text, current.text)
    if differing == 0:
        return CHANGED, "the bytes differ, the text is the same"
    share = differing / total
    described = f"{differing} of {total} words ({share:.0%})"
    if differing >= DRIFT_WORDS or (differing >= DRIFT_SHARE_MIN_WORDS and share >= DRIFT_SHARE):
        return DRIFTED, f"the text differs: {described}"
    return CHANGED, f"the bytes differ, the text is alike: {described} differ"


def word_difference(a: str, b: str) -> tuple[int, int]:
    """(words that differ, words in the longer text), counting words as multisets: order does not matter."""
    first, second = Counter(words(a)), Counter(words(b))
    differing = max(sum((first - second).values()), sum((second - first).values()))
    return differing, max(sum(first.values()), sum(second.values()), 1)


def text_diff(a: str, b: str) -> list[tuple[str, str]]:
    """The two texts as sentences, each ("same" | "removed" | "added", sentence), in reading order."""
    old, new = _units(a), _units(b)
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    old_middle, new_middle = old[head : len(old) - tail], new[head : len(new) - tail]
    diff = [("same", unit) for unit in old[:head]]
    if len(old_middle) + len(new_middle) > MAX_DIFF_UNITS:
        diff += [("removed", unit) for unit in old_middle] + [("added", unit) for unit in new_middle]
    else:
        matcher = difflib.SequenceMatcher(None, old_middle, new_middle)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                diff += [("same", unit) for unit in old_middle[i1:i2]]
            else:
                diff += [("removed", unit) for unit in old_middle[i1:i2]]
                diff += [("added", unit) for unit in new_middle[j1:j2]]
    return diff + [("same", unit) for unit in old[len(old) - tail :]]


def _units(text: str) -> list[str]:
    return [
        sentence
        for line in (text or "").splitlines()
        for sentence in SENTENCE_END.split(line.strip())
        if sentence.strip()
    ]


def _page(url: str) -> str:
    """The page an address names, whatever its scheme, "www." or trailing slash (claims.normalize)."""
    normalized = normalize_url(url or "")
    parts = urlsplit(normalized)
    if not parts.hostname:
        return normalized
    return normalized.split("://", 1)[-1].removeprefix("www.")


def _status(status: int | None) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _duration(span: timedelta) -> str:
    if span.days >= 1:
        return f"{span.days} day{'s' if span.days != 1 else ''}"
    hours = int(span.total_seconds() // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"

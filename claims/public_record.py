"""A claim's public record as readers see it: who checked it (the byline), its history of verdict changes and
public notes, and the corrections of every claim. The claim page, the feeds and the API read it from here."""

import dataclasses
import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import CharField, F, Value

from .models import Claim, PublicNote, VerdictChange, public_name
from .workflow import Status

# What readers see of a claim, in words, for a public note's "what changed".
FIELD_WORDS = {
    "text": "the wording of the claim",
    "claimant": "who made the claim",
    "first_appearance": "where the claim first appeared",
    "first_appeared_on": "when the claim first appeared",
    "summary": "our fact check",
    "topics": "the topics",
    "evidence": "the evidence",
}


def in_words(items) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@dataclasses.dataclass(frozen=True)
class Entry:
    """One item of a claim's public history: a verdict change or a public note."""

    obj: VerdictChange | PublicNote

    @property
    def is_note(self) -> bool:
        return isinstance(self.obj, PublicNote)

    @property
    def when(self) -> datetime.datetime:
        return self.obj.published_at if self.is_note else self.obj.changed_at

    @property
    def anchor(self) -> str:
        return f"note-{self.obj.pk}" if self.is_note else f"verdict-change-{self.obj.pk}"

    @property
    def is_correction(self) -> bool:
        return self.obj.kind == "correction"

    @property
    def label(self) -> str:
        return self.obj.get_kind_display()

    @property
    def changed(self) -> str:
        """A note's changed fields in words: "our fact check and the evidence"."""
        return in_words(FIELD_WORDS.get(name, name.replace("_", " ")) for name in self.obj.changed_fields)

    @property
    def claim(self) -> Claim:
        return self.obj.claim

    @property
    def url(self) -> str:
        return f"{self.obj.claim.get_absolute_url()}#{self.anchor}"


def history(changes, notes) -> list[Entry]:
    """Verdict changes and public notes together, oldest first."""
    entries = [Entry(change) for change in changes] + [Entry(note) for note in notes]
    return sorted(entries, key=lambda entry: (entry.when, entry.is_note, entry.obj.pk))


def latest_correction(entries: list[Entry]) -> Entry | None:
    return next((entry for entry in reversed(entries) if entry.is_correction), None)


def checked_by(claim: Claim, *, changes=None, notes=None) -> list[str]:
    """The byline: the public names of who rated the claim, published it or wrote its public notes, in the order
    they first did; or the desk's name when the newsroom publishes as its desk (settings.BYLINE).

    Reads the claim's verdict changes and notes (prefetched ones when given), the user who first published it
    (from its history) and the users' names: a fixed number of queries.
    """
    if settings.BYLINE == "desk":
        return [settings.DESK_NAME]
    changes = claim.verdict_changes.all() if changes is None else changes
    notes = claim.public_notes.all() if notes is None else notes
    moments = [(change.changed_at, change.changed_by_id) for change in changes]
    moments += [(note.published_at, note.written_by_id) for note in notes]
    published = (
        claim.history.filter(status=Status.PUBLISHED, history_user__isnull=False)
        .order_by("history_date", "history_id")
        .values_list("history_date", "history_user_id")
        .first()
    )
    if published:
        moments.append(published)
    ids = list(dict.fromkeys(user_id for _, user_id in sorted(moments, key=lambda m: m[0]) if user_id))
    if not ids:
        return []
    users = get_user_model().objects.filter(pk__in=ids).select_related("public_profile").in_bulk()
    return list(dict.fromkeys(name for name in (public_name(users[pk]) for pk in ids if pk in users) if name))


def corrections():
    """Every correction of a public claim, a verdict's or a public note's, newest first, as rows of
    (source, id, when): page them, then load() a page."""
    public = Claim.objects.public()
    changes = (
        VerdictChange.objects.filter(kind=VerdictChange.Kind.CORRECTION, claim__in=public)
        .annotate(source=Value("verdict", output_field=CharField()), when=F("changed_at"))
        .values_list("source", "id", "when")
        .order_by()
    )
    notes = (
        PublicNote.objects.filter(kind=PublicNote.Kind.CORRECTION, claim__in=public)
        .annotate(source=Value("note", output_field=CharField()), when=F("published_at"))
        .values_list("source", "id", "when")
        .order_by()
    )
    return changes.union(notes, all=True).order_by("-when", "-source", "-id")


def load(rows) -> list[Entry]:
    """The entries of rows of corrections(), in their order, with their claims: two queries."""
    rows = list(rows)
    wanted = {"verdict": [], "note": []}
    for source, pk, _ in rows:
        wanted[source].append(pk)
    found = {
        "verdict": VerdictChange.objects.select_related("claim").in_bulk(wanted["verdict"])
        if wanted["verdict"]
        else {},
        "note": PublicNote.objects.select_related("claim").in_bulk(wanted["note"]) if wanted["note"] else {},
    }
    return [Entry(found[source][pk]) for source, pk, _ in rows if pk in found[source]]

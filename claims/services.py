"""The write path: every change to the record goes through these functions.

The admin, the API, the importers, the demo loader and the management commands call them; nothing else creates,
changes or deletes a domain row (the dataset restore, a lossless copy of rows and history, is the one exception:
see exchange's dataset module). The rules they enforce live in claims/workflow.py (states, transitions, who may
take each, the publishing standards) and claims/verdicts.py (the scale).

Every function is keyword-only, atomic, checks permissions, calls full_clean() and raises ValidationError (with
a code) on bad input or an illegal step, PermissionDenied (a RefusedError with a code where it helps) when the
user may not. Each takes an optional `at=` moment, so that a story can be recorded with its real dates (the demo
loader does); it defaults to now.
"""

import contextlib
import contextvars
import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, router, transaction
from django.utils import timezone

from . import workflow
from .models import (
    ChangeProposal,
    Claim,
    Evidence,
    ExternalReview,
    PublicChange,
    PublicNote,
    PublicProfile,
    Source,
    Speaker,
    Statement,
    Topic,
    VerdictChange,
)
from .signals import source_url_set
from .verdicts import RATINGS, Verdict
from .workflow import CHANGE_PERMISSION, DELETE_PERMISSION, PUBLISH_PERMISSION, Status

__all__ = [
    "CHANGE_PERMISSION",
    "PUBLISH_PERMISSION",
    "ConflictError",
    "OnRecordError",
    "RefusedError",
    "StandardsError",
]


class ConflictError(ValidationError):
    """Someone else saved the claim since this writer read it."""


class OnRecordError(ValidationError):
    """The claim is on the public record (it has a verdict history): it is retracted, never deleted."""


class StandardsError(ValidationError):
    """The claim does not meet the publishing standards; `missing` lists the unmet checklist items."""

    def __init__(self, missing: list[workflow.ChecklistItem]):
        self.missing = missing
        super().__init__([ValidationError(f"{item.label}: missing. {item.detail}", code=item.code) for item in missing])


class RefusedError(PermissionDenied):
    """A refusal with a code, for the API's error body (PermissionDenied carries none)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def _now(at: datetime.datetime | None) -> datetime.datetime:
    return at or timezone.now()


def _require(user, perm: str, action: str) -> None:
    if not workflow.may(user, perm):
        raise PermissionDenied(f"You do not have permission to {action}.")


def _field_error(field: str, message: str, code: str) -> ValidationError:
    # Nested, so that the code survives on the field (a dict of plain strings loses it).
    return ValidationError({field: ValidationError(message, code=code)})


_BECAUSE: contextvars.ContextVar[str] = contextvars.ContextVar("because", default="")


@contextlib.contextmanager
def changes_because(reason: str):
    """Record every write inside the block with this reason in its history (e.g. "Imported from feed.json")."""
    token = _BECAUSE.set(reason)
    try:
        yield
    finally:
        _BECAUSE.reset(token)


def _write(obj: models.Model, *, by, at=None, reason: str = "", update_fields=None) -> models.Model:
    """Validate and save one row, its history recorded under who, when and why."""
    obj.full_clean()
    obj._history_user = by
    obj._history_date = _now(at)
    reason = _BECAUSE.get() or reason
    if reason:
        obj._change_reason = reason
    obj.save(update_fields=update_fields)
    return obj


# Held until commit by every writer of a public change (PostgreSQL): ids are then given in commit order, so a
# reader of the feed that has seen id n never finds a smaller id committed later.
PUBLIC_CHANGE_LOCK = 0x66635F6368616E67


def _moment(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def _in_commit_order() -> None:
    connection = connections[router.db_for_write(PublicChange)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PUBLIC_CHANGE_LOCK])


def _public_change(claim: Claim, *, kind: str, at: datetime.datetime, **data) -> PublicChange:
    """Record a change to the public record (an outbox row), in the caller's transaction: the changes feed reads
    it, webhooks deliver it. `claim` is the locked row as it is after the change."""
    _in_commit_order()
    fields = {
        "slug": claim.slug,
        "verdict": claim.verdict,
        "status": claim.status,
        "public_updated_at": _moment(claim.public_updated_at),
    }
    return PublicChange.objects.create(kind=kind, claim=claim, at=at, data={**fields, **data})


def source_changed_record(*, source: Source, change: str, at: datetime.datetime) -> PublicChange | None:
    """Record that the source watch found a cited source drifted, moved or gone (`source.changed`), in the caller's
    transaction: archive/services.py calls it in the one that records the capture, so the event and the capture
    commit or roll back together. Only for a source readers can see (cited by a published claim): one cited only
    in a draft is not news for the public record (None)."""
    if not Source.objects.visible_to(None).filter(pk=source.pk).exists():
        return None
    _in_commit_order()
    data = {"source_id": source.pk, "url": source.url, "change": change}
    return PublicChange.objects.create(kind=PublicChange.Kind.SOURCE_CHANGED, source=source, at=at, data=data)


def _locked(claim: Claim) -> Claim:
    """The claim as it is in the database now, locked for the rest of the transaction."""
    return Claim.objects.select_for_update().get(pk=claim.pk)


def _save(claim: Claim, current: Claim, by, reason: str, fields: dict, at=None) -> Claim:
    """Write fields onto the locked row, bump the version, record who and why."""
    for name, value in fields.items():
        setattr(current, name, value)
    current.version = current.version + 1
    _write(current, by=by, at=at, reason=reason)
    # The caller's object reflects the write.
    for name in [*fields, "version", "updated_at"]:
        setattr(claim, name, getattr(current, name))
    return claim


def _check_version(current: Claim, expected_version: int | None) -> None:
    if expected_version is None or current.version == expected_version:
        return
    raise ConflictError(
        "Someone else saved this claim since you opened it (your copy is version %(yours)s, "
        "the saved one is version %(theirs)s). Reload it, then make your change again.",
        code="conflict",
        params={"yours": expected_version, "theirs": current.version},
    )


def check_version(*, current: Claim, expected_version: int | None) -> None:
    """Read-only: a ConflictError when the claim as read is not the version the writer opened (a form's early
    answer; the services check again on the locked row)."""
    _check_version(current, expected_version)


# Creating, changing and deleting a claim

CLAIM_FIELDS = ("text", "slug", "claimant", "first_appearance", "first_appeared_on", "summary", "language")


@transaction.atomic
def claim_create(*, by, topics: Iterable[Topic] = (), at=None, **fields) -> Claim:
    """A new draft claim; give at least its text. Status, verdict and version come from the workflow."""
    _require(by, "claims.add_claim", "add claims")
    unknown = set(fields) - set(CLAIM_FIELDS)
    if unknown:
        raise ValidationError(f"Not a field a new claim takes: {', '.join(sorted(unknown))}.", code="invalid")
    claim = Claim(**fields, created_at=_now(at))
    _write(claim, by=by, at=at, reason="Created")
    if topics:
        claim.topics.set(topics)
    return claim


def _changed(current: Claim, fields: dict, topics) -> list[str]:
    names = [name for name, value in fields.items() if getattr(current, name) != value]
    if topics is not None and {t.pk for t in topics} != set(current.topics.values_list("pk", flat=True)):
        names.append("topics")
    return names


def _public_note(claim: Claim, *, by, kind: str, reason: str, changed: list[str], at=None) -> PublicNote:
    """Write a public note on a claim on the record and move its public "updated" date."""
    reason = (reason or "").strip()
    errors = {}
    if kind not in PublicNote.Kind.values:
        errors["note_kind"] = ValidationError(
            "Say whether this is an update or a correction: readers see which.", code="note_required"
        )
    if not reason:
        errors["note_reason"] = ValidationError(
            "Give the reason for this change to a published claim; readers will see it in its history.",
            code="note_required",
        )
    if errors:
        raise ValidationError(errors)
    # One change made of several writes at one moment (the admin's claim form and its evidence) is one note.
    same = at and PublicNote.objects.filter(claim=claim, kind=kind, reason=reason, written_by=by, published_at=at)
    note = same.first() if same else None
    if note is not None:
        note.changed_fields = [*note.changed_fields, *(name for name in changed if name not in note.changed_fields)]
        claim.public_updated_at = note.published_at
        return _write(note, by=by, at=at)
    note = _write(
        PublicNote(claim=claim, kind=kind, reason=reason, changed_fields=changed, written_by=by, published_at=_now(at)),
        by=by,
        at=at,
    )
    claim.public_updated_at = note.published_at  # the caller saves the claim (with its history)
    correction = kind == PublicNote.Kind.CORRECTION
    _public_change(
        claim,
        kind=PublicChange.Kind.CORRECTION if correction else PublicChange.Kind.UPDATED,
        at=note.published_at,
        note_kind=kind,
        reason=reason,
    )
    return note


def _require_public_change(current: Claim, by) -> None:
    """A claim on the record changes what readers see only through a reviewer, with a public note."""
    if current.status == Status.RETRACTED:
        raise ValidationError(
            "A retracted claim stays as it was withdrawn: it cannot change.", code="invalid_transition"
        )
    _require_reviewer(by)


def _require_reviewer(by) -> None:
    if not workflow.may(by, PUBLISH_PERMISSION):
        raise RefusedError(
            "This claim is published: a change to what readers see needs a reviewer (the publish permission) "
            "and a public note. Propose the change for review instead.",
            code="published_claim_locked",
        )


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    by,
    expected_version: int | None = None,
    topics: Iterable[Topic] | None = None,
    note_kind: str = "",
    note_reason: str = "",
    at=None,
    **fields,
) -> Claim:
    """Change a claim's own fields (not its status or verdict: those are the workflow's).

    expected_version: the version the writer read; a stale one is a ConflictError and nothing is written.
    On a published claim a change to what readers see needs the publish permission and a public note
    (note_kind "update" or "correction", note_reason); it is then shown in the claim's public history.
    """
    _require(by, CHANGE_PERMISSION, "change claims")
    unknown = set(fields) - set(CLAIM_FIELDS)
    if unknown:
        raise ValidationError(
            f"Not a field you can change here: {', '.join(sorted(unknown))}. Status and verdict change "
            "through the workflow.",
            code="invalid",
        )
    current = _locked(claim)
    _check_version(current, expected_version)
    topics = list(topics) if topics is not None else None
    if "slug" in fields and fields["slug"] != current.slug and current.published_at is not None:
        raise _field_error("slug", "A published claim's address is fixed: its slug cannot change.", "slug_fixed")
    changed = _changed(current, fields, topics)
    public = [name for name in changed if name in workflow.PUBLIC_FIELDS]
    if public and workflow.is_on_record(current):
        _require_public_change(current, by)
        _public_note(current, by=by, kind=note_kind, reason=note_reason, changed=public, at=at)
        claim.public_updated_at = current.public_updated_at
    elif note_kind or note_reason:
        raise _field_error(
            "note_reason", "A public note goes with a change to what readers see of a published claim.", "no_change"
        )
    if not changed:
        return claim
    _save(claim, current, by, "Changed: " + ", ".join(changed), fields, at=at)
    if topics is not None and "topics" in changed:
        current.topics.set(topics)
    return claim


def claim_delete_refusal(*, claim: Claim) -> OnRecordError | None:
    """Why this claim cannot be deleted (it went on the record), or None: for a page to say so before asking."""
    if claim.published_at is not None or claim.verdict_changes.exists() or claim.public_notes.exists():
        return OnRecordError(
            "This claim has a public verdict history, so it cannot be deleted: retract it instead, with a reason.",
            code="has_verdict_history",
        )
    return None


@transaction.atomic
def claim_delete(*, claim: Claim, by, expected_version: int | None = None) -> None:
    """Delete a claim that never went on the record; a rated one is retracted instead."""
    _require(by, DELETE_PERMISSION, "delete claims")
    current = _locked(claim)
    _check_version(current, expected_version)
    refusal = claim_delete_refusal(claim=current)
    if refusal is not None:
        raise refusal
    current._history_user = by
    current.delete()


# The workflow


def _transition(name: str, claim: Claim, by, *, at=None, reason: str = "", **fields) -> tuple[Claim, Claim]:
    spec = workflow.TRANSITIONS[name]
    _require(by, spec.permission, spec.action)
    if spec.needs_reason and not (reason or "").strip():
        raise _field_error("reason", f"Give the reason ({spec.label.lower()}); readers will see it.", "required")
    current = _locked(claim)
    if current.status != spec.source:
        raise ValidationError(
            f"Only {workflow.STATUS_PHRASES[spec.source]} can be {spec.done}; "
            f"this claim is {current.get_status_display().lower()}.",
            code="invalid_transition",
        )
    return claim, current


@transaction.atomic
def claim_submit(*, claim: Claim, by, at=None) -> Claim:
    """Send a draft to review."""
    claim, current = _transition("submit", claim, by)
    return _save(claim, current, by, "Sent to review", {"status": Status.IN_REVIEW}, at=at)


@transaction.atomic
def claim_send_back(*, claim: Claim, by, at=None) -> Claim:
    """Return a claim in review to its editors as a draft."""
    claim, current = _transition("send_back", claim, by)
    return _save(claim, current, by, "Sent back to draft", {"status": Status.DRAFT}, at=at)


@transaction.atomic
def claim_publish(*, claim: Claim, by, at=None) -> Claim:
    """Publish a reviewed claim that meets the publishing standards (workflow.publish_checklist)."""
    claim, current = _transition("publish", claim, by)
    missing = workflow.publish_problems(current)
    if missing:
        raise StandardsError(missing)
    when = _now(at)
    fields = {"status": Status.PUBLISHED}
    if current.published_at is None:
        fields["published_at"] = when
        fields["public_updated_at"] = when
    _save(claim, current, by, "Published", fields, at=at)
    # The initial rating goes with it: a client sees a claim once when it is published, then each later change.
    _public_change(current, kind=PublicChange.Kind.PUBLISHED, at=when, published_at=_moment(current.published_at))
    return claim


@transaction.atomic
def claim_retract(*, claim: Claim, by, reason: str, at=None) -> Claim:
    """Retract a published claim; it keeps its URL and shows the reason."""
    reason = (reason or "").strip()
    claim, current = _transition("retract", claim, by, reason=reason)
    when = _now(at)
    fields = {
        "status": Status.RETRACTED,
        "retraction_reason": reason,
        "retracted_at": when,
        "public_updated_at": when,
    }
    _save(claim, current, by, f"Retracted: {reason}", fields, at=at)
    _public_change(current, kind=PublicChange.Kind.RETRACTED, at=when, reason=reason)
    return claim


def claim_transition(*, name: str, claim: Claim, by, at=None, **fields) -> Claim:
    """Take the workflow transition `name` (workflow.TRANSITIONS) through its service: claim_<name>."""
    if name not in workflow.TRANSITIONS:
        raise ValueError(f"No workflow transition {name!r}.")
    return globals()[f"claim_{name}"](claim=claim, by=by, at=at, **fields)


@transaction.atomic
def claim_set_verdict(*, claim: Claim, by, verdict: str, kind: str, reason: str, at=None) -> VerdictChange:
    """Rate a claim, or change its rating, keeping the change in its public history."""
    _require(by, PUBLISH_PERMISSION, "set verdicts")
    reason = (reason or "").strip()
    errors = {}
    if verdict not in Verdict.values:
        errors["verdict"] = ValidationError(
            f"'{verdict}' is not a verdict; choose one of: {', '.join(Verdict.values)}.", code="invalid_choice"
        )
    elif verdict not in RATINGS:
        errors["verdict"] = ValidationError(
            f"'{Verdict(verdict).label}' is not a verdict to give: choose a rating from the scale.",
            code="invalid_choice",
        )
    if kind not in VerdictChange.Kind.values:
        errors["kind"] = ValidationError(
            f"'{kind}' is not a kind of change; choose one of: {', '.join(VerdictChange.Kind.values)}.",
            code="invalid_choice",
        )
    if not reason:
        errors["reason"] = ValidationError("Give the reason for this verdict; readers will see it.", code="required")
    if errors:
        raise ValidationError(errors)
    current = _locked(claim)
    if current.status == Status.RETRACTED:
        raise ValidationError("A retracted claim's verdict cannot change.", code="invalid_transition")
    if verdict == current.verdict:
        raise _field_error("verdict", f"The claim is already rated '{current.get_verdict_display()}'.", "unchanged")
    rated_before = current.verdict_changes.exists()
    if kind == VerdictChange.Kind.INITIAL and rated_before:
        raise _field_error("kind", "This claim has been rated before: use 'update' or 'correction'.", "invalid_kind")
    if kind != VerdictChange.Kind.INITIAL and not rated_before:
        raise _field_error(
            "kind", "This claim has not been rated yet: its first verdict is an 'initial' rating.", "invalid_kind"
        )
    when = _now(at)
    change = _write(
        VerdictChange(
            claim=current,
            previous_verdict=current.verdict,
            verdict=verdict,
            kind=kind,
            reason=reason,
            changed_by=by,
            changed_at=when,
        ),
        by=by,
        at=at,
    )
    fields = {"verdict": verdict}
    public = workflow.is_on_record(current)
    if public:
        fields["public_updated_at"] = when
    _save(claim, current, by, f"Verdict: {reason}", fields, at=at)
    if public:
        about = {"previous_verdict": change.previous_verdict, "verdict_change_kind": kind, "reason": reason}
        _public_change(current, kind=PublicChange.Kind.VERDICT_CHANGED, at=when, **about)
        if kind == VerdictChange.Kind.CORRECTION:
            _public_change(current, kind=PublicChange.Kind.CORRECTION, at=when, **about)
    return change


# Public notes and proposed changes


@transaction.atomic
def claim_add_note(*, claim: Claim, by, kind: str, reason: str, at=None) -> PublicNote:
    """A public note on a published claim without a change of its fields (e.g. a correction of wording
    made elsewhere, or new context)."""
    current = _locked(claim)
    if not workflow.is_on_record(current):
        raise ValidationError("Public notes go on published claims.", code="invalid_transition")
    _require_public_change(current, by)
    note = _public_note(current, by=by, kind=kind, reason=reason, changed=[], at=at)
    _save(claim, current, by, "Public note", {}, at=at)
    claim.public_updated_at = current.public_updated_at
    return note


@transaction.atomic
def proposal_create(*, claim: Claim, by, message: str, changes: dict | None = None, at=None) -> ChangeProposal:
    """An editor proposes a change to a published claim for a reviewer to make (or not)."""
    _require(by, CHANGE_PERMISSION, "propose changes")
    message = (message or "").strip()
    if not message:
        raise _field_error("message", "Say what should change and why.", "required")
    return _write(
        ChangeProposal(claim=claim, message=message, changes=changes or {}, proposed_by=by, proposed_at=_now(at)),
        by=by,
        at=at,
    )


@transaction.atomic
def proposal_close(*, proposal: ChangeProposal, by, outcome: str, at=None) -> ChangeProposal:
    """A reviewer marks a proposed change as made (after making it with claim_update) or declined."""
    _require(by, PUBLISH_PERMISSION, "close proposed changes")
    if outcome not in (ChangeProposal.State.MADE, ChangeProposal.State.DECLINED):
        raise _field_error("outcome", "A proposal is closed as made or declined.", "invalid_choice")
    if proposal.state != ChangeProposal.State.OPEN:
        raise ValidationError("This proposal is already closed.", code="invalid_transition")
    proposal.state = outcome
    proposal.closed_by = by
    proposal.closed_at = _now(at)
    return _write(proposal, by=by, at=at)


# Evidence: part of what readers see of a claim


def _evidence_rule(claim: Claim, by, note_kind: str, note_reason: str, changed: str, at=None) -> None:
    current = _locked(claim)
    if workflow.is_on_record(current):
        _require_public_change(current, by)
        _public_note(current, by=by, kind=note_kind, reason=note_reason, changed=[changed], at=at)
        _save(claim, current, by, "Evidence changed, with a public note", {}, at=at)
        claim.public_updated_at = current.public_updated_at


EVIDENCE_FIELDS = ("stance", "rank", "deprecation_reason", "note")


@transaction.atomic
def evidence_create(
    *, claim: Claim, statement: Statement, by, note_kind: str = "", note_reason: str = "", at=None, **fields
) -> Evidence:
    """Cite a statement as evidence for a claim (on a published claim: a reviewer, with a public note)."""
    _require(by, "claims.add_evidence", "add evidence")
    evidence = Evidence(claim=claim, statement=statement, **{k: v for k, v in fields.items() if k in EVIDENCE_FIELDS})
    evidence.created_at = _now(at)
    evidence.full_clean()
    _evidence_rule(claim, by, note_kind, note_reason, "evidence", at=at)
    return _write(evidence, by=by, at=at)


@transaction.atomic
def evidence_update(
    *, evidence: Evidence, by, note_kind: str = "", note_reason: str = "", at=None, **fields
) -> Evidence:
    """Change how a statement bears on a claim (its stance, rank, reason or note)."""
    _require(by, "claims.change_evidence", "change evidence")
    unknown = set(fields) - {*EVIDENCE_FIELDS, "claim", "statement"}
    if unknown:
        raise ValidationError(f"Not a field of evidence: {', '.join(sorted(unknown))}.", code="invalid")
    changed = {k: v for k, v in fields.items() if getattr(evidence, k) != v}
    if not changed:
        return evidence
    claims = {evidence.claim_id: evidence.claim}
    if "claim" in changed:
        claims[changed["claim"].pk] = changed["claim"]
    for name, value in changed.items():
        setattr(evidence, name, value)
    evidence.full_clean()
    for claim in claims.values():
        _evidence_rule(claim, by, note_kind, note_reason, "evidence", at=at)
    return _write(evidence, by=by, at=at)


@transaction.atomic
def evidence_delete(*, evidence: Evidence, by, note_kind: str = "", note_reason: str = "", at=None) -> None:
    """Remove evidence (on a published claim, setting it aside as deprecated keeps the trace: prefer that)."""
    _require(by, "claims.delete_evidence", "delete evidence")
    _evidence_rule(evidence.claim, by, note_kind, note_reason, "evidence", at=at)
    evidence._history_user = by
    evidence.delete()


# Topics, speakers, sources and statements: plain records, validated and traced


def _record_create(model, perm: str | None, by, at, fields: dict, m2m: dict | None = None):
    if perm:
        _require(by, perm, f"add {model._meta.verbose_name_plural}")
    obj = model(**fields)
    if hasattr(obj, "created_at"):
        obj.created_at = _now(at)
    _write(obj, by=by, at=at)
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(values)
    return obj


def _record_update(obj, perm: str | None, by, at, fields: dict):
    if perm:
        _require(by, perm, f"change {obj._meta.verbose_name_plural}")
    for name, value in fields.items():
        setattr(obj, name, value)
    return _write(obj, by=by, at=at)


def _record_delete(obj, perm: str | None, by) -> None:
    if perm:
        _require(by, perm, f"delete {obj._meta.verbose_name_plural}")
    obj._history_user = by
    obj.delete()  # ProtectedError while other rows refer to it: the caller says what holds it


@transaction.atomic
def topic_create(*, by, at=None, **fields) -> Topic:
    return _record_create(Topic, "claims.add_topic", by, at, fields)


@transaction.atomic
def topic_update(*, topic: Topic, by, at=None, **fields) -> Topic:
    return _record_update(topic, "claims.change_topic", by, at, fields)


@transaction.atomic
def topic_delete(*, topic: Topic, by) -> None:
    _record_delete(topic, "claims.delete_topic", by)


@transaction.atomic
def speaker_create(*, by, at=None, **fields) -> Speaker:
    return _record_create(Speaker, "claims.add_speaker", by, at, fields)


@transaction.atomic
def speaker_update(*, speaker: Speaker, by, at=None, **fields) -> Speaker:
    return _record_update(speaker, "claims.change_speaker", by, at, fields)


@transaction.atomic
def speaker_delete(*, speaker: Speaker, by) -> None:
    _record_delete(speaker, "claims.delete_speaker", by)


@transaction.atomic
def source_create(*, by, at=None, **fields) -> Source:
    source = _record_create(Source, "claims.add_source", by, at, fields)
    source_url_set.send(sender=Source, source=source, by=by, reason="created")
    return source


@transaction.atomic
def source_update(*, source: Source, by, at=None, **fields) -> Source:
    old_url = Source.objects.filter(pk=source.pk).values_list("url", flat=True).first()
    source = _record_update(source, "claims.change_source", by, at, fields)
    if source.url != old_url:
        source_url_set.send(sender=Source, source=source, by=by, reason="url_changed")
    return source


# What a captured page (or an outside archive) may fill in for an editor: never over what an editor wrote.
SOURCE_FILLABLE = ("title", "publisher", "author", "published_on", "archive_url")


@transaction.atomic
def source_fill_blanks(*, source: Source, by, at=None, **values) -> list[str]:
    """Fill the source's empty fields from what its page says of itself (a capture); return the names filled.
    A field an editor has written, even since the capture began, is left as it is."""
    unknown = set(values) - set(SOURCE_FILLABLE)
    if unknown:
        raise ValueError(f"Not fillable from a capture: {', '.join(sorted(unknown))}")
    current = Source.objects.select_for_update().get(pk=source.pk)
    fill = {}
    for name, value in values.items():
        field = Source._meta.get_field(name)
        if value in (None, "") or getattr(current, name) not in (None, ""):
            continue
        if isinstance(value, str):
            value = value.strip()[: field.max_length]
        fill[name] = value
    if fill:
        _record_update(current, "claims.change_source", by, at, fill)
        for name, value in fill.items():
            setattr(source, name, value)
    return list(fill)


@transaction.atomic
def source_delete(*, source: Source, by) -> None:
    _record_delete(source, "claims.delete_source", by)


@transaction.atomic
def statement_create(*, by, at=None, note_kind: str = "", note_reason: str = "", **fields) -> Statement:
    """A new statement (no claim cites it yet: the public note goes with the evidence that will)."""
    return _record_create(Statement, "claims.add_statement", by, at, fields)


@transaction.atomic
def statement_update(
    *, statement: Statement, by, note_kind: str = "", note_reason: str = "", at=None, **fields
) -> Statement:
    """Change a statement. Cited by a published claim, its words are part of that fact check: a reviewer's, with a
    public note on each published claim citing it (readers see the evidence changed in its history). A claim
    withdrawn is left as it was withdrawn."""
    if any(getattr(statement, k) != v for k, v in fields.items()):
        citing = Claim.objects.filter(evidence__statement=statement).distinct().order_by("pk")
        if citing.filter(status__in=workflow.PUBLIC_STATUSES).exists():
            _require_reviewer(by)
        for claim in citing.filter(status=Status.PUBLISHED):
            _evidence_rule(claim, by, note_kind, note_reason, "evidence", at=at)
    return _record_update(statement, "claims.change_statement", by, at, fields)


@transaction.atomic
def statement_delete(*, statement: Statement, by, note_kind: str = "", note_reason: str = "", at=None) -> None:
    """Delete a statement no claim cites (evidence protects the others)."""
    _record_delete(statement, "claims.delete_statement", by)


# Other fact-checkers' reviews (imported): whoever may change claims records them; deleting one needs a reviewer.

EXTERNAL_REVIEW_FIELDS = tuple(
    f.name for f in ExternalReview._meta.concrete_fields if f.editable and f.name not in ("id", "created_at")
)


def _require_external_review(by, action: str, perms: tuple[str, ...]) -> None:
    if not any(workflow.may(by, perm) for perm in perms):
        raise PermissionDenied(f"You do not have permission to {action} external reviews.")


@transaction.atomic
def external_review_create(*, by, at=None, **fields) -> ExternalReview:
    _require_external_review(by, "add", ("claims.add_externalreview", CHANGE_PERMISSION))
    return _record_create(ExternalReview, None, by, at, fields)


@transaction.atomic
def external_review_update(*, review: ExternalReview, by, at=None, **fields) -> ExternalReview:
    _require_external_review(by, "change", ("claims.change_externalreview", CHANGE_PERMISSION))
    return _record_update(review, None, by, at, fields)


@transaction.atomic
def external_review_delete(*, review: ExternalReview, by) -> None:
    _require_external_review(by, "delete", ("claims.delete_externalreview", PUBLISH_PERMISSION))
    _record_delete(review, None, by)


@transaction.atomic
def public_name_set(*, user, by, public_name: str, at=None) -> PublicProfile:
    """How a staff member is named in bylines; each may set their own, an admin anyone's."""
    if by is None or not by.is_authenticated or (by.pk != user.pk and not by.has_perm("claims.change_publicprofile")):
        raise PermissionDenied("You may set only your own public name.")
    profile = PublicProfile.objects.filter(user=user).first() or PublicProfile(user=user)
    profile.public_name = (public_name or "").strip()
    return _write(profile, by=by, at=at)

"""Editorial workflow: every status and verdict change, and guarded writes.

Admin actions, API views and management commands call these; nothing else
changes a claim's status, its verdict or its version.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Claim, Status, Verdict, VerdictChange

PUBLISH_PERMISSION = "claims.publish_claim"
CHANGE_PERMISSION = "claims.change_claim"


class ConflictError(ValidationError):
    """Someone else saved the claim since this writer read it."""


def _require(user, perm: str, action: str) -> None:
    if user is None or not user.is_authenticated or not user.has_perm(perm):
        raise PermissionDenied(f"You do not have permission to {action}.")


def _field_error(field: str, message: str, code: str) -> ValidationError:
    # Nested, so that the code survives on the field (a dict of plain strings loses it).
    return ValidationError({field: ValidationError(message, code=code)})


def _locked(claim: Claim) -> Claim:
    """The claim as it is in the database now, locked for the rest of the transaction."""
    return Claim.objects.select_for_update().get(pk=claim.pk)


def _save(claim: Claim, current: Claim, by, reason: str, fields: dict) -> Claim:
    """Write fields onto the locked row, bump the version, record who and why."""
    for name, value in fields.items():
        setattr(current, name, value)
    current.version = current.version + 1
    current.full_clean()
    current._history_user = by
    current._change_reason = reason
    current.save()
    # The caller's object reflects the write.
    for name in [*fields, "version", "updated_at"]:
        setattr(claim, name, getattr(current, name))
    return claim


def claim_check_version(*, claim: Claim, expected_version: int) -> None:
    """Refuse a write based on a stale copy; call inside a transaction, before saving."""
    bumped = Claim.objects.filter(pk=claim.pk, version=expected_version).update(version=F("version") + 1)
    if not bumped:
        current = Claim.objects.filter(pk=claim.pk).values_list("version", flat=True).first()
        if current is None:
            raise ConflictError("This claim has been deleted since you opened it.", code="conflict")
        raise ConflictError(
            "Someone else saved this claim since you opened it (your copy is version %(yours)s, "
            "the saved one is version %(theirs)s). Reload it, then make your change again.",
            code="conflict",
            params={"yours": expected_version, "theirs": current},
        )
    claim.version = expected_version + 1


@transaction.atomic
def claim_submit(*, claim: Claim, by) -> Claim:
    """Send a draft to review."""
    _require(by, CHANGE_PERMISSION, "send claims to review")
    current = _locked(claim)
    if current.status != Status.DRAFT:
        raise ValidationError(
            f"Only a draft can be sent to review; this claim is {current.get_status_display().lower()}.",
            code="invalid_transition",
        )
    return _save(claim, current, by, "Sent to review", {"status": Status.IN_REVIEW})


@transaction.atomic
def claim_send_back(*, claim: Claim, by) -> Claim:
    """Return a claim in review to its editors as a draft."""
    _require(by, PUBLISH_PERMISSION, "send claims back to draft")
    current = _locked(claim)
    if current.status != Status.IN_REVIEW:
        raise ValidationError(
            f"Only a claim in review can be sent back to draft; this claim is {current.get_status_display().lower()}.",
            code="invalid_transition",
        )
    return _save(claim, current, by, "Sent back to draft", {"status": Status.DRAFT})


@transaction.atomic
def claim_publish(*, claim: Claim, by) -> Claim:
    """Publish a reviewed, rated claim."""
    _require(by, PUBLISH_PERMISSION, "publish claims")
    current = _locked(claim)
    if current.status != Status.IN_REVIEW:
        raise ValidationError(
            f"Only a claim in review can be published; this claim is {current.get_status_display().lower()}.",
            code="invalid_transition",
        )
    if current.verdict == Verdict.UNVERIFIED:
        raise ValidationError(
            "Set a verdict before publishing: a published claim cannot be 'Not yet rated'.", code="unrated"
        )
    fields = {"status": Status.PUBLISHED}
    if current.published_at is None:
        fields["published_at"] = timezone.now()
    return _save(claim, current, by, "Published", fields)


@transaction.atomic
def claim_retract(*, claim: Claim, by, reason: str) -> Claim:
    """Retract a published claim; it keeps its URL and shows the reason."""
    _require(by, PUBLISH_PERMISSION, "retract claims")
    reason = (reason or "").strip()
    if not reason:
        raise _field_error("reason", "Give the reason for the retraction; readers will see it.", "required")
    current = _locked(claim)
    if current.status != Status.PUBLISHED:
        raise ValidationError(
            f"Only a published claim can be retracted; this claim is {current.get_status_display().lower()}.",
            code="invalid_transition",
        )
    return _save(
        claim,
        current,
        by,
        f"Retracted: {reason}",
        {"status": Status.RETRACTED, "retraction_reason": reason, "retracted_at": timezone.now()},
    )


@transaction.atomic
def claim_set_verdict(*, claim: Claim, by, verdict: str, kind: str, reason: str) -> VerdictChange:
    """Rate a claim, or change its rating, keeping the change in its public history."""
    _require(by, PUBLISH_PERMISSION, "set verdicts")
    reason = (reason or "").strip()
    errors = {}
    if verdict not in Verdict.values:
        errors["verdict"] = ValidationError(
            f"'{verdict}' is not a verdict; choose one of: {', '.join(Verdict.values)}.", code="invalid_choice"
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
    if verdict == Verdict.UNVERIFIED and current.status == Status.PUBLISHED:
        raise _field_error("verdict", "A published claim cannot go back to 'Not yet rated'.", "invalid_transition")
    rated_before = current.verdict_changes.exists()
    if kind == VerdictChange.Kind.INITIAL and rated_before:
        raise _field_error("kind", "This claim has been rated before: use 'update' or 'correction'.", "invalid_kind")
    if kind != VerdictChange.Kind.INITIAL and not rated_before:
        raise _field_error(
            "kind", "This claim has not been rated yet: its first verdict is an 'initial' rating.", "invalid_kind"
        )
    change = VerdictChange(
        claim=current,
        previous_verdict=current.verdict,
        verdict=verdict,
        kind=kind,
        reason=reason,
        changed_by=by,
        changed_at=timezone.now(),
    )
    change.full_clean()
    change._history_user = by
    change.save()
    _save(claim, current, by, f"Verdict: {reason}", {"verdict": verdict})
    return change

"""A claim checked, published and later changed through the services at fixed 2024 moments, for the tests of what
readers see of the public record (dates, byline, notes, corrections, sharing)."""

import datetime

from claims import services
from claims.models import Claim, PublicNote, VerdictChange
from tests.factories import ClaimFactory, ReviewerFactory

UTC = datetime.UTC
CHECKED = datetime.datetime(2024, 11, 27, 10, 0, 0, 123456, tzinfo=UTC)  # microseconds, as a real save has
NOTED = datetime.datetime(2024, 12, 3, 9, 30, tzinfo=UTC)
CORRECTED = datetime.datetime(2024, 12, 10, 16, 45, tzinfo=UTC)


def reviewer(public_name: str = "", **fields):
    user = ReviewerFactory(**fields)
    if public_name:
        services.public_name_set(user=user, by=user, public_name=public_name)
    return user


def published(*, by, at=CHECKED, verdict: str = "false", publisher=None, **fields) -> Claim:
    """A claim rated and sent to review by `by`, published by `publisher` (else `by`), through the services at `at`."""
    claim = ClaimFactory(ready=True, **fields)
    services.claim_set_verdict(
        claim=claim, by=by, verdict=verdict, kind="initial", reason="Rated on the evidence.", at=at
    )
    services.claim_submit(claim=claim, by=by, at=at)
    services.claim_publish(claim=claim, by=publisher or by, at=at)
    return Claim.objects.get(pk=claim.pk)


def note(claim: Claim, *, by, kind: str = PublicNote.Kind.UPDATE, at=NOTED, reason="We added context.") -> PublicNote:
    return services.claim_add_note(claim=claim, by=by, kind=kind, reason=reason, at=at)


def correct_summary(claim: Claim, *, by, at=NOTED, reason="We had the date of the post wrong.") -> PublicNote:
    """A correction in a public note: the fact check's text changed."""
    services.claim_update(
        claim=claim, by=by, summary=claim.summary + " Corrected.", note_kind="correction", note_reason=reason, at=at
    )
    return claim.public_notes.latest("published_at", "id")


def correct_verdict(
    claim: Claim, *, by, verdict: str = "mostly_false", at=CORRECTED, reason="We misread it."
) -> VerdictChange:
    return services.claim_set_verdict(claim=claim, by=by, verdict=verdict, kind="correction", reason=reason, at=at)


def silent_save(claim: Claim, *, by) -> Claim:
    """An internal edit readers do not see (its language tag), saved now, long after the dates above."""
    services.claim_update(claim=claim, by=by, language="en-GB")
    return Claim.objects.get(pk=claim.pk)

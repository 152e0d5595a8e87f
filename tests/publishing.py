"""Claims that meet the publishing standards (claims/workflow.py) but one, for the admin's and the API's tests."""

from claims.models import Claim, Evidence, Source, Status, Verdict
from tests.factories import ClaimFactory

# The checklist's items, in the order the checklist gives them.
CHECKLIST = ["unrated", "no_summary", "no_evidence", "unsourced"]


def claim_missing(code: str | None) -> Claim:
    """A claim in review that meets every publishing standard but `code` (every one: code None)."""
    claim = ClaimFactory(status=Status.IN_REVIEW, verdict=Verdict.FALSE, ready=True)
    if code == "unrated":
        Claim.objects.filter(pk=claim.pk).update(verdict=Verdict.UNVERIFIED)
    elif code == "no_summary":
        Claim.objects.filter(pk=claim.pk).update(summary="  ")
    elif code == "no_evidence":
        Evidence.objects.filter(claim=claim).update(stance=Evidence.Stance.CONTEXT)
    elif code == "unsourced":
        Source.objects.filter(statements__evidence__claim=claim).update(title="")
    return Claim.objects.get(pk=claim.pk)

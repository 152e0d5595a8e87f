"""The editorial workflow: the states of a claim, the transitions between them, who may take each and what
each requires. The one home of these rules: the services enforce them; the admin's buttons and actions, the
API's actions and their OpenAPI descriptions are made from them.
"""

from dataclasses import dataclass

from django.db import models

from .verdicts import Verdict

CHANGE_PERMISSION = "claims.change_claim"
PUBLISH_PERMISSION = "claims.publish_claim"
DELETE_PERMISSION = "claims.delete_claim"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


# "Only … can be published."
STATUS_PHRASES = {
    Status.DRAFT: "a draft",
    Status.IN_REVIEW: "a claim in review",
    Status.PUBLISHED: "a published claim",
    Status.RETRACTED: "a retracted claim",
}

# Statuses a reader may see: a retracted claim keeps its URL and shows its notice.
PUBLIC_STATUSES = (Status.PUBLISHED, Status.RETRACTED)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # the button
    done: str  # "… was sent to review"
    source: Status
    target: Status
    permission: str
    action: str  # "You do not have permission to …"
    description: str
    needs_reason: bool = False
    danger: bool = False  # retracting is the one step a reader sees undone

    @property
    def who(self) -> str:
        return "reviewers (the publish permission)" if self.permission == PUBLISH_PERMISSION else "editors"


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "submit",
            "Send to review",
            "sent to review",
            Status.DRAFT,
            Status.IN_REVIEW,
            CHANGE_PERMISSION,
            "send claims to review",
            "Send a draft to review.",
        ),
        Transition(
            "send_back",
            "Send back to draft",
            "sent back to draft",
            Status.IN_REVIEW,
            Status.DRAFT,
            PUBLISH_PERMISSION,
            "send claims back to draft",
            "Return a claim in review to its editors as a draft.",
        ),
        Transition(
            "publish",
            "Publish",
            "published",
            Status.IN_REVIEW,
            Status.PUBLISHED,
            PUBLISH_PERMISSION,
            "publish claims",
            "Publish a claim in review that meets the publishing standards: a verdict, a written fact check, "
            "evidence that supports or refutes the claim, and a titled source with a URL behind every cited "
            "statement.",
        ),
        Transition(
            "retract",
            "Retract",
            "retracted",
            Status.PUBLISHED,
            Status.RETRACTED,
            PUBLISH_PERMISSION,
            "retract claims",
            "Withdraw a published fact check; its page stays, with the reason.",
            needs_reason=True,
            danger=True,
        ),
    )
}


def may(user, permission: str) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(permission))


def available(claim, user) -> list[Transition]:
    """The transitions this user may take from the claim's status now."""
    return [t for t in TRANSITIONS.values() if t.source == claim.status and may(user, t.permission)]


def may_set_verdict(claim, user) -> bool:
    return claim.status != Status.RETRACTED and may(user, PUBLISH_PERMISSION)


# What a reader sees of a claim: after publication these change only with a public note by a reviewer.
PUBLIC_FIELDS = ("text", "claimant", "first_appearance", "first_appeared_on", "summary", "topics", "evidence")


def is_on_record(claim) -> bool:
    """Published (or once published): changes to what readers see need a public note."""
    return claim.status in PUBLIC_STATUSES


# Publishing standards


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str
    met: bool
    detail: str = ""


def publish_checklist(claim) -> list[ChecklistItem]:
    """What a claim needs before it is published, each item met or missing (three queries)."""
    from .models import Evidence  # the models import this module for Status

    cited = claim.evidence.exclude(rank=Evidence.Rank.DEPRECATED).select_related("statement__source")
    cited = list(cited)
    deciding = [e for e in cited if e.stance in (Evidence.Stance.SUPPORTS, Evidence.Stance.REFUTES)]
    unsourced = sorted(
        {e.statement_id for e in cited if not (e.statement.source.title.strip() and e.statement.source.url.strip())}
    )
    return [
        ChecklistItem(
            "unrated",
            "A verdict other than “Not yet rated”",
            claim.verdict != Verdict.UNVERIFIED,
            "Set a verdict before publishing." if claim.verdict == Verdict.UNVERIFIED else "",
        ),
        ChecklistItem(
            "no_summary",
            "A written fact check (the summary)",
            bool((claim.summary or "").strip()),
            "" if (claim.summary or "").strip() else "Write the fact check in the summary.",
        ),
        ChecklistItem(
            "no_evidence",
            "At least one piece of evidence that supports or refutes the claim",
            bool(deciding),
            "" if deciding else "Add a statement as evidence that supports or refutes the claim (not set aside).",
        ),
        ChecklistItem(
            "unsourced",
            "A source with a title and a URL behind every cited statement",
            bool(cited) and not unsourced,
            (
                ""
                if cited and not unsourced
                else "Cite at least one statement."
                if not cited
                else "Give a title and a URL to the sources of statements " + ", ".join(map(str, unsourced)) + "."
            ),
        ),
    ]


def publish_problems(claim) -> list[ChecklistItem]:
    return [item for item in publish_checklist(claim) if not item.met]

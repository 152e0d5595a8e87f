"""The verdict scale: the one place that says what each verdict is called, means, rates and exports as.

Everything else derives from it: the model's choices, the admin's verdict form, the API's scale and its OpenAPI
description, the methodology page, ClaimReview's reviewRating and the mapping of other fact-checkers' ratings.
"""

from dataclasses import dataclass

from django.db import models


class Verdict(models.TextChoices):
    TRUE = "true", "True"
    MOSTLY_TRUE = "mostly_true", "Mostly true"
    MIXED = "mixed", "Mixed"
    MOSTLY_FALSE = "mostly_false", "Mostly false"
    FALSE = "false", "False"
    UNPROVEN = "unproven", "Unproven"
    UNVERIFIED = "unverified", "Not yet rated"


# ClaimReview's rating bounds.
BEST_RATING = 5
WORST_RATING = 1


@dataclass(frozen=True)
class Grade:
    """One verdict of the scale."""

    verdict: Verdict
    rating: int | None  # ClaimReview ratingValue; None: published by its name only, or never
    meaning: str

    @property
    def value(self) -> str:
        return self.verdict.value

    @property
    def label(self) -> str:
        return self.verdict.label

    @property
    def is_rating(self) -> bool:
        """A verdict a reviewer can give (everything but "not yet rated")."""
        return self.verdict != Verdict.UNVERIFIED

    @property
    def exported(self) -> bool:
        """Whether a published claim with this verdict appears in ClaimReview."""
        return self.is_rating

    @property
    def export_note(self) -> str:
        if self.rating is not None:
            return f"{self.rating} of {BEST_RATING}"
        return "No number: published by its name only" if self.exported else "Never published"


SCALE: dict[str, Grade] = {
    grade.value: grade
    for grade in (
        Grade(Verdict.TRUE, 5, "The claim is accurate and nothing significant is missing."),
        Grade(Verdict.MOSTLY_TRUE, 4, "The claim is accurate but needs clarification or additional information."),
        Grade(Verdict.MIXED, 3, "The claim is partly accurate and partly inaccurate."),
        Grade(
            Verdict.MOSTLY_FALSE,
            2,
            "The claim contains an element of truth but ignores facts that would change the impression.",
        ),
        Grade(Verdict.FALSE, 1, "The claim is not accurate."),
        Grade(Verdict.UNPROVEN, None, "The evidence does not settle it, either way."),
        Grade(Verdict.UNVERIFIED, None, "We have not rated this claim yet."),
    )
}

# Verdicts a reviewer can give and a reader can meet on a public claim, in scale order.
RATINGS: list[Verdict] = [grade.verdict for grade in SCALE.values() if grade.is_rating]
# Verdicts whose published claims appear in ClaimReview.
EXPORTED: list[Verdict] = [grade.verdict for grade in SCALE.values() if grade.exported]
# Our verdict for each point of the numeric scale (other fact-checkers' numeric ratings map through it).
BY_RATING: dict[int, Verdict] = {grade.rating: grade.verdict for grade in SCALE.values() if grade.rating is not None}
LABELS: dict[str, str] = dict(Verdict.choices)


def grade(verdict: str) -> Grade:
    return SCALE[Verdict(verdict)]


def label(verdict: str) -> str:
    return LABELS.get(verdict, verdict)


def rating_value(verdict: str) -> int | None:
    return grade(verdict).rating


def meaning(verdict: str) -> str:
    return grade(verdict).meaning


def review_rating(verdict: str) -> dict:
    """ClaimReview's reviewRating for a verdict."""
    current = grade(verdict)
    rating = {"@type": "Rating", "alternateName": current.label}
    if current.rating is not None:
        rating.update(ratingValue=current.rating, bestRating=BEST_RATING, worstRating=WORST_RATING)
    return rating


def table() -> list[dict]:
    """The scale as rows, for the API and the methodology page."""
    return [
        {
            "value": grade.value,
            "label": grade.label,
            "meaning": grade.meaning,
            "rating_value": grade.rating,
            "best_rating": BEST_RATING,
            "worst_rating": WORST_RATING,
            "exported": grade.exported,
            "export_note": grade.export_note,
        }
        for grade in SCALE.values()
    ]

"""How another fact-checker's rating maps onto our verdicts.

Words first: a textual rating (ClaimReview ``reviewRating.alternateName``, Google's
``textualRating``) found in ``TEXTUAL_RATINGS`` decides, matched case-insensitively with
hyphens, underscores, repeated spaces and trailing ``.``/``!`` ignored. Failing that, a
numeric ``ratingValue`` is placed within the review's own ``worstRating``..``bestRating``
(schema.org defaults: 1..5) and scaled onto our scale (verdicts.WORST_RATING..BEST_RATING), rounded half up:

    scaled = WORST + (BEST - WORST) * (ratingValue - worstRating) / (bestRating - worstRating)

and each point is the verdict with that rating number on our scale (verdicts.BY_RATING).

A rating that is neither a known phrase nor a usable number maps to ``unverified``:
the review keeps its original text and the newsroom rates the claim itself.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from claims import verdicts
from claims.verdicts import Verdict

# Our verdict for each common textual rating (keys are normalized: see normalize_rating).
TEXTUAL_RATINGS: dict[str, str] = {
    # True
    "true": Verdict.TRUE,
    "correct": Verdict.TRUE,
    "accurate": Verdict.TRUE,
    "geppetto checkmark": Verdict.TRUE,
    # Mostly true
    "mostly true": Verdict.MOSTLY_TRUE,
    "mostly correct": Verdict.MOSTLY_TRUE,
    "mostly accurate": Verdict.MOSTLY_TRUE,
    "largely true": Verdict.MOSTLY_TRUE,
    "largely accurate": Verdict.MOSTLY_TRUE,
    "one pinocchio": Verdict.MOSTLY_TRUE,
    # Mixed
    "half true": Verdict.MIXED,
    "mixed": Verdict.MIXED,
    "mixture": Verdict.MIXED,
    "partly true": Verdict.MIXED,
    "partly false": Verdict.MIXED,
    "partially true": Verdict.MIXED,
    "partially false": Verdict.MIXED,
    "half correct": Verdict.MIXED,
    "two pinocchios": Verdict.MIXED,
    # Mostly false
    "mostly false": Verdict.MOSTLY_FALSE,
    "largely false": Verdict.MOSTLY_FALSE,
    "misleading": Verdict.MOSTLY_FALSE,
    "exaggerated": Verdict.MOSTLY_FALSE,
    "three pinocchios": Verdict.MOSTLY_FALSE,
    # False
    "false": Verdict.FALSE,
    "pants on fire": Verdict.FALSE,
    "incorrect": Verdict.FALSE,
    "inaccurate": Verdict.FALSE,
    "wrong": Verdict.FALSE,
    "fake": Verdict.FALSE,
    "fabricated": Verdict.FALSE,
    "four pinocchios": Verdict.FALSE,
    # Unproven
    "unproven": Verdict.UNPROVEN,
    "unsubstantiated": Verdict.UNPROVEN,
    "no evidence": Verdict.UNPROVEN,
    "unsupported": Verdict.UNPROVEN,
    "unverifiable": Verdict.UNPROVEN,
    "lacks evidence": Verdict.UNPROVEN,
}

SCALE_VERDICTS = verdicts.BY_RATING  # our verdict for each point of the scale

DEFAULT_BEST = Decimal(verdicts.BEST_RATING)
DEFAULT_WORST = Decimal(verdicts.WORST_RATING)


def normalize_rating(text: str) -> str:
    text = re.sub(r"[-_\s]+", " ", (text or "").casefold()).strip()
    return text.rstrip(".!").strip()


def map_textual(text: str) -> str | None:
    return TEXTUAL_RATINGS.get(normalize_rating(text))


def scale(value, best=None, worst=None) -> int | None:
    """The point of our scale for value within worst..best; None when it does not fit."""
    try:
        value = Decimal(str(value))
        best = DEFAULT_BEST if best is None else Decimal(str(best))
        worst = DEFAULT_WORST if worst is None else Decimal(str(worst))
    except (InvalidOperation, ValueError):
        return None
    if not (value.is_finite() and best.is_finite() and worst.is_finite()) or best == worst:
        return None
    if not min(best, worst) <= value <= max(best, worst):
        return None
    scaled = DEFAULT_WORST + (DEFAULT_BEST - DEFAULT_WORST) * (value - worst) / (best - worst)
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def map_rating(*, textual: str = "", value=None, best=None, worst=None) -> str:
    """Our verdict for another fact-checker's rating; ``unverified`` when it cannot be mapped."""
    verdict = map_textual(textual)
    if verdict is None and value is not None:
        point = scale(value, best, worst)
        verdict = SCALE_VERDICTS.get(point) if point is not None else None
    return verdict or Verdict.UNVERIFIED

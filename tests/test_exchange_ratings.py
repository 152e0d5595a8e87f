"""The documented map from other fact-checkers' ratings to our verdicts."""

import pytest

from claims.models import Verdict
from exchange.ratings import map_rating, scale


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("True", Verdict.TRUE),
        ("mostly TRUE", Verdict.MOSTLY_TRUE),
        ("Half-True", Verdict.MIXED),
        ("half_true", Verdict.MIXED),
        ("Mixture", Verdict.MIXED),
        ("Mostly False", Verdict.MOSTLY_FALSE),
        ("Misleading.", Verdict.MOSTLY_FALSE),
        ("FALSE", Verdict.FALSE),
        ("Pants on Fire!", Verdict.FALSE),
        ("  pants   on fire ", Verdict.FALSE),
        ("Unproven", Verdict.UNPROVEN),
        ("Unsubstantiated", Verdict.UNPROVEN),
        ("No evidence", Verdict.UNPROVEN),
        ("Satire", Verdict.UNVERIFIED),
        ("", Verdict.UNVERIFIED),
    ],
)
def test_textual_ratings_in_any_case(text, verdict):
    assert map_rating(textual=text) == verdict


@pytest.mark.parametrize(
    ("value", "best", "worst", "verdict"),
    [
        (5, 5, 1, Verdict.TRUE),
        (1, 5, 1, Verdict.FALSE),
        ("3", "5", "1", Verdict.MIXED),
        (4, None, None, Verdict.MOSTLY_TRUE),  # schema.org defaults: 1..5
        (10, 10, 0, Verdict.TRUE),
        (0, 10, 0, Verdict.FALSE),
        (5, 10, 0, Verdict.MIXED),
        (6.25, 10, 0, Verdict.MOSTLY_TRUE),  # 1 + 4 * 0.625 = 3.5 rounds half up to 4
        (1, 1, 5, Verdict.TRUE),  # an inverted scale: best 1
        (8, 10, 1, Verdict.MOSTLY_TRUE),
    ],
)
def test_numeric_ratings_scale_within_their_own_range(value, best, worst, verdict):
    assert map_rating(value=value, best=best, worst=worst) == verdict


@pytest.mark.parametrize(("value", "best", "worst"), [(7, 5, 1), (-1, 5, 1), (3, 3, 3), ("x", 5, 1), ("NaN", 5, 1)])
def test_numbers_outside_their_range_do_not_map(value, best, worst):
    assert scale(value, best, worst) is None
    assert map_rating(value=value, best=best, worst=worst) == Verdict.UNVERIFIED


def test_words_come_before_numbers():
    # PolitiFact-style 0..5 where "False" is 1: the words decide.
    assert map_rating(textual="False", value=1, best=5, worst=0) == Verdict.FALSE
    assert map_rating(textual="Trompeur", value=2, best=5, worst=1) == Verdict.MOSTLY_FALSE

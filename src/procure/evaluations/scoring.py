"""The arithmetic of committee evaluations, free of the database: weighted totals and their mean."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = 100
POINTS = Decimal("0.01")
MIN_SCORE = 0
MAX_SCORE = 100


def points(value: Decimal) -> Decimal:
    """Totals are kept at two decimals, rounded half up as committees round by hand."""
    return value.quantize(POINTS, rounding=ROUND_HALF_UP)


def weighted_total(scores: Sequence[tuple[int, int]]) -> Decimal:
    """Σ score × weight / 100 over (score, weight) pairs whose weights sum to 100.

    Scores run 0–100, so the total does too; with the weights summing to 100 an evaluation that
    gives every criterion the same score totals exactly that score.
    """
    if sum(weight for _, weight in scores) != HUNDRED:
        raise ValueError("the weights of a rubric sum to 100")
    for score, weight in scores:
        if not MIN_SCORE <= score <= MAX_SCORE or weight <= 0:
            raise ValueError(f"score {score} or weight {weight} out of range")
    # Integer sums first, one division last: no rounding error accumulates across criteria.
    return points(Decimal(sum(score * weight for score, weight in scores)) / HUNDRED)


def mean_total(totals: Sequence[Decimal]) -> Decimal | None:
    """The mean of several evaluations' totals (one per community), or None without any."""
    if not totals:
        return None
    return points(sum(totals, Decimal(0)) / len(totals))

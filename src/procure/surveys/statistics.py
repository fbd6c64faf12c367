"""The arithmetic of survey results, as pure functions: means, t confidence intervals, the overall
score and Cronbach's alpha. No database, no I/O; floats are fine here (these are not money)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

SCALE_MIN = 1
SCALE_MAX = 5
CONFIDENCE = 0.95


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return result


def regularized_beta(x: float, a: float, b: float, *, complement: float | None = None) -> float:
    """I_x(a, b), the regularized incomplete beta function, for 0 <= x <= 1. Pass 1 − x as
    complement when it is known exactly: near x = 1, computing it loses every digit."""
    y = 1.0 - x if complement is None else complement
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(y)
    )
    front = math.exp(log_front)
    # The fraction converges fast only on this side of the mean; use the symmetry otherwise.
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, y) / b


def t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t distribution with df degrees of freedom."""
    if t == 0:
        return 0.5
    # P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2); for small t use the other tail of the same
    # beta, I_{t²/(df+t²)}(1/2, df/2), which keeps its digits.
    x, y = df / (df + t * t), t * t / (df + t * t)
    if y < 0.5:
        tail = 0.5 * (1.0 - regularized_beta(y, 0.5, df / 2.0, complement=x))
    else:
        tail = 0.5 * regularized_beta(x, df / 2.0, 0.5, complement=y)
    return 1.0 - tail if t > 0 else tail


@cache
def t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t (0.5 <= p < 1), by bisection on the exact CDF: we need a
    handful of two-sided 95% values, and scipy is too heavy a dependency for that."""
    if not 0.5 <= p < 1.0 or df < 1:
        raise ValueError(f"t_quantile needs 0.5 <= p < 1 and df >= 1, got p={p}, df={df}")
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2.0


def half_width(sd: float, n: int, confidence: float = CONFIDENCE) -> float:
    """Half the width of the t confidence interval of a mean of n values with sample sd."""
    if n < 2:
        raise ValueError("a confidence interval needs at least two values")
    return t_quantile(1.0 - (1.0 - confidence) / 2.0, n - 1) * sd / math.sqrt(n)


@dataclass(frozen=True)
class LikertSummary:
    """One Likert item: how many answered, the mean, its 95% interval (None below two
    answers), and the count of each score 1–5."""

    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    distribution: tuple[int, ...]


def likert_summary(scores: Sequence[int], confidence: float = CONFIDENCE) -> LikertSummary:
    """Mean and t interval of 1–5 scores. The interval is cut to the scale: a mean cannot lie
    outside 1–5, and with few answers the t interval would otherwise claim it might."""
    if any(not SCALE_MIN <= s <= SCALE_MAX for s in scores):
        raise ValueError(f"Likert scores must be {SCALE_MIN}–{SCALE_MAX}")
    distribution = tuple(sum(1 for s in scores if s == value) for value in range(1, 6))
    n = len(scores)
    if n == 0:
        return LikertSummary(0, None, None, None, distribution)
    mean = statistics.fmean(scores)
    if n < 2:
        return LikertSummary(n, mean, None, None, distribution)
    margin = half_width(statistics.stdev(scores), n, confidence)
    return LikertSummary(
        n,
        mean,
        max(SCALE_MIN, mean - margin),
        min(SCALE_MAX, mean + margin),
        distribution,
    )


def overall_mean(item_means: Sequence[float | None]) -> float | None:
    """The overall satisfaction: the unweighted mean of the items' means (items nobody
    answered do not count)."""
    answered = [m for m in item_means if m is not None]
    return statistics.fmean(answered) if answered else None


def to_percent_scale(mean: float | None) -> float | None:
    """A 1–5 mean on a 0–100 scale: 1 → 0, 3 → 50, 5 → 100."""
    return None if mean is None else (mean - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) * 100.0


def cronbach_alpha(responses: Sequence[Sequence[int]]) -> float | None:
    """Cronbach's alpha of complete responses (one row per respondent, one column per item):
    k/(k−1) · (1 − Σ var(item) / var(total)). None when it is undefined: fewer than two items
    or two respondents, or totals that do not vary."""
    if len(responses) < 2:
        return None
    k = len(responses[0])
    if k < 2 or any(len(row) != k for row in responses):
        return None
    item_variances = [statistics.variance([row[i] for row in responses]) for i in range(k)]
    total_variance = statistics.variance([sum(row) for row in responses])
    if total_variance == 0:
        return None
    return k / (k - 1) * (1.0 - sum(item_variances) / total_variance)


def response_rate(responses: int, issued: int) -> float | None:
    return responses / issued if issued else None

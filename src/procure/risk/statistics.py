"""The arithmetic of cardinal's fences, reproduced bit for bit.

cardinal takes quartiles and percentiles with statrs' ``quantile`` (Hyndman and Fan's R-8,
"approximately median-unbiased"), computes fences with ``f64::mul_add`` (one rounding), and
divides IEEE-style (a zero divisor gives an infinity or NaN, never an error).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from datetime import timedelta
from fractions import Fraction

_EPSILON = 2.220446049250313e-16  # f64::EPSILON


def _min(data: Sequence[float]) -> float:
    return math.nan if any(math.isnan(x) for x in data) else min(data)


def _max(data: Sequence[float]) -> float:
    return math.nan if any(math.isnan(x) for x in data) else max(data)


def _bits(value: float) -> int:
    return int(struct.unpack("<q", struct.pack("<d", value))[0])


def _ulps_eq(a: float, b: float, max_ulps: int = 4) -> bool:
    """approx's ``ulps_eq!`` with its defaults (epsilon f64::EPSILON, 4 ulps)."""
    if abs(a - b) <= _EPSILON:
        return True
    if math.copysign(1.0, a) != math.copysign(1.0, b):
        return False
    return abs(_bits(a) - _bits(b)) <= max_ulps


def quantile(data: Sequence[float], tau: float) -> float:
    """statrs' ``OrderStatistics::quantile`` (R-8); NaN for empty data or tau outside [0, 1]."""
    if not 0.0 <= tau <= 1.0 or not data:
        return math.nan
    n = len(data)
    h = (n + 1.0 / 3.0) * tau + 1.0 / 3.0
    hf = int(h)
    if hf <= 0 or tau == 0.0:
        return _min(data)
    if hf >= n or _ulps_eq(tau, 1.0):
        return _max(data)
    ordered = sorted(data)
    a, b = ordered[hf - 1], ordered[hf]
    return a + (h - hf) * (b - a)


def percentile(data: Sequence[float], p: int) -> float:
    return quantile(data, p / 100.0)


def quartiles(data: Sequence[float]) -> tuple[float, float]:
    return quantile(data, 0.25), quantile(data, 0.75)


def mul_add(a: float, b: float, c: float) -> float:
    """``a.mul_add(b, c)``: a × b + c rounded once, as a fused multiply-add does."""
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return a * b + c
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def lower_fence(q1: float, q3: float) -> float:
    """Q1 − 1.5 × IQR, as cardinal computes it: ``(q3 - q1).mul_add(-1.5, q1)``."""
    return mul_add(q3 - q1, -1.5, q1)


def upper_fence(q1: float, q3: float) -> float:
    """Q3 + 1.5 × IQR, as cardinal computes it: ``(q3 - q1).mul_add(1.5, q3)``."""
    return mul_add(q3 - q1, 1.5, q3)


def divide(numerator: float, denominator: float) -> float:
    """IEEE 754 division: x / 0 is ±infinity, 0 / 0 is NaN."""
    if denominator != 0:
        return numerator / denominator
    if numerator == 0 or math.isnan(numerator):
        return math.nan
    sign = math.copysign(1.0, numerator) * math.copysign(1.0, denominator)
    return math.copysign(math.inf, sign)


def _toward_zero(numerator: int, denominator: int) -> int:
    quotient = abs(numerator) // denominator
    return quotient if numerator >= 0 else -quotient


def whole_days(delta: timedelta) -> int:
    """chrono's ``TimeDelta::num_days``: whole seconds, then whole days, truncated toward zero."""
    seconds = _toward_zero(delta // timedelta(microseconds=1), 1_000_000)
    return _toward_zero(seconds, 86_400)

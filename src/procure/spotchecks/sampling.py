"""The arithmetic of a spot-check, with no database: the seed's commitment, the reveal's check,
the deterministic sample and the Wilson score interval of the verified delivery ratio.

Anyone holding the revealed seed and the report's units can redo the draw with these functions
(or with sha256/HMAC-SHA256 in any language) and get the same sample.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

SEED_BYTES = 32


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def commitment_of(seed: bytes) -> str:
    """The public commitment to a seed: its SHA-256, in hex."""
    return hashlib.sha256(seed).hexdigest()


def matches_commitment(seed: bytes, commitment: str) -> bool:
    return hmac.compare_digest(commitment_of(seed), commitment.lower())


def unit_key(line_no: int, code: str) -> str:
    """The unit's name in the draw: its report line number and its code, e.g. ``2:HV-0031``."""
    return f"{line_no}:{code}"


def draw_rank(seed: bytes, key: str) -> str:
    """A unit's place in the draw: HMAC-SHA256(seed, key) in hex; the lowest ranks are drawn."""
    return hmac.new(seed, key.encode(), hashlib.sha256).hexdigest()


def sample_size(units: int, *, share_percent: int, minimum: int, maximum: int) -> int:
    """How many of ``units`` are checked: the policy's share rounded up, at least ``minimum``,
    at most ``maximum``, never more than there are."""
    wanted = max(minimum, math.ceil(units * share_percent / 100))
    return min(units, maximum, wanted)


def draw_sample(seed: bytes, keys: Sequence[str], size: int) -> list[str]:
    """The ``size`` keys of lowest rank, in rank order (ties cannot happen among distinct keys
    short of an HMAC collision; the key breaks them anyway)."""
    return sorted(set(keys), key=lambda key: (draw_rank(seed, key), key))[:size]


@dataclass(frozen=True, slots=True)
class Interval:
    ratio: float
    low: float
    high: float


#: The normal quantile of a two-sided 95 % interval.
Z_95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> Interval | None:
    """The Wilson score interval of a proportion (Wilson 1927):

    centre = (p + z²/2n) / (1 + z²/n),  half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n),
    with p = successes / trials. None when nothing was tried.
    """
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"successes {successes} outside 0..{trials}")
    n = trials
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return Interval(ratio=p, low=max(0.0, centre - half), high=min(1.0, centre + half))

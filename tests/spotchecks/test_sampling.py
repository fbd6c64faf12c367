"""The arithmetic of a spot-check: commitment, reproducible draw, sample size, Wilson interval."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from procure.spotchecks.sampling import (
    commitment_of,
    draw_sample,
    matches_commitment,
    new_seed,
    sample_size,
    unit_key,
    wilson_interval,
)


def test_commitment_is_the_seeds_sha256_and_refuses_another_seed() -> None:
    seed = new_seed()
    assert len(seed) == 32
    assert commitment_of(seed) == hashlib.sha256(seed).hexdigest()
    assert matches_commitment(seed, commitment_of(seed))
    assert matches_commitment(seed, commitment_of(seed).upper())
    assert not matches_commitment(new_seed(), commitment_of(seed))


def test_draw_is_the_lowest_hmac_ranks_and_reproducible() -> None:
    seed = bytes(range(32))
    keys = [unit_key(1, f"HV-{i:04d}") for i in range(20)]
    drawn = draw_sample(seed, keys, 5)
    # Anyone can redo it with HMAC-SHA256 alone.
    by_hand = sorted(keys, key=lambda k: hmac.new(seed, k.encode(), hashlib.sha256).hexdigest())
    assert drawn == by_hand[:5]
    assert draw_sample(seed, list(reversed(keys)), 5) == drawn  # order given does not matter
    assert draw_sample(bytes(32), keys, 5) != drawn  # another seed, another sample


@pytest.mark.parametrize(
    ("units", "expected"),
    [(0, 0), (3, 3), (8, 5), (60, 6), (101, 11), (1000, 30)],
)
def test_sample_size_share_within_bounds(units: int, expected: int) -> None:
    assert sample_size(units, share_percent=10, minimum=5, maximum=30) == expected


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Reference values (e.g. statsmodels proportion_confint(method="wilson"), R binom.confint).
        (8, 10, 0.4901625, 0.9433178),
        (0, 10, 0.0, 0.2775328),
        (10, 10, 0.7224672, 1.0),
        (50, 100, 0.4038315, 0.5961685),
        (1, 1, 0.2065493, 1.0),
    ],
)
def test_wilson_interval_known_values(successes: int, trials: int, low: float, high: float) -> None:
    interval = wilson_interval(successes, trials)
    assert interval is not None
    assert interval.ratio == successes / trials
    assert interval.low == pytest.approx(low, abs=1e-6)
    assert interval.high == pytest.approx(high, abs=1e-6)


def test_wilson_interval_without_trials_and_out_of_range() -> None:
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)

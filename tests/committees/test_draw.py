"""The random draw is a pure function of its published record: anyone can re-run it."""

from __future__ import annotations

import hashlib

import pytest

from procure.committees.draw import draw_key, draw_order


def test_the_same_seed_and_candidates_give_the_same_committee() -> None:
    seed = "c0ffee" * 8
    candidates = list(range(101, 131))
    first = draw_order(seed, candidates, 5, 2)
    assert first == draw_order(seed, list(reversed(candidates)), 5, 2)
    assert len(first.seats) == 5 and len(first.alternates) == 2
    assert not set(first.seats) & set(first.alternates)
    assert set(first.seats) <= set(candidates)


def test_the_algorithm_is_sha256_of_seed_and_id_ascending() -> None:
    seed = "seed"
    candidates = [1, 2, 3, 4, 5, 6]
    by_hand = sorted(candidates, key=lambda c: hashlib.sha256(f"{seed}:{c}".encode()).hexdigest())
    result = draw_order(seed, candidates, 3, 2)
    assert result.seats == by_hand[:3] and result.alternates == by_hand[3:5]
    assert draw_key(seed, 1) == hashlib.sha256(b"seed:1").hexdigest()


def test_another_seed_draws_differently() -> None:
    candidates = list(range(1, 41))
    draws = {tuple(draw_order(f"seed-{n}", candidates, 5, 0).seats) for n in range(20)}
    assert len(draws) > 15


def test_alternates_run_out_quietly_but_seats_never_do() -> None:
    assert draw_order("s", [1, 2, 3, 4], 3, 2).alternates.__len__() == 1
    with pytest.raises(ValueError, match="cannot fill"):
        draw_order("s", [1, 2], 3, 0)

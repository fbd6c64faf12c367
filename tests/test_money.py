"""Money is integer fen; display is 元 or 万元; parsing never rounds money away."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procure.i18n import local_time, wan_yuan, yuan, yuan_to_fen


def test_display() -> None:
    assert yuan(12345678) == "123,456.78 元"
    assert wan_yuan(19_800_000) == "19.80 万元"
    assert wan_yuan(200_000_000) == "200.00 万元"
    assert yuan(None) == "—"


def test_parsing_refuses_fractions_of_a_fen() -> None:
    assert yuan_to_fen("1,234.50") == 123450
    assert yuan_to_fen("0.01") == 1
    with pytest.raises(ValueError, match="more than two decimal places"):
        yuan_to_fen("1.005")


@given(st.integers(min_value=0, max_value=10**13))
def test_fen_round_trips_through_yuan_text(fen: int) -> None:
    text = format(Decimal(fen) / 100, ".2f")
    assert yuan_to_fen(text) == fen
    assert yuan(fen).endswith(" 元")


def test_times_are_shown_in_shanghai() -> None:
    from datetime import UTC, datetime

    assert local_time(datetime(2026, 1, 1, 16, 30, tzinfo=UTC)) == "2026-01-02 00:30"

"""Composition of the evaluation committee (财政部令第87号 Art. 47 and the non-tender rules)."""

from __future__ import annotations

import pytest

from procure.committees.services import check_composition
from procure.errors import InvalidInput

TEN_MILLION_YUAN = 1_000_000_000  # in fen


@pytest.mark.parametrize(
    ("method", "ceiling", "size", "representatives", "field", "message"),
    [
        ("open_tender", 30_000_000, 3, 0, "size", "at least 5 members"),
        ("open_tender", 30_000_000, 6, 0, "size", "odd number"),
        ("open_tender", TEN_MILLION_YUAN, 5, 0, "size", "at least 7 members"),
        ("competitive_consultation", 30_000_000, 1, 0, "size", "at least 3 members"),
        ("competitive_negotiation", 30_000_000, 4, 0, "size", "odd number"),
        ("single_source", 30_000_000, 1, 0, "size", "at least 3 members"),
        ("open_tender", 30_000_000, 5, 2, "buyer_representatives", "at most 1 buyer"),
        ("competitive_consultation", 30_000_000, 3, 2, "buyer_representatives", "at most 1"),
    ],
)
def test_an_unlawful_committee_is_refused_naming_the_rule(
    method: str, ceiling: int, size: int, representatives: int, field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_composition(
            method=method, ceiling_fen=ceiling, size=size, representatives=representatives
        )
    assert refused.value.field == field
    assert message in refused.value.message
    assert "87" in refused.value.message


@pytest.mark.parametrize(
    ("method", "ceiling", "size", "representatives"),
    [
        ("open_tender", 30_000_000, 5, 1),
        ("open_tender", TEN_MILLION_YUAN - 1, 5, 0),
        ("open_tender", TEN_MILLION_YUAN, 7, 2),
        ("competitive_consultation", 30_000_000, 3, 1),
        ("competitive_negotiation", 30_000_000, 5, 1),
        ("single_source", 30_000_000, 3, 0),
        ("project_application", 30_000_000, 3, 1),
        ("direct_grant", 30_000_000, 3, 1),
    ],
)
def test_a_lawful_committee_passes(
    method: str, ceiling: int, size: int, representatives: int
) -> None:
    check_composition(
        method=method, ceiling_fen=ceiling, size=size, representatives=representatives
    )

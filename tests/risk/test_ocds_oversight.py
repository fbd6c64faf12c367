"""The oversight rules over imported OCDS data: CONCENTRATION per buyer and year over the
awards, AMENDMENT_CREEP over the contracts' values; each fires on a planted process, stays
silent on a clean one and at the boundary, and skips what it cannot judge, saying why."""

from __future__ import annotations

from typing import Any

from procure.risk.engine import scan
from procure.risk.registry import Skip
from procure.risk.rules.market import (
    BUYER_CURRENCIES,
    NO_AWARD_DATE,
    NO_AWARD_VALUE,
    NO_BUYER,
    NO_SUPPLIER,
)
from tests.risk.test_every_dataset import datasets, flags, imported

__all__ = ["datasets"]  # the fixture, used by name


def awarded(
    ocid: str,
    supplier: str | None,
    amount: float | None,
    *,
    date: str | None = "2025-03-01T10:00:00+08:00",
    buyer: str | None = "B1",
    currency: str = "CNY",
    status: str = "active",
) -> dict[str, Any]:
    """A process of ``buyer`` with one award of ``amount`` to ``supplier`` on ``date``."""
    award: dict[str, Any] = {"id": f"{ocid}-a", "status": status}
    if supplier is not None:
        award["suppliers"] = [{"id": supplier, "name": supplier}]
    if amount is not None:
        award["value"] = {"amount": amount, "currency": currency}
    if date is not None:
        award["date"] = date
    release: dict[str, Any] = {"ocid": ocid, "awards": [award]}
    if buyer is not None:
        release["buyer"] = {"id": buyer, "name": f"Buyer {buyer}"}
        release["parties"] = [{"id": buyer, "name": f"Buyer {buyer}", "roles": ["buyer"]}]
    return release


async def concentration(datasets: list[str], values: list[dict[str, Any]]) -> tuple[str, Any]:
    dataset = await imported(datasets, "city_k", values)
    skips: list[Skip] = []
    await scan(rules=["CONCENTRATION"], skipped=skips.append)
    return dataset, sorted((s.ocid, s.reason) for s in skips if s.dataset == dataset)


async def test_concentration_fires_on_an_imported_buyer_year(datasets: list[str]) -> None:
    # B1 in 2025: S1 wins 500 + 100 of 1,000 (60% > 40%); S2 300, S3 100. In 2026 one award
    # only (fewer than three): not judged. B2: three suppliers, 40% at most: silent.
    dataset, skips = await concentration(
        datasets,
        [
            awarded("k-1", "S1", 500),
            awarded("k-2", "S2", 300),
            awarded("k-3", "S1", 100, date="2025-12-31T23:00:00+08:00"),
            awarded("k-4", "S3", 100),
            awarded("k-5", "S1", 900, date="2026-01-02T00:00:00+08:00"),
            awarded("k-6", "S4", 400, buyer="B2"),
            awarded("k-7", "S5", 300, buyer="B2"),
            awarded("k-8", "S6", 300, buyer="B2"),
        ],
    )
    assert skips == []
    found = await flags(dataset, "CONCENTRATION")
    assert set(found) == {"CONCENTRATION B1"}
    flag = found["CONCENTRATION B1"]
    assert (flag["dataset"], flag["subject_type"], flag["period"], flag["ocid"]) == (
        dataset,
        "buyer",
        "2025",
        "k-1",
    )
    assert (flag["severity"], flag["department"], flag["organization"]) == ("medium", None, None)
    evidence = flag["evidence"]
    assert evidence["buyer"] == {"id": "B1", "name": "Buyer B1"}
    assert (evidence["year"], evidence["total_value"], evidence["currency"]) == (2025, 1000, "CNY")
    assert (evidence["awards"], evidence["share_percent"], evidence["min_contracts"]) == (4, 40, 3)
    assert evidence["organizations"] == [
        {"supplier": "S1", "value": 600, "share_percent": 60, "ocids": ["k-1", "k-3"]}
    ]


async def test_concentration_is_silent_at_the_boundary(datasets: list[str]) -> None:
    # Exactly 40% (the threshold is compared strictly) with three awards; a cancelled award
    # to the same supplier does not count.
    dataset, skips = await concentration(
        datasets,
        [
            awarded("m-1", "S1", 400),
            awarded("m-2", "S2", 300),
            awarded("m-3", "S3", 300),
            awarded("m-4", "S1", 5000, status="cancelled"),
        ],
    )
    assert skips == []
    assert await flags(dataset, "CONCENTRATION") == {}


async def test_concentration_skips_what_it_cannot_count(datasets: list[str]) -> None:
    dataset, skips = await concentration(
        datasets,
        [
            awarded("s-1", "S1", None),
            awarded("s-2", "S1", 100, date=None),
            awarded("s-3", None, 100),
            awarded("s-4", "S1", 100, buyer=None),
            awarded("s-5", "S1", 900, buyer="B3"),
            awarded("s-6", "S2", 100, buyer="B3", currency="USD"),
            awarded("s-7", "S3", 100, buyer="B3"),
            # Left over for B1: three awards (S1 holds 80%), counted without the skipped ones.
            awarded("s-8", "S1", 800),
            awarded("s-9", "S2", 100),
            awarded("s-10", "S3", 100),
        ],
    )
    assert skips == [
        ("s-1", NO_AWARD_VALUE),
        ("s-2", NO_AWARD_DATE),
        ("s-3", NO_SUPPLIER),
        ("s-4", NO_BUYER),
        ("s-5", BUYER_CURRENCIES),
        ("s-6", BUYER_CURRENCIES),
        ("s-7", BUYER_CURRENCIES),
    ]
    found = await flags(dataset, "CONCENTRATION")
    assert set(found) == {"CONCENTRATION B1"}
    assert found["CONCENTRATION B1"]["evidence"]["awards"] == 3

"""AMENDMENT_CREEP and UNDER_DELIVERY: fire, stay quiet, and the exact thresholds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from procure.risk.rules.contracts import planned_quantity
from tests.risk.conftest import amend, contract_findings, make_contract, submit_report, within

VALUE = 1_000_000  # 10,000 yuan


async def creep(*deltas: int, outside_tender: bool = False, **overrides: object) -> list:
    contract = await make_contract(value_fen=VALUE)
    for delta in deltas:
        await amend(contract["id"], delta_fen=delta, scope_line=contract["lines"][0])
    if outside_tender:
        await amend(contract["id"], delta_fen=1, outside_tender=True, quantity_delta=1)
    return await contract_findings("AMENDMENT_CREEP", contract["id"], **overrides)


async def test_amendments_over_ten_percent_together_fire(database: None) -> None:
    (finding,) = await creep(60_000, 40_001)
    evidence = finding.evidence
    assert evidence["reasons"] == ["over_limit"]
    assert (evidence["cumulative_delta_fen"], evidence["current_value_fen"]) == (100_001, 1_100_001)
    assert evidence["cumulative_percent"] == 10.0  # 10.0001%, shown at two decimals
    assert [a["version"] for a in evidence["amendments"]] == [1, 2]
    assert evidence["basis"] == "政府采购法 第四十九条"


async def test_exactly_ten_percent_does_not_fire(database: None) -> None:
    assert await creep(60_000, 40_000) == []
    assert await creep(150_000, max_increase_percent=15) == []
    assert await creep(-200_000, 150_000) == []


async def test_scope_outside_the_tender_fires_at_any_value(database: None) -> None:
    (finding,) = await creep(outside_tender=True)
    assert finding.evidence["reasons"] == ["scope_outside_tender"]
    assert finding.evidence["scope_outside_tender"][0]["item_code"] == "C-TECH-005"
    assert await creep(outside_tender=True, flag_scope_outside_tender=False) == []


async def test_an_unsigned_amendment_does_not_count(database: None) -> None:
    contract = await make_contract(value_fen=VALUE)
    await amend(contract["id"], delta_fen=500_000, scope_line=contract["lines"][0], signed=False)
    assert await contract_findings("AMENDMENT_CREEP", contract["id"]) == []


# -- UNDER_DELIVERY -------------------------------------------------------------------------------
# A contract of 2026 (365 days) with one line of 3,650 units: January plans 310.


def test_the_plan_spreads_the_quantity_over_the_term() -> None:
    year = (date(2026, 1, 1), date(2026, 12, 31))
    assert planned_quantity(3650, date(2026, 1, 1), date(2026, 1, 31), *year) == 310
    assert planned_quantity(1, date(2026, 1, 1), date(2026, 1, 31), *year) == Decimal("0.08")


async def delivered(
    quantity: int,
    *,
    payments: tuple = ((date(2026, 6, 30), "scheduled"),),
    **overrides: object,
) -> list:
    contract = await make_contract(quantities=(3650, 1), payments=payments)
    await submit_report(
        contract["id"],
        "2026-01",
        [within(contract["lines"][0], quantity), within(contract["lines"][1], 0)],
    )
    return await contract_findings("UNDER_DELIVERY", contract["id"], **overrides)


async def test_under_delivery_fires_below_the_threshold_while_payments_continue(
    database: None,
) -> None:
    (finding,) = await delivered(247)
    assert finding.period == "2026-01"
    assert finding.evidence["lines"] == [
        {
            "line_no": 1,
            "item_name": "居家养老上门服务",
            "unit": "hour",
            "planned": 310.0,
            "delivered": 247,
            "ratio_percent": 79.68,
        }
    ]  # line 2 plans 0.08 of a unit: too little to judge
    assert finding.evidence["payments_continuing"][0]["status"] == "scheduled"


async def test_exactly_the_threshold_does_not_fire(database: None) -> None:
    assert await delivered(248) == []  # 80.00%
    assert await delivered(200, threshold_percent=64) == []
    assert len(await delivered(0, min_planned=0)) == 1


async def test_held_or_earlier_payments_do_not_continue(database: None) -> None:
    assert await delivered(100, payments=((date(2026, 6, 30), "held"),)) == []
    assert await delivered(100, payments=((date(2026, 1, 31), "paid"),)) == []
    paid_later = await delivered(100, payments=((date(2026, 2, 1), "paid"),))
    assert [p["seq"] for p in paid_later[0].evidence["payments_continuing"]] == [1]


async def test_the_plan_follows_the_amendments(database: None) -> None:
    contract = await make_contract(payments=((date(2026, 12, 31), "scheduled"),))
    await submit_report(contract["id"], "2026-01", [within(contract["lines"][0], 260)])
    assert await contract_findings("UNDER_DELIVERY", contract["id"]) == []  # 83.9% of 310
    await amend(contract["id"], scope_line=contract["lines"][0], quantity_delta=365)
    (finding,) = await contract_findings("UNDER_DELIVERY", contract["id"])
    assert finding.evidence["lines"][0]["planned"] == 341.0  # 76.2%

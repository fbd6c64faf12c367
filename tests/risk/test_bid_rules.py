"""UNDERPRICED_BID and LOW_PRICE_LOW_QUALITY: fire, stay quiet, and the exact thresholds."""

from __future__ import annotations

from procure.performance.tables import PerformanceScore
from procure.risk.engine import on_event
from procure.risk.registry import SubjectType, Trigger
from procure.risk.tables import Severity
from tests.risk.conftest import award, catalog_item, evaluate, make_contract, make_tender

OTHERS = 10_000_000  # the other bids: 100,000 yuan; the ceiling, 110,000 (45%: 49,500)


async def underpriced(tender: dict, **overrides: object) -> dict[int, list[str]]:
    findings = await evaluate("UNDERPRICED_BID", {SubjectType.bid: tender["bids"]}, **overrides)
    return {int(f.subject_id): f.evidence["reasons"] for f in findings}


async def test_a_bid_below_half_the_mean_of_the_others_fires(database: None) -> None:
    tender = await make_tender(totals=[OTHERS, OTHERS, OTHERS, OTHERS // 2 - 1])
    found = await underpriced(tender, catalog_floor=False)
    assert found == {tender["bids"][3]: ["below_mean_of_others", "lowest_below_second"]}


async def test_exactly_half_the_mean_of_the_others_does_not_fire(database: None) -> None:
    tender = await make_tender(totals=[OTHERS, OTHERS, OTHERS, OTHERS // 2])
    assert await underpriced(tender, catalog_floor=False) == {}


async def test_below_45_percent_of_the_ceiling_fires_even_alone(database: None) -> None:
    ceiling = 20_000_000
    alone = await make_tender(totals=[ceiling * 45 // 100 - 1], ceiling_fen=ceiling)
    at_limit = await make_tender(totals=[ceiling * 45 // 100], ceiling_fen=ceiling)
    assert await underpriced(alone, catalog_floor=False) == {alone["bids"][0]: ["below_ceiling"]}
    assert await underpriced(at_limit, catalog_floor=False) == {}


async def test_a_line_below_the_catalog_floor_fires_one_fen_under_it(database: None) -> None:
    floor = (await catalog_item("C-CARE-001"))["ref_price_min_fen"] * 100  # 100 hours
    tender = await make_tender(
        totals=[floor, floor - 1], lines=[("C-CARE-001", 100)], ceiling_fen=floor
    )
    findings = await evaluate("UNDERPRICED_BID", {SubjectType.bid: tender["bids"]})
    assert [int(f.subject_id) for f in findings] == [tender["bids"][1]]
    evidence = findings[0].evidence
    assert evidence["reasons"] == ["below_catalog_floor"]
    assert evidence["lines_below_catalog_floor"] == [
        {
            "line_no": 1,
            "item_code": "C-CARE-001",
            "item_name": "居家养老上门服务",
            "quantity": 100,
            "price_fen": floor - 1,
            "unit_floor_fen": floor // 100,
            "floor_fen": floor,
        }
    ]
    assert evidence["tender"]["url"] == f"/tenders/{tender['id']}"
    assert evidence["explanation"]["url"] == f"/tenders/{tender['id']}"
    assert await underpriced(tender, catalog_floor=False) == {}


async def test_the_winning_underpriced_bid_is_more_severe(database: None) -> None:
    tender = await make_tender(totals=[OTHERS, OTHERS, OTHERS, OTHERS // 4])
    before = await evaluate("UNDERPRICED_BID", {SubjectType.bid: tender["bids"]})
    assert [(f.severity, f.evidence["awarded"]) for f in before] == [(Severity.medium, False)]
    await award(tender["id"], tender["bids"][3])
    after = await evaluate("UNDERPRICED_BID", {SubjectType.bid: tender["bids"]})
    assert [(f.severity, f.evidence["awarded"]) for f in after] == [(Severity.high, True)]
    assert after[0].organization_id is not None and after[0].department_id is not None


async def test_bids_at_normal_prices_do_not_fire(database: None) -> None:
    tender = await make_tender(totals=[OTHERS, OTHERS - 100_000, OTHERS + 200_000])
    assert await underpriced(tender) == {}


async def settled(contract_id: int, period: str, grade: str, score: int) -> None:
    await PerformanceScore.insert(
        PerformanceScore(
            contract=contract_id,
            period=period,
            score_hundredths=score * 100,
            grade=grade,
            recommendation="withhold" if grade == "failing" else "pay",
        )
    )


async def won_contract(total: int) -> dict:
    tender = await make_tender(totals=[OTHERS, OTHERS, total])
    award_id = await award(tender["id"], tender["bids"][2])
    return await make_contract(award=award_id, tender=tender["id"])


async def test_low_price_low_quality_fires_below_the_grade(database: None) -> None:
    contract = await won_contract(OTHERS // 3)
    await settled(contract["id"], "2026-01", "passing", 65)
    await settled(contract["id"], "2026-02", "failing", 48)
    findings = await evaluate("LOW_PRICE_LOW_QUALITY", {SubjectType.contract: [contract["id"]]})
    assert [(f.period, f.evidence["performance"]["grade"]) for f in findings] == [
        ("2026-02", "failing")
    ]
    assert "below_mean_of_others" in findings[0].evidence["winning_bid"]["reasons"]
    stricter = await evaluate(
        "LOW_PRICE_LOW_QUALITY", {SubjectType.contract: [contract["id"]]}, min_grade="good"
    )
    assert [f.period for f in stricter] == ["2026-01", "2026-02"]


async def test_low_quality_at_a_fair_price_is_not_low_price_low_quality(database: None) -> None:
    contract = await won_contract(OTHERS - 500_000)
    await settled(contract["id"], "2026-01", "failing", 40)
    assert await evaluate("LOW_PRICE_LOW_QUALITY", {SubjectType.contract: [contract["id"]]}) == []


async def test_a_tender_that_closes_with_no_bid_is_judged_without_error(database: None) -> None:
    """Issue 13: an empty bid list once crashed UNDERPRICED_BID (an empty ``IN ()``), losing the
    whole event's run. A tender opened with no bid raises nothing and flags nothing."""
    empty = await make_tender(totals=[])
    assert empty["bids"] == []
    assert await underpriced(empty) == {}
    # The event's run as the worker makes it: every rule the opening concerns, none failing.
    flags = await on_event(Trigger.bids_opened, {SubjectType.tender: [empty["id"]]})
    assert [f for f in flags if f["subject_type"] == "bid"] == []

"""UNDERSTAFFED_DELIVERY: reported staff hours per unit against the winning bid's staffing plan
(issue 13's cost floor): fires, stays silent, and the exact boundary."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from procure.bids.tables import BidCostPlan, BidLine, BidStaffRole
from procure.contracts.selectors import contract_detail
from procure.risk.tables import Severity
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from tests.conftest import login
from tests.risk.conftest import (
    award,
    contract_findings,
    make_contract,
    make_tender,
    submit_report,
    within,
)


async def planned_contract(*, planned: bool = True) -> dict[str, Any]:
    """A contract awarded to a bid that planned 2 × 50 paid hours for 100 units: 1 h a unit."""
    tender = await make_tender(totals=(10_000_000,), lines=(("C-CARE-001", 100),))
    [bid_id] = tender["bids"]
    if planned:
        [bid_line] = await BidLine.select(BidLine.id).where(BidLine.bid == bid_id)
        plan = await BidCostPlan.insert(
            BidCostPlan(bid_line=bid_line["id"], materials_fen=0, volunteer_hours=10)
        )
        await BidStaffRole.insert(
            BidStaffRole(
                cost_plan=plan[0]["id"],
                role="护理员",
                headcount=2,
                hours=50,
                hourly_wage_fen=3000,
                social_insurance_fen=90_000,
            )
        )
    return await make_contract(
        award=await award(tender["id"], bid_id), tender=tender["id"], quantities=(100,)
    )


async def findings_for(minutes: int, *, planned: bool = True, **overrides: object) -> list:
    contract = await planned_contract(planned=planned)
    await submit_report(contract["id"], "2026-03", [within(contract["lines"][0], 10, minutes)])
    return await contract_findings("UNDERSTAFFED_DELIVERY", contract["id"], **overrides)


async def test_fires_one_minute_below_the_share_of_the_plan(database: None) -> None:
    # 10 units at 1 planned hour each: 80% is 480 minutes; 479 is below.
    (finding,) = await findings_for(479)
    assert finding.severity == Severity.medium and finding.period == "2026-03"
    [line] = finding.evidence["lines"]
    assert line["quantity"] == 10 and line["planned_hours_per_unit"] == 1.0
    assert line["staff_hours_per_unit"] == 0.8 and line["share_of_plan_percent"] == 79.83
    assert finding.evidence["threshold_percent"] == 80.0 and finding.value == 79.83


async def test_silent_at_the_share_and_above(database: None) -> None:
    assert await findings_for(480) == []
    assert await findings_for(600) == []


async def test_silent_without_a_plan_and_follows_the_policy_share(database: None) -> None:
    assert await findings_for(60, planned=False) == []
    assert await findings_for(479, share_percent=47) == []
    assert len(await findings_for(479, share_percent=90)) == 1


async def test_the_winning_plan_is_part_of_the_contract(database: None) -> None:
    contract = await planned_contract()
    row = await user_by_username("auditor")
    assert row is not None
    auditor = Actor.from_row(row)
    [line] = (await contract_detail(auditor, contract["id"]))["staffing_plan"]
    assert (line["line_no"], line["quantity"], line["paid_hours"]) == (1, 100, 100)
    assert line["volunteer_hours"] == 10 and line["roles"][0]["role"] == "护理员"
    unplanned = await planned_contract(planned=False)
    assert (await contract_detail(auditor, unplanned["id"]))["staffing_plan"] == []


async def test_the_contract_page_shows_the_winning_plan(client: AsyncTestClient) -> None:
    contract = await planned_contract()
    await login(client, "auditor")
    page = await client.get(f"/contracts/{contract['id']}")
    assert page.status_code == 200 and 'data-testid="staffing-plan"' in page.text
    assert "中标投标的人员与成本计划" in page.text and "护理员" in page.text

"""A period is settled only once it can be judged: its service report's due date has passed and
the committee evaluation and the survey round are in (or their window has closed); a lump-sum
scope line is judged over the term."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from litestar.testing import AsyncTestClient

from tests.conftest import Clock
from tests.contracts.helpers import parties
from tests.performance.helpers import ZONE, at, evaluated, judged_contract, reported, surveyed


async def test_a_period_is_settled_only_after_its_report_was_due(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    contract = await judged_contract()
    await evaluated(contract, "2026-11", 85)
    await surveyed(contract, "2026-11", closes_at=datetime(2026, 12, 5, tzinfo=ZONE))
    who = await parties(contract["id"])
    settle = f"/api/v1/contracts/{contract['id']}/performance/2026-11/settle"

    # November's report is due on 12-10 (policy: 10 days after the period).
    at(moving_clock, 2026, 12, 7)
    refused = await client.post(settle, headers=who["handler"])
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert "the service report is due on 2026-12-10" in detail and "2026-12-11" in detail
    page = await client.get(
        f"/contracts/{contract['id']}/performance?period=2026-11", headers=who["handler"]
    )
    assert page.status_code == 200 and 'data-testid="not-ready"' in page.text
    assert "/performance/2026-11/settle" not in page.text

    at(moving_clock, 2026, 12, 10, 23, 59)
    assert (await client.post(settle, headers=who["handler"])).status_code == 409
    at(moving_clock, 2026, 12, 11, 0, 1)
    assert (await client.post(settle, headers=who["handler"])).status_code == 202


async def test_the_committee_and_the_residents_are_waited_for(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    contract = await judged_contract()
    who = await parties(contract["id"])
    settle = f"/api/v1/contracts/{contract['id']}/performance/2026-10/settle"
    await surveyed(contract, "2026-10", closes_at=datetime(2026, 11, 20, tzinfo=ZONE))
    # October's report was due on 11-10; the inputs window is 10 working days from then.
    at(moving_clock, 2026, 11, 16)
    refused = await client.post(settle, headers=who["handler"])
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert "committee evaluation of 海滨社区 is not submitted" in detail
    assert "survey round of 海滨社区 is still open" in detail
    assert "2026-11-25" in detail  # the day after 11-24, the 10th working day after 11-10

    await evaluated(contract, "2026-10", 85)
    still_open = await client.post(settle, headers=who["handler"])
    assert still_open.status_code == 409 and "2026-11-20" in still_open.json()["detail"]
    at(moving_clock, 2026, 11, 20, 0, 1)  # the round closed by the clock
    assert (await client.post(settle, headers=who["handler"])).status_code == 202

    # With nothing submitted at all, the period is settled once the window has closed.
    bare = await judged_contract()
    await reported(bare, "2026-10", [300])
    bare_who = await parties(bare["id"])
    bare_settle = f"/api/v1/contracts/{bare['id']}/performance/2026-10/settle"
    at(moving_clock, 2026, 11, 24, 23)
    assert (await client.post(bare_settle, headers=bare_who["handler"])).status_code == 409
    at(moving_clock, 2026, 11, 25, 0, 1)
    assert (await client.post(bare_settle, headers=bare_who["handler"])).status_code == 202


async def test_a_lump_sum_line_is_judged_over_the_term(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    at(moving_clock, 2027, 2, 1)
    # 3,650 sessions over the year, and one annual training (quantity 1 per term).
    contract = await judged_contract(quantities=(3650, 1))
    who = await parties(contract["id"])
    base = f"/api/v1/contracts/{contract['id']}/performance"

    async def delivery(period: str) -> tuple[Decimal, list]:
        result = (await client.get(f"{base}?period={period}", headers=who["handler"])).json()
        return Decimal(result["delivery"]), result["delivery_lines"]

    await reported(contract, "2026-03", [310, 0])
    ratio, lines = await delivery("2026-03")
    # The training not held yet in March is not 0% delivered: it is judged over the term.
    assert ratio == 100 and lines[1]["planned"] is None and lines[1]["lump_sum"] is True
    await reported(contract, "2026-05", [310, 1])
    ratio, lines = await delivery("2026-05")
    assert ratio == 100 and lines[1]["ratio"] == "100.00"
    await reported(contract, "2026-12", [310, 0])
    ratio, lines = await delivery("2026-12")
    assert ratio == 100 and lines[1]["delivered"] == 1  # held in May: delivered for the term

    never = await judged_contract(quantities=(3650, 1))
    await reported(never, "2026-12", [310, 0])
    result = (
        await client.get(
            f"/api/v1/contracts/{never['id']}/performance?period=2026-12", headers=who["handler"]
        )
    ).json()
    # Never held by the term's last period: now it counts, as 0%.
    assert Decimal(result["delivery"]) == 50 and result["delivery_lines"][1]["ratio"] == "0.00"

"""The organization objects (申辩) to a settlement within 5 working days; the hold, the
deduction and the rating change wait for that window to end, or for the regulator's decision."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from procure.performance.tables import PerformanceScore
from tests.concurrency import exactly_one_success, race
from tests.conftest import Clock, bearer
from tests.contracts.helpers import parties, settle
from tests.performance.helpers import INSTALMENT_FEN, at, evaluated, judged_contract

# July is judged failing (committee 40, nothing delivered): it holds the instalment and
# deducts 20% of its twelfth; August passes (committee 95): 5% of its twelfth.
FAILING_DEDUCTION = INSTALMENT_FEN // 12 * 20 // 100
PASSING_DEDUCTION = INSTALMENT_FEN // 12 * 5 // 100


async def settled_on_september_29(client: AsyncTestClient, clock: Clock) -> dict[str, Any]:
    """July (failing) and August (passing) settled on Tuesday 2026-09-29, the day before the
    National Day week (10-01…10-07 off, 10-10 worked)."""
    contract = await judged_contract()
    await evaluated(contract, "2026-07", 40)
    await evaluated(contract, "2026-08", 95)
    at(clock, 2026, 9, 29)
    for period in ("2026-07", "2026-08"):
        assert (await settle(client, contract["id"], period))["status"] == "approved"
    return contract


async def instalment(client: AsyncTestClient, contract_id: int) -> dict[str, Any]:
    who = await parties(contract_id)
    detail = await client.get(f"/api/v1/contracts/{contract_id}", headers=who["handler"])
    return detail.json()["payments"][0]


def objection(contract_id: int, period: str) -> str:
    return f"/api/v1/contracts/{contract_id}/performance/{period}/objection"


async def test_the_objection_window_counts_working_days_across_national_day(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    contract = await settled_on_september_29(client, moving_clock)
    org = (await parties(contract["id"]))["organization"]
    listed = (
        await client.get(f"/api/v1/contracts/{contract['id']}/performance/settlements", headers=org)
    ).json()
    deadline = listed[0]["objection_deadline"]
    # 09-30, 10-08, 10-09, 10-10 (a make-up working day), 10-12: five working days.
    assert deadline["last_day"] == "2026-10-12" and deadline["days"] == 5
    assert deadline["unit"] == "working" and "申辩" in deadline["basis"]
    assert deadline["provisional"] is False
    assert [s["standing"] for s in listed] == ["objection_period", "objection_period"]

    # On 10-09 five calendar days (or five weekdays) would be long over; five working days not.
    at(moving_clock, 2026, 10, 9)
    lodged = await client.post(
        objection(contract["id"], "2026-07"),
        json={"grounds": "七月服务记录已于月底补录，委员会评分未采纳"},
        headers=org,
    )
    assert lodged.status_code == 200, lodged.text

    at(moving_clock, 2026, 10, 12, 23)
    payment = await instalment(client, contract["id"])
    assert payment["status"] == "scheduled" and payment["deduction_fen"] == 0
    pending = await client.get(f"/contracts/{contract['id']}", headers=org)
    assert pending.text.count('data-testid="pending-effect"') == 2
    page = await client.get(f"/contracts/{contract['id']}/settlements", headers=org)
    assert page.status_code == 200 and page.text.count('data-testid="objection-form"') == 1
    assert "2026-10-12" in page.text and "工作日" in page.text

    at(moving_clock, 2026, 10, 13, 0, 30)
    late = await client.post(
        objection(contract["id"], "2026-08"), json={"grounds": "迟到的申辩"}, headers=org
    )
    assert late.status_code == 409 and "5 工作日" in late.json()["detail"]
    # August is in force: its deduction applies; July waits for the regulator.
    payment = await instalment(client, contract["id"])
    assert payment["status"] == "scheduled" and payment["deduction_fen"] == PASSING_DEDUCTION
    assert payment["amount_due_fen"] == INSTALMENT_FEN - PASSING_DEDUCTION

    regulator = await bearer("regulator")
    [lodged_row] = [
        row
        for row in (await client.get("/api/v1/objections?status=lodged", headers=regulator)).json()
        if row["contract"] == contract["id"]
    ]
    rejected = await client.post(
        f"/api/v1/objections/{lodged_row['id']}/decision",
        json={"uphold": False, "decision": "评分依据充分，申辩不成立"},
        headers=regulator,
    )
    assert rejected.status_code == 200, rejected.text
    payment = await instalment(client, contract["id"])
    assert payment["status"] == "held" and payment["held_by"] == ["2026-07"]
    assert payment["deduction_fen"] == PASSING_DEDUCTION + FAILING_DEDUCTION


async def test_an_upheld_objection_cancels_the_settlement_s_effects(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    contract = await settled_on_september_29(client, moving_clock)
    org = (await parties(contract["id"]))["organization"]
    at(moving_clock, 2026, 9, 30)
    for period in ("2026-07", "2026-08"):
        lodged = await client.post(
            objection(contract["id"], period), json={"grounds": "申辩理由"}, headers=org
        )
        assert lodged.status_code == 200, lodged.text
    at(moving_clock, 2026, 10, 20)  # long after the window: still nothing in force
    payment = await instalment(client, contract["id"])
    assert payment["status"] == "scheduled" and payment["deduction_fen"] == 0

    regulator = await bearer("regulator")
    rows = {
        row["period"]: row
        for row in (await client.get("/api/v1/objections", headers=regulator)).json()
        if row["contract"] == contract["id"]
    }
    decide = "/api/v1/objections/{}/decision"
    upheld = await client.post(
        decide.format(rows["2026-07"]["id"]),
        json={"uphold": True, "decision": "委员会评分未依据服务记录"},
        headers=regulator,
    )
    assert upheld.status_code == 200
    payment = await instalment(client, contract["id"])
    assert payment["status"] == "scheduled" and payment["deduction_fen"] == 0

    page = await client.get("/objections", headers=regulator)
    assert page.status_code == 200 and f'data-settlement="{rows["2026-08"]["id"]}"' in page.text
    form = await client.get("/regulator", headers=regulator)
    assert 'href="/objections"' in form.text
    rejected = await client.post(
        decide.format(rows["2026-08"]["id"]),
        json={"uphold": False, "decision": "申辩不成立"},
        headers=regulator,
    )
    assert rejected.status_code == 200
    payment = await instalment(client, contract["id"])
    assert payment["status"] == "scheduled" and payment["deduction_fen"] == PASSING_DEDUCTION
    standings = {
        s["period"]: s["standing"]
        for s in (
            await client.get(
                f"/api/v1/contracts/{contract['id']}/performance/settlements", headers=org
            )
        ).json()
    }
    assert standings == {"2026-07": "cancelled", "2026-08": "in_force"}


async def test_who_objects_and_who_decides(client: AsyncTestClient, moving_clock: Clock) -> None:
    contract = await settled_on_september_29(client, moving_clock)
    who = await parties(contract["id"])
    url = objection(contract["id"], "2026-07")
    grounds = {"grounds": "申辩理由"}
    assert (await client.post(url, json=grounds, headers=who["handler"])).status_code == 403
    regulator = await bearer("regulator")
    assert (await client.post(url, json=grounds, headers=regulator)).status_code == 403
    other = await client.post(url, json=grounds, headers=await bearer("org2"))
    assert other.status_code == 404
    empty = await client.post(url, json={"grounds": "  "}, headers=who["organization"])
    assert empty.status_code == 400 and empty.json()["field"] == "grounds"
    assert (await client.post(url, json=grounds, headers=who["organization"])).status_code == 200
    again = await client.post(url, json=grounds, headers=who["organization"])
    assert again.status_code == 409

    settlement = (
        await PerformanceScore.select(PerformanceScore.id)
        .where(
            (PerformanceScore.contract == contract["id"]) & (PerformanceScore.period == "2026-07")
        )
        .first()
    )
    assert settlement is not None
    decide = f"/api/v1/objections/{settlement['id']}/decision"
    decision = {"uphold": True, "decision": "理由"}
    for headers in (who["handler"], who["approver"], who["organization"]):
        assert (await client.post(decide, json=decision, headers=headers)).status_code == 403
    assert (await client.get("/api/v1/objections", headers=who["handler"])).status_code == 403
    no_reason = await client.post(decide, json={"uphold": True, "decision": " "}, headers=regulator)
    assert no_reason.status_code == 400
    assert (await client.post(decide, json=decision, headers=regulator)).status_code == 200
    assert (await client.post(decide, json=decision, headers=regulator)).status_code == 409
    # An objection to a period that was not settled is not found.
    unsettled = await client.post(
        objection(contract["id"], "2026-09"), json=grounds, headers=who["organization"]
    )
    assert unsettled.status_code == 404


async def test_parallel_objections_and_decisions_succeed_once(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    contract = await settled_on_september_29(client, moving_clock)
    org = (await parties(contract["id"]))["organization"]
    url = objection(contract["id"], "2026-07")
    exactly_one_success(
        await race(lambda: client.post(url, json={"grounds": "申辩理由"}, headers=org))
    )
    settlement = (
        await PerformanceScore.select(PerformanceScore.id)
        .where(
            (PerformanceScore.contract == contract["id"]) & (PerformanceScore.period == "2026-07")
        )
        .first()
    )
    assert settlement is not None
    regulator = await bearer("regulator")
    exactly_one_success(
        await race(
            lambda: client.post(
                f"/api/v1/objections/{settlement['id']}/decision",
                json={"uphold": False, "decision": "申辩不成立"},
                headers=regulator,
            )
        )
    )


async def test_a_late_objection_reads_in_chinese_on_the_page(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    contract = await settled_on_september_29(client, moving_clock)
    org = (await parties(contract["id"]))["organization"]
    at(moving_clock, 2026, 10, 13, 0, 30)
    late = await client.post(
        f"/contracts/{contract['id']}/settlements/2026-08/objection",
        data={"grounds": "迟到的申辩"},
        headers=org,
    )
    assert late.status_code == 409
    assert "2026-08 绩效结算的申辩期已于 2026-10-12 24:00 届满" in late.text
    assert "5 工作日" in late.text and "不能再提出申辩" in late.text
    assert "no longer possible" not in late.text

"""A period's performance from a submitted report and a committee evaluation, settled by the
buyer: the payment and the organization's credit rating follow it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from litestar.testing import AsyncTestClient

from procure.contracts.tables import Contract, ContractCommunity, ContractScopeLine, Payment
from procure.organizations.tables import Organization
from procure.performance.effects import rating_in_force
from procure.performance.tables import PerformanceScore
from procure.security.tables import User
from tests.conftest import Clock, bearer
from tests.contracts.helpers import settle, sign_both
from tests.contracts.test_contracts import contract_payload
from tests.tenders.conftest import award_a_tender


async def parties(contract: dict) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    buyer = (
        await User.select(User.username)
        .where((User.department == contract["department"]) & User.is_handler.eq(True))
        .first()
    )
    org = (
        await User.select(User.username)
        .where(User.organization == contract["organization"])
        .first()
    )
    communities = [
        row["community"]
        for row in await ContractCommunity.select(ContractCommunity.community).where(
            ContractCommunity.contract == contract["id"]
        )
    ]
    committee = await User.select(User.username).where(User.community.is_in(communities)).first()
    assert buyer and org and committee, (
        "the demo contract needs a buyer, an organization and a committee user"
    )
    return (
        await bearer(buyer["username"]),
        await bearer(org["username"]),
        await bearer(committee["username"]),
    )


async def fresh_contract(client: AsyncTestClient, clock: Clock) -> dict:
    """A contract of its own, signed, whose first months are over: no other test touches it."""
    buyer = await bearer("buyer")
    tender_id = await award_a_tender(
        client, buyer, [await bearer("org"), await bearer("org2")], clock
    )
    await clock.past_standstill(tender_id)
    value = (await client.get(f"/api/v1/tenders/{tender_id}/opening")).json()["bids"]
    total = min(b["total_fen"] for b in value)
    start = clock.now().date() - timedelta(days=100)
    payload = contract_payload(
        total, starts_on=start.isoformat(), ends_on=(start + timedelta(days=300)).isoformat()
    )
    payload["payments"] = [
        {"due_on": (start + timedelta(days=10)).isoformat(), "amount_fen": total // 2},
        {
            "due_on": (start + timedelta(days=290)).isoformat(),
            "amount_fen": total - total // 2,
            "performance_linked": True,
        },
    ]
    created = await client.post(
        f"/api/v1/tenders/{tender_id}/contract", json=payload, headers=buyer
    )
    assert created.status_code == 201, created.text
    await sign_both(client, created.json()["id"])
    contract = await Contract.select().where(Contract.id == created.json()["id"]).first()
    assert contract is not None
    return contract


async def test_settling_a_failing_period(client: AsyncTestClient, moving_clock: Clock) -> None:
    contract = await fresh_contract(client, moving_clock)
    buyer, org, committee = await parties(contract)
    period = contract["starts_on"].strftime("%Y-%m")
    base = f"/api/v1/contracts/{contract['id']}"
    lines = (
        await ContractScopeLine.select()
        .where(ContractScopeLine.contract == contract["id"])
        .order_by(ContractScopeLine.line_no)
    )
    plan = (await client.get(f"{base}/performance?period={period}", headers=buyer)).json()[
        "delivery_lines"
    ]
    report = {
        "summary": "本月服务",
        "lines": [
            {
                "scope_line_id": lines[0]["id"],
                "description": "按计划完成",
                "quantity": int(Decimal(plan[0]["planned"])) + 1,
            },
            {"scope_line_id": lines[1]["id"], "description": "未开展", "quantity": 0},
        ],
    }
    saved = await client.put(f"{base}/reports/{period}/draft", json=report, headers=org)
    assert saved.status_code in (200, 201), saved.text
    submitted = await client.post(f"{base}/reports/{period}/submit", json={}, headers=org)
    assert submitted.status_code == 200, submitted.text

    rubric = (await client.get("/api/v1/rubrics", headers=buyer)).json()[0]
    scores = [{"criterion": c["code"], "score": 40} for c in rubric["criteria"]]
    evaluation = await client.put(
        f"{base}/evaluations/{period}",
        json={"rubric_id": rubric["id"], "scores": scores},
        headers=committee,
    )
    assert evaluation.status_code in (200, 201), evaluation.text
    assert (
        await client.post(f"{base}/evaluations/{period}/submit", json={}, headers=committee)
    ).status_code == 200

    result = (await client.get(f"{base}/performance?period={period}", headers=buyer)).json()
    assert Decimal(result["committee"]) == 40 and Decimal(result["delivery"]) == 50
    assert result["satisfaction"] is None and result["complete"] is False
    assert Decimal(result["score"]) == Decimal("43.33")  # (40 × 40 + 50 × 20) ÷ 60
    assert result["grade"] == "failing" and result["recommendation"] == "withhold"

    assert (
        await client.post(f"{base}/performance/{period}/settle", headers=org)
    ).status_code == 403
    approval = await settle(client, contract["id"], period)
    assert approval["status"] == "approved"
    score = (
        await PerformanceScore.select(PerformanceScore.settled_by, PerformanceScore.approved_by)
        .where(PerformanceScore.contract == contract["id"])
        .first()
    )
    assert score is not None and score["settled_by"] == approval["requested_by"]
    assert score["approved_by"] == approval["decided_by"] != score["settled_by"]

    async def held() -> list[int]:
        detail = (await client.get(base, headers=buyer)).json()
        return [p["seq"] for p in detail["payments"] if p["status"] == "held"]

    async def rating() -> str:
        row = (
            await Organization.select(Organization.credit_rating)
            .where(Organization.id == contract["organization"])
            .first()
        )
        assert row is not None
        return str(await rating_in_force(contract["organization"], row["credit_rating"]))

    before = await rating()
    # The hold and the rating wait for the objection period (5 working days) to end.
    assert await held() == [] and await rating() == before
    stored = await Payment.select(Payment.status).where(Payment.contract == contract["id"])
    assert {row["status"] for row in stored} == {"scheduled"}
    settled = (
        await PerformanceScore.select(PerformanceScore.objection_ends_at)
        .where(PerformanceScore.contract == contract["id"])
        .first()
    )
    assert settled is not None
    moving_clock.advance(
        seconds=(settled["objection_ends_at"] - moving_clock.now()).total_seconds() + 1
    )
    assert await held() == [2], "a failing period holds its performance-linked instalment"
    assert await rating() == "C"
    assert (
        await client.post(f"{base}/performance/{period}/settle", headers=buyer)
    ).status_code == 409
    page = await client.get(
        f"/contracts/{contract['id']}/performance?period={period}", headers=buyer
    )
    assert page.status_code == 200 and 'data-testid="grade"' in page.text

"""Contracts from awards, signing, amendments with their cumulative change, and the rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure import clock
from procure.bids.tables import Award
from procure.security.tables import User
from procure.tenders.tables import Tender
from tests.conftest import Clock, bearer
from tests.contracts.helpers import amend, sign_for_buyer, sign_for_organization
from tests.tenders.conftest import award_a_tender


async def awarded_tender(client: AsyncTestClient, clock: Clock) -> tuple[int, int, dict[str, str]]:
    """A tender just awarded through the API, its value, and its buyer's headers."""
    buyer = await bearer("buyer")
    tender_id = await award_a_tender(
        client, buyer, [await bearer("org"), await bearer("org2")], clock
    )
    award = (
        await Award.select(Award.bid.total_fen.as_alias("value"))
        .where(Award.tender == tender_id)
        .first()
    )
    assert award is not None
    return tender_id, award["value"], buyer


def contract_payload(value: int, **overrides: Any) -> dict[str, Any]:
    start = date.today() + timedelta(days=20)
    first = value // 2
    payload = {
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=364)).isoformat(),
        "milestones": [{"title": "中期评估", "due_on": (start + timedelta(days=180)).isoformat()}],
        "payments": [
            {"due_on": (start + timedelta(days=10)).isoformat(), "amount_fen": first},
            {
                "due_on": (start + timedelta(days=360)).isoformat(),
                "amount_fen": value - first,
                "performance_linked": True,
            },
        ],
    }
    payload.update(overrides)
    return payload


async def test_the_standstill_period_must_end_first(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    tender_id, value, buyer = await awarded_tender(client, moving_clock)
    await Tender.update({Tender.standstill_ends_at: clock.now() + timedelta(days=2)}).where(
        Tender.id == tender_id
    )
    early = await client.post(
        f"/api/v1/tenders/{tender_id}/contract", json=contract_payload(value), headers=buyer
    )
    assert early.status_code == 409 and "standstill period runs until" in early.json()["detail"]
    await moving_clock.past_standstill(tender_id)
    invalid = contract_payload(
        value, payments=[{"due_on": date.today().isoformat(), "amount_fen": 1}]
    )
    after = await client.post(f"/api/v1/tenders/{tender_id}/contract", json=invalid, headers=buyer)
    assert after.status_code == 400  # now only the payload stands in the way


async def stranger_buyer(tender_id: int) -> dict[str, str]:
    tender = await Tender.select(Tender.department).where(Tender.id == tender_id).first()
    assert tender is not None
    other = (
        await User.select(User.username)
        .where((User.role == "buyer") & (User.department != tender["department"]))
        .first()
    )
    assert other is not None
    return await bearer(other["username"])


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"ends_on_days": 400}, "ends_on", "allows at most 366 days"),
        ({"payments_off_by": 1}, "payments", "instalments add up to"),
        ({"last_not_linked": True}, "payments", "the last instalment must depend on performance"),
        ({"communities": ["000000000000"]}, "communities", "is not covered by the tender"),
    ],
)
async def test_bad_contracts_are_refused(
    client: AsyncTestClient, moving_clock: Clock, change: dict, field: str, message: str
) -> None:
    tender_id, value, buyer = await awarded_tender(client, moving_clock)
    await moving_clock.past_standstill(tender_id)
    payload = contract_payload(value)
    if "ends_on_days" in change:
        payload["ends_on"] = (
            date.fromisoformat(payload["starts_on"]) + timedelta(days=change["ends_on_days"])
        ).isoformat()
    if "payments_off_by" in change:
        payload["payments"][0]["amount_fen"] += change["payments_off_by"]
    if "last_not_linked" in change:
        payload["payments"][-1]["performance_linked"] = False
    if "communities" in change:
        payload["communities"] = change["communities"]
    response = await client.post(
        f"/api/v1/tenders/{tender_id}/contract", json=payload, headers=buyer
    )
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field and message in response.json()["detail"]


async def test_from_award_to_amended_contract(client: AsyncTestClient, moving_clock: Clock) -> None:
    tender_id, value, buyer = await awarded_tender(client, moving_clock)
    standstill = (
        await Tender.select(Tender.standstill_ends_at).where(Tender.id == tender_id).first()
    )
    assert standstill is not None
    await moving_clock.past_standstill(tender_id)
    other = (
        await bearer("buyer2")
        if (await User.select(User.department).where(User.username == "buyer2").first())[
            "department"
        ]
        != (await Tender.select(Tender.department).where(Tender.id == tender_id).first())[
            "department"
        ]
        else await bearer("buyer3")
    )  # type: ignore[index]
    assert (
        await client.post(
            f"/api/v1/tenders/{tender_id}/contract", json=contract_payload(value), headers=other
        )
    ).status_code == 404

    created = await client.post(
        f"/api/v1/tenders/{tender_id}/contract", json=contract_payload(value), headers=buyer
    )
    assert created.status_code == 201, created.text
    contract = created.json()
    assert contract["status"] == "draft" and contract["value_fen"] == value
    assert (
        sum(line["amount_fen"] for line in contract["lines"]) == value
    )  # the winning bid's line prices
    assert len(contract["bid_receipt_sha256"]) == 64
    again = await client.post(
        f"/api/v1/tenders/{tender_id}/contract", json=contract_payload(value), headers=buyer
    )
    assert again.status_code == 409

    unsigned = {
        "reason": "增加服务量",
        "lines": [{"line_no": 1, "quantity_delta": 1, "unit_price_fen": 100}],
    }
    assert (
        await client.post(
            f"/api/v1/contracts/{contract['id']}/amendments", json=unsigned, headers=buyer
        )
    ).status_code == 409
    half = await sign_for_buyer(client, contract["id"])
    assert half["status"] == "draft"  # one party's signature is not a contract
    signed = await sign_for_organization(client, contract["id"])
    assert signed["status"] == "active"
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["status"] == "contracted"

    six_percent = value * 6 // 100
    history = await amend(
        client,
        contract["id"],
        {
            "reason": "服务对象增加",
            "lines": [{"line_no": 1, "quantity_delta": 10, "unit_price_fen": six_percent // 10}],
        },
    )
    assert history["cumulative_delta_fen"] == six_percent // 10 * 10
    assert history["adds_scope_outside_tender"] is False
    assert history["current_value_fen"] == value + history["cumulative_delta_fen"]
    changed = next(line for line in history["lines"] if line["line_no"] == 1)
    assert changed["current_quantity"] == changed["original_quantity"] + 10

    # Scope the tender did not have needs a new procurement.
    outside = await client.post(
        f"/api/v1/contracts/{contract['id']}/amendments",
        headers=buyer,
        json={
            "reason": "创文明城市宣传任务",
            "lines": [{"item_code": "C-TECH-005", "quantity_delta": 1, "unit_price_fen": 100}],
        },
    )
    assert outside.status_code == 400, outside.text
    assert outside.json()["field"] == "lines[0].item_code"
    assert "new procurement" in outside.json()["detail"]
    # Another 6% would take the supplementary agreements past 10% (政府采购法 第四十九条).
    over = await client.post(
        f"/api/v1/contracts/{contract['id']}/amendments",
        headers=buyer,
        json={
            "reason": "服务对象再次增加",
            "lines": [{"line_no": 1, "quantity_delta": 10, "unit_price_fen": six_percent // 10}],
        },
    )
    assert over.status_code == 400, over.text
    assert over.json()["field"] == "lines" and "第四十九条" in over.json()["detail"]
    history = (
        await client.get(f"/api/v1/contracts/{contract['id']}/amendments", headers=buyer)
    ).json()
    assert Decimal(history["cumulative_percent"]) <= 10

    bad = await client.post(
        f"/api/v1/contracts/{contract['id']}/amendments",
        headers=buyer,
        json={"reason": "x", "lines": [{"line_no": 99, "quantity_delta": 1, "unit_price_fen": 1}]},
    )
    assert bad.status_code == 400 and bad.json()["field"] == "lines[0].line_no"
    terminated = await client.post(
        f"/api/v1/contracts/{contract['id']}/terminate",
        json={"reason": "服务严重不达标"},
        headers=buyer,
    )
    assert terminated.json()["status"] == "terminated"
    assert (
        await client.post(f"/api/v1/contracts/{contract['id']}/complete", headers=buyer)
    ).status_code == 409

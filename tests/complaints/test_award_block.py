"""A suspension stops the award: the handler's request and the approver's approval alike."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from tests.complaints.helpers import Parties, answer, complained, filed, suspend
from tests.conftest import Clock, bearer
from tests.tenders.conftest import (
    approver_of,
    bid_payload,
    confirm_report,
    publish,
    seat_committee,
    tender_payload,
)


async def evaluated(client: AsyncTestClient, moving_clock: Clock) -> Parties:
    """A tender whose committee confirmed its report: the award is the next step."""
    buyer = await bearer("buyer")
    winner, loser = await bearer("org"), await bearer("org2")
    payload = await tender_payload(
        evaluation_method="lowest_price",
        criteria=[{"code": "price", "name": "价格", "kind": "price", "weight": 100}],
    )
    tender_id = (await client.post("/api/v1/tenders", json=payload, headers=buyer)).json()["id"]
    await publish(client, buyer, tender_id)
    for n, headers in enumerate([winner, loser]):
        bid = bid_payload(24_000_000 + n * 1_000_000)
        response = await client.put(f"/api/v1/tenders/{tender_id}/bid", json=bid, headers=headers)
        assert response.status_code == 201, response.text
    moving_clock.advance(days=13)
    members = await seat_committee(client, tender_id, buyer)
    started = await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    assert started.status_code == 200
    await confirm_report(client, tender_id, members)
    return Parties(
        tender_id=tender_id,
        value_fen=24_000_000,
        buyer=buyer,
        winner=winner,
        loser=loser,
        outsider=await bearer("org3"),
        other_buyer=await bearer("buyer2"),
        regulator=await bearer("regulator"),
        auditor=await bearer("auditor"),
    )


async def test_a_suspension_stops_the_award_until_lifted(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await evaluated(client, moving_clock)
    challenge_id = await filed(client, who, "process")
    assert (await answer(client, who, challenge_id, "rejected")).status_code == 200
    complaint_id = await complained(client, who, challenge_id)

    requested = await client.post(
        f"/api/v1/tenders/{who.tender_id}/award", json={}, headers=who.buyer
    )
    assert requested.status_code == 202, requested.text
    approval_id = requested.json()["approval_id"]
    suspension = (await suspend(client, who, complaint_id))["suspensions"][0]

    approver = await approver_of(who.tender_id)
    approved = await client.post(f"/api/v1/approvals/{approval_id}/approve", headers=approver)
    assert approved.status_code == 409 and "suspended this procurement" in approved.text
    tender = (await client.get(f"/api/v1/tenders/{who.tender_id}", headers=who.buyer)).json()
    assert tender["status"] == "evaluation"

    lifted = await client.post(
        f"/api/v1/suspensions/{suspension['id']}/lift",
        json={"reason": "已查明"},
        headers=who.regulator,
    )
    assert lifted.status_code == 200
    approved = await client.post(f"/api/v1/approvals/{approval_id}/approve", headers=approver)
    assert approved.status_code == 200, approved.text


async def test_a_suspended_tender_takes_no_award_request(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await evaluated(client, moving_clock)
    challenge_id = await filed(client, who, "process")
    moving_clock.advance(days=12)  # not answered in time
    complaint_id = await complained(client, who, challenge_id)
    await suspend(client, who, complaint_id)
    refused = await client.post(
        f"/api/v1/tenders/{who.tender_id}/award", json={}, headers=who.buyer
    )
    assert refused.status_code == 409 and "暂停采购活动" in refused.text

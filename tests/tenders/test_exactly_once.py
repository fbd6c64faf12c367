"""Every tender and bid transition happens exactly once: 50 identical requests racing give one
success, clear 409s for the rest, and one audit event — on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.testing import AsyncTestClient

from procure.approvals.tables import Approval
from procure.audit.events import AuditAction
from procure.bids.services import open_due_bids
from procure.bids.tables import Bid
from procure.tenders.tables import Tender
from tests.concurrency import RACERS, audit_count, exactly_one_success, race
from tests.conftest import Clock
from tests.tenders.conftest import approver_of, bid_payload, publish, tender_payload


async def draft(client: AsyncTestClient, headers: dict[str, str], **overrides: Any) -> int:
    response = await client.post(
        "/api/v1/tenders", json=await tender_payload(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_approving_a_publish_request_publishes_once(
    client: AsyncTestClient, as_user: Any
) -> None:
    buyer = await as_user("buyer")
    tender_id = await draft(client, buyer)
    requested = await client.post(f"/api/v1/tenders/{tender_id}/publish", json={}, headers=buyer)
    assert requested.status_code == 202, requested.text
    approval_id = requested.json()["approval_id"]
    approver = await approver_of(tender_id)

    codes = await race(
        lambda: client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=approver)
    )

    exactly_one_success(codes)
    assert await audit_count(AuditAction.tender_published, "tender", tender_id) == 1
    assert await audit_count(AuditAction.approval_approved, "approval", approval_id) == 1
    row = await Tender.select(Tender.status).where(Tender.id == tender_id).first()
    assert row == {"status": "published"}


async def test_approving_a_cancellation_cancels_once(client: AsyncTestClient, as_user: Any) -> None:
    buyer = await as_user("buyer")
    tender_id = await draft(client, buyer)
    await publish(client, buyer, tender_id)
    requested = await client.post(
        f"/api/v1/tenders/{tender_id}/cancel", json={"reason": "预算调整"}, headers=buyer
    )
    assert requested.status_code == 202, requested.text
    approval_id = requested.json()["approval_id"]
    approver = await approver_of(tender_id)

    codes = await race(
        lambda: client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=approver)
    )

    exactly_one_success(codes)
    assert await audit_count(AuditAction.tender_cancelled, "tender", tender_id) == 1
    row = await Tender.select(Tender.status).where(Tender.id == tender_id).first()
    assert row == {"status": "cancelled"}


async def test_withdrawing_a_bid_withdraws_once(client: AsyncTestClient, as_user: Any) -> None:
    buyer, org = await as_user("buyer"), await as_user("org")
    tender_id = await draft(client, buyer)
    await publish(client, buyer, tender_id)
    submitted = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(20_000_000), headers=org
    )
    assert submitted.status_code == 201, submitted.text
    bid = await Bid.select(Bid.id).where(Bid.tender == tender_id).first()
    assert bid is not None

    codes = await race(lambda: client.delete(f"/api/v1/tenders/{tender_id}/bid", headers=org))

    exactly_one_success(codes, success=204)
    assert await audit_count(AuditAction.bid_withdrawn, "bid", bid["id"]) == 1
    row = await Bid.select(Bid.status).where(Bid.id == bid["id"]).first()
    assert row == {"status": "withdrawn"}


async def test_the_deadline_opens_the_bids_once(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer = await as_user("buyer")
    tender_id = await draft(client, buyer)
    await publish(client, buyer, tender_id)
    for n, username in enumerate(("org", "org2", "org3")):
        response = await client.put(
            f"/api/v1/tenders/{tender_id}/bid",
            json=bid_payload(20_000_000 + n * 100_000),
            headers=await as_user(username),
        )
        assert response.status_code == 201, response.text
    moving_clock.advance(days=12, seconds=1, worker=False)  # the racers are the workers

    results = await asyncio.gather(*(open_due_bids(tender_id) for _ in range(RACERS)))

    assert results.count(True) == 1, results
    assert await audit_count(AuditAction.bids_opened, "tender", tender_id) == 1
    row = await Tender.select(Tender.status).where(Tender.id == tender_id).first()
    assert row == {"status": "opened"}
    bids = await Bid.select(Bid.status, Bid.total_fen).where(Bid.tender == tender_id)
    assert sorted(b["total_fen"] for b in bids) == [20_000_000, 20_100_000, 20_200_000]
    assert {b["status"] for b in bids} == {"opened"}


async def test_too_few_bids_fail_the_tender_once(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer = await as_user("buyer")
    tender_id = await draft(client, buyer)
    await publish(client, buyer, tender_id)
    response = await client.put(
        f"/api/v1/tenders/{tender_id}/bid",
        json=bid_payload(20_000_000),
        headers=await as_user("org"),
    )
    assert response.status_code == 201, response.text
    moving_clock.advance(days=12, seconds=1)

    codes = await race(lambda: client.get(f"/api/v1/tenders/{tender_id}"))

    assert codes == {200: RACERS}  # a look never fails; one of them opened the tender
    assert await audit_count(AuditAction.bids_opened, "tender", tender_id) == 1
    assert await audit_count(AuditAction.tender_unsuccessful, "tender", tender_id) == 1
    row = await Tender.select(Tender.status).where(Tender.id == tender_id).first()
    assert row == {"status": "unsuccessful"}


async def test_a_publish_request_is_made_once(client: AsyncTestClient, as_user: Any) -> None:
    buyer = await as_user("buyer")
    tender_id = await draft(client, buyer)

    codes = await race(
        lambda: client.post(f"/api/v1/tenders/{tender_id}/publish", json={}, headers=buyer)
    )

    exactly_one_success(codes, success=202)
    pending = await Approval.count().where(
        (Approval.subject_type == "tender")
        & (Approval.subject_id == str(tender_id))
        & (Approval.status == "pending")
    )
    assert pending == 1

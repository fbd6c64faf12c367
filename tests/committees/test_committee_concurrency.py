"""Every committee transition happens once: 50 identical requests, one success, one event."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from procure.audit.events import AuditAction
from procure.committees.tables import CommitteeMember, EvaluationCommittee, MemberStatus
from tests.committees.conftest import tender_with_bids
from tests.concurrency import audit_count, exactly_one_success, race
from tests.conftest import Clock
from tests.tenders.conftest import member_headers, seat_committee


async def _committee_id(tender_id: int) -> int:
    row = (
        await EvaluationCommittee.select(EvaluationCommittee.id)
        .where(EvaluationCommittee.tender == tender_id)
        .first()
    )
    assert row is not None
    return int(row["id"])


async def _member_id(tender_id: int, username: str) -> int:
    row = (
        await CommitteeMember.select(CommitteeMember.id)
        .where(
            (CommitteeMember.committee.tender == tender_id)
            & (CommitteeMember.user.username == username)
        )
        .first()
    )
    assert row is not None
    return int(row["id"])


async def test_fifty_parallel_draws_draw_once(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    tender_id = await tender_with_bids(client, as_user)
    buyer = await as_user("buyer")
    moving_clock.advance(days=11)
    codes = await race(
        lambda: client.post(f"/api/v1/tenders/{tender_id}/committee/draw", headers=buyer)
    )
    exactly_one_success(codes)
    committee_id = await _committee_id(tender_id)
    assert await audit_count(AuditAction.committee_drawn, "evaluation_committee", committee_id) == 1
    assert await CommitteeMember.count().where(CommitteeMember.committee == committee_id) == 5


async def test_fifty_parallel_declarations_declare_once(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    tender_id = await tender_with_bids(client, as_user)
    buyer = await as_user("buyer")
    moving_clock.advance(days=13)
    assert (
        await client.post(f"/api/v1/tenders/{tender_id}/committee/draw", headers=buyer)
    ).status_code == 200
    username, member = next(iter((await member_headers(tender_id, MemberStatus.drawn)).items()))
    view = (await client.get(f"/api/v1/tenders/{tender_id}/committee", headers=member)).json()
    body = {
        "declarations": [
            {"organization_id": b["organization_id"], "conflict": False} for b in view["bidders"]
        ]
    }
    codes = await race(
        lambda: client.post(
            f"/api/v1/tenders/{tender_id}/committee/declaration", json=body, headers=member
        )
    )
    exactly_one_success(codes)
    member_id = await _member_id(tender_id, username)
    assert await audit_count(AuditAction.member_declared, "evaluation_member", member_id) == 1


async def test_fifty_parallel_confirmations_confirm_once(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    tender_id = await tender_with_bids(
        client,
        as_user,
        evaluation_method="lowest_price",
        criteria=[{"code": "price", "name": "价格", "kind": "price", "weight": 100}],
    )
    buyer = await as_user("buyer")
    moving_clock.advance(days=13)
    members = await seat_committee(client, tender_id, buyer)
    assert (
        await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    ).status_code == 200
    username, member = next(iter(members.items()))
    codes = await race(
        lambda: client.post(f"/api/v1/tenders/{tender_id}/committee/confirmation", headers=member)
    )
    exactly_one_success(codes)
    member_id = await _member_id(tender_id, username)
    assert await audit_count(AuditAction.member_confirmed, "evaluation_member", member_id) == 1


async def test_fifty_parallel_award_approvals_award_once(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    tender_id = await tender_with_bids(
        client,
        as_user,
        evaluation_method="lowest_price",
        criteria=[{"code": "price", "name": "价格", "kind": "price", "weight": 100}],
    )
    buyer, approver = await as_user("buyer"), await as_user("approver")
    moving_clock.advance(days=13)
    members = await seat_committee(client, tender_id, buyer)
    assert (
        await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    ).status_code == 200
    for member in members.values():
        confirmed = await client.post(
            f"/api/v1/tenders/{tender_id}/committee/confirmation", headers=member
        )
        assert confirmed.status_code == 200
    requested = await client.post(f"/api/v1/tenders/{tender_id}/award", json={}, headers=buyer)
    assert requested.status_code == 202, requested.text
    approval_id = requested.json()["approval_id"]
    codes = await race(
        lambda: client.post(f"/api/v1/approvals/{approval_id}/approve", headers=approver)
    )
    exactly_one_success(codes)
    assert await audit_count(AuditAction.award_decided, "tender", tender_id) == 1
    assert await audit_count(AuditAction.approval_approved, "approval", approval_id) == 1

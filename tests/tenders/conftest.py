"""Helpers for the procurement tests: a tender payload, a bid payload, and the lawful way to
publish or cancel a tender: its handler (经办) requests, an approver (审批负责人) of the same
department approves (maker–checker)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from procure import clock
from procure.catalog.tables import CatalogItem
from procure.committees.tables import CommitteeMember, EvaluationCommittee, MemberStatus
from procure.geography.tables import Community
from procure.security.tables import Role, User
from procure.tenders.tables import Tender
from tests.conftest import bearer

Headers = dict[str, str]


async def tender_payload(**overrides: Any) -> dict[str, Any]:
    items = await CatalogItem.select(CatalogItem.code).order_by(CatalogItem.code).limit(2)
    communities = await Community.select(Community.code).order_by(Community.code).limit(2)
    now = clock.now()
    payload: dict[str, Any] = {
        "title": "测试社区长者助餐服务项目",
        "description": "为两个社区的独居长者提供助餐与探访服务。",
        "method": "competitive_consultation",
        "evaluation_method": "composite",
        "ceiling_fen": 30_000_000,
        "communities": [c["code"] for c in communities],
        "lines": [
            {"item_code": items[0]["code"], "quantity": 100, "description": "第一项"},
            {"item_code": items[1]["code"], "quantity": 50, "description": "第二项"},
        ],
        "criteria": [
            {"code": "price", "name": "价格", "kind": "price", "weight": 20},
            {"code": "T1", "name": "服务方案", "kind": "technical", "weight": 50},
            {"code": "T2", "name": "团队", "kind": "technical", "weight": 30},
        ],
        "clarification_deadline": (now + timedelta(days=3)).isoformat(),
        "submission_deadline": (now + timedelta(days=12)).isoformat(),
        "need_evidence": [{"kind": "resident_survey", "summary": "2026年居民需求调查"}],
    }
    payload.update(overrides)
    return payload


def bid_payload(total_fen: int, split: float = 0.6) -> dict[str, Any]:
    first = int(total_fen * split)
    return {
        "total_fen": total_fen,
        "lines": [
            {"line_no": 1, "price_fen": first},
            {"line_no": 2, "price_fen": total_fen - first},
        ],
        "technical_proposal": "以社区为本的助餐与探访方案。",
        "staffing_plan": "项目主管1名、社工3名、志愿者20名",
    }


async def tender_with_bids(
    client: Any, as_user: Any, bidders: tuple[str, ...] = ("org", "org2")
) -> int:
    """A published tender (12 days to its deadline) with a sealed bid of each of ``bidders``."""
    buyer = await as_user("buyer")
    created = await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    tender_id = int(created.json()["id"])
    await publish(client, buyer, tender_id)
    for n, who in enumerate(bidders):
        response = await client.put(
            f"/api/v1/tenders/{tender_id}/bid",
            json=bid_payload(25_000_000 + n * 1_000_000),
            headers=await as_user(who),
        )
        assert response.status_code == 201, response.text
    return tender_id


async def award_a_tender(
    client: Any, buyer: dict[str, str], bidders: list[dict[str, str]], clock: Any
) -> int:
    """Run a lowest-price tender from draft to award through the API; returns its id."""
    payload = await tender_payload(
        evaluation_method="lowest_price",
        criteria=[{"code": "price", "name": "价格", "kind": "price", "weight": 100}],
    )
    tender_id = (await client.post("/api/v1/tenders", json=payload, headers=buyer)).json()["id"]
    await publish(client, buyer, tender_id)
    for n, headers in enumerate(bidders):
        response = await client.put(
            f"/api/v1/tenders/{tender_id}/bid",
            json=bid_payload(24_000_000 + n * 1_000_000),
            headers=headers,
        )
        assert response.status_code == 201, response.text
    clock.advance(days=13)
    members = await seat_committee(client, tender_id, buyer)
    assert (
        await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    ).status_code == 200
    await confirm_report(client, tender_id, members)
    await award(client, tender_id, buyer)
    return int(tender_id)


async def approver_of(tender_id: int) -> Headers:
    """Bearer headers of an approver of the tender's department (one with the approver duty
    alone first: demo `approver`, `approver2`, `approver3`)."""
    tender = await Tender.select(Tender.department).where(Tender.id == tender_id).first()
    assert tender is not None, tender_id
    approver = (
        await User.select(User.username)
        .where(
            (User.role == Role.buyer)
            & (User.department == tender["department"])
            & User.is_approver.eq(True)
            & User.is_active.eq(True)
        )
        .order_by(User.is_handler)
        .order_by(User.username)
        .first()
    )
    assert approver is not None, f"no approver in the department of tender {tender_id}"
    return await bearer(approver["username"])


async def _headers(handler: Headers | str) -> Headers:
    return await bearer(handler) if isinstance(handler, str) else handler


async def approve_request(
    client: Any, response: Any, tender_id: int, approver: Headers | None = None
) -> Any:
    """Approve the request a 202 answer names, as an approver of the tender's department."""
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    approval_id = response.json()["approval_id"]
    approved = await client.post(
        f"/api/v1/approvals/{approval_id}/approve",
        json={},
        headers=approver or await approver_of(tender_id),
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    return approved


async def publish(
    client: Any,
    handler: Headers | str,
    tender_id: int,
    justification: str | None = None,
    approver: Headers | None = None,
) -> Any:
    """Publish a draft lawfully: the handler requests (202), an approver of the department
    (``approver``, or the first one found) approves. Returns the tender's detail response, as
    the handler sees it."""
    headers = await _headers(handler)
    body = {} if justification is None else {"short_period_justification": justification}
    requested = await client.post(
        f"/api/v1/tenders/{tender_id}/publish", json=body, headers=headers
    )
    await approve_request(client, requested, tender_id, approver)
    return await client.get(f"/api/v1/tenders/{tender_id}", headers=headers)


async def cancel(client: Any, handler: Headers | str, tender_id: int, reason: str) -> Any:
    """Cancel a tender lawfully (handler requests with the reason, an approver approves);
    returns the tender's detail response."""
    headers = await _headers(handler)
    requested = await client.post(
        f"/api/v1/tenders/{tender_id}/cancel", json={"reason": reason}, headers=headers
    )
    await approve_request(client, requested, tender_id)
    return await client.get(f"/api/v1/tenders/{tender_id}", headers=headers)


async def member_headers(tender_id: int, *statuses: MemberStatus) -> dict[str, dict[str, str]]:
    """Username → bearer headers of the tender's committee members in the given statuses (by
    default every seat)."""
    rows = (
        await CommitteeMember.select(CommitteeMember.user.username.as_alias("username"))
        .where(
            (CommitteeMember.committee.tender == tender_id)
            & CommitteeMember.status.is_in(
                list(statuses or (MemberStatus.drawn, MemberStatus.seated, MemberStatus.confirmed))
            )
        )
        .order_by(CommitteeMember.position)
    )
    return {row["username"]: await bearer(row["username"]) for row in rows}


async def declare(
    client: Any, tender_id: int, member: dict[str, str], conflicts: frozenset[int] = frozenset()
) -> str:
    """One member declares 回避 for every bidder listed to them (conflict for ``conflicts``)."""
    view = await client.get(f"/api/v1/tenders/{tender_id}/committee", headers=member)
    assert view.status_code == 200, view.text
    declarations = [
        {"organization_id": b["organization_id"], "conflict": b["organization_id"] in conflicts}
        for b in view.json()["bidders"]
    ]
    response = await client.post(
        f"/api/v1/tenders/{tender_id}/committee/declaration",
        json={"declarations": declarations},
        headers=member,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


async def seat_committee(
    client: Any, tender_id: int, buyer: dict[str, str], composition: dict[str, Any] | None = None
) -> dict[str, dict[str, str]]:
    """The lawful way to a committee after opening: the handler (optionally composes and) draws,
    every drawn member declares no conflict. Returns the seated members' headers by username."""
    if composition is not None:
        composed = await client.put(
            f"/api/v1/tenders/{tender_id}/committee", json=composition, headers=buyer
        )
        assert composed.status_code == 200, composed.text
    drawn = await client.post(f"/api/v1/tenders/{tender_id}/committee/draw", headers=buyer)
    assert drawn.status_code == 200, drawn.text
    for member in (await member_headers(tender_id, MemberStatus.drawn)).values():
        assert await declare(client, tender_id, member) == "seated"
    status = await EvaluationCommittee.select(EvaluationCommittee.status).where(
        EvaluationCommittee.tender == tender_id
    )
    assert status[0]["status"] == "seated"
    return await member_headers(tender_id, MemberStatus.seated)


async def committee_decides(
    client: Any, path: str, body: dict[str, Any], members: dict[str, dict[str, str]]
) -> None:
    """A majority of the committee votes the same way on an explanation or a disqualification
    (``path`` under /api/v1/bids/{id}/), which decides it."""
    for member in list(members.values())[: len(members) // 2 + 1]:
        response = await client.post(f"/api/v1/bids/{path}", json=body, headers=member)
        assert response.status_code == 200, response.text


async def score_all(
    client: Any,
    tender_id: int,
    members: dict[str, dict[str, str]],
    scores: dict[int, dict[str, int]],
) -> None:
    """Every member gives the same technical scores (bid id → criterion code → score)."""
    for member in members.values():
        for bid_id, by_code in scores.items():
            response = await client.put(
                f"/api/v1/tenders/{tender_id}/evaluation/scores",
                json={"bid_id": bid_id, "scores": by_code},
                headers=member,
            )
            assert response.status_code == 200, response.text


async def confirm_report(client: Any, tender_id: int, members: dict[str, dict[str, str]]) -> None:
    """Every member confirms the evaluation report: the committee's ranking is fixed."""
    for member in members.values():
        response = await client.post(
            f"/api/v1/tenders/{tender_id}/committee/confirmation", headers=member
        )
        assert response.status_code == 200, response.text


async def award(
    client: Any,
    tender_id: int,
    buyer: dict[str, str],
    approver: dict[str, str] | None = None,
    bid_id: int | None = None,
) -> int:
    """The handler proposes the award to the first-ranked bid; an approver of the department
    approves it. Returns the approval's id."""
    requested = await client.post(
        f"/api/v1/tenders/{tender_id}/award", json={"bid_id": bid_id}, headers=buyer
    )
    assert requested.status_code == 202, requested.text
    approval_id = int(requested.json()["approval_id"])
    approver = approver or await approver_of(tender_id)
    approved = await client.post(f"/api/v1/approvals/{approval_id}/approve", headers=approver)
    assert approved.status_code == 200, approved.text
    return approval_id

"""Publishing and cancelling a tender need two people: the handler (经办) requests, an approver
(审批负责人) of the same department other than the handler carries the step out by approving."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure import clock
from procure.approvals.tables import Approval
from procure.audit.events import AuditAction
from procure.audit.tables import AuditEvent
from procure.security.selectors import user_by_username
from procure.security.tables import User
from procure.tenders.tables import Tender
from tests.conftest import Clock
from tests.tenders.conftest import approver_of, cancel, publish, tender_payload


async def draft(client: AsyncTestClient, headers: dict[str, str], **overrides: Any) -> int:
    response = await client.post(
        "/api/v1/tenders", json=await tender_payload(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def request_publish(
    client: AsyncTestClient, headers: dict[str, str], tender_id: int, **body: str
) -> int:
    response = await client.post(f"/api/v1/tenders/{tender_id}/publish", json=body, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    return int(response.json()["approval_id"])


async def last_event(action: AuditAction, tender_id: int) -> dict[str, Any]:
    row = (
        await AuditEvent.select()
        .where(
            (AuditEvent.action == str(action))
            & (AuditEvent.subject_type == "tender")
            & (AuditEvent.subject_id == str(tender_id))
        )
        .order_by(AuditEvent.seq, ascending=False)
        .first()
    )
    assert row is not None, (action, tender_id)
    data = row["data"]
    return {**row, "data": json.loads(data) if isinstance(data, str) else data}


async def user_id(username: str) -> int:
    row = await user_by_username(username)
    assert row is not None
    return int(row["id"])


async def test_a_publish_request_waits_for_the_approver(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer, approver = await as_user("buyer"), await as_user("approver")
    tender_id = await draft(client, buyer)
    approval_id = await request_publish(client, buyer, tender_id)

    # Nothing is public yet; the draft is frozen under the approver; one request at a time.
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).status_code == 404
    detail = (await client.get(f"/api/v1/tenders/{tender_id}", headers=buyer)).json()
    assert detail["status"] == "draft" and detail["published_at"] is None
    edit = await client.put(
        f"/api/v1/tenders/{tender_id}", json=await tender_payload(), headers=buyer
    )
    assert edit.status_code == 409
    assert f"approval request {approval_id} to publish this draft is pending" in edit.text
    again = await client.post(f"/api/v1/tenders/{tender_id}/publish", json={}, headers=buyer)
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"Approval request {approval_id} to publish this tender is already pending; wait for "
        "the decision or withdraw it"
    )
    cancelling = await client.post(
        f"/api/v1/tenders/{tender_id}/cancel", json={"reason": "改期"}, headers=buyer
    )
    assert cancelling.status_code == 409

    request = (await client.get(f"/api/v1/approvals/{approval_id}", headers=approver)).json()
    assert request["kind"] == "tender.publish" and request["subject_id"] == str(tender_id)
    assert request["payload"] == {"justification": ""}

    moving_clock.advance(hours=5)
    approved = await client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={}, headers=approver
    )
    assert approved.status_code == 200, approved.text
    published = (await client.get(f"/api/v1/tenders/{tender_id}")).json()
    assert published["status"] == "published"
    decided_at = approved.json()["decided_at"]
    assert abs(
        datetime.fromisoformat(published["published_at"]) - datetime.fromisoformat(decided_at)
    ) < timedelta(seconds=2)  # published when approved, not when asked

    event = await last_event(AuditAction.tender_published, tender_id)
    assert event["actor_id"] == await user_id("approver")
    assert event["data"]["prepared_by"] == await user_id("buyer")
    assert event["data"]["prepared_by_username"] == "buyer"
    assert event["data"]["approved_by_username"] == "approver"
    assert event["data"]["approval"] == approval_id
    assert event["data"]["from"] == "draft" and event["data"]["to"] == "published"


async def test_the_short_period_justification_travels_in_the_request(
    client: AsyncTestClient, as_user: Any
) -> None:
    buyer = await as_user("buyer")
    now = clock.now()
    tender_id = await draft(
        client,
        buyer,
        method="open_tender",
        clarification_deadline=(now + timedelta(days=2)).isoformat(),
        submission_deadline=(now + timedelta(days=15)).isoformat(),
    )
    refused = await client.post(f"/api/v1/tenders/{tender_id}/publish", json={}, headers=buyer)
    assert refused.status_code == 400 and refused.json()["field"] == "submission_deadline"
    assert (
        await Approval.count().where(
            (Approval.subject_type == "tender") & (Approval.subject_id == str(tender_id))
        )
        == 0
    )
    approval_id = await request_publish(
        client, buyer, tender_id, short_period_justification="防汛应急服务"
    )
    request = (
        await client.get(f"/api/v1/approvals/{approval_id}", headers=await as_user("approver"))
    ).json()
    assert request["payload"] == {"justification": "防汛应急服务"}
    await client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={}, headers=await as_user("approver")
    )
    detail = (await client.get(f"/api/v1/tenders/{tender_id}")).json()
    assert detail["short_period_justification"] == "防汛应急服务"
    event = await last_event(AuditAction.tender_published, tender_id)
    assert event["data"]["justification"] == "防汛应急服务"
    assert event["data"]["minimum_days"] == 20


async def test_the_approval_re_checks_the_draft_as_of_approving(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer, approver = await as_user("buyer"), await as_user("approver")
    tender_id = await draft(client, buyer)
    approval_id = await request_publish(client, buyer, tender_id)
    moving_clock.advance(days=4)  # the clarification deadline passed while the request waited
    late = await client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=approver)
    assert late.status_code == 400 and late.json()["field"] == "clarification_deadline"
    row = await Tender.select(Tender.status).where(Tender.id == tender_id).first()
    assert row == {"status": "draft"}
    pending = await Approval.select(Approval.status).where(Approval.id == approval_id).first()
    assert pending == {"status": "pending"}  # nothing was decided; the approver refuses it


async def test_a_refused_request_returns_to_the_handler_with_the_reason(
    client: AsyncTestClient, as_user: Any
) -> None:
    buyer, approver = await as_user("buyer"), await as_user("approver")
    tender_id = await draft(client, buyer)
    approval_id = await request_publish(client, buyer, tender_id)
    refused = await client.post(
        f"/api/v1/approvals/{approval_id}/refuse",
        json={"reason": "评分标准需补充服务质量指标"},
        headers=approver,
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    detail = (await client.get(f"/api/v1/tenders/{tender_id}", headers=buyer)).json()
    assert detail["status"] == "draft"
    page = await client.get(f"/tenders/{tender_id}", headers=buyer)
    assert 'data-testid="refused-approval"' in page.text
    assert "评分标准需补充服务质量指标" in page.text
    # The draft can be corrected and submitted again.
    edit = await client.put(
        f"/api/v1/tenders/{tender_id}", json=await tender_payload(), headers=buyer
    )
    assert edit.status_code == 200, edit.text
    again = await request_publish(client, buyer, tender_id)
    page = await client.get(f"/tenders/{tender_id}", headers=buyer)
    assert 'data-testid="refused-approval"' not in page.text
    assert f'data-testid="pending-approval" data-kind="tender.publish" data-id="{again}"' in (
        page.text
    )


async def test_a_withdrawn_request_unfreezes_the_draft(
    client: AsyncTestClient, as_user: Any
) -> None:
    buyer = await as_user("buyer")
    tender_id = await draft(client, buyer)
    approval_id = await request_publish(client, buyer, tender_id)
    withdrawn = await client.post(f"/api/v1/approvals/{approval_id}/withdraw", headers=buyer)
    assert withdrawn.status_code == 200, withdrawn.text
    edit = await client.put(
        f"/api/v1/tenders/{tender_id}", json=await tender_payload(), headers=buyer
    )
    assert edit.status_code == 200, edit.text
    approve = await client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={}, headers=await as_user("approver")
    )
    assert approve.status_code == 409  # a withdrawn request is no longer approvable


async def test_cancelling_needs_an_approver_too(client: AsyncTestClient, as_user: Any) -> None:
    buyer, approver = await as_user("buyer"), await as_user("approver")
    tender_id = await draft(client, buyer)
    assert (await publish(client, buyer, tender_id)).json()["status"] == "published"
    requested = await client.post(
        f"/api/v1/tenders/{tender_id}/cancel", json={"reason": "预算调整"}, headers=buyer
    )
    assert requested.status_code == 202, requested.text
    approval_id = requested.json()["approval_id"]
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["status"] == "published"
    request = (await client.get(f"/api/v1/approvals/{approval_id}", headers=approver)).json()
    assert request["kind"] == "tender.cancel" and request["payload"] == {"reason": "预算调整"}
    approved = await client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={}, headers=approver
    )
    assert approved.status_code == 200, approved.text
    detail = (await client.get(f"/api/v1/tenders/{tender_id}")).json()
    assert detail["status"] == "cancelled" and detail["cancel_reason"] == "预算调整"
    event = await last_event(AuditAction.tender_cancelled, tender_id)
    assert event["actor_id"] == await user_id("approver")
    assert event["data"]["prepared_by_username"] == "buyer"
    assert event["data"]["from"] == "published" and event["data"]["reason"] == "预算调整"
    # A draft is cancelled the same way.
    other = await draft(client, buyer)
    assert (await cancel(client, buyer, other, "需求取消")).json()["status"] == "cancelled"


# -- role boundaries --------------------------------------------------------------------------


@pytest.fixture
async def both_duties() -> AsyncIterator[str]:
    """`buyer` holds both duties for one test: may approve others' work, never their own."""
    await User.update({User.is_approver: True}).where(User.username == "buyer")
    yield "buyer"
    await User.update({User.is_approver: False}).where(User.username == "buyer")


async def test_a_handler_with_both_duties_cannot_approve_their_own_request(
    client: AsyncTestClient, as_user: Any, both_duties: str
) -> None:
    buyer = await as_user(both_duties)
    tender_id = await draft(client, buyer)
    approval_id = await request_publish(client, buyer, tender_id)
    own = await client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=buyer)
    assert own.status_code == 403 and "own work" in own.json()["detail"]
    assert (await client.get(f"/api/v1/tenders/{tender_id}", headers=buyer)).json()[
        "status"
    ] == "draft"
    # The page offers the link to decide only to another approver.
    page = await client.get(f"/tenders/{tender_id}", headers=buyer)
    assert 'data-testid="decide-on-approvals"' not in page.text
    other_approver = await approver_of(tender_id)
    page = await client.get(f"/tenders/{tender_id}", headers=other_approver)
    assert 'data-testid="decide-on-approvals"' in page.text
    approved = await client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={}, headers=other_approver
    )
    assert approved.status_code == 200, approved.text


async def test_an_approver_of_another_department_does_not_see_the_request(
    client: AsyncTestClient, as_user: Any
) -> None:
    buyer = await as_user("buyer")
    tender_id = await draft(client, buyer)
    approval_id = await request_publish(client, buyer, tender_id)
    for path in ("approve", "refuse"):
        other = await client.post(
            f"/api/v1/approvals/{approval_id}/{path}",
            json={"reason": "x"},
            headers=await as_user("approver2"),
        )
        assert other.status_code == 404, path
    # Nor does a handler of another department reach the tender.
    stranger = await client.post(
        f"/api/v1/tenders/{tender_id}/cancel", json={"reason": "x"}, headers=await as_user("buyer2")
    )
    assert stranger.status_code == 404
    assert (await client.get(f"/api/v1/tenders/{tender_id}", headers=buyer)).json()[
        "status"
    ] == "draft"


async def test_only_a_handler_requests(client: AsyncTestClient, as_user: Any) -> None:
    buyer = await as_user("buyer")
    tender_id = await draft(client, buyer)
    # A buyer of the department without the handler duty: forbidden, with the reason.
    for path, body in (("publish", {}), ("cancel", {"reason": "x"})):
        response = await client.post(
            f"/api/v1/tenders/{tender_id}/{path}", json=body, headers=await as_user("approver")
        )
        assert response.status_code == 403, (path, response.text)
        assert "handler" in response.json()["detail"]
    page = await client.get(f"/tenders/{tender_id}", headers=await as_user("approver"))
    assert 'data-testid="submit-for-publication"' not in page.text
    # Other roles never manage tenders.
    for username in ("org", "committee", "expert", "regulator", "auditor"):
        for path, body in (("publish", {}), ("cancel", {"reason": "x"})):
            response = await client.post(
                f"/api/v1/tenders/{tender_id}/{path}", json=body, headers=await as_user(username)
            )
            assert response.status_code == 403, (username, path, response.text)
    assert (
        await Approval.count().where(
            (Approval.subject_type == "tender") & (Approval.subject_id == str(tender_id))
        )
        == 0
    )


# -- the tender page --------------------------------------------------------------------------


async def test_the_page_offers_the_handler_a_request_and_the_approver_a_link(
    client: AsyncTestClient, as_user: Any
) -> None:
    buyer, approver = await as_user("buyer"), await as_user("approver")
    tender_id = await draft(client, buyer)
    page = await client.get(f"/tenders/{tender_id}", headers=buyer)
    assert 'data-testid="submit-for-publication"' in page.text
    assert "提交审批" in page.text and "审批负责人" in page.text
    assert f'action="/tenders/{tender_id}/publish"' in page.text
    await request_publish(client, buyer, tender_id)
    page = await client.get(f"/tenders/{tender_id}", headers=buyer)
    assert 'data-testid="pending-approval"' in page.text
    assert 'data-testid="submit-for-publication"' not in page.text
    assert 'data-testid="withdraw-request"' in page.text
    page = await client.get(f"/tenders/{tender_id}", headers=approver)
    assert 'data-testid="pending-approval"' in page.text
    assert 'href="/approvals"' in page.text


async def test_every_demo_tender_was_published_by_an_approver_other_than_its_handler(
    database: None,
) -> None:
    tenders = await Tender.select(Tender.id, Tender.department, Tender.status).where(
        Tender.reference.like("ZB-20%") & Tender.published_at.is_not_null()
    )
    assert tenders
    for tender in tenders:
        approvals = await Approval.select(
            Approval.kind,
            Approval.status,
            Approval.department,
            Approval.requested_by.is_handler.as_alias("handler"),
            Approval.decided_by.is_approver.as_alias("approver"),
            Approval.requested_by,
            Approval.decided_by,
        ).where((Approval.subject_type == "tender") & (Approval.subject_id == str(tender["id"])))
        kinds = {a["kind"] for a in approvals}
        assert "tender.publish" in kinds, tender
        assert ("tender.cancel" in kinds) == (tender["status"] == "cancelled"), tender
        for a in approvals:
            assert a["status"] == "approved" and a["department"] == tender["department"]
            assert a["handler"] and a["approver"] and a["requested_by"] != a["decided_by"]


async def test_a_second_request_on_the_page_names_the_pending_one_in_chinese(
    client: AsyncTestClient, as_user: Any
) -> None:
    buyer = await as_user("buyer")
    tender_id = await draft(client, buyer)
    approval_id = await request_publish(client, buyer, tender_id)
    again = await client.post(
        f"/tenders/{tender_id}/publish",
        data={},
        headers={**buyer, "Referer": "http://testserver.local/"},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert (
        f"发布该采购项目的审批申请（编号 {approval_id}）正在等待审批，请等待审批结果或先撤回该申请"
        in again.text
    )

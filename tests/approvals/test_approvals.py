"""Maker–checker: a handler requests, an approver other than the handler decides, once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient

from procure.approvals import services
from procure.approvals.services import approval_request
from procure.audit.events import AuditAction
from procure.db import transaction
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from tests.concurrency import audit_count, exactly_one_success, race

KIND = "test.noop"
carried_out: list[dict[str, Any]] = []


@pytest.fixture(autouse=True)
def noop_executor() -> Iterator[None]:
    async def carry_out(approval: dict[str, Any], approver: Actor) -> None:
        carried_out.append({"approval": approval["id"], "approver": approver.username})

    services.EXECUTORS[KIND] = carry_out
    carried_out.clear()
    yield
    services.EXECUTORS.pop(KIND, None)


async def actor(username: str) -> Actor:
    row = await user_by_username(username)
    assert row is not None
    return Actor.from_row(row)


async def requested(username: str = "buyer", subject_id: int = 1) -> int:
    handler = await actor(username)
    assert handler.department_id is not None
    async with transaction():
        return await approval_request(
            actor=handler,
            kind=KIND,
            subject_type="test",
            subject_id=f"{subject_id}-{uuid4().hex}",
            department_id=handler.department_id,
            summary="测试审批",
        )


async def test_an_approver_approves_and_the_step_is_carried_out(
    client: AsyncTestClient, as_user, database: None
) -> None:
    approval_id = await requested()
    response = await client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={}, headers=await as_user("approver")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "approved"
    assert body["decided_by_name"].startswith("赵立新")
    assert carried_out == [{"approval": approval_id, "approver": "approver"}]


async def test_no_one_approves_their_own_work(client: AsyncTestClient, as_user, database) -> None:
    # A user with both duties may approve others' work, never their own.
    from procure.security.tables import User

    await User.update({User.is_approver: True}).where(User.username == "buyer")
    try:
        approval_id = await requested("buyer")
        response = await client.post(
            f"/api/v1/approvals/{approval_id}/approve", json={}, headers=await as_user("buyer")
        )
        assert response.status_code == 403
        assert "own work" in response.json()["detail"]
        assert carried_out == []
    finally:
        await User.update({User.is_approver: False}).where(User.username == "buyer")


async def test_a_handler_without_the_approver_duty_cannot_approve(
    client: AsyncTestClient, as_user, database
) -> None:
    approval_id = await requested("buyer")
    # buyer2 is a handler of another department: the request does not exist for them.
    other = await client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={}, headers=await as_user("approver2")
    )
    assert other.status_code == 404
    for role_user in ("org", "committee", "auditor", "regulator", "expert"):
        refused = await client.post(
            f"/api/v1/approvals/{approval_id}/approve", json={}, headers=await as_user(role_user)
        )
        assert refused.status_code == 403, role_user
    assert carried_out == []


async def test_a_refusal_needs_a_reason_and_returns_to_the_handler(
    client: AsyncTestClient, as_user, database
) -> None:
    approval_id = await requested()
    approver = await as_user("approver")
    empty = await client.post(
        f"/api/v1/approvals/{approval_id}/refuse", json={"reason": " "}, headers=approver
    )
    assert empty.status_code == 400
    refused = await client.post(
        f"/api/v1/approvals/{approval_id}/refuse", json={"reason": "预算依据不足"}, headers=approver
    )
    assert refused.status_code == 200
    assert refused.json()["status"] == "refused"
    assert carried_out == []
    mine = await client.get(
        "/api/v1/approvals?status=refused&mine=true", headers=await as_user("buyer")
    )
    assert approval_id in [a["id"] for a in mine.json()["items"]]
    again = await client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=approver)
    assert again.status_code == 409


async def test_one_pending_request_per_step_and_subject(database: None) -> None:
    from procure.errors import Conflict

    handler = await actor("buyer")
    assert handler.department_id is not None

    async def ask() -> int:
        async with transaction():
            return await approval_request(
                actor=handler,
                kind=KIND,
                subject_type="test",
                subject_id="same-subject",
                department_id=handler.department_id or 0,
                summary="重复申请",
            )

    first = await ask()
    with pytest.raises(Conflict):
        await ask()
    await services.approval_withdraw(actor=handler, approval_id=first)
    await ask()


async def test_fifty_parallel_approvals_carry_out_the_step_once(
    client: AsyncTestClient, as_user, database
) -> None:
    approval_id = await requested()
    approver = await as_user("approver")
    codes = await race(
        lambda: client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=approver)
    )
    exactly_one_success(codes)
    assert len(carried_out) == 1
    assert await audit_count(AuditAction.approval_approved, "approval", approval_id) == 1


async def test_the_approvals_page_lists_what_waits(client: AsyncTestClient, database) -> None:
    from tests.conftest import login

    approval_id = await requested()
    await login(client, "approver")
    page = await client.get("/approvals")
    assert page.status_code == 200
    assert f'data-id="{approval_id}"' in page.text
    start = await client.get("/buyer")
    assert 'data-testid="awaiting-approvals"' in start.text


async def test_the_approvals_page_says_a_refusal_in_the_readers_language(
    client: AsyncTestClient, database
) -> None:
    """A decision the page refuses reads in Chinese: what the refusal needs, and the approval's
    status by its label."""
    from tests.conftest import csrf_headers, login

    approval_id = await requested()
    await login(client, "approver")
    token = csrf_headers(client)["x-csrftoken"]
    empty = await client.post(
        f"/approvals/{approval_id}/refuse", data={"_csrf_token": token, "reason": " "}
    )
    assert empty.status_code == 409
    assert "退回申请须向经办人说明理由" in empty.text
    refused = await client.post(
        f"/approvals/{approval_id}/refuse",
        data={"_csrf_token": token, "reason": "预算依据不足"},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    again = await client.post(f"/approvals/{approval_id}/approve", data={"_csrf_token": token})
    assert again.status_code == 409
    assert (
        f"该审批（编号 {approval_id}）当前状态为“已退回”，此操作仅在状态为“待审批”时可以进行"
        in again.text
    )

"""Every contract, amendment and payment transition happens exactly once: 50 identical requests
at once give one success, clear 409s and one audit event (both engines)."""

from __future__ import annotations

import asyncio
from datetime import date
from itertools import count

from litestar.testing import AsyncTestClient

from procure.audit.events import AuditAction
from procure.contracts.tables import Amendment, Contract, Payment
from tests.acceptance.helpers import passed_final_acceptance
from tests.concurrency import RACERS, audit_count, exactly_one_success, race
from tests.contracts.helpers import (
    propose,
    rectified,
    requested,
    sign_for_buyer,
    sign_for_organization,
)
from tests.risk.conftest import make_contract

XINLIANXIN = "52440319MJL018363J"


async def contract(status: str = "active", **extra) -> int:
    row = await make_contract(status=status, department="D-MZJ", organization=XINLIANXIN, **extra)
    return int(row["id"])


async def test_the_organization_signs_once(client: AsyncTestClient, as_user) -> None:
    contract_id = await contract("draft")
    await sign_for_buyer(client, contract_id)
    org = await as_user("org")
    codes = await race(
        lambda: client.post(f"/api/v1/contracts/{contract_id}/organization/sign", headers=org)
    )
    exactly_one_success(codes)
    assert await audit_count(AuditAction.contract_organization_signed, "contract", contract_id) == 1
    assert await audit_count(AuditAction.contract_signed, "contract", contract_id) == 1
    row = await Contract.select(Contract.status).where(Contract.id == contract_id).first()
    assert row is not None and row["status"] == "active"


async def test_the_buyers_signature_is_approved_once(client: AsyncTestClient, as_user) -> None:
    contract_id = await contract("draft")
    await sign_for_organization(client, contract_id)
    approval_id = await requested(
        await client.post(f"/api/v1/contracts/{contract_id}/sign", headers=await as_user("buyer"))
    )
    approver = await as_user("approver")
    codes = await race(
        lambda: client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=approver)
    )
    exactly_one_success(codes)
    assert await audit_count(AuditAction.contract_buyer_signed, "contract", contract_id) == 1
    assert await audit_count(AuditAction.contract_signed, "contract", contract_id) == 1


async def test_completing_and_terminating_race_one_wins(client: AsyncTestClient, as_user) -> None:
    contract_id = await contract()
    await passed_final_acceptance(contract_id)  # completion needs it
    buyer = await as_user("buyer")
    turn = count()

    def close():  # half complete, half terminate, all at once
        if next(turn) % 2:
            return client.post(f"/api/v1/contracts/{contract_id}/complete", headers=buyer)
        return client.post(
            f"/api/v1/contracts/{contract_id}/terminate", json={"reason": "违约"}, headers=buyer
        )

    responses = await asyncio.gather(*(close() for _ in range(RACERS)))
    codes = [r.status_code for r in responses]
    assert codes.count(200) == 1 and codes.count(409) == RACERS - 1, codes
    completed = await audit_count(AuditAction.contract_completed, "contract", contract_id)
    terminated = await audit_count(AuditAction.contract_terminated, "contract", contract_id)
    assert completed + terminated == 1
    row = await Contract.select().where(Contract.id == contract_id).first()
    assert row is not None
    assert row["status"] == ("completed" if completed else "terminated")
    assert (row["terminated_reason"] != "") == bool(terminated)


async def test_an_amendment_is_accepted_once(client: AsyncTestClient, as_user) -> None:
    contract_id = await contract(value_fen=1_000_000, quantities=(10_000,))
    version = await propose(
        client,
        contract_id,
        {
            "reason": "服务量增加",
            "lines": [{"line_no": 1, "quantity_delta": 500, "unit_price_fen": 100}],
        },
    )
    org = await as_user("org")
    codes = await race(
        lambda: client.post(
            f"/api/v1/contracts/{contract_id}/amendments/{version}/accept", headers=org
        )
    )
    exactly_one_success(codes)
    amendment = (
        await Amendment.select(Amendment.id)
        .where((Amendment.contract == contract_id) & (Amendment.version == version))
        .first()
    )
    assert amendment is not None
    assert await audit_count(AuditAction.amendment_signed, "amendment", amendment["id"]) == 1


async def test_a_payment_release_is_approved_once(client: AsyncTestClient, as_user) -> None:
    contract_id = await contract(payments=[(date(2026, 3, 1), "held")])
    await rectified(client, contract_id, 1)
    approval_id = await requested(
        await client.post(
            f"/api/v1/contracts/{contract_id}/payments/1/release",
            json={"reason": "整改完成"},
            headers=await as_user("buyer"),
        )
    )
    approver = await as_user("approver")
    codes = await race(
        lambda: client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=approver)
    )
    exactly_one_success(codes)
    payment = await Payment.select().where(Payment.contract == contract_id).first()
    assert payment is not None and payment["status"] == "released"
    assert await audit_count(AuditAction.payment_released, "payment", payment["id"]) == 1

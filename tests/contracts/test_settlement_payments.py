"""What a settlement in force does to its instalment: a deduction per grade (policy
[performance.deduction_percent]) and, for a failing period, a hold released only after the
organization's rectification is accepted; each step needs an approver."""

from __future__ import annotations

from datetime import date

from litestar.testing import AsyncTestClient

from procure.audit.events import AuditAction
from procure.contracts.tables import Payment, Rectification
from procure.i18n import yuan
from procure.policy import get_policy
from tests.acceptance.helpers import passed_final_acceptance
from tests.concurrency import audit_count
from tests.conftest import Clock
from tests.contracts.helpers import approve, parties, requested, settle
from tests.performance.helpers import INSTALMENT_FEN, at, evaluated, judged_contract

TWELFTH = INSTALMENT_FEN // 12


async def in_force(client: AsyncTestClient, clock: Clock, score: int) -> dict:
    """August settled on 09-29 with the committee's ``score``; in force from 10-13."""
    contract = await judged_contract()
    await evaluated(contract, "2026-08", score)
    at(clock, 2026, 9, 29)
    assert (await settle(client, contract["id"], "2026-08"))["status"] == "approved"
    at(clock, 2026, 10, 13, 9)
    await passed_final_acceptance(contract["id"])  # the only instalment is the final payment
    return contract


async def instalment(client: AsyncTestClient, contract_id: int, headers: dict) -> dict:
    detail = await client.get(f"/api/v1/contracts/{contract_id}", headers=headers)
    return detail.json()["payments"][0]


async def test_a_deduction_per_grade_and_the_payment_of_what_is_due(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    contract = await in_force(client, moving_clock, 95)  # 63.33: 合格 (passing)
    who = await parties(contract["id"])
    percent = get_policy().performance.deduction_percent.passing
    assert percent == 5
    payment = await instalment(client, contract["id"], who["handler"])
    assert payment["status"] == "scheduled"
    assert payment["deduction_fen"] == TWELFTH * percent // 100
    due = INSTALMENT_FEN - TWELFTH * percent // 100
    assert payment["amount_due_fen"] == due

    record = f"/api/v1/contracts/{contract['id']}/payments/1/record"
    voucher = {"paid_on": "2026-10-13", "voucher_no": "PZ-2026-1013"}
    whole = await client.post(
        record, json={**voucher, "amount_fen": INSTALMENT_FEN}, headers=who["handler"]
    )
    assert whole.status_code == 400 and whole.json()["field"] == "amount_fen"
    # The amounts read in yuan, never in fen.
    assert whole.json()["detail"] == (
        f"the instalment is {yuan(INSTALMENT_FEN, 'en')} less "
        f"{yuan(TWELFTH * percent // 100, 'en')} deducted for performance; "
        f"record the payment of the {yuan(due, 'en')} due"
    )
    approval_id = await requested(
        await client.post(record, json={**voucher, "amount_fen": due}, headers=who["handler"])
    )
    own = await client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={}, headers=who["handler"]
    )
    assert own.status_code == 403  # no one approves their own request
    await approve(client, approval_id, who["approver"])
    paid = await instalment(client, contract["id"], who["handler"])
    assert paid["status"] == "paid" and paid["paid_amount_fen"] == due
    assert paid["paid_on"] == "2026-10-13" and paid["voucher_no"] == "PZ-2026-1013"


async def test_no_payment_while_a_settlement_is_open_to_objection(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    contract = await judged_contract()
    await evaluated(contract, "2026-08", 95)
    at(moving_clock, 2026, 9, 29)
    await settle(client, contract["id"], "2026-08")
    who = await parties(contract["id"])
    await passed_final_acceptance(contract["id"])
    at(moving_clock, 2026, 10, 9)
    early = await client.post(
        f"/api/v1/contracts/{contract['id']}/payments/1/record",
        json={"paid_on": "2026-10-09", "amount_fen": INSTALMENT_FEN, "voucher_no": "PZ-1"},
        headers=who["handler"],
    )
    assert early.status_code == 409 and "2026-10-1" in early.json()["detail"]


async def test_a_held_instalment_is_released_after_its_rectification_is_accepted(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    contract = await in_force(client, moving_clock, 40)  # 26.67: 不合格 (failing)
    who = await parties(contract["id"])
    payment = await instalment(client, contract["id"], who["handler"])
    assert payment["status"] == "held" and payment["held_by"] == ["2026-08"]
    failing = get_policy().performance.deduction_percent.failing
    assert payment["deduction_fen"] == TWELFTH * failing // 100

    base = f"/api/v1/contracts/{contract['id']}/payments/1"
    record = {"paid_on": "2026-10-13", "amount_fen": payment["amount_due_fen"], "voucher_no": "P"}
    held = await client.post(f"{base}/record", json=record, headers=who["handler"])
    assert held.status_code == 409 and "held" in held.json()["detail"]
    no_rectification = await client.post(
        f"{base}/release", json={"reason": "整改完成"}, headers=who["handler"]
    )
    assert no_rectification.status_code == 409
    assert "rectification" in no_rectification.json()["detail"]

    rectify = f"{base}/rectification"
    text = {"description": "已补齐八月入户探访并补交记录"}
    assert (await client.post(rectify, json=text, headers=who["handler"])).status_code == 403
    assert (await client.post(rectify, json=text, headers=who["organization"])).status_code == 201
    twice = await client.post(rectify, json=text, headers=who["organization"])
    assert twice.status_code == 409
    answer = f"{rectify}/answer"
    assert (
        await client.post(answer, json={"accept": True}, headers=who["organization"])
    ).status_code == 403
    assert (
        await client.post(answer, json={"accept": True}, headers=who["approver"])
    ).status_code == 403  # an approver checks; a handler answers
    no_note = await client.post(answer, json={"accept": False}, headers=who["handler"])
    assert no_note.status_code == 400 and no_note.json()["field"] == "note"
    returned = await client.post(
        answer, json={"accept": False, "note": "缺少探访签到表"}, headers=who["handler"]
    )
    assert returned.status_code == 200
    assert returned.json()["payments"][0]["status"] == "held"
    assert (await client.post(rectify, json=text, headers=who["organization"])).status_code == 201
    assert (
        await client.post(answer, json={"accept": True}, headers=who["handler"])
    ).status_code == 200

    page = await client.get(f"/contracts/{contract['id']}", headers=who["handler"])
    assert f'action="/contracts/{contract["id"]}/payments/1/release"' in page.text
    approval_id = await requested(
        await client.post(f"{base}/release", json={"reason": "整改已验收"}, headers=who["handler"])
    )
    await approve(client, approval_id, who["approver"])
    row = await Payment.select().where(Payment.contract == contract["id"]).first()
    assert row is not None and row["status"] == "released"
    # The hold came into force without a write: the release records it first, then lifts it.
    assert await audit_count(AuditAction.payment_held, "payment", row["id"]) == 1
    assert await audit_count(AuditAction.payment_released, "payment", row["id"]) == 1
    statuses = (
        await Rectification.select(Rectification.status)
        .where(Rectification.payment == row["id"])
        .order_by(Rectification.id)
    )
    assert [r["status"] for r in statuses] == ["returned", "applied"]

    approval_id = await requested(
        await client.post(f"{base}/record", json=record, headers=who["handler"])
    )
    await approve(client, approval_id, who["approver"])
    paid = await instalment(client, contract["id"], who["handler"])
    assert paid["status"] == "paid" and paid["paid_amount_fen"] == record["amount_fen"]
    assert paid["paid_on"] == date(2026, 10, 13).isoformat()

"""Instalments: withholding, releasing and recording a payment each need an approver; a held
instalment is paid only after it is released."""

from __future__ import annotations

from datetime import date, timedelta

from litestar.testing import AsyncTestClient

from procure.approvals.selectors import pending_for
from procure.contracts.tables import Payment
from procure.web import labels
from tests.acceptance.helpers import passed_final_acceptance
from tests.conftest import login
from tests.contracts.helpers import approve, rectified, requested
from tests.risk.conftest import make_contract

XINLIANXIN = "52440319MJL018363J"


async def test_withhold_release_and_pay(client: AsyncTestClient, as_user) -> None:
    today = date.today()
    contract = await make_contract(
        department="D-MZJ",
        organization=XINLIANXIN,
        payments=[(today - timedelta(days=5), "scheduled"), (today, "scheduled")],
    )
    base = f"/api/v1/contracts/{contract['id']}/payments"
    buyer, approver = await as_user("buyer"), await as_user("approver")

    no_reason = await client.post(f"{base}/1/withhold", json={"reason": ""}, headers=buyer)
    assert no_reason.status_code == 400
    approval_id = await requested(
        await client.post(f"{base}/1/withhold", json={"reason": "服务报告逾期未交"}, headers=buyer)
    )
    row = await Payment.select().where(Payment.contract == contract["id"]).order_by(Payment.seq)
    assert row[0]["status"] == "scheduled"  # requested, not yet decided
    own = await client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=buyer)
    assert own.status_code == 403
    await approve(client, approval_id, approver)
    held = (
        await Payment.select()
        .where((Payment.contract == contract["id"]) & (Payment.seq == 1))
        .first()
    )
    assert held is not None
    assert held["status"] == "held" and held["status_reason"] == "服务报告逾期未交"

    voucher = {"paid_on": today.isoformat(), "amount_fen": 100, "voucher_no": "PZ-2026-0001"}
    blocked = await client.post(f"{base}/1/record", json=voucher, headers=buyer)
    assert blocked.status_code == 409 and "held" in blocked.json()["detail"]
    # Released only after the organization's rectification is accepted.
    early_release = await client.post(
        f"{base}/1/release", json={"reason": "已补交报告"}, headers=buyer
    )
    assert early_release.status_code == 409 and "rectification" in early_release.json()["detail"]
    await rectified(client, contract["id"], 1)
    await approve(
        client,
        await requested(
            await client.post(f"{base}/1/release", json={"reason": "已补交报告"}, headers=buyer)
        ),
        approver,
    )
    wrong = await client.post(f"{base}/1/record", json={**voucher, "amount_fen": 99}, headers=buyer)
    assert wrong.status_code == 400 and wrong.json()["field"] == "amount_fen"
    future = {**voucher, "paid_on": (today + timedelta(days=3)).isoformat()}
    early = await client.post(f"{base}/1/record", json=future, headers=buyer)
    assert early.status_code == 400 and early.json()["field"] == "paid_on"
    await approve(
        client,
        await requested(await client.post(f"{base}/1/record", json=voucher, headers=buyer)),
        approver,
    )
    paid = (
        await Payment.select()
        .where((Payment.contract == contract["id"]) & (Payment.seq == 1))
        .first()
    )
    assert paid is not None and paid["status"] == "paid"
    assert (paid["voucher_no"], paid["paid_amount_fen"], paid["paid_on"]) == (
        "PZ-2026-0001",
        100,
        today,
    )
    assert paid["paid_at"] is not None
    detail = (await client.get(f"/api/v1/contracts/{contract['id']}", headers=buyer)).json()
    assert detail["payments"][0]["voucher_no"] == "PZ-2026-0001"
    # Only the department's buyers ask; an organization cannot.
    org = await client.post(
        f"{base}/2/withhold", json={"reason": "x"}, headers=await as_user("org")
    )
    assert org.status_code == 403
    other = await client.post(
        f"{base}/2/withhold", json={"reason": "x"}, headers=await as_user("buyer2")
    )
    assert other.status_code == 404


async def test_the_handler_asks_on_the_contract_page(client: AsyncTestClient) -> None:
    contract = await make_contract(
        department="D-MZJ", organization=XINLIANXIN, payments=[(date.today(), "scheduled")]
    )
    await passed_final_acceptance(contract["id"])  # the only instalment is the last
    await login(client, "buyer")
    page = await client.get(f"/contracts/{contract['id']}")
    assert f'action="/contracts/{contract["id"]}/payments/1/record"' in page.text
    token = client.cookies.get("csrftoken")
    recorded = await client.post(
        f"/contracts/{contract['id']}/payments/1/record",
        data={
            "_csrf_token": token,
            "paid_on": date.today().isoformat(),
            "amount": "1.00",
            "voucher_no": "PZ-1",
        },
        follow_redirects=False,
    )
    assert recorded.status_code == 303, recorded.text
    pending = await pending_for(
        "payment",
        (await Payment.select(Payment.id).where(Payment.contract == contract["id"]).first())["id"],
    )
    assert [p["kind"] for p in pending] == ["payment.record"]


async def test_a_refused_instalment_step_reads_in_chinese_on_the_page(
    client: AsyncTestClient,
) -> None:
    contract = await make_contract(
        department="D-MZJ", organization=XINLIANXIN, payments=[(date.today(), "scheduled")]
    )
    await login(client, "buyer")
    token = client.cookies.get("csrftoken")
    base = f"/contracts/{contract['id']}/payments/1"
    # A scheduled instalment is not held: releasing it is refused, its status by its label.
    release = await client.post(f"{base}/release", data={"_csrf_token": token, "reason": "已整改"})
    assert release.status_code == 409
    scheduled = labels.label("zh-CN", "payment_status", "scheduled")
    assert f"第 1 期款项当前状态为“{scheduled}”，不能办理恢复支付" in release.text
    assert "is scheduled" not in release.text
    # An amount that is not one: what to enter, in Chinese.
    bad = await client.post(
        f"{base}/record",
        data={"_csrf_token": token, "paid_on": date.today().isoformat(), "amount": "一些"},
    )
    assert bad.status_code == 400
    assert "请填写付款日期（YYYY-MM-DD）、付款金额（以元为单位" in bad.text

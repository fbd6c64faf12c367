"""The buyer drafts the contract of an awarded tender on a page, through the same service as
the API; a bad value is refused on the form (in 元, beside its field), nothing written."""

from __future__ import annotations

from datetime import date, timedelta

from litestar.testing import AsyncTestClient

from procure.approvals.tables import Approval
from procure.contracts.tables import Contract, Payment
from tests.conftest import Clock, login
from tests.contracts.helpers import sign_for_buyer
from tests.contracts.test_contracts import awarded_tender, contract_payload


async def test_the_buyer_creates_the_contract_on_a_page(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    tender_id, value, _buyer = await awarded_tender(client, moving_clock)
    moving_clock.advance(days=30, worker=False)  # the standstill period is over
    await login(client, "buyer")
    tender = await client.get(f"/tenders/{tender_id}")
    assert f'href="/tenders/{tender_id}/contract/new"' in tender.text
    page = await client.get(f"/tenders/{tender_id}/contract/new")
    assert page.status_code == 200 and 'data-testid="contract-form"' in page.text
    assert 'type="date"' in page.text and 'id="payment_amount-1"' in page.text

    start = date.today() + timedelta(days=40)
    form = {
        "_csrf_token": client.cookies["csrftoken"],
        "title": "合同表单测试",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=364)).isoformat(),
        "reporting_frequency": "monthly",
        "milestone_title-1": "中期评估",
        "milestone_due-1": (start + timedelta(days=180)).isoformat(),
        "payment_due-1": (start + timedelta(days=10)).isoformat(),
        "payment_amount-1": "1万",
        "payment_due-2": (start + timedelta(days=360)).isoformat(),
        "payment_amount-2": "1,000.00",
        "payment_linked-2": "yes",
    }
    refused = await client.post(f"/tenders/{tender_id}/contract/new", data=form)
    assert refused.status_code == 400 and 'href="#payment_amount-1"' in refused.text
    assert "11,000.00 元" in refused.text and "fen" not in refused.text  # in 元, not fen
    assert 'value="1万"' in refused.text and 'value="合同表单测试"' in refused.text
    late = form | {"payment_amount-1": f"{(value - 100_000) / 100:.2f}", "payment_amount-2": "1000"}
    late |= {"milestone_due-1": (start + timedelta(days=400)).isoformat()}
    english = await client.post(
        f"/tenders/{tender_id}/contract/new", data=late, cookies={"lang": "en"}
    )
    assert english.status_code == 400 and 'href="#milestone_due-1"' in english.text
    assert "Due date of milestone 1: must fall within the term" in english.text
    assert not await Contract.exists().where(Contract.tender == tender_id)

    created = await client.post(
        f"/tenders/{tender_id}/contract/new",
        data=late | {"milestone_due-1": (start + timedelta(days=180)).isoformat()},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    contract = await Contract.select(Contract.id, Contract.value_fen).where(
        Contract.tender == tender_id
    )
    assert contract == [{"id": contract[0]["id"], "value_fen": value}]
    assert created.headers["location"] == f"/contracts/{contract[0]['id']}?done=contract_created"
    amounts = (
        await Payment.select(Payment.amount_fen)
        .where(Payment.contract == contract[0]["id"])
        .order_by(Payment.seq)
    )
    assert [p["amount_fen"] for p in amounts] == [value - 100_000, 100_000]


async def test_a_contract_page_s_state_conflict_reads_in_chinese(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    """Asking again to sign a contract the buyer already signed is refused on the error page in
    Chinese, never with the API's English sentence (which the API keeps); nothing is asked."""
    tender_id, value, buyer = await awarded_tender(client, moving_clock)
    await moving_clock.past_standstill(tender_id)
    created = await client.post(
        f"/api/v1/tenders/{tender_id}/contract", json=contract_payload(value), headers=buyer
    )
    contract_id = int(created.json()["id"])
    await sign_for_buyer(client, contract_id)
    asked = await Approval.count()
    await login(client, "buyer")
    token = {"_csrf_token": client.cookies["csrftoken"]}
    again = await client.post(f"/contracts/{contract_id}/sign", data=token)
    assert again.status_code == 409 and "采购人已于" in again.text
    assert "the buyer signed contract" not in again.text
    api = await client.post(f"/api/v1/contracts/{contract_id}/sign", headers=buyer)
    assert api.status_code == 409 and "the buyer signed contract" in api.json()["detail"]
    assert await Approval.count() == asked

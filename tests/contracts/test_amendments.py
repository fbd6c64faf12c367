"""Supplementary agreements (补充协议): a handler drafts, an approver proposes, the organization
accepts or declines; only an accepted one changes the contract. 政府采购法 第四十九条: together
they add at most 10% of the original value; scope outside the tender needs a new procurement."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from procure import clock
from procure.approvals.tables import Approval
from procure.contracts.tables import Amendment
from procure.policy import get_policy
from tests.conftest import login
from tests.contracts.helpers import amend, propose, requested
from tests.risk.conftest import contract_findings, make_contract

XINLIANXIN = "52440319MJL018363J"  # the demo user `org`'s organization
VALUE = 1_000_000  # 10,000 yuan: one line of 10,000 units at 1 yuan


async def active() -> int:
    contract = await make_contract(
        department="D-MZJ", organization=XINLIANXIN, value_fen=VALUE, quantities=(10_000,)
    )
    return int(contract["id"])


def lines(percent: int) -> dict:
    """An amendment adding ``percent`` of the value to line 1."""
    return {
        "reason": f"服务量增加{percent}%",
        "lines": [{"line_no": 1, "quantity_delta": percent * 100, "unit_price_fen": 100}],
    }


async def test_only_an_accepted_amendment_changes_the_contract(
    client: AsyncTestClient, as_user
) -> None:
    contract_id = await active()
    base = f"/api/v1/contracts/{contract_id}"
    version = await propose(client, contract_id, lines(4))
    history = (await client.get(f"{base}/amendments", headers=await as_user("buyer"))).json()
    assert history["cumulative_delta_fen"] == 0  # proposed, not yet accepted
    detail = (await client.get(base, headers=await as_user("org"))).json()
    assert [a["status"] for a in detail["amendments"]] == ["pending_acceptance"]
    # The organization's start page lists it; then it declines, saying why.
    await login(client, "org")
    start = await client.get("/organization")
    assert 'data-testid="amendment-to-accept"' in start.text
    without = await client.post(
        f"{base}/amendments/{version}/decline", json={"reason": ""}, headers=await as_user("org")
    )
    assert without.status_code == 400
    declined = await client.post(
        f"{base}/amendments/{version}/decline",
        json={"reason": "人员不足,无法增加服务量"},
        headers=await as_user("org"),
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["amendments"][0]["decline_reason"] == "人员不足,无法增加服务量"
    late = await client.post(f"{base}/amendments/{version}/accept", headers=await as_user("org"))
    assert late.status_code == 409
    history = await amend(client, contract_id, lines(5))
    assert history["cumulative_delta_fen"] == VALUE * 5 // 100
    assert history["current_value_fen"] == VALUE * 105 // 100


async def test_more_than_ten_percent_is_refused(client: AsyncTestClient, as_user) -> None:
    assert get_policy().contracts.max_amendment_increase_percent == 10
    contract_id = await active()
    base = f"/api/v1/contracts/{contract_id}/amendments"
    buyer = await as_user("buyer")
    over = await client.post(base, json=lines(11), headers=buyer)
    assert over.status_code == 400
    assert over.json()["field"] == "lines"
    assert "政府采购法 第四十九条" in over.json()["detail"] and "11.00%" in over.json()["detail"]
    await amend(client, contract_id, lines(6))
    # A proposal waiting for the organization counts too: 6% + 4% is the most there can be.
    await propose(client, contract_id, lines(4))
    refused = await client.post(base, json=lines(1), headers=buyer)
    assert refused.status_code == 400 and "第四十九条" in refused.json()["detail"]
    assert await Amendment.count().where(Amendment.contract == contract_id) == 2
    # A decrease is a supplementary agreement too, and makes room.
    decrease = await client.post(
        base,
        json={
            "reason": "服务对象减少",
            "lines": [{"line_no": 1, "quantity_delta": -300, "unit_price_fen": 100}],
        },
        headers=buyer,
    )
    await requested(decrease)


async def test_scope_outside_the_tender_needs_a_new_procurement(
    client: AsyncTestClient, as_user
) -> None:
    contract_id = await active()  # its only item is C-CARE-001
    response = await client.post(
        f"/api/v1/contracts/{contract_id}/amendments",
        json={
            "reason": "创文明城市入户宣传",
            "lines": [{"item_code": "C-TECH-005", "quantity_delta": 10, "unit_price_fen": 100}],
        },
        headers=await as_user("buyer"),
    )
    assert response.status_code == 400
    assert response.json()["field"] == "lines[0].item_code"
    assert "new procurement" in response.json()["detail"]
    # More of an item the tender had is a lawful supplementary purchase.
    same = await client.post(
        f"/api/v1/contracts/{contract_id}/amendments",
        json={
            "reason": "增加同类服务",
            "lines": [{"item_code": "C-CARE-001", "quantity_delta": 10, "unit_price_fen": 100}],
        },
        headers=await as_user("buyer"),
    )
    await requested(same)


async def test_withdrawing_a_draft_withdraws_its_approval_request(
    client: AsyncTestClient, as_user
) -> None:
    contract_id = await active()
    base = f"/api/v1/contracts/{contract_id}/amendments"
    response = await client.post(base, json=lines(3), headers=await as_user("buyer"))
    approval_id = await requested(response)
    version = response.json()["version"]
    withdrawn = await client.post(f"{base}/{version}/withdraw", headers=await as_user("buyer"))
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["amendments"][0]["status"] == "withdrawn"
    approval = await Approval.select(Approval.status).where(Approval.id == approval_id).first()
    assert approval is not None and approval["status"] == "withdrawn"


async def test_the_organization_answers_only_its_own(client: AsyncTestClient, as_user) -> None:
    contract_id = await active()
    version = await propose(client, contract_id, lines(2))
    base = f"/api/v1/contracts/{contract_id}/amendments/{version}"
    assert (await client.post(f"{base}/accept", headers=await as_user("org2"))).status_code == 404
    for who in ("buyer", "approver", "committee", "regulator", "expert"):
        response = await client.post(f"{base}/accept", headers=await as_user(who))
        assert response.status_code == 403, who
    assert (await client.post(f"{base}/accept", headers=await as_user("org"))).status_code == 200


async def test_amendment_creep_counts_only_accepted_amendments(
    client: AsyncTestClient, as_user
) -> None:
    contract_id = await active()
    await amend(client, contract_id, lines(6))
    await propose(client, contract_id, lines(4))
    # Recorded over the limit in the data (as an imported or paper agreement could be), but
    # not accepted: the rule does not count it.
    await Amendment.update({Amendment.value_delta_fen: 500_000}).where(
        (Amendment.contract == contract_id) & (Amendment.status == "pending_acceptance")
    )
    assert await contract_findings("AMENDMENT_CREEP", contract_id) == []
    await Amendment.update({Amendment.value_delta_fen: 50_000}).where(
        (Amendment.contract == contract_id) & (Amendment.status == "pending_acceptance")
    )
    # Acceptance checks the limit again, against what is accepted by then: 6% + 5% is refused.
    refused = await client.post(
        f"/api/v1/contracts/{contract_id}/amendments/2/accept", headers=await as_user("org")
    )
    assert refused.status_code == 400 and "第四十九条" in refused.json()["detail"]
    assert await contract_findings("AMENDMENT_CREEP", contract_id) == []
    # Signed on paper and recorded as accepted anyway: the rule sees it.
    await Amendment.update({Amendment.status: "accepted", Amendment.signed_at: clock.now()}).where(
        (Amendment.contract == contract_id) & (Amendment.version == 2)
    )
    (finding,) = await contract_findings("AMENDMENT_CREEP", contract_id)
    assert finding.evidence["cumulative_delta_fen"] == 110_000

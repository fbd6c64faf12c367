"""Two-party contracts: in force only when the buyer (its approver, on a handler's request) and
the organization have both signed, in either order; each signature recorded and shown."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from procure.approvals.tables import Approval
from procure.contracts.tables import Contract
from procure.pdf.documents import contract_context
from procure.pdf.render import DOCUMENT_LOCALE, _environment
from procure.security.tables import User
from procure.web.templating import render_to_string
from tests.conftest import login
from tests.contracts.helpers import (
    approve,
    parties,
    requested,
    sign_for_buyer,
    sign_for_organization,
)
from tests.risk.conftest import make_contract

XINLIANXIN = "52440319MJL018363J"  # the demo user `org`'s organization


async def draft() -> int:
    contract = await make_contract(status="draft", department="D-MZJ", organization=XINLIANXIN)
    return int(contract["id"])


async def test_a_one_sided_contract_stays_draft(client: AsyncTestClient, as_user) -> None:
    contract_id = await draft()
    request = await client.post(
        f"/api/v1/contracts/{contract_id}/sign", headers=await as_user("buyer")
    )
    approval_id = await requested(request)
    # Requested is not signed: the approver's approval is the buyer's signature.
    pending = await client.get(f"/api/v1/contracts/{contract_id}", headers=await as_user("buyer"))
    assert pending.json()["buyer_signed_at"] is None
    await approve(client, approval_id, await as_user("approver"))
    contract = (
        await client.get(f"/api/v1/contracts/{contract_id}", headers=await as_user("buyer"))
    ).json()
    assert contract["status"] == "draft" and contract["signed_at"] is None
    assert contract["buyer_signed_by_name"].startswith("赵立新")
    assert contract["buyer_signed_at"] is not None and contract["organization_signed_at"] is None
    # A second request for the buyer's signature is refused: it has signed.
    again = await client.post(
        f"/api/v1/contracts/{contract_id}/sign", headers=await as_user("buyer")
    )
    assert again.status_code == 409 and "buyer signed" in again.json()["detail"]
    # Completing or amending a draft is refused.
    complete = await client.post(
        f"/api/v1/contracts/{contract_id}/complete", headers=await as_user("buyer")
    )
    assert complete.status_code == 409

    signed = await client.post(
        f"/api/v1/contracts/{contract_id}/organization/sign", headers=await as_user("org")
    )
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["status"] == "active" and body["signed_at"] is not None
    assert body["organization_signed_by_name"].startswith("黄晓燕")
    assert body["signed_at"] >= body["buyer_signed_at"]


async def test_the_organization_may_sign_first(client: AsyncTestClient, as_user) -> None:
    contract_id = await draft()
    first = await sign_for_organization(client, contract_id)
    assert first["status"] == "draft" and first["organization_signed_at"] is not None
    twice = await client.post(
        f"/api/v1/contracts/{contract_id}/organization/sign", headers=await as_user("org")
    )
    assert twice.status_code == 409 and "organization signed" in twice.json()["detail"]
    second = await sign_for_buyer(client, contract_id)
    assert second["status"] == "active"
    row = await Contract.select().where(Contract.id == contract_id).first()
    assert row is not None
    approver = await User.select(User.id).where(User.username == "approver").first()
    assert approver is not None and row["buyer_signed_by"] == approver["id"]


async def test_the_contract_page_shows_both_signatures(client: AsyncTestClient) -> None:
    contract_id = await draft()
    await sign_for_buyer(client, contract_id)
    await login(client, "org")
    page = await client.get(f"/contracts/{contract_id}")
    assert page.status_code == 200
    assert 'data-testid="organization-sign"' in page.text
    assert "赵立新" in page.text.split('data-testid="buyer-signature"')[1].split("</tr>")[0]
    start = await client.get("/organization")
    assert (
        f'href="/contracts/{contract_id}"'
        in start.text.split('data-testid="awaiting-signature"')[1]
    )
    token = client.cookies.get("csrftoken")
    signed = await client.post(
        f"/contracts/{contract_id}/organization/sign",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    page = await client.get(f"/contracts/{contract_id}")
    assert 'data-status="active"' in page.text
    assert "黄晓燕" in page.text.split('data-testid="organization-signature"')[1].split("</tr>")[0]


# -- role boundaries -----------------------------------------------------------------------------


async def test_a_handler_cannot_approve_their_own_request(client: AsyncTestClient, as_user) -> None:
    contract_id = await draft()
    await User.update({User.is_approver: True}).where(User.username == "buyer")
    try:
        approval_id = await requested(
            await client.post(
                f"/api/v1/contracts/{contract_id}/sign", headers=await as_user("buyer")
            )
        )
        own = await client.post(
            f"/api/v1/approvals/{approval_id}/approve", json={}, headers=await as_user("buyer")
        )
        assert own.status_code == 403 and "own work" in own.json()["detail"]
    finally:
        await User.update({User.is_approver: False}).where(User.username == "buyer")
    row = await Contract.select(Contract.buyer_signed_at).where(Contract.id == contract_id).first()
    assert row is not None and row["buyer_signed_at"] is None
    # An approver prepares nothing: asking for the signature is a handler's duty.
    await Approval.update({Approval.pending_key: None}).where(Approval.id == approval_id)
    by_approver = await client.post(
        f"/api/v1/contracts/{contract_id}/sign", headers=await as_user("approver")
    )
    assert by_approver.status_code == 403


async def test_only_the_contracts_organization_signs_it(client: AsyncTestClient, as_user) -> None:
    contract_id = await draft()
    other = await client.post(
        f"/api/v1/contracts/{contract_id}/organization/sign", headers=await as_user("org2")
    )
    assert other.status_code == 404
    for role_user in ("committee", "expert", "regulator", "auditor"):
        for path in ("organization/sign", "sign"):
            response = await client.post(
                f"/api/v1/contracts/{contract_id}/{path}", headers=await as_user(role_user)
            )
            assert response.status_code == 403, (role_user, path, response.text)
    # A buyer of another department does not see the contract at all.
    stranger = await client.post(
        f"/api/v1/contracts/{contract_id}/sign", headers=await as_user("buyer2")
    )
    assert stranger.status_code == 404
    # The buyer cannot sign for the organization.
    buyer = await client.post(
        f"/api/v1/contracts/{contract_id}/organization/sign", headers=await as_user("buyer")
    )
    assert buyer.status_code == 403
    row = await Contract.select().where(Contract.id == contract_id).first()
    assert row is not None and row["organization_signed_at"] is None and row["status"] == "draft"
    assert (await parties(contract_id))["organization"]  # the right one still can


async def test_the_contract_text_names_both_signatories(client: AsyncTestClient) -> None:
    contract_id = await draft()
    await sign_for_buyer(client, contract_id)
    await sign_for_organization(client, contract_id)
    html = render_to_string(
        _environment(),
        "pdf/contract.html",
        await contract_context(contract_id),
        locale=DOCUMENT_LOCALE,
    )
    buyer = html.split('data-signature="buyer"')[1].split("</td>")[0]
    organization = html.split('data-signature="organization"')[1].split("</td>")[0]
    assert "赵立新" in buyer and "黄晓燕" in organization
    assert "草稿" not in html  # in force: no draft banner

"""The lawful contract flows in one place: the buyer's signature (a handler requests, an
approver approves), the organization's signature, a supplementary agreement (drafted,
approved, accepted), a settled period and an instalment step, each through the API."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from procure.contracts.tables import Contract
from procure.security.tables import User
from tests.conftest import bearer


async def parties(contract_id: int) -> dict[str, dict[str, str]]:
    """Headers of the contract's handler, approver and organization user."""
    contract = await Contract.select().where(Contract.id == contract_id).first()
    assert contract is not None

    async def first(where: Any) -> dict[str, str]:
        row = await User.select(User.username).where(where).order_by(User.id).first()
        assert row is not None, f"contract {contract_id} needs this party: {where}"
        return await bearer(row["username"])

    department = User.department == contract["department"]
    return {
        "handler": await first(department & User.is_handler.eq(True)),
        "approver": await first(department & User.is_approver.eq(True)),
        "organization": await first(User.organization == contract["organization"]),
    }


async def approve(client: AsyncTestClient, approval_id: int, approver: dict[str, str]) -> dict:
    response = await client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={}, headers=approver
    )
    assert response.status_code == 200, response.text
    return response.json()


async def requested(response: Any) -> int:
    """The approval a handler's request created (202 Accepted)."""
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    return int(response.json()["approval_id"])


async def sign_for_buyer(client: AsyncTestClient, contract_id: int) -> dict:
    who = await parties(contract_id)
    approval_id = await requested(
        await client.post(f"/api/v1/contracts/{contract_id}/sign", headers=who["handler"])
    )
    await approve(client, approval_id, who["approver"])
    detail = await client.get(f"/api/v1/contracts/{contract_id}", headers=who["handler"])
    return detail.json()


async def sign_for_organization(client: AsyncTestClient, contract_id: int) -> dict:
    who = await parties(contract_id)
    response = await client.post(
        f"/api/v1/contracts/{contract_id}/organization/sign", headers=who["organization"]
    )
    assert response.status_code == 200, response.text
    return response.json()


async def sign_both(client: AsyncTestClient, contract_id: int) -> dict:
    """Both parties sign (the buyer first); the contract is in force."""
    await sign_for_buyer(client, contract_id)
    contract = await sign_for_organization(client, contract_id)
    assert contract["status"] == "active", contract
    return contract


async def propose(client: AsyncTestClient, contract_id: int, amendment: dict) -> int:
    """A handler drafts the supplementary agreement and an approver proposes it; its version."""
    who = await parties(contract_id)
    response = await client.post(
        f"/api/v1/contracts/{contract_id}/amendments", json=amendment, headers=who["handler"]
    )
    approval_id = await requested(response)
    await approve(client, approval_id, who["approver"])
    return int(response.json()["version"])


async def amend(client: AsyncTestClient, contract_id: int, amendment: dict) -> dict:
    """Drafted, approved and accepted by the organization: the amendment history after it."""
    version = await propose(client, contract_id, amendment)
    who = await parties(contract_id)
    accepted = await client.post(
        f"/api/v1/contracts/{contract_id}/amendments/{version}/accept",
        headers=who["organization"],
    )
    assert accepted.status_code == 200, accepted.text
    return accepted.json()


async def settle(client: AsyncTestClient, contract_id: int, period: str) -> dict:
    """The handler requests the settlement and an approver approves it; the approval."""
    who = await parties(contract_id)
    approval_id = await requested(
        await client.post(
            f"/api/v1/contracts/{contract_id}/performance/{period}/settle",
            headers=who["handler"],
        )
    )
    return await approve(client, approval_id, who["approver"])


async def rectified(client: AsyncTestClient, contract_id: int, seq: int) -> None:
    """The organization reports its rectification (整改) of a held instalment and a handler
    accepts it: the release can then be requested."""
    who = await parties(contract_id)
    base = f"/api/v1/contracts/{contract_id}/payments/{seq}/rectification"
    submitted = await client.post(
        base, json={"description": "已补交报告并整改"}, headers=who["organization"]
    )
    assert submitted.status_code == 201, submitted.text
    answered = await client.post(f"{base}/answer", json={"accept": True}, headers=who["handler"])
    assert answered.status_code == 200, answered.text

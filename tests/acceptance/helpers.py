"""Helpers for tests that need a contract's acceptance: set one up through the API, or record a
confirmed final acceptance directly (for tests about completion and payments)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient

from procure import clock
from procure.acceptance.tables import Acceptance, AcceptanceStatus

GROUP = [
    {"name": "王敏", "kind": "buyer_staff", "affiliation": "区民政局"},
    {"name": "许文静", "kind": "expert", "affiliation": "社会工作专家"},
    {"name": "周桂兰", "kind": "committee_member", "affiliation": "海滨社区居委会"},
]


async def passed_final_acceptance(contract_id: int, status: str = AcceptanceStatus.passed) -> int:
    """A confirmed final acceptance of the whole contract, recorded as test data."""
    rows = await Acceptance.insert(
        Acceptance(
            contract=contract_id,
            stage="",
            final=True,
            attempt=await Acceptance.count().where(Acceptance.contract == contract_id) + 1,
            status=status,
            result=status,
            accepted_on=clock.now().date(),
            conclusion="测试验收",
            confirmed_at=clock.now(),
        )
    )
    return int(rows[0]["id"])


async def set_up(
    client: AsyncTestClient, contract_id: int, headers: dict[str, str], **overrides: Any
) -> Any:
    body = {"stage": "", "accepted_on": date.today().isoformat(), "members": GROUP, **overrides}
    return await client.post(
        f"/api/v1/contracts/{contract_id}/acceptances", json=body, headers=headers
    )

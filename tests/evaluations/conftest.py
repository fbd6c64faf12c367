"""Helpers for the committee evaluation tests: a fresh contract of two communities, a rubric of
known weights, and the API calls a committee makes."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient

from procure.contracts.tables import Contract, ContractCommunity, ContractStatus
from procure.evaluations.schemas import CriterionIn, RubricIn
from procure.evaluations.services import rubric_create
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.security.tables import User

#: The weights of the rubric the tests score against: totals are easy to check by hand.
WEIGHTS = {"delivery": 30, "quality": 30, "responsiveness": 20, "participation": 20}
TERM = (date(2025, 1, 1), date(2025, 12, 31))
_serial = itertools.count(1)


async def actor(username: str) -> Actor:
    row = await user_by_username(username)
    assert row is not None, username
    return Actor.from_row(row)


async def acts_for(username: str, column: str) -> int:
    row = await User.select(getattr(User, column)).where(User.username == username).first()
    assert row is not None and row[column] is not None
    return int(row[column])


@pytest.fixture
async def make_contract(database: None) -> Callable[..., Awaitable[int]]:
    """A signed contract of buyer2's department held by org; by default it covers the
    communities of committee and committee2, monthly, all of 2025."""

    async def make(
        *,
        committees: Sequence[str] = ("committee", "committee2"),
        frequency: str = "monthly",
        status: ContractStatus = ContractStatus.active,
        term: tuple[date, date] = TERM,
    ) -> int:
        rows = await Contract.insert(
            Contract(
                reference=f"HT-EVAL-{next(_serial)}-{uuid4().hex[:8]}",
                title="居委会评估测试合同",
                department=await acts_for("buyer2", "department"),
                organization=await acts_for("org", "organization"),
                status=status,
                value_fen=10_000_000,
                starts_on=term[0],
                ends_on=term[1],
                reporting_frequency=frequency,
            )
        ).returning(Contract.id)
        contract_id = int(rows[0]["id"])
        for username in committees:
            await ContractCommunity.insert(
                ContractCommunity(
                    contract=contract_id, community=await acts_for(username, "community")
                )
            )
        return contract_id

    return make


@pytest.fixture
async def contract(make_contract: Callable[..., Awaitable[int]]) -> int:
    return await make_contract()


@pytest.fixture
async def rubric_id(database: None) -> int:
    """A rubric of its own for each test, so versions made elsewhere change nothing here."""
    criteria = [
        CriterionIn(code=code, name_zh=f"指标{code}", name_en=code.title(), weight=weight)
        for code, weight in WEIGHTS.items()
    ]
    return await rubric_create(
        actor=await actor("buyer"),
        data=RubricIn(name=f"测试评估标准 {uuid4().hex[:8]}", criteria=criteria),
    )


def scores(**given: int) -> list[dict[str, Any]]:
    return [
        {"criterion": code, "score": score, "comment": f"{code} 说明"}
        for code, score in given.items()
    ]


ALL_80 = {"delivery": 80, "quality": 80, "responsiveness": 80, "participation": 80}


async def save(
    client: AsyncTestClient,
    headers: dict[str, str],
    contract_id: int,
    period: str,
    rubric: int | None,
    given: dict[str, int],
    comments: str = "总体良好",
) -> Any:
    body: dict[str, Any] = {"comments": comments, "scores": scores(**given)}
    if rubric is not None:
        body["rubric_id"] = rubric
    return await client.put(
        f"/api/v1/contracts/{contract_id}/evaluations/{period}", json=body, headers=headers
    )


async def submit(
    client: AsyncTestClient, headers: dict[str, str], contract_id: int, period: str
) -> Any:
    return await client.post(
        f"/api/v1/contracts/{contract_id}/evaluations/{period}/submit", headers=headers
    )

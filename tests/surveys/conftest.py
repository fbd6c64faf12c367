"""Helpers for the survey tests: a long contract of their own (海滨 and 渔港), rounds on free
periods, clear tokens straight from the service, and a resident posting the form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from procure import clock
from procure.calendar import local_day
from procure.contracts.tables import (
    Contract,
    ContractCommunity,
    ContractStatus,
    ReportingFrequency,
)
from procure.db import transaction
from procure.evaluations.periods import term_periods
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.surveys.selectors import template_items
from procure.surveys.services import survey_tokens_issue
from procure.surveys.tables import SurveyRound
from tests.conftest import bearer

DEMO_CONTRACT = "HT-2026-007"  # 海湾街道: 海滨 (committee) and 渔港 (committee2)
CONTRACT = "HT-TEST-SURVEYS"


async def actor(username: str) -> Actor:
    row = await user_by_username(username)
    assert row is not None, username
    return Actor.from_row(row)


async def contract(
    reference: str = CONTRACT, status: ContractStatus = ContractStatus.active
) -> dict[str, Any]:
    """A monthly contract like HT-2026-007 (same department, organization and communities) but
    running four years, so that every test finds a period of its own: a period holds one round
    per community, and the database lives as long as the whole run."""
    row = await Contract.select().where(Contract.reference == reference).first()
    if row is not None:
        return row
    demo = await Contract.select().where(Contract.reference == DEMO_CONTRACT).first()
    assert demo is not None
    today = local_day(clock.now())
    async with transaction():
        created = await Contract.insert(
            Contract(
                reference=reference,
                title="海滨、渔港社区居民满意度调查测试合同",
                department=demo["department"],
                organization=demo["organization"],
                status=status,
                value_fen=10_000_000,
                starts_on=today.replace(year=today.year - 3, day=1),
                ends_on=today.replace(year=today.year + 1, day=1),
                reporting_frequency=ReportingFrequency.monthly,
            )
        )
        communities = await ContractCommunity.select(ContractCommunity.community).where(
            ContractCommunity.contract == demo["id"]
        )
        await ContractCommunity.insert(
            *[
                ContractCommunity(contract=created[0]["id"], community=c["community"])
                for c in communities
            ]
        )
    return await contract(reference, status)


async def free_period(contract_row: dict[str, Any], community_id: int) -> str:
    """A period of the contract's term that has no round in this community yet: the database
    is shared by the whole run, and a period holds one round per community."""
    taken = {
        row["period"]
        for row in await SurveyRound.select(SurveyRound.period).where(
            (SurveyRound.contract == contract_row["id"]) & (SurveyRound.community == community_id)
        )
    }
    periods = term_periods(
        starts_on=contract_row["starts_on"],
        ends_on=contract_row["ends_on"],
        quarterly=False,
        today=local_day(clock.now()),
    )
    free = [p for p in periods if p not in taken]
    assert free, f"no free period left on {CONTRACT} for community {community_id}"
    return free[0]


async def start_round(
    client: AsyncTestClient, username: str = "committee", **fields: Any
) -> dict[str, Any]:
    committee = await actor(username)
    contract_row = await contract()
    assert committee.community_id is not None
    payload = {
        "contract_id": contract_row["id"],
        "period": await free_period(contract_row, committee.community_id),
        "closes_at": (clock.now() + timedelta(days=14)).isoformat(),
        **fields,
    }
    response = await client.post(
        "/api/v1/surveys/rounds", json=payload, headers=await bearer(username)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def issue(round_id: int, count: int, username: str = "committee") -> tuple[str, ...]:
    issued = await survey_tokens_issue(actor=await actor(username), round_id=round_id, count=count)
    return issued.tokens


async def all_answers(round_id: int, scores: list[int] | None = None) -> dict[str, str]:
    """A complete form for the round's questionnaire: the given scores (default 4s) and text."""
    template = (
        await SurveyRound.select(SurveyRound.template).where(SurveyRound.id == round_id).first()
    )
    assert template is not None
    form: dict[str, str] = {}
    likert = iter(scores or [])
    for item in await template_items(template["template"]):
        if item["kind"] == "likert5":
            form[f"item_{item['id']}"] = str(next(likert, 4))
        else:
            form[f"item_{item['id']}"] = "希望活动多安排在周末"
    return form


async def answer(client: AsyncTestClient, token: str, form: dict[str, str]) -> Any:
    """A resident: opens the page (which gives the CSRF cookie), then posts the form."""
    await client.get(f"/s/{token}")
    return await client.post(
        f"/s/{token}",
        data={**form, "_csrf_token": client.cookies.get("csrftoken") or ""},
        follow_redirects=False,
    )

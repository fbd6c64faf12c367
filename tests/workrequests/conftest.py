"""Work requests on a contract of the test's own department (心连心 holds it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from procure.calendar import local_today
from procure.reports.tables import ActivityLine
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.workrequests.schemas import WorkRequestIn
from procure.workrequests.services import work_request_file
from tests.risk.conftest import outside, submit_report


async def actor(username: str, **changes: Any) -> Actor:
    row = await user_by_username(username)
    assert row is not None
    return replace(Actor.from_row(row), **changes)


async def official(department_id: int) -> Actor:
    """A buying official of the test's own department (the demo buyer's account, moved)."""
    return await actor("buyer", department_id=department_id)


def request_in(**changes: Any) -> WorkRequestIn:
    fields: dict[str, Any] = {
        "requested_by_person": "海湾街道 张主任",
        "kind": "community_survey",
        "purpose": "协助开展辖区长者需求调查",
        "hours": 10,
        "deadline": local_today() + timedelta(days=14),
    }
    return WorkRequestIn(**{**fields, **changes})


async def filed(contract: dict[str, Any], **changes: Any) -> int:
    return await work_request_file(
        actor=await official(contract["department"]),
        contract_id=contract["id"],
        data=request_in(**changes),
    )


async def draft_line(contract: dict, department: int | None, period: str = "2026-06") -> int:
    report = await submit_report(
        contract["id"],
        period,
        [outside("administrative", department=department, minutes=300)],
        status="draft",
    )
    row = await ActivityLine.select(ActivityLine.id).where(ActivityLine.report == report).first()
    assert row is not None
    return int(row["id"])

"""Helpers for the service report tests: a clock set to a chosen local day, and contracts made
for one test so that reports written by one test never meet another's."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from procure import clock
from procure.catalog.tables import CatalogItem
from procure.contracts.tables import Contract, ContractCommunity, ContractScopeLine
from procure.departments.tables import Department
from procure.geography.tables import Community
from procure.organizations.tables import Organization

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The day the reporting tests live on, unless a test moves the clock.
TODAY = date(2026, 5, 20)
_numbers = itertools.count(1)


class LocalClock:
    """The server's clock, standing still at a chosen local time until a test moves it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.moment = datetime.combine(TODAY, time(12), tzinfo=SHANGHAI)
        monkeypatch.setattr(clock, "now", lambda: self.moment)

    def set(self, day: date, at: time = time(12)) -> None:
        self.moment = datetime.combine(day, at, tzinfo=SHANGHAI)

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def report_clock(monkeypatch: pytest.MonkeyPatch) -> LocalClock:
    return LocalClock(monkeypatch)


async def id_of(table: Any, column: Any, value: str) -> int:
    row = await table.select(table.id).where(column == value).first()
    assert row is not None, value
    return int(row["id"])


MakeContract = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def make_contract(database: None) -> MakeContract:
    """A contract of 心连心 (user org) with 海湾街道 (buyer2) for 海滨社区 (committee), with two
    scope lines; its id, reference and scope line ids."""

    async def make(
        *,
        starts_on: date = date(2026, 1, 15),
        ends_on: date = date(2026, 12, 31),
        frequency: str = "monthly",
        status: str = "active",
        organization: str = "52440319MJL018363J",
        department: str = "D-HWJD",
        community: str = "440319001001",
    ) -> dict[str, Any]:
        reference = f"HT-RPT-{next(_numbers):04d}"
        rows = await Contract.insert(
            Contract(
                reference=reference,
                title=f"服务报告测试合同 {reference}",
                department=await id_of(Department, Department.code, department),
                organization=await id_of(Organization, Organization.credit_code, organization),
                status=status,
                value_fen=30_000_000,
                starts_on=starts_on,
                ends_on=ends_on,
                reporting_frequency=frequency,
                terminated_reason="测试" if status == "terminated" else "",
            )
        )
        contract_id = rows[0]["id"]
        await ContractCommunity.insert(
            ContractCommunity(
                contract=contract_id, community=await id_of(Community, Community.code, community)
            )
        )
        items = await CatalogItem.select(CatalogItem.id).order_by(CatalogItem.code).limit(2)
        scope_line_ids = []
        for line_no, item in enumerate(items, start=1):
            inserted = await ContractScopeLine.insert(
                ContractScopeLine(
                    contract=contract_id,
                    line_no=line_no,
                    catalog_item=item["id"],
                    description=f"第{line_no}项",
                    quantity=100,
                    unit_price_fen=100_000,
                    amount_fen=10_000_000,
                )
            )
            scope_line_ids.append(inserted[0]["id"])
        return {"id": contract_id, "reference": reference, "scope_line_ids": scope_line_ids}

    return make


def in_scope(scope_line_id: int, **overrides: Any) -> dict[str, Any]:
    line = {
        "scope_line_id": scope_line_id,
        "description": "独居长者上门探访",
        "quantity": 40,
        "beneficiaries": 25,
        "staff_hours": "32.5",
        "spend_fen": 480_000,
    }
    return {**line, **overrides}


def out_of_scope(kind: str = "campaign", **overrides: Any) -> dict[str, Any]:
    line = {
        "out_of_scope": True,
        "out_of_scope_kind": kind,
        "requested_by_person": "街道文明办 张主任",
        "description": "创文明城市入户宣传",
        "quantity": 120,
        "beneficiaries": 0,
        "staff_hours": "16",
        "spend_fen": 0,
    }
    return {**line, **overrides}


def report(*lines: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "summary": "本月完成探访与个案服务。",
        "outcome_self_score": 85,
        "lines": list(lines),
        **overrides,
    }

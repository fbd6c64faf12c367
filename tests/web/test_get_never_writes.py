"""A read never writes: every GET route of the app, as each kind of user, runs no statement
that changes the database — including a tender whose deadline has passed and whose bids the
opening job has not opened yet (the reads show it as opening; the job opens it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from procure.acceptance.tables import Acceptance
from procure.approvals.tables import Approval
from procure.audit.tables import AuditCheckpoint
from procure.catalog.tables import CatalogItem
from procure.committees.tables import Expert
from procure.complaints.tables import Challenge, Complaint
from procure.contracts.tables import Contract, ContractStatus
from procure.db import get_engine
from procure.evaluations.tables import CommitteeEvaluation
from procure.jobs.tables import OutboxEvent
from procure.organizations.tables import Organization
from procure.pdf.documents import DOCUMENTS
from procure.reports.tables import ReportAttachment, ServiceReport
from procure.risk.tables import RiskFlag
from procure.settings import get_settings
from procure.surveys.tables import SurveyRound
from procure.tenders.tables import Tender
from procure.workrequests.tables import WorkRequest
from tests.conftest import Clock, login
from tests.tenders.conftest import tender_with_bids

WRITE = re.compile(
    r"^\s*(WITH\b.*?\b)?(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.I | re.S
)
#: The throttles' counters (the PDF downloads' per-client limit) are the server's bookkeeping,
#: not the platform's data: the issue keeps them in the shared store, the database by default
#: (Redis when PROCURE_REDIS_URL is set). They are the one table a GET may touch.
BOOKKEEPING = re.compile(r'^\s*(INSERT INTO|DELETE FROM|UPDATE) "shared_store"', re.I)
USERS = (None, "buyer", "org", "committee", "regulator", "expert")


class Statements:
    """Every statement the engine runs while ``recording`` is on."""

    def __init__(self) -> None:
        self.recording = False
        self.writes: list[str] = []

    def see(self, sql: str) -> None:
        if self.recording and WRITE.match(sql) and not BOOKKEEPING.match(sql):
            self.writes.append(sql.strip().splitlines()[0][:160])


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[Statements]:
    seen = Statements()
    engine_type = type(get_engine())
    run_querystring = engine_type.run_querystring
    run_ddl = engine_type.run_ddl

    async def querystring(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        seen.see(querystring.compile_string(engine_type=self.engine_type)[0])
        return await run_querystring(self, querystring, *args, **kwargs)

    async def ddl(self: Any, ddl: str, *args: Any, **kwargs: Any) -> Any:
        seen.see(ddl)
        return await run_ddl(self, ddl, *args, **kwargs)

    monkeypatch.setattr(engine_type, "run_querystring", querystring)
    monkeypatch.setattr(engine_type, "run_ddl", ddl)
    yield seen


async def _first(query: Any, column: str = "id") -> str:
    row = await query.first()
    return str(row[column]) if row else "1"


async def _values(tender_id: int) -> dict[str, list[str]]:
    contract = (
        await Contract.select(Contract.id).where(Contract.status == ContractStatus.active).first()
    )
    assert contract is not None
    contract_id = contract["id"]
    tender = await Tender.select(Tender.reference).where(Tender.id == tender_id).first()
    assert tender is not None
    return {
        "tender_id": [str(tender_id)],
        "contract_id": [str(contract_id)],
        "period": [
            await _first(
                ServiceReport.select(ServiceReport.period).where(
                    ServiceReport.contract == contract_id
                ),
                "period",
            )
        ],
        "round_id": [await _first(SurveyRound.select(SurveyRound.id))],
        "flag_id": [await _first(RiskFlag.select(RiskFlag.id))],
        "job_id": [await _first(OutboxEvent.select(OutboxEvent.id))],
        "approval_id": [await _first(Approval.select(Approval.id))],
        "request_id": [await _first(WorkRequest.select(WorkRequest.id))],
        "acceptance_id": [await _first(Acceptance.select(Acceptance.id))],
        "challenge_id": [await _first(Challenge.select(Challenge.id))],
        "complaint_id": [await _first(Complaint.select(Complaint.id))],
        "evaluation_id": [await _first(CommitteeEvaluation.select(CommitteeEvaluation.id))],
        "expert_id": [await _first(Expert.select(Expert.id))],
        "organization_id": [await _first(Organization.select(Organization.id))],
        "attachment_id": [await _first(ReportAttachment.select(ReportAttachment.id))],
        "item_id": [await _first(CatalogItem.select(CatalogItem.id))],
        "day": [await _first(AuditCheckpoint.select(AuditCheckpoint.day), "day")],
        "kind": sorted(DOCUMENTS),
        "code": ["en", "zh-CN"],
        "ocid": [f"{get_settings().ocid_prefix}-{tender['reference']}"],
        "token": ["not-a-real-token"],
        "path": ["openapi.json"],
        "file_path": ["app.css"],
    }


def _get_paths(app: Litestar, values: dict[str, list[str]]) -> list[str]:
    paths: list[str] = []
    for route in app.routes:
        handlers = getattr(route, "route_handlers", [])
        if not any("GET" in (handler.http_methods or ()) for handler in handlers):
            continue
        expanded = [route.path]
        for name in re.findall(r"\{(\w+):\w+\}", route.path):
            expanded = [
                re.sub(r"\{" + name + r":\w+\}", value, path)
                for path in expanded
                for value in values[name]
            ]
        paths.extend(expanded)
    return sorted(set(paths))


async def test_no_get_route_writes_for_any_user(
    app: Litestar, as_user: Any, statements: Statements, moving_clock: Clock
) -> None:
    # A tender with sealed bids whose deadline has passed: the reads must not open them.
    async with AsyncTestClient(app=app) as setup:
        tender_id = await tender_with_bids(setup, as_user)
    moving_clock.advance(days=13, worker=False)
    paths = _get_paths(app, await _values(tender_id))
    assert len(paths) > 100

    checked: dict[str, int] = {}
    for username in USERS:
        async with AsyncTestClient(app=app) as client:
            if username is not None:
                await login(client, username)
            for path in paths:
                statements.recording = True
                try:
                    response = await client.get(path)
                finally:
                    statements.recording = False
                assert response.status_code < 500, (
                    f"{username}: GET {path} → {response.status_code}"
                )
                assert not statements.writes, f"{username}: GET {path} wrote {statements.writes}"
                checked[path] = checked.get(path, 0) + 1
    assert len(checked) == len(paths)
    stored = await Tender.select(Tender.status).where(Tender.id == tender_id).first()
    assert stored is not None and stored["status"] in ("published", "tendering")

"""A service report's submission happens exactly once: fifty identical requests at once give
one submitted version and one audit event (tests/concurrency.py)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.events import AuditAction
from procure.reports.states import REPORT, ReportStep
from procure.reports.tables import ReportStatus, ServiceReport
from tests.concurrency import audit_count, exactly_one_success, race
from tests.reports.conftest import MakeContract, in_scope, report

pytestmark = pytest.mark.usefixtures("report_clock")


def test_the_report_table_moves_a_draft_once_and_never_back() -> None:
    assert REPORT.allowed(ReportStatus.draft) == [ReportStep.submit]
    assert REPORT.allowed(ReportStatus.submitted) == [ReportStep.supersede]
    assert REPORT.allowed(ReportStatus.superseded) == []


async def test_fifty_parallel_submissions_submit_once(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    org = await as_user("org")
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    saved = await client.put(
        f"{url}/draft", json=report(in_scope(contract["scope_line_ids"][0])), headers=org
    )
    assert saved.status_code == 200, saved.text
    draft_id = saved.json()["report"]["id"]

    codes = await race(lambda: client.post(f"{url}/submit", headers=org))
    exactly_one_success(codes)
    assert await audit_count(AuditAction.report_submitted, "service_report", draft_id) == 1
    versions = await ServiceReport.select(ServiceReport.status).where(
        ServiceReport.contract == contract["id"]
    )
    assert [v["status"] for v in versions] == [ReportStatus.submitted]


async def test_fifty_parallel_corrections_supersede_once(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    org = await as_user("org")
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    body = report(in_scope(contract["scope_line_ids"][0]))
    assert (await client.put(f"{url}/draft", json=body, headers=org)).status_code == 200
    assert (await client.post(f"{url}/submit", headers=org)).status_code == 200
    correction = await client.put(f"{url}/draft", json={**body, "corrects_version": 1}, headers=org)
    assert correction.status_code == 200, correction.text

    codes = await race(lambda: client.post(f"{url}/submit", headers=org))
    exactly_one_success(codes)
    versions = (
        await ServiceReport.select(ServiceReport.version, ServiceReport.status)
        .where(ServiceReport.contract == contract["id"])
        .order_by(ServiceReport.version)
    )
    assert [(v["version"], v["status"]) for v in versions] == [
        (1, ReportStatus.superseded),
        (2, ReportStatus.submitted),
    ]
    second = correction.json()["report"]["id"]
    assert await audit_count(AuditAction.report_submitted, "service_report", second) == 1

"""POST /api/v1/risk/scans queues a full scan for the worker and answers 202 with the job; the
request never runs the scan. Only the regulator and administrators start one."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.tables import AuditEvent
from procure.jobs.outbox import deliver
from procure.jobs.tables import OutboxEvent
from procure.risk import engine
from procure.risk.jobs import SCAN_REQUESTED
from procure.settings import get_settings

SCANS = "/api/v1/risk/scans"


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Events wait for a worker (no eager delivery); records every scan the engine runs."""
    monkeypatch.setattr(get_settings(), "jobs_eager", False)
    ran: list[Any] = []

    async def scan(**kwargs: Any) -> list[Any]:
        ran.append(kwargs)
        return []

    monkeypatch.setattr(engine, "scan", scan)
    return ran


async def _clear() -> None:
    await OutboxEvent.delete().where(OutboxEvent.kind == SCAN_REQUESTED)


async def test_a_scan_is_queued_not_run(
    client: AsyncTestClient, as_user: Any, queued: list[Any]
) -> None:
    await _clear()
    regulator = await as_user("regulator")
    started = await client.post(SCANS, json={}, headers=regulator)
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] == "pending" and queued == []  # nothing ran in the request
    assert started.headers["location"] == f"{SCANS}/{job['job_id']}"
    audit = await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.subject_type == "outbox_event") & (AuditEvent.subject_id == str(job["job_id"]))
    )
    assert [row["action"] for row in audit] == ["risk.scan_requested"]
    # Asking again while it waits answers the same job.
    again = await client.post(SCANS, json={"rules": []}, headers=await as_user("admin"))
    assert again.status_code == 202 and again.json()["job_id"] == job["job_id"]
    assert await OutboxEvent.count().where(OutboxEvent.kind == SCAN_REQUESTED) == 1

    assert await deliver(job["job_id"])  # the worker's turn
    assert queued == [{"rules": None}]
    done = await client.get(f"{SCANS}/{job['job_id']}", headers=regulator)
    assert done.status_code == 200 and done.json()["status"] == "done"
    # Once done, a new request queues a new scan, here of the rules named.
    rule = sorted(engine.load_rules())[0]
    named = await client.post(SCANS, json={"rules": [rule, rule]}, headers=regulator)
    assert named.status_code == 202 and named.json()["job_id"] != job["job_id"]
    assert await deliver(named.json()["job_id"])
    assert queued[-1] == {"rules": [rule]}
    await _clear()


async def test_an_unknown_rule_is_refused(
    client: AsyncTestClient, as_user: Any, queued: list[Any]
) -> None:
    await _clear()
    refused = await client.post(
        SCANS, json={"rules": ["no_such_rule"]}, headers=await as_user("regulator")
    )
    assert refused.status_code == 400 and refused.json()["field"] == "rules"
    assert await OutboxEvent.count().where(OutboxEvent.kind == SCAN_REQUESTED) == 0


@pytest.mark.parametrize("username", ["buyer", "org", "committee", "auditor", "expert"])
async def test_only_the_regulator_and_administrators_start_a_scan(
    client: AsyncTestClient, as_user: Any, queued: list[Any], username: str
) -> None:
    await _clear()
    refused = await client.post(SCANS, json={}, headers=await as_user(username))
    assert refused.status_code == 403
    assert (await client.post(SCANS, json={})).status_code == 401
    assert await OutboxEvent.count().where(OutboxEvent.kind == SCAN_REQUESTED) == 0


async def test_a_job_of_another_kind_is_not_a_scan(
    client: AsyncTestClient, as_user: Any, queued: list[Any]
) -> None:
    other = await OutboxEvent.insert(OutboxEvent(kind="not.a.scan", payload="{}")).returning(
        OutboxEvent.id
    )
    missing = await client.get(f"{SCANS}/{other[0]['id']}", headers=await as_user("admin"))
    assert missing.status_code == 404
    await OutboxEvent.delete().where(OutboxEvent.id == other[0]["id"])

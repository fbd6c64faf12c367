"""Time-driven transitions happen with no page view: the bids open at the deadline, a survey
round closed by its clock and a report past its due date each reach the risk rules, once. The
periodic jobs run through the task queue (procrastinate) as the worker runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure import clock
from procure.bids import jobs as bids_jobs
from procure.bids.jobs import open_due
from procure.bids.selectors import due_to_open
from procure.bids.tables import Bid
from procure.calendar import local_today
from procure.jobs.schedule import periodic_jobs
from procure.jobs.tables import OutboxEvent, ScheduleMark
from procure.reports.jobs import mark_overdue
from procure.reports.selectors import overdue_periods
from procure.settings import get_settings
from procure.surveys.jobs import rounds_closed
from procure.tenders.tables import Tender
from procure.worker import build
from tests.conftest import DEMO_TENDERS, Clock
from tests.surveys.conftest import start_round
from tests.tenders.conftest import tender_with_bids


@pytest.fixture
def worker_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(get_settings(), "jobs_eager", False)
    yield


async def _events(kind: str, scope_key: str, subject: int) -> list[dict[str, Any]]:
    rows = await OutboxEvent.select(OutboxEvent.id, OutboxEvent.payload).where(
        OutboxEvent.kind == kind
    )
    found = []
    for row in rows:
        payload = row["payload"]
        if isinstance(payload, str):
            payload = json.loads(payload)
        if str(subject) in payload["scope"].get(scope_key, []):
            found.append(row)
    return found


async def _own_due(now: Any, *, due: list[int]) -> list[int]:
    return due


async def test_the_bids_open_at_the_deadline_through_the_queue_with_no_page_view(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    tender_id = await tender_with_bids(client, as_user)
    moving_clock.advance(days=13, worker=False)  # past the submission deadline, no worker yet

    # Reads show the state the clock implies and write nothing: the tender is being opened.
    shown = await client.get(f"/api/v1/tenders/{tender_id}")
    assert shown.json()["status"] == "opening"
    page = await client.get(f"/disclosure/tenders/{tender_id}")
    assert page.status_code == 200
    assert (await client.get(f"/api/v1/tenders/{tender_id}/opening")).status_code == 409
    stored = await Tender.select(Tender.status).where(Tender.id == tender_id).first()
    assert stored is not None and stored["status"] in ("published", "tendering")

    # The worker's periodic job opens them, through procrastinate, as `procure worker` would:
    # every tender due, which under this moved clock includes the shared demo district's. They
    # stay as loaded for the tests that read them: the job sees this test's tenders only.
    due = await due_to_open(clock.now())
    assert tender_id in due
    monkeypatch.setattr(
        bids_jobs, "due_to_open", partial(_own_due, due=[t for t in due if t not in DEMO_TENDERS])
    )
    app = build(get_settings())
    async with app.open_async():
        await app.tasks["procure.bids.open_due"].defer_async(timestamp=0)
        await app.run_worker_async(queues=["schedule"], wait=False, install_signal_handlers=False)
    stored = await Tender.select(Tender.status).where(Tender.id == tender_id).first()
    assert stored is not None and stored["status"] == "opened"
    assert await Bid.count().where((Bid.tender == tender_id) & (Bid.status == "opened")) == 2
    opening = await client.get(f"/api/v1/tenders/{tender_id}/opening")
    assert opening.status_code == 200 and opening.json()["bid_count"] == 2
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["status"] == "opened"
    # The opening recorded its event for the rules in the same transaction.
    assert await _events("bids_opened", "tender", tender_id)
    assert await open_due() == 0  # nothing left: a second run opens nothing twice


async def test_a_round_closed_by_its_clock_reaches_the_rules_once(
    client: AsyncTestClient, worker_mode: None, moving_clock: Clock
) -> None:
    survey_round = await start_round(client)
    round_id = survey_round["id"]
    await rounds_closed()
    assert await _events("survey_closed", "survey_round", round_id) == []  # still open

    moving_clock.advance(days=15)  # past closes_at: closed by the clock, no write needed
    assert await rounds_closed() >= 1
    assert len(await _events("survey_closed", "survey_round", round_id)) == 1
    await rounds_closed()
    assert len(await _events("survey_closed", "survey_round", round_id)) == 1  # once


async def test_a_report_past_its_due_date_becomes_overdue_once(
    database: None, worker_mode: None
) -> None:
    overdue = await overdue_periods(local_today())
    assert overdue, "the demo district has reports past their due date"
    contract_id, period = overdue[0]
    subject = f"{contract_id}:{period}"
    await ScheduleMark.delete().where(
        (ScheduleMark.name == "reports.overdue") & (ScheduleMark.subject == subject)
    )
    before = len(await _events("report_overdue", "contract", contract_id))
    assert await mark_overdue() >= 1
    assert len(await _events("report_overdue", "contract", contract_id)) == before + 1
    await mark_overdue()
    assert len(await _events("report_overdue", "contract", contract_id)) == before + 1


def test_every_periodic_job_is_scheduled_in_the_queue() -> None:
    app = build(get_settings())
    names = {job.name for job in periodic_jobs()}
    assert {"bids.open_due", "surveys.closed", "reports.overdue", "risk.scan"} <= names
    periodic = {task.periodic_id for task in app.periodic_registry.periodic_tasks.values()}
    assert names | {"procure.relay"} == periodic

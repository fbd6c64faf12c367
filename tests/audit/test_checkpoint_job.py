"""The daily checkpoint is made by the worker's job, with no page view, once a day; reads of the
checkpoints write nothing."""

from __future__ import annotations

import pytest

from procure.audit.chain import signature_problem
from procure.audit.checkpoint_selectors import checkpoint_page, latest_checkpoint
from procure.audit.jobs import daily_checkpoint
from procure.audit.tables import AuditCheckpoint, AuditHead
from procure.audit.verify import verify_log
from procure.calendar import local_day
from procure.db.pagination import PageRequest
from procure.jobs.schedule import periodic_jobs
from procure.keyring import get_keyring
from procure.settings import get_settings
from procure.worker import build
from tests.conftest import Clock


async def test_the_worker_signs_the_day_s_checkpoint_with_no_page_view(
    database: None, moving_clock: Clock
) -> None:
    moving_clock.advance(days=4000, worker=False)  # a day no other test makes a checkpoint for
    day = local_day(moving_clock.now())
    assert await AuditCheckpoint.count().where(AuditCheckpoint.day == day) == 0
    app = build(get_settings())
    # The worker as `procure worker` runs it, with this job's schedule alone: the other
    # periodic jobs would act on the shared demo district under the moved clock.
    registry = app.periodic_registry.periodic_tasks
    for key in [key for key, task in registry.items() if task.periodic_id != "audit.checkpoint"]:
        del registry[key]
    async with app.open_async():
        await app.tasks["procure.audit.checkpoint"].defer_async(timestamp=0)
        await app.run_worker_async(queues=["schedule"], wait=False, install_signal_handlers=False)
    rows = await AuditCheckpoint.select().where(AuditCheckpoint.day == day)
    assert len(rows) == 1
    head = await AuditHead.select().first()
    assert head is not None and (rows[0]["seq"], rows[0]["head_hash"]) == (
        head["seq"],
        head["hash"],
    )
    latest = await latest_checkpoint()
    assert latest is not None and latest.seq == head["seq"]
    assert signature_problem(get_keyring(), latest) is None
    assert await daily_checkpoint() == 0  # the same day again: no second checkpoint
    assert await AuditCheckpoint.count().where(AuditCheckpoint.day == day) == 1
    verdict = await verify_log()
    assert verdict.ok and verdict.checkpoints >= 1, verdict.summary()


async def test_checkpoints_are_append_only(database: None, moving_clock: Clock) -> None:
    moving_clock.advance(days=4100, worker=False)
    assert await daily_checkpoint() == 1
    with pytest.raises(Exception, match="append-only"):
        await AuditCheckpoint.update({AuditCheckpoint.seq: 0}).where(AuditCheckpoint.id > 0)
    with pytest.raises(Exception, match="append-only"):
        await AuditCheckpoint.delete().where(AuditCheckpoint.id > 0)
    page = await checkpoint_page(PageRequest(1, 1))
    assert page.total >= 1 and len(page.items) == 1


def test_the_checkpoint_job_is_scheduled_daily() -> None:
    job = next(job for job in periodic_jobs() if job.name == "audit.checkpoint")
    assert job.cron == "5 0 * * *"

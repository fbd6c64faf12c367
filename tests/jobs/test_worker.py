"""The worker: in the server process on SQLite (an event is delivered as its transaction
commits, the relay hands over anything it missed), and on PostgreSQL several workers share the
queue, each event delivered by exactly one of them."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from procure.db import transaction
from procure.jobs.outbox import emit, handles
from procure.jobs.tables import EventStatus, OutboxEvent
from procure.settings import get_settings
from procure.worker import InProcessWorker, apply_schema, build, relay

DELIVERED: Counter[str] = Counter()


@handles("test.worker")
async def _count(payload: dict[str, Any]) -> None:
    DELIVERED[payload["n"]] += 1


@pytest.fixture
def worker_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(get_settings(), "jobs_eager", False)
    DELIVERED.clear()
    yield


async def _statuses(ids: list[int]) -> set[str]:
    rows = await OutboxEvent.select(OutboxEvent.status).where(OutboxEvent.id.is_in(ids))
    return {row["status"] for row in rows}


async def _until(condition: Any, seconds: float = 20) -> None:
    for _ in range(int(seconds / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the worker did not get there")


@pytest.mark.sqlite_only
async def test_the_in_process_worker_delivers_at_commit_and_after_a_restart(
    database: None, worker_mode: None
) -> None:
    # Recorded while no worker runs (a CLI command, or before a restart): waits in the outbox.
    waiting = await emit("test.worker", {"n": "waiting"})
    worker = InProcessWorker(get_settings())
    await worker.start()
    try:
        async with transaction():
            fresh = await emit("test.worker", {"n": "fresh"})

        async def both_done() -> bool:
            return await _statuses([waiting, fresh]) == {EventStatus.done}

        await _until(both_done)  # the relay hands over the older one within seconds
    finally:
        await worker.stop()
    assert Counter({"waiting": 1, "fresh": 1}) == DELIVERED


@pytest.mark.sqlite_only
async def test_several_server_processes_on_sqlite_run_one_worker_and_take_over(
    database: None, worker_mode: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `procure serve --workers 2`: each process starts an InProcessWorker; the lock file lets
    # one run the queue and the periodic jobs, and the other takes over when it stops.
    monkeypatch.setattr(InProcessWorker, "LOCK_RETRY_SECONDS", 0.05)
    first, second = InProcessWorker(get_settings()), InProcessWorker(get_settings())
    await first.start()
    await second.start()
    try:
        assert first.running
        assert not second.running
        event = await emit("test.worker", {"n": "while-first-runs"})
        await first.stop()

        async def second_took_over() -> bool:
            return second.running

        await _until(second_took_over)
        async with transaction():
            late = await emit("test.worker", {"n": "after-take-over"})

        async def both_done() -> bool:
            return await _statuses([event, late]) == {EventStatus.done}

        await _until(both_done)
    finally:
        await first.stop()
        await second.stop()
    assert Counter({"while-first-runs": 1, "after-take-over": 1}) == DELIVERED


@pytest.mark.postgresql_only
async def test_two_workers_share_the_queue_each_event_once(
    database: None, worker_mode: None
) -> None:
    settings = get_settings()
    await apply_schema(settings)
    ids = [await emit("test.worker", {"n": f"e{n}"}) for n in range(20)]
    first, second = build(settings), build(settings)
    async with first.open_async(), second.open_async():
        assert await relay(first.procure_deliver) >= 20
        assert await relay(second.procure_deliver) == 0  # handed over once
        await asyncio.gather(
            first.run_worker_async(
                queues=["events"], wait=False, name="one", install_signal_handlers=False
            ),
            second.run_worker_async(
                queues=["events"], wait=False, name="two", install_signal_handlers=False
            ),
        )
    assert await _statuses(ids) == {EventStatus.done}
    assert Counter({f"e{n}": 1 for n in range(20)}) == DELIVERED

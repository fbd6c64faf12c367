"""The outbox: an event commits with its write or not at all; a worker delivers it, retries a
failing handler with a growing delay, keeps it as failed after the last attempt (never lost),
and takes back the claim of a worker that died."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from procure import clock
from procure.db import transaction
from procure.jobs import outbox
from procure.jobs.outbox import MAX_ATTEMPTS, deliver, emit, handles, reclaim, retry_failed
from procure.jobs.selectors import counts, events
from procure.jobs.tables import EventStatus, OutboxEvent
from procure.settings import get_settings
from tests.conftest import Clock

SEEN: list[dict[str, Any]] = []
FAILURES: dict[str, int] = {}


@handles("test.recorded")
async def _recorded(payload: dict[str, Any]) -> None:
    SEEN.append(payload)


@handles("test.flaky")
async def _flaky(payload: dict[str, Any]) -> None:
    """Fails as many times as the payload says, then succeeds."""
    key = payload["key"]
    FAILURES[key] = FAILURES.get(key, 0) + 1
    if FAILURES[key] <= payload["failures"]:
        raise RuntimeError(f"failure {FAILURES[key]} of {key}")
    SEEN.append(payload)


@pytest.fixture
def worker_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As in production: events wait in the outbox for a worker (the suite delivers eagerly)."""
    monkeypatch.setattr(get_settings(), "jobs_eager", False)
    SEEN.clear()
    yield


async def _row(event_id: int) -> dict[str, Any]:
    row = await OutboxEvent.select().where(OutboxEvent.id == event_id).first()
    assert row is not None
    return row


async def test_an_event_commits_with_its_write_or_not_at_all(
    database: None, worker_mode: None
) -> None:
    with pytest.raises(RuntimeError):
        async with transaction():
            rolled_back = await emit("test.recorded", {"n": "rolled back"})
            raise RuntimeError("the write fails")
    assert await OutboxEvent.count().where(OutboxEvent.id == rolled_back) == 0

    async with transaction():
        kept = await emit("test.recorded", {"n": "kept"})
    assert (await _row(kept))["status"] == EventStatus.pending
    assert SEEN == []  # nothing runs in the writing request
    assert await deliver(kept) is True
    assert SEEN == [{"n": "kept"}]
    row = await _row(kept)
    assert row["status"] == EventStatus.done and row["attempts"] == 1
    assert await deliver(kept) is False  # done is done: a second worker gets nothing


async def test_a_failing_handler_is_retried_later_and_never_lost(
    database: None, worker_mode: None, moving_clock: Clock
) -> None:
    event_id = await emit("test.flaky", {"key": "twice", "failures": 2})
    assert await deliver(event_id) is True
    first = await _row(event_id)
    assert first["status"] == EventStatus.pending and first["attempts"] == 1
    assert "failure 1 of twice" in first["last_error"]
    assert first["run_after"] > clock.now()
    assert await deliver(event_id) is False  # not before its time
    assert event_id in [row["id"] for row in await events("retried")]

    moving_clock.advance(seconds=(first["run_after"] - clock.now()).total_seconds() + 1)
    await deliver(event_id)
    second = await _row(event_id)
    assert second["attempts"] == 2 and second["status"] == EventStatus.pending
    assert second["run_after"] - clock.now() > first["run_after"] - first["claimed_at"]  # it grows

    moving_clock.advance(hours=1)
    assert await outbox.run_due() >= 1
    assert (await _row(event_id))["status"] == EventStatus.done
    assert {"key": "twice", "failures": 2} in SEEN


async def test_after_its_last_attempt_an_event_is_kept_as_failed_until_retried(
    database: None, worker_mode: None, moving_clock: Clock
) -> None:
    event_id = await emit("test.flaky", {"key": "always", "failures": 10_000})
    for _ in range(MAX_ATTEMPTS):
        moving_clock.advance(hours=2)
        assert await deliver(event_id) is True
    failed = await _row(event_id)
    assert failed["status"] == EventStatus.failed and failed["attempts"] == MAX_ATTEMPTS
    assert "RuntimeError: failure" in failed["last_error"]
    assert (await counts())["failed"] >= 1
    moving_clock.advance(hours=2)
    assert await deliver(event_id) is False  # a failed event waits for a person

    assert await retry_failed([event_id]) == 1
    retried = await _row(event_id)
    assert retried["status"] == EventStatus.pending and retried["attempts"] == 0


async def test_an_unknown_kind_fails_like_any_handler(database: None, worker_mode: None) -> None:
    event_id = await emit("test.nobody_handles_this", {})
    await deliver(event_id)
    row = await _row(event_id)
    assert row["status"] == EventStatus.pending and "no handler" in row["last_error"]


async def test_the_claim_of_a_worker_that_died_is_taken_back(
    database: None, worker_mode: None, moving_clock: Clock
) -> None:
    event_id = await emit("test.recorded", {"n": "orphan"})
    # A worker claims it and dies before finishing.
    await OutboxEvent.update(
        {OutboxEvent.status: EventStatus.running, OutboxEvent.claimed_at: clock.now()}
    ).where(OutboxEvent.id == event_id)
    await reclaim(clock.now())
    assert (await _row(event_id))["status"] == EventStatus.running  # within its lease
    moving_clock.advance(minutes=16)
    await reclaim(clock.now())
    assert (await _row(event_id))["status"] == EventStatus.pending
    assert await deliver(event_id) is True
    assert {"n": "orphan"} in SEEN


async def test_the_suite_delivers_eagerly_after_commit(database: None) -> None:
    SEEN.clear()
    assert get_settings().jobs_eager
    async with transaction():
        event_id = await emit("test.recorded", {"n": "eager"})
        assert SEEN == []  # not inside the transaction
    assert SEEN == [{"n": "eager"}]
    assert (await _row(event_id))["status"] == EventStatus.done

"""The audit log: written in the same transaction as the change, hash-chained, append-only."""

from __future__ import annotations

import pytest

from procure.audit.events import AuditAction
from procure.audit.services import record, verify_chain
from procure.audit.tables import AuditEvent
from procure.db import transaction


async def test_record_refuses_to_run_outside_a_transaction(database: None) -> None:
    with pytest.raises(RuntimeError, match="inside the write's transaction"):
        await record(actor=None, action=AuditAction.demo_loaded, subject_type="x", subject_id=1)


async def test_an_event_rolls_back_with_its_change(database: None) -> None:
    before = await AuditEvent.count()
    with pytest.raises(ZeroDivisionError):
        async with transaction():
            await record(actor=None, action=AuditAction.demo_loaded, subject_type="x", subject_id=1)
            _ = 1 / 0
    assert await AuditEvent.count() == before


async def test_the_chain_links_every_event(database: None) -> None:
    async with transaction():
        first = await record(
            actor=None,
            action=AuditAction.demo_loaded,
            subject_type="x",
            subject_id=1,
            data={"金额": 100},
        )
        second = await record(
            actor=None, action=AuditAction.demo_loaded, subject_type="x", subject_id=2
        )
    assert second == first + 1
    rows = (
        await AuditEvent.select()
        .where(AuditEvent.seq.is_in([first, second]))
        .order_by(AuditEvent.seq)
    )
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    ok, count, message = await verify_chain()
    assert ok, message
    assert count >= 2


async def test_events_cannot_be_changed_or_deleted(database: None) -> None:
    event = await AuditEvent.select(AuditEvent.id).first()
    assert event is not None
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.update({AuditEvent.actor_label: "someone else"}).where(
            AuditEvent.id == event["id"]
        )
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.delete().where(AuditEvent.id == event["id"])


class Rollback(Exception):
    pass


async def test_a_forged_event_breaks_the_chain(database: None) -> None:
    last = await AuditEvent.select().order_by(AuditEvent.seq, ascending=False).first()
    assert last is not None
    forged_seq = last["seq"] + 1
    # Forge inside a transaction that is rolled back, so the shared log stays intact.
    with pytest.raises(Rollback):
        async with transaction():
            await AuditEvent.insert(
                AuditEvent(
                    seq=forged_seq,
                    actor_label="forger",
                    action="user.created",
                    subject_type="user",
                    subject_id="1",
                    data="{}",
                    prev_hash=last["hash"],
                    hash="f" * 64,
                )
            )
            ok, _, message = await verify_chain()
            assert not ok and f"event {forged_seq} " in message
            raise Rollback
    assert (await verify_chain())[0]

"""The audit log: written in the same transaction as the change, chained by a keyed hash over
every column, checked against its head and its signed checkpoints, append-only.

Each tampering happens inside a rolled-back transaction (tests/audit/tampering.py), as someone
with write access to the database would do it, on events the test wrote itself."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from procure.audit.chain import COVERED, Checkpoint, sign
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.audit.tables import AuditEvent, AuditHead
from procure.audit.verify import verify_log
from procure.db import transaction
from procure.keyring import Keyring, get_keyring
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from tests.audit.tampering import rechain_from, sql, tampering

ATTACKER_SECRET = "a-secret-the-attacker-made-up-long-enough-0123456789"


async def own_events(count: int = 3) -> list[int]:
    """``count`` fresh events at the end of the log, the first two by a signed-in user."""
    user = await user_by_username("auditor")
    assert user is not None
    actor = Actor.from_row(user)
    async with transaction():
        return [
            await record(
                actor=actor if n < 2 else None,
                action=AuditAction.demo_loaded,
                subject_type="probe",
                subject_id=n,
                data={"金额": 100 + n},
            )
            for n in range(count)
        ]


async def head_checkpoint(keyring: Keyring | None = None) -> Checkpoint:
    """A checkpoint of the current head, as someone who downloaded it would keep it."""
    head = await AuditHead.select().first()
    assert head is not None
    return sign(
        keyring or get_keyring(),
        seq=head["seq"],
        head_hash=head["hash"],
        signed_at=datetime.now(UTC),
    )


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


async def test_the_chain_links_every_event_and_verifies(database: None) -> None:
    first, second, _ = await own_events()
    rows = (
        await AuditEvent.select()
        .where(AuditEvent.seq.is_in([first, second]))
        .order_by(AuditEvent.seq)
    )
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    assert [row["id"] for row in rows] == [first, second]
    assert {row["key_version"] for row in rows} == {get_keyring().current_version}
    verdict = await verify_log()
    assert verdict.ok, verdict.summary()
    assert verdict.events >= 3 and verdict.head_seq >= second + 1


async def test_events_cannot_be_changed_or_deleted(database: None) -> None:
    event = await AuditEvent.select(AuditEvent.id).first()
    assert event is not None
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.update({AuditEvent.actor_label: "someone else"}).where(
            AuditEvent.id == event["id"]
        )
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.delete().where(AuditEvent.id == event["id"])


async def test_deleting_the_last_events_is_a_missing_tail(database: None) -> None:
    seqs = await own_events()
    async with tampering():
        await AuditEvent.delete().where(AuditEvent.seq >= seqs[1])
        verdict = await verify_log()
        assert not verdict.ok
        assert verdict.seq == seqs[1] and "missing tail" in verdict.reason
    assert (await verify_log()).ok


async def test_a_missing_event_in_the_middle_is_named(database: None) -> None:
    seqs = await own_events()
    async with tampering():
        await AuditEvent.delete().where(AuditEvent.seq == seqs[1])
        verdict = await verify_log()
        assert (verdict.seq, verdict.ok) == (seqs[1], False) and "missing" in verdict.reason


async def test_a_truncation_that_rewinds_the_head_too_is_caught_by_a_kept_checkpoint(
    database: None,
) -> None:
    seqs = await own_events()
    kept = await head_checkpoint()
    async with tampering():
        cut = await AuditEvent.select().where(AuditEvent.seq == seqs[0]).first()
        assert cut is not None
        await AuditEvent.delete().where(AuditEvent.seq > seqs[0])
        await AuditHead.update({AuditHead.seq: cut["seq"], AuditHead.hash: cut["hash"]}).where(
            AuditHead.id == 1
        )
        verdict = await verify_log(kept)
        assert not verdict.ok
        assert verdict.seq == seqs[1] and "missing tail" in verdict.reason
        assert f"names event {kept.seq}" in verdict.reason


@pytest.mark.parametrize("column", COVERED)
async def test_a_change_to_any_column_is_detected(database: None, column: str) -> None:
    seqs = await own_events()
    changed: dict[str, Any] = {
        "id": seqs[0] + 10_000_000,
        "seq": seqs[0] + 10_000_000,
        "occurred_at": datetime.now(UTC) - timedelta(days=3),
        "actor_id": 999_999,
        "actor_label": "someone else",
        "action": "user.created",
        "subject_type": "tender",
        "subject_id": "999",
        "data": '{"金额":1}',
        "prev_hash": "e" * 64,
        "key_version": get_keyring().current_version + 1,
    }
    assert set(changed) == set(COVERED)  # a new column gets a case here
    async with tampering():
        statement = f"UPDATE audit_event SET {column} = {{}} WHERE seq = {{}}"
        await sql(statement, changed[column], seqs[0])
        verdict = await verify_log()
        assert not verdict.ok and verdict.seq == seqs[0], verdict.summary()


async def test_changing_the_actor_is_detected(database: None) -> None:
    seqs = await own_events()
    async with tampering():
        await AuditEvent.update({AuditEvent.actor_id: None}).where(AuditEvent.seq == seqs[0])
        verdict = await verify_log()
        assert not verdict.ok and verdict.seq == seqs[0]
        assert "does not match its content" in verdict.reason


async def test_a_rewrite_rechained_without_the_key_is_detected(database: None) -> None:
    seqs = await own_events()
    attacker = Keyring(current_version=1, secrets={1: ATTACKER_SECRET})
    async with tampering():
        await AuditEvent.update({AuditEvent.data: '{"金额":1}'}).where(AuditEvent.seq == seqs[0])
        await rechain_from(seqs[0], attacker)
        verdict = await verify_log()
        assert not verdict.ok and verdict.seq == seqs[0]
        assert "written without the key" in verdict.reason


async def test_a_kept_checkpoint_is_extended_by_the_log(database: None) -> None:
    await own_events(1)
    kept = await head_checkpoint()
    await own_events(2)
    verdict = await verify_log(kept)
    assert verdict.ok, verdict.summary()
    assert verdict.checkpoints >= 1 and verdict.head_seq == kept.seq + 2


async def test_a_rewrite_before_a_kept_checkpoint_is_detected_even_with_the_key(
    database: None,
) -> None:
    """Someone who holds the secret can rewrite and re-chain so that the log verifies on its
    own; a checkpoint somebody kept from before still tells."""
    seqs = await own_events()
    kept = await head_checkpoint()
    async with tampering():
        await AuditEvent.update({AuditEvent.actor_id: None}).where(AuditEvent.seq == seqs[0])
        await rechain_from(seqs[0], get_keyring())
        assert (await verify_log()).ok
        verdict = await verify_log(kept)
        assert not verdict.ok and verdict.seq == kept.seq
        assert "rewritten" in verdict.reason


async def test_a_checkpoint_not_signed_by_the_platform_is_refused(database: None) -> None:
    await own_events(1)
    kept = await head_checkpoint()
    forged_head = dataclasses.replace(kept, head_hash="a" * 64)
    verdict = await verify_log(forged_head)
    assert not verdict.ok and "signature does not verify" in verdict.reason
    other = await head_checkpoint(Keyring(current_version=1, secrets={1: ATTACKER_SECRET}))
    verdict = await verify_log(other)
    assert not verdict.ok and "public key is not this platform's" in verdict.reason
    assert Checkpoint.parse(kept.export()) == kept
    with pytest.raises(ValueError, match="seq is missing"):
        Checkpoint.parse({k: v for k, v in kept.export().items() if k != "seq"})


async def test_a_rotated_secret_keys_new_events_and_old_ones_keep_their_version(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from procure.audit import services, verify

    old = get_keyring()
    rotated = Keyring(current_version=2, secrets={**old.secrets, 2: ATTACKER_SECRET[::-1]})
    async with tampering():  # rolled back: the shared log stays under the suite's one secret
        before = await own_events(1)
        for module in (services, verify):
            monkeypatch.setattr(module, "get_keyring", lambda: rotated)
        after = await own_events(1)
        versions = await AuditEvent.select(AuditEvent.seq, AuditEvent.key_version).where(
            AuditEvent.seq.is_in(before + after)
        )
        assert {row["seq"]: row["key_version"] for row in versions} == {
            before[0]: 1,
            after[0]: 2,
        }
        kept = await head_checkpoint(rotated)
        assert kept.key_version == 2
        verdict = await verify_log(kept)
        assert verdict.ok, verdict.summary()
        only_new = Keyring(current_version=2, secrets={2: rotated.secrets[2]})
        monkeypatch.setattr(verify, "get_keyring", lambda: only_new)
        verdict = await verify_log()  # the first event, or a checkpoint signed under version 1
        assert not verdict.ok and "secret version 1 is not configured" in verdict.reason

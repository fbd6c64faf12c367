"""Writing to the audit log: record() appends one event to the keyed hash chain, inside the
caller's transaction, so the event exists exactly when the change it describes does; and the
daily checkpoint, the only writer of checkpoints."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from procure.audit.chain import Checkpoint, canonical_json, event_hash, sign
from procure.audit.events import AuditAction
from procure.audit.tables import AuditCheckpoint, AuditEvent, AuditHead
from procure.db import in_transaction, transaction
from procure.keyring import get_keyring
from procure.security.actors import Actor

__all__ = ["canonical_json", "checkpoint_make", "record"]


async def record(
    *,
    actor: Actor | None,
    action: AuditAction,
    subject_type: str,
    subject_id: Any,
    data: dict[str, Any] | None = None,
) -> int:
    """Append an event; returns its sequence number. Must run inside the write's transaction."""
    if not in_transaction():
        raise RuntimeError("audit.record() must be called inside the write's transaction")
    keyring = get_keyring()
    # Bumping the head row takes its row lock, which serialises concurrent writers of the chain.
    head = (
        await AuditHead.update({AuditHead.seq: AuditHead.seq + 1})
        .where(AuditHead.id == 1)
        .returning(AuditHead.seq, AuditHead.hash)
    )
    seq, prev_hash = head[0]["seq"], head[0]["hash"]
    row: dict[str, Any] = {
        "id": seq,
        "seq": seq,
        "occurred_at": datetime.now(UTC).replace(microsecond=0),
        "actor_id": actor.id if actor else None,
        "actor_label": actor.label if actor else "system",
        "action": str(action),
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "data": canonical_json(data or {}),
        "prev_hash": prev_hash,
        "key_version": keyring.current_version,
    }
    digest = event_hash(keyring, row)
    await AuditEvent.insert(AuditEvent(**row, hash=digest))
    await AuditHead.update({AuditHead.hash: digest}).where(AuditHead.id == 1)
    return seq


async def checkpoint_make(day: date, *, at: datetime) -> Checkpoint | None:
    """Sign the chain's current head as the checkpoint of ``day``; None when that day has one
    already (a repeated or late tick makes no second one)."""
    keyring = get_keyring()
    async with transaction():
        head = await AuditHead.select(AuditHead.seq, AuditHead.hash).first()
        assert head is not None, "the audit head row is made by the migrations"
        checkpoint = sign(keyring, seq=head["seq"], head_hash=head["hash"], signed_at=at)
        made = (
            await AuditCheckpoint.insert(AuditCheckpoint(day=day, **checkpoint.__dict__))
            .on_conflict(target=AuditCheckpoint.day, action="DO NOTHING")
            .returning(AuditCheckpoint.id)
        )
    return checkpoint if made else None

"""Writing to the audit log: record() appends one event to the hash chain, inside the caller's
transaction, so the event exists exactly when the change it describes does."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from procure.audit.events import AuditAction
from procure.audit.tables import AuditEvent, AuditHead
from procure.db import in_transaction
from procure.security.actors import Actor


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(
    *,
    prev_hash: str,
    seq: int,
    occurred_at: str,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    data: dict[str, Any],
) -> str:
    body = canonical_json(
        {
            "prev": prev_hash,
            "seq": seq,
            "at": occurred_at,
            "actor": actor,
            "action": action,
            "subject": [subject_type, subject_id],
            "data": data,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


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
    # Bumping the head row takes its row lock, which serialises concurrent writers of the chain.
    head = (
        await AuditHead.update({AuditHead.seq: AuditHead.seq + 1})
        .where(AuditHead.id == 1)
        .returning(AuditHead.seq, AuditHead.hash)
    )
    seq, prev_hash = head[0]["seq"], head[0]["hash"]
    occurred_at = datetime.now(UTC).replace(microsecond=0)
    payload = data or {}
    actor_label = actor.label if actor else "system"
    digest = event_hash(
        prev_hash=prev_hash,
        seq=seq,
        occurred_at=occurred_at.isoformat(),
        actor=actor_label,
        action=str(action),
        subject_type=subject_type,
        subject_id=str(subject_id),
        data=payload,
    )
    await AuditEvent.insert(
        AuditEvent(
            seq=seq,
            occurred_at=occurred_at,
            actor_id=actor.id if actor else None,
            actor_label=actor_label,
            action=str(action),
            subject_type=subject_type,
            subject_id=str(subject_id),
            data=canonical_json(payload),
            prev_hash=prev_hash,
            hash=digest,
        )
    )
    await AuditHead.update({AuditHead.hash: digest}).where(AuditHead.id == 1)
    return seq


async def verify_chain() -> tuple[bool, int, str]:
    """Recompute every hash in order: (ok, events checked, message)."""
    prev = "0" * 64
    count = 0
    rows = await AuditEvent.select().order_by(AuditEvent.seq)
    for row in rows:
        count += 1
        data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
        expected = event_hash(
            prev_hash=prev,
            seq=row["seq"],
            occurred_at=_utc(row["occurred_at"]).isoformat(),
            actor=row["actor_label"],
            action=row["action"],
            subject_type=row["subject_type"],
            subject_id=row["subject_id"],
            data=data,
        )
        if row["prev_hash"] != prev or row["hash"] != expected:
            return False, count, f"event {row['seq']} does not match its hash"
        prev = row["hash"]
    return True, count, "ok"


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

"""Verifying the audit log: every event's keyed hash and link in order, the stored head, and the
checkpoints (the stored ones, and one somebody kept). Reads only.

A writer commits its event and the new head together, so a reader that finds no event past the
ones it has checked, after reading the head, knows every event up to the head should be there:
the log is read in batches with no long transaction, and a log that grows meanwhile is followed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from procure.audit.chain import GENESIS_HASH, Checkpoint, event_hash, signature_problem, utc
from procure.audit.tables import AuditCheckpoint, AuditEvent, AuditHead
from procure.keyring import KeyUnavailable, get_keyring

BATCH = 2000


@dataclass
class Verdict:
    """``seq`` names the first event found wrong (or missing), with ``reason``."""

    events: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    checkpoints: int = 0
    seq: int | None = None
    reason: str = ""
    pending: dict[int, list[tuple[str, Checkpoint]]] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.reason

    def fail(self, seq: int | None, reason: str) -> Verdict:
        self.seq, self.reason = seq, reason
        return self

    def summary(self) -> str:
        if self.ok:
            return (
                f"audit log intact: {self.events} events, head {self.head_seq} "
                f"{self.head_hash[:16]}…, {self.checkpoints} checkpoints match"
            )
        where = f"event {self.seq}: " if self.seq is not None else ""
        return f"audit log NOT intact: {where}{self.reason}"


def _label(source: str, checkpoint: Checkpoint) -> str:
    return f"{source} (event {checkpoint.seq}, signed {utc(checkpoint.signed_at):%Y-%m-%d %H:%M}Z)"


async def verify_log(kept: Checkpoint | None = None) -> Verdict:
    """Check the whole log; stop at the first problem. ``kept`` is a checkpoint somebody kept:
    its signature must verify and the event at its sequence must still hash to its head."""
    keyring = get_keyring()
    verdict = Verdict()
    checkpoints = [
        ("stored checkpoint", Checkpoint.from_row(row))
        for row in await AuditCheckpoint.select().order_by(AuditCheckpoint.seq)
    ]
    if kept is not None:
        checkpoints.append(("the checkpoint given", kept))
    for source, checkpoint in checkpoints:
        try:
            problem = signature_problem(keyring, checkpoint)
        except KeyUnavailable as error:
            problem = f"its signing key cannot be derived: {error}"
        if problem:
            return verdict.fail(checkpoint.seq, f"{_label(source, checkpoint)}: {problem}")
        verdict.pending.setdefault(checkpoint.seq, []).append((source, checkpoint))
    if not _checkpoints_hold(verdict, 0, GENESIS_HASH):
        return verdict

    prev_seq, prev_hash = 0, GENESIS_HASH
    head: dict[str, Any] | None = None
    while True:
        rows = await (
            AuditEvent.select()
            .where(AuditEvent.seq > prev_seq)
            .order_by(AuditEvent.seq)
            .limit(BATCH)
        )
        if not rows:
            if head is not None:
                break  # nothing past what was checked, read after the head
            head = await AuditHead.select(AuditHead.seq, AuditHead.hash).first()
            assert head is not None, "the audit head row is made by the migrations"
            continue
        head = None  # the log grew: read the head again once its successors are exhausted
        for row in rows:
            seq = row["seq"]
            if seq != prev_seq + 1:
                gap = f"missing (the log goes from {prev_seq} to {seq})"
                return verdict.fail(prev_seq + 1, gap)
            if row["prev_hash"] != prev_hash:
                return verdict.fail(seq, "does not link to the event before it")
            try:
                expected = event_hash(keyring, row)
            except KeyUnavailable as error:
                return verdict.fail(seq, f"cannot be checked: {error}")
            if row["hash"] != expected:
                return verdict.fail(
                    seq,
                    "its hash does not match its content under the audit key (changed after "
                    "it was written, or written without the key)",
                )
            prev_seq, prev_hash = seq, row["hash"]
            verdict.events += 1
            if not _checkpoints_hold(verdict, seq, prev_hash):
                return verdict

    assert head is not None
    verdict.head_seq, verdict.head_hash = head["seq"], head["hash"]
    if head["seq"] > prev_seq:
        return verdict.fail(
            prev_seq + 1,
            f"missing tail: the head names event {head['seq']}, the log ends at {prev_seq}",
        )
    if head["seq"] < prev_seq:
        return verdict.fail(head["seq"] + 1, f"lies past the head (event {head['seq']})")
    if head["hash"] != prev_hash:
        return verdict.fail(prev_seq, "the head's hash is not this event's")
    if verdict.pending:
        seq = min(verdict.pending)
        source, checkpoint = verdict.pending[seq][0]
        return verdict.fail(
            prev_seq + 1,
            f"missing tail: {_label(source, checkpoint)} names event {seq}, "
            f"the log ends at {prev_seq}",
        )
    return verdict


def _checkpoints_hold(verdict: Verdict, seq: int, digest: str) -> bool:
    for source, checkpoint in verdict.pending.pop(seq, []):
        if checkpoint.head_hash != digest:
            verdict.fail(
                seq,
                f"its hash is not the head {_label(source, checkpoint)} signed: "
                "the log was rewritten at or before it",
            )
            return False
        verdict.checkpoints += 1
    return True

"""Key the audit events written before the chain was keyed, and make checkpoints append-only.

The events so far were chained by plain SHA-256 over some of their columns. This migration first
checks that chain as it stood (every link, every hash, and the head: a log already altered is
refused, naming the event, and nothing changes), then re-chains every event under the current
secret's audit key, over all of its columns, with ``id`` made equal to ``seq``, and appends one
``audit.chain_keyed`` event saying how many events were re-keyed and what the unkeyed head was.
The re-keyed events are worth exactly what the unkeyed chain was worth: anyone who could write
to the database before this upgrade could have rewritten them. docs/audit.md says so.

The hash formulas are written out here, as they are at this migration, so that a later change
to the chain does not change what this step did.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString

from procure.db import get_engine

ID = "2026-12-07T09:15:19:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit log: re-chain the existing events under the audit key; append-only checkpoints"

GENESIS_HASH = "0" * 64

SQLITE_CHECKPOINT_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint "
    "BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint "
    "BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is append-only'); END",
]
POSTGRES_CHECKPOINT_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_checkpoint_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_checkpoint is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE OR DELETE ON audit_checkpoint "
    "FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_append_only()",
]
#: The event triggers of migration 2026-11-23T17:45:00, lifted for the re-chaining only.
SQLITE_EVENT_TRIGGERS = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
]


class UnkeyedChainBroken(Exception):
    pass


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _data(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def unkeyed_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """The chain as it was before this migration."""
    body = _canonical(
        {
            "prev": prev_hash,
            "seq": row["seq"],
            "at": _utc(row["occurred_at"]).isoformat(),
            "actor": row["actor_label"],
            "action": row["action"],
            "subject": [row["subject_type"], row["subject_id"]],
            "data": _data(row["data"]),
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


def keyed_hash(key: bytes, row: dict[str, Any]) -> str:
    """The keyed chain as procure.audit.chain.event_hash computes it at this migration."""
    columns = (
        "id",
        "seq",
        "occurred_at",
        "actor_id",
        "actor_label",
        "action",
        "subject_type",
        "subject_id",
        "data",
        "prev_hash",
        "key_version",
    )
    body = {name: row[name] for name in columns}
    body["occurred_at"] = _utc(row["occurred_at"]).isoformat()
    body["data"] = _data(row["data"])
    return hmac.new(key, _canonical(body).encode(), hashlib.sha256).hexdigest()


async def _rows(sql: str, *args: Any) -> list[dict[str, Any]]:
    return await get_engine().run_querystring(QueryString(sql, *args))


async def _unkeyed_events() -> list[dict[str, Any]]:
    """Every event, after checking the unkeyed chain and its head; UnkeyedChainBroken names the
    first event that fails."""
    events = await _rows("SELECT * FROM audit_event ORDER BY seq")
    prev = GENESIS_HASH
    for expected_seq, row in enumerate(events, start=1):
        if row["seq"] != expected_seq:
            raise UnkeyedChainBroken(f"event {expected_seq} is missing")
        if row["prev_hash"] != prev or row["hash"] != unkeyed_hash(prev, row):
            raise UnkeyedChainBroken(f"event {row['seq']} does not match its hash")
        prev = row["hash"]
    head = (await _rows("SELECT seq, hash FROM audit_head WHERE id = 1"))[0]
    if (head["seq"], head["hash"]) != (len(events), prev):
        raise UnkeyedChainBroken(
            f"the head names event {head['seq']}, the log ends at event {len(events)}"
        )
    return events


async def rechain() -> None:
    engine = get_engine()
    sqlite = isinstance(engine, SQLiteEngine)
    for statement in SQLITE_CHECKPOINT_TRIGGERS if sqlite else POSTGRES_CHECKPOINT_TRIGGERS:
        await engine.run_ddl(statement)
    try:
        events = await _unkeyed_events()
    except UnkeyedChainBroken as error:
        raise UnkeyedChainBroken(
            f"the audit log was altered before this upgrade ({error}); nothing was changed. "
            "Restore the log from a backup, or investigate: `procure audit verify` on the "
            "previous version names the same event"
        ) from None
    if not events:
        return
    from procure.keyring import audit_chain_key, get_keyring

    keyring = get_keyring()
    version = keyring.current_version
    key = audit_chain_key(keyring.current_secret)
    if sqlite:
        await engine.run_ddl("DROP TRIGGER audit_event_no_update")
        await engine.run_ddl("DROP TRIGGER audit_event_no_delete")
    else:
        await engine.run_ddl("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update")
    # Two steps, so that no id is ever taken twice while the ids move to their seq.
    await engine.run_ddl("UPDATE audit_event SET id = -seq")
    await engine.run_ddl("UPDATE audit_event SET id = seq")
    prev = GENESIS_HASH
    for row in events:
        row = {**row, "id": row["seq"], "prev_hash": prev, "key_version": version}
        row["hash"] = keyed_hash(key, row)
        await _rows(
            "UPDATE audit_event SET prev_hash = {}, key_version = {}, hash = {} WHERE seq = {}",
            prev,
            version,
            row["hash"],
            row["seq"],
        )
        prev = row["hash"]
    marker = {
        "id": len(events) + 1,
        "seq": len(events) + 1,
        "occurred_at": datetime.now(UTC).replace(microsecond=0),
        "actor_id": None,
        "actor_label": "system",
        "action": "audit.chain_keyed",
        "subject_type": "audit_log",
        "subject_id": "chain",
        "data": _canonical({"rekeyed_events": len(events), "unkeyed_head": events[-1]["hash"]}),
        "prev_hash": prev,
        "key_version": version,
    }
    marker["hash"] = keyed_hash(key, marker)
    names = list(marker)
    await _rows(
        f"INSERT INTO audit_event ({', '.join(names)}) VALUES ({', '.join('{}' for _ in names)})",
        *(marker[name] for name in names),
    )
    await _rows(
        "UPDATE audit_head SET seq = {}, hash = {} WHERE id = 1", marker["seq"], marker["hash"]
    )
    if sqlite:
        for statement in SQLITE_EVENT_TRIGGERS:
            await engine.run_ddl(statement)
    else:
        await engine.run_ddl("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)
    manager.add_raw(rechain)
    return manager

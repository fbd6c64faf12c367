"""Run as `python -m tests.audit.legacy [--broken]` against the database the environment names:
migrate it to just before the audit chain was keyed and write three events the way procure did
then (an unkeyed SHA-256 chain), the second altered afterwards with ``--broken``."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from datetime import UTC, datetime

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.querystring import QueryString

from procure.db import get_engine
from procure.settings import get_settings

BEFORE_KEYED = "2026-12-07T06:31:17:000000"


def _rechain_migration():  # type: ignore[no-untyped-def]
    path = next(get_settings().migrations_dir.glob("*_audit_rechain.py"))
    spec = importlib.util.spec_from_file_location("audit_rechain", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def main(broken: bool) -> None:
    result = await run_forwards(app_name="procure", migration_id=BEFORE_KEYED)
    assert result.success, result.message
    migration = _rechain_migration()
    engine = get_engine()
    prev = migration.GENESIS_HASH
    for seq in (1, 2, 3):
        row = {
            "seq": seq,
            "occurred_at": datetime(2026, 11, seq, 8, tzinfo=UTC),
            "actor_id": seq,
            "actor_label": f"user {seq}",
            "action": "tender.published",
            "subject_type": "tender",
            "subject_id": str(seq),
            "data": '{"金额":100}',
        }
        digest = migration.unkeyed_hash(prev, row)
        await engine.run_querystring(
            QueryString(
                "INSERT INTO audit_event (seq, occurred_at, actor_id, actor_label, action, "
                "subject_type, subject_id, data, prev_hash, hash) "
                "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                *row.values(),
                prev,
                digest,
            )
        )
        prev = digest
    await engine.run_querystring(
        QueryString("UPDATE audit_head SET seq = 3, hash = {} WHERE id = 1", prev)
    )
    if broken:  # what someone with the database could do before the chain had a key
        await engine.run_ddl(
            "DROP TRIGGER audit_event_no_update"
            if engine.engine_type == "sqlite"
            else "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update"
        )
        await engine.run_querystring(
            QueryString("UPDATE audit_event SET actor_label = 'someone else' WHERE seq = 2")
        )


if __name__ == "__main__":
    asyncio.run(main("--broken" in sys.argv))

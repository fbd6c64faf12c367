"""Tampering with the audit log as someone with write access to the database would: the append-only
triggers lifted, rows changed, all inside a transaction that is rolled back, so the log every
other test shares is left as it was."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from piccolo.querystring import QueryString

from procure.audit.chain import event_hash
from procure.audit.tables import AuditEvent, AuditHead
from procure.db import get_engine, transaction
from procure.keyring import Keyring


class Rollback(Exception):
    pass


async def sql(statement: str, *args: Any) -> list[dict[str, Any]]:
    return await get_engine().run_querystring(QueryString(statement, *args))


@asynccontextmanager
async def tampering() -> AsyncIterator[None]:
    """Inside: the triggers that refuse UPDATE and DELETE are gone. Afterwards, all is undone."""
    try:
        async with transaction():
            if get_engine().engine_type == "sqlite":
                await sql("DROP TRIGGER audit_event_no_update")
                await sql("DROP TRIGGER audit_event_no_delete")
            else:
                await sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update")
            yield
            raise Rollback
    except Rollback:
        pass


async def rechain_from(seq: int, keyring: Keyring) -> None:
    """Recompute the hash of event ``seq`` and of every later one, and the head, under
    ``keyring``: what someone who rewrote an event does to make the chain consistent again."""
    previous = await AuditEvent.select(AuditEvent.hash).where(AuditEvent.seq == seq - 1).first()
    prev_hash = previous["hash"] if previous else "0" * 64
    for row in await AuditEvent.select().where(AuditEvent.seq >= seq).order_by(AuditEvent.seq):
        row = {**row, "prev_hash": prev_hash}
        digest = event_hash(keyring, row)
        await sql(
            "UPDATE audit_event SET prev_hash = {}, hash = {} WHERE seq = {}",
            prev_hash,
            digest,
            row["seq"],
        )
        prev_hash = digest
    await AuditHead.update({AuditHead.hash: prev_hash}).where(AuditHead.id == 1)

"""The database: engine selection, the Piccolo app registry, transactions and migrations."""

from __future__ import annotations

import os

from piccolo.engine.base import BaseTransaction, Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

PICCOLO_CONF = "procure.db.piccolo_conf"
os.environ.setdefault("PICCOLO_CONF", PICCOLO_CONF)


def get_engine() -> Engine:
    engine = engine_finder()
    if engine is None:  # pragma: no cover - piccolo_conf always defines DB
        raise RuntimeError("no database engine configured")
    return engine


def transaction() -> BaseTransaction:
    """One write, one transaction. On SQLite it takes the write lock at once (BEGIN IMMEDIATE),
    so concurrent writers queue instead of failing on a lock upgrade."""
    engine = get_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def in_transaction() -> bool:
    return get_engine().current_transaction.get() is not None


async def ping() -> None:
    """Raise if the database cannot answer a trivial query."""
    await get_engine().run_querystring(QueryString("SELECT 1"))

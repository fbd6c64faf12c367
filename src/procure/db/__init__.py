"""The database: engine selection, the Piccolo app registry, transactions and migrations."""

from __future__ import annotations

import asyncio
import contextvars
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from piccolo.columns import Column
from piccolo.columns.combination import Combinable
from piccolo.engine.base import BaseTransaction, Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query import Select, Update
from piccolo.querystring import QueryString

T = TypeVar("T")

PICCOLO_CONF = "procure.db.piccolo_conf"
os.environ.setdefault("PICCOLO_CONF", PICCOLO_CONF)


def get_engine() -> Engine:
    engine = engine_finder()
    if engine is None:  # pragma: no cover - piccolo_conf always defines DB
        raise RuntimeError("no database engine configured")
    return engine


class _Transaction:
    """A Piccolo transaction that, when it is the outermost one and commits, runs the callbacks
    registered with ``on_commit`` (as Django's ``transaction.on_commit``)."""

    def __init__(self, inner: BaseTransaction) -> None:
        self._inner = inner
        self._token: contextvars.Token[list[Callable[[], Awaitable[None]]] | None] | None = None

    async def __aenter__(self) -> BaseTransaction:
        if not in_transaction():
            self._token = _on_commit.set([])
        return await self._inner.__aenter__()

    async def __aexit__(self, *exc_info: Any) -> None:
        # Piccolo's transactions never swallow the exception: it propagates after the rollback.
        try:
            await self._inner.__aexit__(*exc_info)
        finally:
            callbacks = _on_commit.get() if self._token is not None else None
            if self._token is not None:
                _on_commit.reset(self._token)
        if callbacks and exc_info[0] is None:
            for callback in callbacks:
                await callback()


_on_commit: contextvars.ContextVar[list[Callable[[], Awaitable[None]]] | None] = (
    contextvars.ContextVar("procure_on_commit", default=None)
)


def transaction() -> _Transaction:
    """One write, one transaction. On SQLite it takes the write lock at once (BEGIN IMMEDIATE),
    so concurrent writers queue instead of failing on a lock upgrade."""
    engine = get_engine()
    if isinstance(engine, SQLiteEngine):
        return _Transaction(engine.transaction(transaction_type=TransactionType.immediate))
    return _Transaction(engine.transaction())


async def on_commit(callback: Callable[[], Awaitable[None]]) -> None:
    """Run ``callback`` once the outermost ``transaction()`` commits (never if it rolls back), or
    at once when no transaction is open. A callback must not raise. Inside a transaction this
    module did not open, the callback is dropped: it may only be a shortcut for work that is
    durable anyway (the outbox's wake-up)."""
    if not in_transaction():
        await callback()
        return
    callbacks = _on_commit.get()
    if callbacks is not None:
        callbacks.append(callback)


def in_transaction() -> bool:
    return get_engine().current_transaction.get() is not None


async def read_together(*reads: Awaitable[Any]) -> list[Any]:
    """The results of independent reads, in order. Outside a transaction they run at once, each
    on a connection of its own, so a page waits for the slowest round trip rather than for
    their sum; inside one they share its connection (which runs one statement at a time on
    PostgreSQL), so they run one after the other."""
    if in_transaction():
        return [await read for read in reads]
    tasks = [asyncio.ensure_future(read) for read in reads]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        raise


async def one_moment(read: Callable[[], Awaitable[T]]) -> T:
    """``read()``'s several statements as of one moment: on PostgreSQL in a read-only
    REPEATABLE READ transaction on a connection of its own (also inside a write's transaction,
    whose statements each see the latest commits), so that a row written between two of them
    (a process and its bids) is either wholly there or not at all. On SQLite one writer holds
    the database at a time, so the reads of a write's transaction see one moment already."""
    engine = get_engine()
    if isinstance(engine, SQLiteEngine):
        return await read()

    async def alone() -> T:
        engine.current_transaction.set(None)  # this task's copy of the context only
        async with engine.transaction() as snapshot:
            await snapshot.connection.execute(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
            )
            return await read()

    return await asyncio.create_task(alone())


async def driver_rows(query: Select) -> Sequence[Mapping[str, Any]]:
    """A select's rows as the driver hands them over — asyncpg's records on PostgreSQL, read
    like dicts but not changed — without the per-row copy into a dict Piccolo makes (a second
    or more over a province's rows). For plain selects only: no JSON decoding, no nesting."""
    (querystring,) = query.querystrings
    return cast(
        Sequence[Mapping[str, Any]], await query.table._meta.db.run_querystring(querystring)
    )


async def ping() -> None:
    """Raise if the database cannot answer a trivial query."""
    await get_engine().run_querystring(QueryString("SELECT 1"))


def lock_rows(column: Column, where: Combinable) -> Update:
    """The rows of ``column``'s table that match ``where``, locked until the transaction ends,
    so that parallel writes about them queue instead of racing.

    A no-op UPDATE setting ``column`` to itself (SQLite has no ``SELECT … FOR UPDATE``; on
    PostgreSQL the UPDATE takes the row lock). Await it, or add ``.returning(...)`` to learn
    which rows matched. ``column`` is one the lifecycle owns (say ``Tender.status``), never a key,
    so no foreign key action runs."""
    table = column._meta.table
    return table.update({column: column}).where(where)

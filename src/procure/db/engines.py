"""Engine selection: an SQLite file by default (made durable), PostgreSQL by URL."""

from __future__ import annotations

import asyncio
import contextlib
import re
import weakref
from typing import Any

import aiosqlite
import asyncpg
from asyncpg.pool import Pool
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

from procure.settings import Settings

#: Applied to every SQLite connection: Piccolo opens one per query, so a PRAGMA set once is lost.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA busy_timeout = 15000",
    "PRAGMA foreign_keys = ON",
)

_ADD_CONSTRAINT = re.compile(
    r'^ALTER TABLE "?(?P<table>\w+)"? ADD CONSTRAINT (?P<name>\w+) '
    r"(?P<kind>CHECK|UNIQUE) \((?P<body>.*)\)$",
    re.S,
)
_DROP_CONSTRAINT = re.compile(
    r'^ALTER TABLE "?(?P<table>\w+)"? DROP CONSTRAINT IF EXISTS (?P<name>\w+)$'
)


class PooledConnection:
    """An aiosqlite connection whose ``close()`` hands it back to the engine's idle pool.

    Piccolo closes a connection after every query and every transaction; opening one costs a
    thread and a read of the schema (about 3 ms here), so the engine keeps a few open."""

    def __init__(self, engine: DurableSQLiteEngine, connection: aiosqlite.Connection) -> None:
        self._engine = engine
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    async def close(self) -> None:
        await self._engine.release(self._connection)


class DurableSQLiteEngine(SQLiteEngine):
    """SQLite with WAL, full fsync, a busy timeout and foreign keys on every connection.

    SQLite cannot ``ALTER TABLE … ADD CONSTRAINT``, which is how Piccolo creates table
    constraints; this engine turns a UNIQUE constraint into a unique index and a CHECK into
    a pair of triggers that abort the write, so both engines enforce the same rules.
    """

    def __init__(self, path: str, idle_connections: int = 8) -> None:
        super().__init__(path=path, timeout=15)
        self.idle_connections = idle_connections
        self._idle: list[aiosqlite.Connection] = []

    async def _connect(self) -> aiosqlite.Connection:
        pending = aiosqlite.connect(**self.connection_kwargs)
        # An idle connection's worker thread must not keep the process alive at exit. Nothing is
        # lost if it dies there: it holds no transaction, and every commit was fsynced (FULL).
        pending._thread.daemon = True
        connection = await pending
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in SQLITE_PRAGMAS:
            await connection.execute(pragma)
        return connection

    async def get_connection(self) -> PooledConnection:  # type: ignore[override]
        connection = self._idle.pop() if self._idle else await self._connect()
        return PooledConnection(self, connection)

    async def release(self, connection: aiosqlite.Connection) -> None:
        if connection.in_transaction:  # never hand on a connection with work in flight
            await connection.rollback()
        if len(self._idle) < self.idle_connections:
            self._idle.append(connection)
        else:
            await connection.close()

    async def close_idle_connections(self) -> None:
        while self._idle:
            await self._idle.pop().close()

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> list[dict[str, Any]]:
        connection = await self.get_connection()
        try:
            # One trip to the connection's thread for the statement and its rows, where a
            # cursor's execute, fetch and close took three; each trip waits for a thread switch.
            rows = await connection.execute_fetchall(query, args or [])
            # Autocommit (isolation_level None): only a statement that opened a transaction
            # leaves one to commit; a read skips the trip.
            if connection.in_transaction:
                await connection.commit()
            return list(rows)
        finally:
            await connection.close()

    async def run_ddl(self, ddl: str, in_pool: bool = False) -> Any:
        for statement in await self._translate_ddl(ddl):
            await super().run_ddl(statement, in_pool=in_pool)

    async def _translate_ddl(self, ddl: str) -> list[str]:
        if match := _ADD_CONSTRAINT.match(ddl.strip()):
            table, name, body = match["table"], match["name"], match["body"]
            if match["kind"] == "UNIQUE":
                return [f'CREATE UNIQUE INDEX IF NOT EXISTS {name} ON "{table}" ({body})']
            return await self._check_triggers(table, name, body)
        if match := _DROP_CONSTRAINT.match(ddl.strip()):
            name = match["name"]
            return [
                f"DROP INDEX IF EXISTS {name}",
                f"DROP TRIGGER IF EXISTS {name}__insert",
                f"DROP TRIGGER IF EXISTS {name}__update",
            ]
        return [ddl]

    async def _check_triggers(self, table: str, name: str, condition: str) -> list[str]:
        columns = [row["name"] for row in await super().run_ddl(f'PRAGMA table_info("{table}")')]
        # The condition names bare columns; a one-row subquery over NEW gives them those names.
        new_row = ", ".join(f'NEW."{column}" AS "{column}"' for column in columns)
        violated = f"EXISTS (SELECT 1 FROM (SELECT {new_row}) WHERE NOT ({condition}))"
        abort = f"SELECT RAISE(ABORT, 'CHECK constraint failed: {name}');"
        return [
            f'CREATE TRIGGER IF NOT EXISTS {name}__{event.lower()} BEFORE {event} ON "{table}" '
            f"WHEN {violated} BEGIN {abort} END"
            for event in ("INSERT", "UPDATE")
        ]


async def roll_back_if_open(connection: asyncpg.Connection) -> None:
    """What a PostgreSQL pool does with a connection handed back: roll back a transaction left
    open (a cancelled request). asyncpg's default also sends ``RESET ALL; UNLISTEN *; CLOSE ALL;
    pg_advisory_unlock_all()``, one more round trip after every query (Piccolo hands the
    connection back after each); nothing here changes a session's state (no ``SET``, ``LISTEN``,
    cursors or session advisory locks on a pooled connection; the advisory lock is a
    transaction's), so there is nothing to reset."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


class LoopBoundPostgresEngine(PostgresEngine):
    """A PostgreSQL engine with one pool per event loop.

    asyncpg connections belong to the loop that made them. Piccolo keeps one ``pool``; here each
    loop sees only its own (a test client serves requests on its portal's loop while the tests
    run on theirs), and a loop without one (a command's ``asyncio.run`` in a thread) opens a
    connection per query, as Piccolo does without a pool, instead of borrowing a foreign one."""

    @property
    def pool(self) -> Pool | None:
        try:
            return self._pools.get(asyncio.get_running_loop())
        except RuntimeError:  # no running loop
            return None

    @pool.setter
    def pool(self, value: Pool | None) -> None:
        if "_pools" not in self.__dict__:
            self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Pool] = (
                weakref.WeakKeyDictionary()
            )
        if value is None:
            with contextlib.suppress(RuntimeError):
                self._pools.pop(asyncio.get_running_loop(), None)
        else:
            self._pools[asyncio.get_running_loop()] = value


def build_engine(settings: Settings) -> Engine:
    if settings.database_engine == "sqlite":
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        return DurableSQLiteEngine(path=str(path))
    return LoopBoundPostgresEngine(config={"dsn": settings.database_url})

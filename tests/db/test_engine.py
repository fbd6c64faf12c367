"""Database engines: durable SQLite connections, and constraints enforced on both engines."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import aiosqlite
import asyncpg
import pytest
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

from procure.catalog.tables import CatalogItem
from procure.contracts.tables import Contract
from procure.db import get_engine, one_moment, read_together, transaction
from procure.db.engines import DurableSQLiteEngine, roll_back_if_open
from procure.geography.tables import Community
from procure.organizations.tables import Organization
from procure.security.tables import User


@pytest.mark.sqlite_only
async def test_every_sqlite_connection_is_durable(database: None) -> None:
    engine = get_engine()
    assert isinstance(engine, DurableSQLiteEngine)
    for connection in (await engine.get_connection(), await engine.get_connection()):
        try:
            values = {}
            for pragma in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
                async with connection.execute(f"PRAGMA {pragma}") as cursor:
                    row = await cursor.fetchone()
                    values[pragma] = next(iter(row.values())) if isinstance(row, dict) else row[0]
        finally:
            await connection.close()
        assert values == {
            "journal_mode": "wal",
            "synchronous": 2,
            "foreign_keys": 1,
            "busy_timeout": 15000,
        }


@pytest.mark.sqlite_only
async def test_a_plain_sqlite_connection_would_not_enforce_foreign_keys(database: None) -> None:
    # What the engine subclass is for: SQLite's defaults are off for every new connection.
    async with (
        aiosqlite.connect(get_engine().path) as connection,
        connection.execute("PRAGMA foreign_keys") as cursor,
    ):
        assert (await cursor.fetchone())[0] == 0  # type: ignore[index]


@pytest.mark.postgresql_only
async def test_a_pooled_connection_handed_back_keeps_nothing_of_its_transaction(
    database: None,
) -> None:
    engine = get_engine()
    assert isinstance(engine, PostgresEngine)
    # The app's pool: a connection comes back without the reset round trip after each query,
    # but one handed back inside a transaction (a cancelled request) is rolled back.
    pool = await asyncpg.create_pool(
        **engine.config, min_size=1, max_size=1, reset=roll_back_if_open
    )
    try:
        async with pool.acquire() as connection:
            await connection.execute("BEGIN")
            await connection.execute("CREATE TEMPORARY TABLE handed_back (n int) ON COMMIT DROP")
            assert connection.is_in_transaction()
        async with pool.acquire() as connection:  # the same connection: max_size 1
            assert not connection.is_in_transaction()
            assert await connection.fetchval("SELECT to_regclass('handed_back')") is None
    finally:
        await pool.close()


@pytest.mark.postgresql_only
async def test_reads_of_one_moment_do_not_see_a_commit_between_them(database: None) -> None:
    engine = get_engine()
    await engine.run_ddl("CREATE TABLE IF NOT EXISTS one_moment_probe (id serial PRIMARY KEY)")

    async def count() -> int:
        rows = await engine.run_querystring(
            QueryString("SELECT count(*) AS n FROM one_moment_probe")
        )
        return int(rows[0]["n"])

    async def written_elsewhere() -> None:
        engine.current_transaction.set(None)  # this task's context: a connection of its own
        await engine.run_ddl("INSERT INTO one_moment_probe DEFAULT VALUES")

    async def read() -> tuple[int, int]:
        before = await count()
        await asyncio.create_task(written_elsewhere())
        return before, await count()

    # Even inside a write's transaction, whose own statements each see the latest commits.
    async with transaction():
        seen = await one_moment(read)
        assert seen[0] == seen[1]
        assert await count() == seen[0] + 1
    # The kernel's counterpart: the same reads without it see the row arrive.
    async with transaction():
        before, after = await read()
    assert after == before + 1


class _Rollback(Exception):
    pass


async def test_reads_together_answer_in_order_and_inside_a_transaction_share_it(
    database: None,
) -> None:
    first, second = (
        await Community.select(Community.id, Community.name).order_by(Community.id).limit(2)
    )

    def reads() -> list[Any]:
        return [
            Community.select(Community.name).where(Community.id == first["id"]).first().run(),
            Community.select(Community.name).where(Community.id == second["id"]).first().run(),
        ]

    assert await read_together(*reads()) == [{"name": first["name"]}, {"name": second["name"]}]
    # Inside a transaction the reads see its own uncommitted write (they run on its connection,
    # one after the other: PostgreSQL would refuse two statements at once on one connection).
    with pytest.raises(_Rollback):
        async with transaction():
            await Community.update({Community.name: "读在一起"}).where(Community.id == first["id"])
            assert await read_together(*reads()) == [
                {"name": "读在一起"},
                {"name": second["name"]},
            ]
            raise _Rollback
    assert await read_together(*reads()) == [{"name": first["name"]}, {"name": second["name"]}]


async def test_check_constraints_refuse_bad_rows(database: None) -> None:
    item = await CatalogItem.select(CatalogItem.id, CatalogItem.ref_price_min_fen).first()
    assert item is not None
    with pytest.raises(Exception, match="catalog_item_price_range"):
        await CatalogItem.update(
            {CatalogItem.ref_price_max_fen: item["ref_price_min_fen"] - 1}
        ).where(CatalogItem.id == item["id"])


async def test_a_role_acts_for_exactly_one_kind_of_body(database: None) -> None:
    community = await Community.select(Community.id).first()
    with pytest.raises(Exception, match="app_user_acts_for"):
        await User.insert(
            User(
                username="half-buyer",
                display_name="x",
                password_hash="x",
                role="buyer",
                community=community["id"],
            )
        )  # type: ignore[index]


async def test_enum_columns_refuse_unknown_values(database: None) -> None:
    contract = await Contract.select(Contract.id).first()
    with pytest.raises(Exception, match="contract_status_valid"):
        await Contract.update({Contract.status: "hijacked"}).where(Contract.id == contract["id"])  # type: ignore[index]


async def test_unique_and_foreign_keys_are_enforced(database: None) -> None:
    existing = await Organization.select(Organization.credit_code).first()
    assert existing is not None
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await Organization.insert(
            Organization(
                credit_code=existing["credit_code"], name="clone", founded_on=date(2020, 1, 1)
            )
        )
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        await Community.insert(
            Community(code="X-NOWHERE", name="x", committee_name="x", sub_district=987654)
        )


async def test_a_failed_write_leaves_nothing_behind(database: None) -> None:
    before = await Community.count()
    sub = await Community.select(Community.sub_district).first()
    with pytest.raises(Exception, match="community_counts_not_negative"):
        async with transaction():
            await Community.insert(
                Community(
                    code="TX-1", name="ok", committee_name="ok", sub_district=sub["sub_district"]
                )
            )  # type: ignore[index]
            await Community.insert(
                Community(
                    code="TX-2",
                    name="bad",
                    committee_name="bad",
                    population=-1,
                    sub_district=sub["sub_district"],
                )
            )  # type: ignore[index]
    assert await Community.count() == before


async def households() -> int:
    return sum(row["households"] for row in await Community.select(Community.households))


@pytest.mark.sqlite_only
async def test_pooled_connections_come_back_clean(database: None) -> None:
    engine = get_engine()
    assert isinstance(engine, DurableSQLiteEngine)
    before = await households()
    connection = await engine.get_connection()
    await connection.execute("BEGIN IMMEDIATE")
    await connection.execute("UPDATE community SET households = households + 1")
    await connection.close()  # released mid-transaction: the engine rolls the work back
    assert await households() == before
    again = await engine.get_connection()
    try:
        assert not again.in_transaction
        async with again.execute("PRAGMA foreign_keys") as cursor:
            assert next(iter((await cursor.fetchone()).values())) == 1  # type: ignore[union-attr]
    finally:
        await again.close()

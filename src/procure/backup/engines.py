"""Copying a live database out and back in, per engine.

SQLite: the online backup API copies the live file in one read transaction (writers carry on;
the copy is the database as of one moment). PostgreSQL: pg_dump in custom format, started on a
snapshot exported by our own REPEATABLE READ transaction, so the row counts and key versions in
the manifest describe exactly the rows in the dump. Restoring goes through pg_restore's script
and psql in a single transaction: a failed restore leaves the target as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from procure.backup.bundle import BackupRefused

#: Piccolo's own bookkeeping: a freshly migrated, otherwise empty database has rows only here.
MIGRATION_TABLE = "migration"
#: Rows a freshly migrated database already holds: the migrations and the audit chain's head.
BOOKKEEPING = {MIGRATION_TABLE: None, "audit_head": 1}


@dataclass
class Facts:
    """What a database holds, as the manifest records it and the restore checks it."""

    row_counts: dict[str, int] = field(default_factory=dict)
    schema_migration: str | None = None
    key_versions: dict[int, int] = field(default_factory=dict)

    @property
    def data_rows(self) -> int:
        """Rows beyond those of a freshly migrated database."""
        total = 0
        for table, count in self.row_counts.items():
            if table not in BOOKKEEPING:
                total += count
            elif (allowed := BOOKKEEPING[table]) is not None and count > allowed:
                total += count - allowed
        return total


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupRefused(
            f"{name} is not on PATH: install the PostgreSQL client tools, version 15 or newer"
        )
    return path


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the environment that passes the password instead (a
    command line is visible to every user of the machine)."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is None:
        return url, env
    env["PGPASSWORD"] = unquote(parts.password)
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}" if user else host)), env


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    # The PostgreSQL client tools found on PATH, with arguments built here from the settings.
    done = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, check=False, env=env
    )
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        reason = lines[0] if lines else f"exit status {done.returncode}"
        raise BackupRefused(f"{Path(command[0]).name} failed: {reason}")


# SQLite ----------------------------------------------------------------------------------------


def sqlite_facts(path: Path) -> Facts:
    facts = Facts()
    if not path.exists():
        return facts
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            )
        ]
        for table in tables:
            (count,) = connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
            facts.row_counts[table] = int(count)
        if MIGRATION_TABLE in tables:
            (facts.schema_migration,) = connection.execute(
                "SELECT MAX(name) FROM migration WHERE app_name = 'procure'"
            ).fetchone()
        if "tender" in tables:
            facts.key_versions = {
                int(version): int(count)
                for version, count in connection.execute(
                    "SELECT bid_key_version, COUNT(*) FROM tender GROUP BY bid_key_version"
                )
            }
    connection.close()
    return facts


def sqlite_snapshot(live: Path, out: Path) -> Facts:
    """Copy the live database into ``out`` (a standalone file, no WAL) and describe the copy."""
    if not live.exists():
        raise BackupRefused(f"PROCURE_DATABASE_URL: {live} does not exist")
    source = sqlite3.connect(f"file:{live}?mode=ro", uri=True, timeout=15)
    target = sqlite3.connect(out)
    try:
        source.backup(target)  # all pages in one step: one read transaction, one moment
        target.execute("PRAGMA journal_mode = DELETE")
        (verdict,) = target.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise BackupRefused(f"the copy of {live} fails SQLite's quick_check: {verdict}")
    finally:
        target.close()
        source.close()
    return sqlite_facts(out)


def sqlite_restore(dump: Path, target: Path) -> None:
    """Replace the target database's content with the dump's, through the backup API: one write
    transaction on the target, so open connections see the old or the new database, never half."""
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        (verdict,) = source.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise BackupRefused(f"the backup's database fails SQLite's quick_check: {verdict}")
        target.parent.mkdir(parents=True, exist_ok=True)
        destination = sqlite3.connect(target, timeout=15)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()


# PostgreSQL ------------------------------------------------------------------------------------


async def _pg_facts(connection: asyncpg.Connection) -> Facts:
    facts = Facts()
    tables = [
        row["table_name"]
        for row in await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    ]
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        facts.row_counts[table] = int(await connection.fetchval(f"SELECT COUNT(*) FROM {quoted}"))
    if MIGRATION_TABLE in tables:
        facts.schema_migration = await connection.fetchval(
            "SELECT MAX(name) FROM migration WHERE app_name = 'procure'"
        )
    if "tender" in tables:
        facts.key_versions = {
            int(row["bid_key_version"]): int(row["count"])
            for row in await connection.fetch(
                "SELECT bid_key_version, COUNT(*) AS count FROM tender GROUP BY bid_key_version"
            )
        }
    return facts


async def pg_facts(url: str) -> Facts:
    connection = await asyncpg.connect(url)
    try:
        return await _pg_facts(connection)
    finally:
        await connection.close()


async def pg_snapshot(url: str, out: Path) -> Facts:
    """pg_dump -Fc of the database as of one snapshot, the one the facts are read in."""
    pg_dump = _tool("pg_dump")
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            facts = await _pg_facts(connection)
            # The exported snapshot lives as long as this transaction: pg_dump runs inside it.
            dbname, env = _libpq(url)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={out}",
                    f"--dbname={dbname}",
                ],
                env,
            )
    finally:
        await connection.close()
    return facts


def pg_restore(url: str, dump: Path, workdir: Path) -> None:
    """Replace the public schema with the dump's, all in one transaction."""
    script = workdir / "restore.sql"
    _run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            f"--file={script}",
            str(dump),
        ]
    )
    dbname, env = _libpq(url)
    _run(
        [
            _tool("psql"),
            "--no-psqlrc",
            "--quiet",
            "--set=ON_ERROR_STOP=1",
            "--single-transaction",
            f"--dbname={dbname}",
            "--command=DROP SCHEMA public CASCADE",
            "--command=CREATE SCHEMA public",
            f"--file={script}",
        ],
        env,
    )

"""The `procure` command, run as a user runs it: in a subprocess, on a fresh database."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from tests.conftest import ENGINE, POSTGRES_URL, TEST_SECRET

PROCURE = str(Path(sys.executable).parent / "procure")


def procure(
    *args: str, env: dict[str, str], input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PROCURE, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        input=input,
        timeout=120,
        check=False,
    )


@pytest.fixture
def fresh_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Settings pointing at an empty database of the engine under test."""
    env = {"PROCURE_SECRET_KEY": TEST_SECRET, "PROCURE_VAR_DIR": str(tmp_path / "var")}
    if ENGINE == "sqlite":
        yield {**env, "PROCURE_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
        return
    name = f"procure_fresh_{secrets.token_hex(4)}"
    admin = POSTGRES_URL

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    parts = urlsplit(POSTGRES_URL)
    try:
        yield {**env, "PROCURE_DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_help_lists_the_commands() -> None:
    result = procure("--help", env={})
    assert result.returncode == 0
    for command in ("db", "demo", "serve", "user", "audit"):
        assert f"  {command} " in result.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/x", "PROCURE_DATABASE_URL: scheme 'mysql' is not supported"),
        ("sqlite://", "PROCURE_DATABASE_URL: sqlite URLs need a file path"),
        ("postgresql:///nohost", "PROCURE_DATABASE_URL: postgresql URLs need a host"),
    ],
)
def test_a_malformed_database_url_is_one_clear_line(url: str, message: str) -> None:
    result = procure("db", "upgrade", env={"PROCURE_DATABASE_URL": url})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {message}")


def test_an_unreachable_database_is_one_clear_line() -> None:
    result = procure(
        "db", "upgrade", env={"PROCURE_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"}
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: PROCURE_DATABASE_URL: cannot reach the postgresql database"
    )


def test_production_requires_a_secret_key(fresh_env: dict[str, str]) -> None:
    env = {**fresh_env, "PROCURE_ENVIRONMENT": "production", "PROCURE_SECRET_KEY": ""}
    result = procure("serve", "--port", "1", env=env)
    assert result.returncode == 2
    assert "PROCURE_SECRET_KEY" in result.stderr


def test_upgrade_then_demo_load_is_idempotent(fresh_env: dict[str, str]) -> None:
    assert procure("db", "upgrade", env=fresh_env).returncode == 0
    assert procure("db", "upgrade", env=fresh_env).returncode == 0  # nothing left to apply
    first = procure("demo", "load", env=fresh_env)
    assert first.returncode == 0, first.stderr
    assert "organization 10" in first.stdout
    second = procure("demo", "load", env=fresh_env)
    assert second.returncode == 0 and "nothing to add" in second.stdout
    verify = procure("audit", "verify", env=fresh_env)
    assert verify.returncode == 0 and "intact" in verify.stdout
    check = procure("db", "check", env=fresh_env)
    assert check.returncode == 0 and "agree" in check.stdout


def test_user_create(fresh_env: dict[str, str]) -> None:
    assert procure("db", "upgrade", env=fresh_env).returncode == 0
    assert procure("demo", "load", env=fresh_env).returncode == 0
    created = procure(
        "user",
        "create",
        "--username",
        "li.na",
        "--role",
        "committee",
        "--community",
        "440319002001",
        "--password",
        "a-long-password",
        env=fresh_env,
    )
    assert created.returncode == 0, created.stderr
    assert "created user li.na" in created.stdout
    wrong = procure(
        "user",
        "create",
        "--username",
        "x",
        "--role",
        "buyer",
        "--community",
        "440319002001",
        "--password",
        "a-long-password",
        env=fresh_env,
    )
    assert wrong.returncode == 2
    assert "--department: a buyer user must act for a department" in wrong.stderr
    unknown = procure(
        "user",
        "create",
        "--username",
        "y",
        "--role",
        "buyer",
        "--department",
        "NOPE",
        "--password",
        "a-long-password",
        env=fresh_env,
    )
    assert unknown.returncode == 2 and "no department with code 'NOPE'" in unknown.stderr

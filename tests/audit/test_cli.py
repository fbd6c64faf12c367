"""`procure audit verify` and `procure audit checkpoint` as an operator runs them, and the
upgrade that keys a log written before the chain had a key: subprocesses on fresh databases."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg

from tests.conftest import ENGINE
from tests.test_cli import procure

REPO = Path(__file__).resolve().parents[2]


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def tamper(env: dict[str, str], statement: str) -> None:
    """Change the database behind procure's back, the append-only trigger lifted first."""
    url = env["PROCURE_DATABASE_URL"]
    if ENGINE == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            connection.execute("DROP TRIGGER audit_event_no_update")
            connection.execute(statement)
        return

    async def run() -> None:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(
                "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update"
            )
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def add_user(env: dict[str, str], username: str) -> None:
    ok(
        procure(
            "user",
            "create",
            "--username",
            username,
            "--role",
            "auditor",
            "--password",
            "a-long-password",
            env=env,
        )
    )


def test_verify_and_checkpoint_exit_codes(fresh_env: dict[str, str], tmp_path: Path) -> None:
    ok(procure("db", "upgrade", env=fresh_env))
    add_user(fresh_env, "wang.fang")
    none_yet = procure("audit", "checkpoint", env=fresh_env)
    assert none_yet.returncode == 2 and "no checkpoint yet" in none_yet.stderr
    assert "audit.checkpoint: 1" in ok(procure("jobs", "run", env=fresh_env))
    kept = tmp_path / "checkpoint.json"
    ok(procure("audit", "checkpoint", "--out", str(kept), env=fresh_env))
    document = json.loads(kept.read_text())
    assert document["seq"] == 1 and document["signed_note"].splitlines()[1] == "1"
    assert json.loads(ok(procure("audit", "checkpoint", env=fresh_env))) == document

    add_user(fresh_env, "li.na")
    assert "audit log intact: 2 events" in ok(procure("audit", "verify", env=fresh_env))
    extends = ok(procure("audit", "verify", "--checkpoint", str(kept), env=fresh_env))
    assert "2 checkpoints match" in extends  # the stored one and the one kept

    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"seq": 1}')
    refused = procure("audit", "verify", "--checkpoint", str(garbage), env=fresh_env)
    assert refused.returncode == 2 and "log_id is missing" in refused.stderr

    tamper(fresh_env, "UPDATE audit_event SET actor_id = 7 WHERE seq = 1")
    broken = procure("audit", "verify", env=fresh_env)
    assert broken.returncode == 1
    assert "audit log NOT intact: event 1: its hash does not match" in broken.stderr


def legacy(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.audit.legacy", *args],
        env={**os.environ, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_upgrade_keys_a_log_written_before_the_chain_had_a_key(
    fresh_env: dict[str, str],
) -> None:
    legacy(fresh_env)
    ok(procure("db", "upgrade", env=fresh_env))
    # The three events, re-keyed, and the event that says so.
    assert "audit log intact: 4 events" in ok(procure("audit", "verify", env=fresh_env))
    tamper(fresh_env, "UPDATE audit_event SET actor_label = 'someone else' WHERE seq = 2")
    assert procure("audit", "verify", env=fresh_env).returncode == 1


def test_the_upgrade_refuses_a_log_altered_before_it(fresh_env: dict[str, str]) -> None:
    legacy(fresh_env, "--broken")
    refused = procure("db", "upgrade", env=fresh_env)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert "the audit log was altered before this upgrade (event 2 " in output
    again = procure("db", "upgrade", env=fresh_env)  # nothing was re-keyed: refused again
    assert again.returncode != 0 and "(event 2 " in again.stdout + again.stderr

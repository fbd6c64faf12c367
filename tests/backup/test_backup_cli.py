"""Backup → restore → the sealed bids still open, on the engine under test, run as an operator
runs it: `procure` in subprocesses, each on its own fresh database."""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from tests.conftest import ENGINE, POSTGRES_URL, TEST_SECRET, postgres_reachable
from tests.test_cli import procure

NEW_SECRET = "the-rotated-secret-that-is-also-long-enough-0123456789"
PASSPHRASE = "correct horse battery staple"
REPO = Path(__file__).resolve().parents[2]


def probe(env: dict[str, str]) -> dict[str, object]:
    """Unseal every bid and open the tenders still accepting bids, in the database of ``env``."""
    import os

    done = subprocess.run(
        [sys.executable, "-m", "tests.backup.probe"],
        env={**os.environ, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[Callable[[], dict[str, str]]]:
    """Makes empty databases of the engine under test (each with its own settings); drops the
    PostgreSQL ones afterwards."""
    made: list[str] = []

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    def make() -> dict[str, str]:
        name = f"procure_backup_{secrets.token_hex(4)}"
        env = {"PROCURE_SECRET_KEY": TEST_SECRET, "PROCURE_VAR_DIR": str(tmp_path / "var")}
        if ENGINE == "sqlite":
            return {**env, "PROCURE_DATABASE_URL": f"sqlite:///{tmp_path / name}.sqlite3"}
        asyncio.run(execute(f'CREATE DATABASE "{name}"'))
        made.append(name)
        url = urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))
        return {**env, "PROCURE_DATABASE_URL": url}

    yield make
    for name in made:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess[str], why: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert why in result.stderr, result.stderr


def tampered_copy(original: Path, out: Path) -> None:
    """The same backup with one byte of its dump changed (the manifest left as it was)."""
    with tarfile.open(original, "r:gz") as source, tarfile.open(out, "w:gz") as target:
        for member in source.getmembers():
            data = bytearray(source.extractfile(member).read())  # type: ignore[union-attr]
            if member.name.startswith("database."):
                data[len(data) // 2] ^= 0xFF
            target.addfile(member, io.BytesIO(bytes(data)))


def test_backup_restore_rotate_and_the_sealed_bids_still_open(
    databases: Callable[[], dict[str, str]], tmp_path: Path
) -> None:
    source = databases()
    ok(procure("db", "upgrade", env=source))
    ok(procure("demo", "load", env=source))
    made = ok(procure("backup", "--out", str(tmp_path / "first.tar.gz"), env=source))
    assert "bid keys v1: 15 tenders" in made and "NOT inside" in made
    with tarfile.open(tmp_path / "first.tar.gz", "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        assert sorted(tar.getnames()) == sorted(["manifest.json", manifest["dump"]["name"]])
    assert manifest["engine"] == ENGINE and manifest["keys"]["in_use"] == {"1": 15}
    assert manifest["row_counts"]["tender"] == 15 and manifest["schema_migration"]
    assert TEST_SECRET not in (tmp_path / "first.tar.gz").read_bytes().decode("latin-1")

    # A damaged or altered backup is refused before anything is touched.
    target = databases()
    tampered_copy(tmp_path / "first.tar.gz", tmp_path / "tampered.tar.gz")
    refused(
        procure("restore", str(tmp_path / "tampered.tar.gz"), env=target),
        "does not match the manifest's sha256",
    )
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes((tmp_path / "first.tar.gz").read_bytes()[:5000])
    refused(procure("restore", str(truncated), env=target), "damaged")

    # Restored with the same secret into an empty database: every bid opens after the deadline,
    # none before it.
    restored = ok(procure("restore", str(tmp_path / "first.tar.gz"), env=target))
    assert "15 tender bid keys open" in restored
    ok(procure("audit", "verify", env=target))
    first = probe(target)
    assert first["failures"] == [] and first["opened_before_deadline"] == []
    assert first["opened"] == ["ZB-2026-038"]
    assert first["opened_totals"] == {"ZB-2026-038": first["unsealed"]["ZB-2026-038"]}  # type: ignore[index]
    assert len(first["unsealed"]) == 12  # type: ignore[arg-type]

    # The target now holds data: a second restore needs --force.
    refused(procure("restore", str(tmp_path / "first.tar.gz"), env=target), "not empty")

    # Rotation: the new secret is version 2, the old one stays listed until the re-wrap.
    rotated = {
        **source,
        "PROCURE_SECRET_KEY": NEW_SECRET,
        "PROCURE_SECRET_KEY_VERSION": "2",
    }
    refused(procure("keys", "rotate", env=rotated), "secret version 1, which is not configured")
    during = {**rotated, "PROCURE_PREVIOUS_SECRET_KEYS": json.dumps({"1": TEST_SECRET})}
    assert "re-wrapped 15 tender keys under secret v2 (15 from v1)" in ok(
        procure("keys", "rotate", env=during)
    )
    assert "re-wrapped 0 tender keys" in ok(procure("keys", "rotate", env=during))
    assert "every tender's bid key opens" in ok(procure("keys", "status", env=rotated))
    refused(procure("keys", "status", env=source), "wrapped under secret version 2")
    # The server will not start with a secret that does not open the keys (it would wrap new
    # tenders' keys under it beside ones it cannot open).
    refused(procure("serve", "--port", "1", env=source), "do not open the sealed bids' keys")

    second = tmp_path / "second.tar.gz"
    assert "bid keys v2: 15 tenders" in ok(procure("backup", "--out", str(second), env=rotated))
    # The old secret alone cannot open this backup's bids: refused before touching the target.
    elsewhere = databases()
    refused(procure("restore", str(second), env=elsewhere), "would not open")
    moved = {**elsewhere, "PROCURE_SECRET_KEY": NEW_SECRET, "PROCURE_SECRET_KEY_VERSION": "2"}
    assert "15 tender bid keys open" in ok(procure("restore", str(second), env=moved))
    after = probe(moved)
    assert after["failures"] == [] and after["opened_before_deadline"] == []
    assert after["unsealed"] == first["unsealed"]
    assert after["opened_totals"] == first["opened_totals"]

    # And the source itself, after the rotation, opens the same bids under the new secret only.
    assert probe(rotated)["opened_totals"] == first["opened_totals"]


def test_a_backup_of_another_engine_is_refused(
    databases: Callable[[], dict[str, str]], tmp_path: Path
) -> None:
    source = databases()
    ok(procure("db", "upgrade", env=source))
    ok(procure("backup", "--out", str(tmp_path / "b.tar.gz"), env=source))
    if ENGINE == "postgresql":
        other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    elif postgres_reachable():
        other = POSTGRES_URL  # refused before anything is written
    else:
        pytest.skip("no PostgreSQL to stand for the other engine")
    refused(
        procure(
            "restore", str(tmp_path / "b.tar.gz"), env={**source, "PROCURE_DATABASE_URL": other}
        ),
        f"this is a {ENGINE} backup",
    )


def test_include_keys_saves_the_secrets_under_a_passphrase(
    databases: Callable[[], dict[str, str]], tmp_path: Path
) -> None:
    source = {
        **databases(),
        "PROCURE_SECRET_KEY": NEW_SECRET,
        "PROCURE_SECRET_KEY_VERSION": "2",
        "PROCURE_PREVIOUS_SECRET_KEYS": json.dumps({"1": TEST_SECRET}),
    }
    ok(procure("db", "upgrade", env=source))
    out = tmp_path / "with-keys.tar.gz"
    refused(
        procure("backup", "--out", str(out), "--include-keys", "--passphrase", "short", env=source),
        "--passphrase: at least 12 characters",
    )
    assert not out.exists()
    made = procure(
        "backup",
        "--out",
        str(out),
        "--include-keys",
        env={**source, "PROCURE_BACKUP_PASSPHRASE": PASSPHRASE},
    )
    assert "the secrets are inside, encrypted" in ok(made)
    raw = out.read_bytes().decode("latin-1")
    assert NEW_SECRET not in raw and TEST_SECRET not in raw

    refused(
        procure("keys", "recover", str(out), "--passphrase", "not the passphrase", env=source),
        "not the passphrase",
    )
    recovered = tmp_path / "keys.env"
    ok(
        procure(
            "keys",
            "recover",
            str(out),
            "--passphrase",
            PASSPHRASE,
            "--out",
            str(recovered),
            env=source,
        )
    )
    assert recovered.stat().st_mode & 0o777 == 0o600
    lines = dict(line.split("=", 1) for line in recovered.read_text().splitlines())
    assert lines["PROCURE_SECRET_KEY"] == NEW_SECRET
    assert lines["PROCURE_SECRET_KEY_VERSION"] == "2"
    assert json.loads(lines["PROCURE_PREVIOUS_SECRET_KEYS"].strip("'")) == {"1": TEST_SECRET}

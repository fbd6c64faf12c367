"""`procure demo generate`, run as a user runs it, into a fresh database of the engine under test:
the counts, the data's consistency with the app's own rules, and determinism for a seed."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from procure.bench import FIGURES
from tests.conftest import ENGINE, POSTGRES_URL, TEST_SECRET

CHECK = Path(__file__).with_name("generated_check.py")
ROOT = Path(__file__).parents[2]
TENDERS = 40  # enough for one tender of every status


def run(
    args: list[str], env: dict[str, str], timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
    )


@contextmanager
def fresh_database(tmp_path: Path, name: str) -> Iterator[dict[str, str]]:
    env = {
        "PROCURE_SECRET_KEY": TEST_SECRET,
        "PROCURE_VAR_DIR": str(tmp_path / f"var-{name}"),
        "PROCURE_DATABASE_POOL_SIZE": "0",
    }
    if ENGINE == "sqlite":
        yield {**env, "PROCURE_DATABASE_URL": f"sqlite:///{tmp_path / name}.sqlite3"}
        return
    database = f"procure_gen_{secrets.token_hex(4)}"

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(execute(f'CREATE DATABASE "{database}"'))
    try:
        url = urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{database}"))
        yield {**env, "PROCURE_DATABASE_URL": url}
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def generate_and_check(env: dict[str, str], *extra: str) -> dict[str, Any]:
    upgrade = run(["-m", "procure.cli", "db", "upgrade"], env)
    assert upgrade.returncode == 0, upgrade.stderr
    generated = run(
        [
            "-m",
            "procure.cli",
            "demo",
            "generate",
            "--scale",
            "1",
            "--seed",
            "7",
            "--tenders-per-district",
            str(TENDERS),
            "--today",
            "2026-11-20",
            *extra,
        ],
        env,
    )
    assert generated.returncode == 0, generated.stderr
    assert "generated 1 district(s)" in generated.stdout
    checked = run([str(CHECK)], env)
    assert checked.returncode == 0, checked.stderr
    result: dict[str, Any] = json.loads(checked.stdout.strip().splitlines()[-1])
    result["stdout"] = generated.stdout
    return result


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("generate")
    cache: dict[str, Any] = {}
    with fresh_database(tmp, "first") as env:
        cache["first"] = generate_and_check(env)
        cache["env"] = env
        yield lambda: cache["first"]


def test_the_counts_match_one_district(generated: Callable[[], dict[str, Any]]) -> None:
    counts = generated()["counts"]
    assert counts["district"] == 1
    assert counts["community"] == 20
    assert counts["tender"] == TENDERS
    # Every tender but a draft has bids: four to eight, two on the failed one.
    assert 4 * (TENDERS - 3) <= counts["bid"] <= 8 * TENDERS
    # The contracted tenders (all but the ten of the other statuses) have their contract.
    assert counts["contract"] == TENDERS - 10
    assert counts["award"] == counts["contract"] + 2  # two awarded, in standstill
    assert counts["survey_answer"] == 6 * counts["survey_response"]  # 5 scores and a comment
    assert counts["activity_line"] >= counts["service_report"] > 0


def test_the_data_follows_the_domain_rules(generated: Callable[[], dict[str, Any]]) -> None:
    result = generated()
    assert result["problems"] == []
    assert set(result["statuses"]) == {
        "draft",
        "published",
        "tendering",
        "opened",
        "evaluation",
        "awarded",
        "contracted",
        "cancelled",
        "unsuccessful",
    }
    assert result["tender_statuses_valid"] and result["bid_statuses_valid"]
    assert set(result["bid_statuses"]) == {"submitted", "opened", "valid"}
    # Every sealed bid opens with its tender's key, as bids/ opens them.
    assert result["unsealed"] == result["counts"]["bid"]
    # ... and the app's own opening opens them once the deadline has passed.
    assert result["opened_by_the_app"] is True
    assert result["opened_bids"] == ["opened"] and result["opened_totals"]
    assert result["opened_lines"] > 0
    # One audit event per district, and the chain holds (a scan's own events included).
    assert result["audit_ok"] is True
    assert result["audit_events"] >= 1
    assert result["flags"] >= 0  # the full risk scan ran over the data without an error
    assert result["pages"] == {
        "/tenders": 200,
        "/contracts/ID": 200,
        "/disclosure/tenders": 200,
        "/disclosure/contracts/ID": 200,
    }


def test_the_same_seed_gives_the_same_data(
    generated: Callable[[], dict[str, Any]], tmp_path: Path
) -> None:
    with fresh_database(tmp_path, "second") as env:
        second = generate_and_check(env)
    assert second["fingerprint"] == generated()["fingerprint"]
    assert second["counts"] == generated()["counts"]


def test_the_same_seed_twice_in_one_database_is_refused(tmp_path: Path) -> None:
    with fresh_database(tmp_path, "twice") as env:
        assert run(["-m", "procure.cli", "db", "upgrade"], env).returncode == 0
        args = [
            "-m",
            "procure.cli",
            "demo",
            "generate",
            "--scale",
            "1",
            "--seed",
            "9",
            "--tenders-per-district",
            "3",
        ]
        assert run(args, env).returncode == 0
        again = run(args, env)
    assert again.returncode == 2
    assert "--seed: the districts of seed 9 already exist" in again.stderr


def test_bench_prints_every_figure_as_json() -> None:
    args = [
        "-m",
        "procure.cli",
        "bench",
        "--scale",
        "1",
        "--tenders-per-district",
        "6",
        "--requests",
        "3",
        "--json",
        "--engine",
        ENGINE,
    ]
    if ENGINE == "postgresql":
        args += ["--postgres-url", POSTGRES_URL]
    result = run(args, {}, timeout=600)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data["figures"]) == set(FIGURES)
    for figure in data["figures"].values():
        assert isinstance(figure["value"], float | int)
        assert isinstance(figure["met"], bool) and figure["goal"]
    assert data["scale"] == 1 and data["engine"] == ENGINE
    assert data["rows"]["tender"] == 6

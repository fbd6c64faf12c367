"""`procure risk scan`, run as an operator runs it: in a subprocess, on a fresh demo database."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from tests.conftest import ENGINE, POSTGRES_URL, TEST_SECRET
from tests.risk.conftest import BID_STAGE, CANLIAN, EXTERNAL_PLANTED
from tests.test_cli import procure


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A fresh database of the engine under test, migrated and holding the demo district."""
    folder = tmp_path_factory.mktemp("risk-cli")
    env = {"PROCURE_SECRET_KEY": TEST_SECRET, "PROCURE_VAR_DIR": str(folder / "var")}
    name = f"procure_risk_{secrets.token_hex(4)}"

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    if ENGINE == "sqlite":
        env["PROCURE_DATABASE_URL"] = f"sqlite:///{folder / 'demo.sqlite3'}"
    else:
        asyncio.run(execute(f'CREATE DATABASE "{name}"'))
        parts = urlsplit(POSTGRES_URL)
        env["PROCURE_DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        for command in (("db", "upgrade"), ("demo", "load")):
            done = procure(*command, env=env)
            assert done.returncode == 0, done.stderr
        yield env
    finally:
        if ENGINE != "sqlite":
            asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


#: What fires on the demo district: the rule, what it judges, and the subject's own reference.
PLANTED = [
    ("AMENDMENT_CREEP", "HT-2026-007"),
    ("CONCENTRATION", "滨海区新塘街道办事处"),
    ("DEMAND_MISMATCH", "ZB-2026-004"),
    ("INTERNALIZATION", "HT-2026-007"),
    ("LATE_REPORT", "HT-2026-007"),
    ("LATE_REPORT", "HT-2026-007"),
    ("LOW_PRICE_LOW_QUALITY", "HT-2026-003"),
    ("LOW_PRICE_LOW_QUALITY", "HT-2026-003"),
    ("REPORTING_BURDEN", "HT-2026-007"),
    ("SATISFACTION_GAP", "HT-2026-007"),
    ("SCOPE_DRIFT", "HT-2026-007"),
    ("SELECTIVE_PERFORMANCE", "HT-2026-007"),
    ("SURVEY_ANOMALY", "HT-2026-007 440319001002"),
    ("UNDERPRICED_BID", "ZB-2026-004 滨海区同心社区发展服务中心"),
    ("UNDERPRICED_BID", "ZB-2026-030 滨海区同心社区发展服务中心"),
    ("UNDER_DELIVERY", "HT-2026-007"),
    ("UNDERSTAFFED_DELIVERY", "HT-2026-007"),
    ("UNFILED_REQUEST", "滨海区海湾街道办事处"),
    # cardinal's bid-stage rules on the platform's tenders …
    ("R003", "ZB-2026-004"),
    ("R018", "ZB-2026-027"),
    # … and on the external OCDS data, named by ocid or party id.
    *((rule, subject_id) for (_, subject_id), rules in EXTERNAL_PLANTED.items() for rule in rules),
    ("CONCENTRATION", CANLIAN),  # its second year (2026)
]


def planted(flag: dict) -> tuple[str, str]:
    evidence = flag["evidence"]
    if flag["dataset"] == "external":
        name = flag["subject_id"]
    elif flag["rule"] in BID_STAGE:
        name = flag["ocid"].removeprefix("ocds-procur-")  # the tender's reference
    elif flag["subject_type"] == "bid":
        name = f"{evidence['tender']['reference']} {evidence['organization']['name']}"
    elif flag["subject_type"] == "survey_round":
        name = f"{evidence['contract']['reference']} {evidence['community']['code']}"
    elif flag["subject_type"] == "buyer":
        name = evidence["buyer"]["name"]
    else:
        name = (evidence.get("contract") or evidence["tender"])["reference"]
    return flag["rule"], name


def scan_json(env: dict[str, str], *args: str) -> list[dict]:
    done = procure("risk", "scan", "--json", *args, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar without a terminal
    flags = json.loads(done.stdout)
    assert isinstance(flags, list)
    return flags


def test_the_json_lists_every_flag_with_its_evidence(demo_env: dict[str, str]) -> None:
    flags = scan_json(demo_env)
    assert {flag["rule"] for flag in flags} == BID_STAGE | {
        "UNDERPRICED_BID",
        "SCOPE_DRIFT",
        "INTERNALIZATION",
        "REPORTING_BURDEN",
        "AMENDMENT_CREEP",
        "UNDER_DELIVERY",
        "LATE_REPORT",
        "SATISFACTION_GAP",
        "SURVEY_ANOMALY",
        "LOW_PRICE_LOW_QUALITY",
        "CONCENTRATION",
        "DEMAND_MISMATCH",
        "UNFILED_REQUEST",
        "UNDERSTAFFED_DELIVERY",
        "SELECTIVE_PERFORMANCE",
    }
    for flag in flags:
        assert {"rule", "subject_type", "subject_id", "severity", "evidence", "ocid"} <= set(flag)
        # A flag whose subject belongs to a contracting process (a tender, its bids, its
        # contract, the contract's survey rounds) names its ocid; a buyer or an organization
        # has none.
        if flag["subject_type"] in {"tender", "bid", "contract", "survey_round"}:
            assert flag["ocid"], flag
        else:
            assert flag["ocid"] is None, flag
        assert flag["severity"] in {"low", "medium", "high"}
        assert flag["evidence"] and flag["status"] == "open"
    # On the demo alone, exactly the planted cases fire.
    assert sorted(planted(flag) for flag in flags) == sorted(PLANTED)
    # Scanning again finds the same flags, not new ones.
    again = scan_json(demo_env)
    assert sorted(f["id"] for f in again) == sorted(f["id"] for f in flags)


def test_rule_picks_the_rules_to_run(demo_env: dict[str, str]) -> None:
    flags = scan_json(demo_env, "--rule", "AMENDMENT_CREEP", "--rule", "DEMAND_MISMATCH")
    # AMENDMENT_CREEP on the platform's HT-2026-007 and on the external data's MXCG-2026-035.
    assert sorted((f["rule"], f["dataset"]) for f in flags) == [
        ("AMENDMENT_CREEP", "external"),
        ("AMENDMENT_CREEP", "platform"),
        ("DEMAND_MISMATCH", "platform"),
    ]
    amended = next(
        f for f in flags if f["rule"] == "AMENDMENT_CREEP" and f["dataset"] == "platform"
    )
    assert amended["evidence"]["contract"]["reference"] == "HT-2026-007"


def test_without_json_a_summary_per_rule(demo_env: dict[str, str]) -> None:
    done = procure("risk", "scan", "--rule", "LATE_REPORT", env=demo_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("LATE_REPORT")
    assert done.stdout.rstrip().endswith("flag(s) found")


def test_an_unknown_rule_is_one_line_and_exit_2(demo_env: dict[str, str]) -> None:
    done = procure("risk", "scan", "--rule", "R999", env=demo_env)
    assert done.returncode == 2
    assert done.stderr.startswith("error: no such rule: R999 (known: ")
    assert done.stdout == ""


def test_the_policy_file_overrides_a_rule(demo_env: dict[str, str], tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('version = "binhai-2"\n[risk.SCOPE_DRIFT]\nthreshold_percent = 30\n')
    env = {**demo_env, "PROCURE_POLICY_FILE": str(policy)}
    assert scan_json(env, "--rule", "SCOPE_DRIFT") == []  # HT-2026-007's 23.84% is below 30
    policy.write_text('[risk.SCOPE_DRIFT]\nthreshold_percent = "a lot"\n')
    done = procure("risk", "scan", "--rule", "SCOPE_DRIFT", env=env)
    assert done.returncode == 2
    assert "risk.SCOPE_DRIFT.threshold_percent" in done.stderr
    (flag,) = scan_json(demo_env, "--rule", "SCOPE_DRIFT")
    assert flag["policy_version"] == "2026.1" and flag["status"] == "open"

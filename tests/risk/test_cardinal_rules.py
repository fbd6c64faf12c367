"""The bid-stage rules as the platform runs them: findings with subjects, values and evidence,
policy defaults, incremental scope; and `procure ocds indicators` around them."""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from procure.audit.tables import AuditEvent
from procure.cli import main
from procure.db import get_engine
from procure.ocds import indicators as indicators_module
from procure.ocds.imports import ocds_import
from procure.ocds.indicators import ocds_indicators
from procure.ocds.tables import OCDS_CHILD_TABLES, OcdsProcess
from procure.risk.cardinal_settings import SETTINGS
from procure.risk.registry import RULES, Stage, SubjectType
from procure.risk.rules.cardinal import run_bid_stage
from procure.risk.statistics import lower_fence, quartiles
from procure.risk.tables import Severity


def process(ocid: str, winner: float, second: float, **extra: Any) -> dict[str, Any]:
    """A price-only process: W wins with ``winner``, L loses with ``second``."""
    return {
        "ocid": ocid,
        "buyer": {"id": "B"},
        "tender": {"procuringEntity": {"id": "P"}, "procurementMethod": "open"},
        "bids": {
            "details": [
                {
                    "id": "w",
                    "status": "valid",
                    "tenderers": [{"id": "W"}],
                    "value": {"amount": winner, "currency": "CNY"},
                },
                {
                    "status": "valid",
                    "tenderers": [{"id": "L"}],
                    "value": {"amount": second, "currency": "CNY"},
                },
            ]
        },
        "awards": [{"status": "active", "suppliers": [{"id": "W"}]}],
        **extra,
    }


SHORT = {
    "ocid": "short",
    "tender": {
        "procurementMethod": "open",
        "numberOfTenderers": 1,
        "tenderPeriod": {
            "startDate": "2026-01-01T00:00:00+08:00",
            "endDate": "2026-01-05T00:00:00+08:00",
        },
    },
}
SECONDS = [140, 145, 150, 155, 160, 165]  # differences 0.4 … 0.65: no outliers among them
DATA = [process("close", 100, 100.5)] + [process(f"p{i}", 100, a) for i, a in enumerate(SECONDS)]
DATA.append(SHORT)


def jsonl(values: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(value) + "\n" for value in values).encode()


async def imported(values: list[dict[str, Any]]) -> str:
    dataset = f"rules-{secrets.token_hex(4)}"
    await ocds_import(actor=None, source=jsonl(values), dataset=dataset)
    return dataset


def test_every_cardinal_rule_is_registered() -> None:
    bid_stage = {code: rule for code, rule in RULES.items() if rule.stage == Stage.bid}
    # Every indicator cardinal's settings know, but its unfinished R055.
    assert set(bid_stage) == set(SETTINGS) - {"R055"}
    assert len(bid_stage) == 12
    assert bid_stage["R038"].subject == SubjectType.buyer
    assert all(rule.name_zh and rule.name_en for rule in bid_stage.values())


async def test_findings_with_policy_defaults(database: None) -> None:
    dataset = await imported(DATA)
    findings = await run_bid_stage(dataset)
    by_rule: dict[str, list[Any]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    assert sorted(by_rule) == ["R003", "R018", "R024"]

    (short,) = by_rule["R003"]
    assert (short.subject_type, short.subject_id, short.ocid, short.value) == (
        SubjectType.tender,
        "short",
        "short",
        1.0,
    )
    assert short.evidence["days"] == 4 and short.evidence["threshold"] == 15
    assert short.severity == Severity.medium and short.dataset == dataset

    close, *tenderers = by_rule["R024"]
    assert (close.subject_type, close.subject_id, close.value) == (
        SubjectType.tender,
        "close",
        0.005,
    )
    evidence = close.evidence
    assert (evidence["winner"], evidence["second_lowest_bidder"]) == ("W", "L")
    assert evidence["winning_bid"] == {"bid_id": "w", "position": 0}
    assert evidence["second_lowest_bid"] == {"bid_id": None, "position": 1}
    assert (evidence["winning_amount"], evidence["second_lowest_amount"], evidence["currency"]) == (
        100.0,
        100.5,
        "CNY",
    )
    # R-8 quartiles of the seven differences, and the fused fence Q1 − 1.5 × IQR.
    q1, q3 = quartiles([0.005] + [(a - 100) / 100 for a in SECONDS])
    assert (evidence["q1"], evidence["q3"]) == (q1, q3)
    assert evidence["lower_fence"] == lower_fence(q1, q3)
    assert 0.005 < evidence["lower_fence"] < 0.4
    assert [(t.subject_type, t.subject_id, t.value, t.evidence) for t in tenderers] == [
        (SubjectType.organization, "W", 0.0, {"ocids": ["close"]}),
        (SubjectType.organization, "L", 0.0, {"ocids": ["close"]}),
    ]
    json.dumps([f.evidence for f in findings], allow_nan=False)  # evidence is plain JSON


async def test_settings_choose_rules_and_scope_limits_process_rules(database: None) -> None:
    dataset = await imported(DATA)
    only = {"R018": {"procurement_methods": ["open"], "cardinal": {}}}
    assert [f.rule for f in await run_bid_stage(dataset, tables=only)] == ["R018"]
    outside = {SubjectType.tender: frozenset({"p1"})}
    scoped = await run_bid_stage(dataset, scope=outside)
    # R003/R018 judge each process alone: "short" is outside the scope. R024's fence comes
    # from the whole population, so it still flags "close".
    assert sorted({f.rule for f in scoped}) == ["R024"]


async def test_global_exclusions(database: None) -> None:
    dataset = await imported(DATA)
    excluded = {"cardinal": {"exclusions": {"procurement_method_details": ["竞争性磋商"]}}}
    shared = {"R003": excluded}
    assert [f.subject_id for f in await run_bid_stage(dataset, tables=shared)] == ["short"]
    other = await imported(
        [SHORT | {"tender": SHORT["tender"] | {"procurementMethodDetails": "竞争性磋商"}}]
    )
    assert await run_bid_stage(other, tables=shared) == []
    cancelled = await imported([SHORT | {"tender": SHORT["tender"] | {"status": "cancelled"}}])
    assert await run_bid_stage(cancelled) == []


def run(*args: str, input: bytes | None = None) -> Any:
    return CliRunner().invoke(main, ["ocds", "indicators", *args], input=input)


def datasets_left() -> list[str]:
    async def names() -> list[str]:
        rows = await OcdsProcess.select(OcdsProcess.dataset).distinct()
        return [row["dataset"] for row in rows if row["dataset"].startswith("indicators-")]

    return asyncio.run(names())


def test_without_settings_every_rule_runs(database: None, tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl(DATA))
    result = run(str(data))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "OCID": {"close": {"R024": 0.005}, "short": {"R003": 1.0, "R018": 1.0}},
        "Tenderer": {"W": {"R024": 0.0}, "L": {"R024": 0.0}},
    }
    settings = tmp_path / "s.ini"
    settings.write_text("[R018]\n")
    result = run("--settings", str(settings), "-", input=jsonl(DATA))  # standard input
    assert result.stdout == '{"OCID":{"short":{"R018":1.0}}}\n'
    assert datasets_left() == []


def test_lines_cardinal_would_skip(database: None, tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl([SHORT, {}]) + b"{oops\n\n" + jsonl([{"ocid": 1}]))
    settings = tmp_path / "s.ini"
    settings.write_text("[R003]\n")
    result = run("--settings", str(settings), str(data))
    assert result.exit_code == 0
    assert result.stdout == '{"OCID":{"short":{"R003":1.0}}}\n'
    assert result.stderr.startswith("Line 3 is invalid JSON, skipping. [Expecting property name")


def test_bad_settings_import_nothing(database: None, tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl(DATA))
    settings = tmp_path / "s.ini"
    settings.write_text("[R024]\nthreshold = low\n")
    before = asyncio.run(AuditEvent.count().run())
    result = run("--settings", str(settings), str(data))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {settings}: [R024] threshold: Input should be a valid")
    assert asyncio.run(AuditEvent.count().run()) == before


async def test_the_temporary_database_goes_even_on_error(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    async def broken(dataset: str, **kwargs: Any) -> list[Any]:
        engine = OcdsProcess._meta.db
        seen["path"] = Path(engine.path)  # type: ignore[attr-defined]
        assert engine is not get_engine()
        assert await OcdsProcess.count().where(OcdsProcess.dataset == dataset) == len(DATA)
        raise RuntimeError("rule failed")

    monkeypatch.setattr(indicators_module, "run_bid_stage", broken)
    with pytest.raises(RuntimeError, match="rule failed"):
        await ocds_indicators(jsonl(DATA))
    assert OcdsProcess._meta.db is get_engine()
    assert all(table._meta.db is get_engine() for table in OCDS_CHILD_TABLES)
    assert not seen["path"].exists() and not seen["path"].parent.exists()


async def live_row_counts() -> dict[str, int]:
    """Every table of the live database, by its row count."""
    from procure.db.piccolo_app import APP_CONFIG

    return {table._meta.tablename: await table.count() for table in APP_CONFIG.table_classes}


async def test_the_live_database_is_left_as_it_was(database: None) -> None:
    """The indicators read into a temporary database of their own: the live one keeps every
    row count (no dataset, no audit event), and answers as before."""
    before = await live_row_counts()
    results = await ocds_indicators(jsonl(DATA))
    assert results == {
        "OCID": {"close": {"R024": 0.005}, "short": {"R003": 1.0, "R018": 1.0}},
        "Tenderer": {"W": {"R024": 0.0}, "L": {"R024": 0.0}},
    }
    assert await live_row_counts() == before


def test_bad_policy_tables_stop_the_command(
    database: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from procure.policy import get_policy, load_policy

    override = tmp_path / "policy.toml"
    override.write_text("[risk.R048]\ndigits = -1\n")
    monkeypatch.setattr("procure.policy.get_policy", lambda: load_policy(override))
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl(DATA))
    result = run(str(data))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: PROCURE_POLICY_FILE: [risk.R048] digits: Input should")
    assert datasets_left() == []
    assert get_policy().risk["R048"]["digits"] == 2


async def test_evidence_names_the_bids_and_parties(database: None) -> None:
    def bid(bid_id: str, status: str, tenderer: str, amount: float, **extra: Any) -> dict[str, Any]:
        value = {"amount": amount, "currency": "CNY"}
        return {
            "id": bid_id,
            "status": status,
            "tenderers": [{"id": tenderer}],
            "value": value,
            **extra,
        }

    late = {
        "ocid": "late",
        "tender": {"tenderPeriod": {"endDate": "2026-03-15T00:00:00Z"}},
        "bids": {
            "details": [
                bid("b1", "valid", "W", 100, date="2026-04-01T00:00:00Z"),
                bid("b2", "disqualified", "X", 90),
                bid("b3", "disqualified", "Y", 100),
            ]
        },
        "awards": [{"status": "active", "suppliers": [{"id": "W"}]}],
    }
    dataset = await imported([late])
    tables = {code: {"cardinal": {}} for code in ("R028", "R030", "R035", "R036")}
    found = {(f.rule, f.subject_id): f for f in await run_bid_stage(dataset, tables=tables)}
    assert sorted(found) == [
        ("R028", "W"), ("R028", "Y"), ("R028", "late"),
        ("R030", "W"), ("R030", "late"),
        ("R035", "W"), ("R035", "late"),
        ("R036", "late"),
    ]  # fmt: skip
    assert found["R028", "late"].evidence == {
        "identical_prices": [{"amount": 100.0, "currency": "CNY", "bid_id": "b3", "position": 2}],
        "tenderers": ["W", "Y"],
    }
    assert found["R030", "late"].evidence == {
        "deadline": "2026-03-15T00:00:00Z",
        "late_bids": [
            {"bid_id": "b1", "position": 0, "date": "2026-04-01T00:00:00Z", "tenderer": "W"}
        ],
    }
    assert found["R030", "W"].evidence == {"ocids": ["late"]}
    assert (found["R035", "late"].value, found["R035", "late"].evidence) == (
        2.0,
        {"winner": "W", "disqualified_tenderers": ["X", "Y"], "threshold": 1},
    )
    assert found["R036", "late"].evidence == {
        "lowest_bid": {"bid_id": "b2", "position": 1},
        "amount": 90.0,
        "currency": "CNY",
        "tenderers": ["X"],
    }

"""The engine: one flag per rule, subject and period, kept up to date by every run; flags the
engine closes and opens again; scopes; the audit trail; the policy; a failing rule."""

from __future__ import annotations

import dataclasses
import gc
import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from procure.audit.tables import AuditEvent
from procure.db import transaction
from procure.ocds.export import ocid_of
from procure.ocds.imports import PLATFORM_DATASET, delete_processes
from procure.ocds.platform import platform_dataset_refresh
from procure.policy import load_policy
from procure.reports.schemas import ActivityLineIn, ReportIn
from procure.reports.services import report_submit
from procure.reports.tables import ServiceReport
from procure.risk import engine
from procure.risk.engine import (
    CONDITION_BACK,
    CONDITION_FOUND,
    CONDITION_GONE,
    RuleFailures,
    UnknownRule,
    load_rules,
    on_event,
    scan,
)
from procure.risk.params import all_rule_params
from procure.risk.registry import RULES, SubjectType, Trigger
from procure.risk.tables import FlagStatus, RiskFlag, RiskFlagEvent
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.settings import ConfigurationError
from procure.tenders.tables import Tender
from tests.risk.conftest import (
    FixedClock,
    make_contract,
    outside,
    submit_report,
    survey_round,
    within,
)

SUBMITTED = Trigger.report_submitted


async def drifting(share_out: int, *, contract: dict | None = None, version: int = 1) -> dict:
    """March's report of a contract: ``share_out`` of 100 staff hours out of the contract. A
    later version supersedes the one before."""
    contract = contract or await make_contract()
    if version > 1:
        await ServiceReport.update({ServiceReport.status: "superseded"}).where(
            (ServiceReport.contract == contract["id"]) & (ServiceReport.period == "2026-03")
        )
    await submit_report(
        contract["id"],
        "2026-03",
        [
            within(contract["lines"][0], 10, 60 * (100 - share_out)),
            outside(minutes=60 * share_out),
        ],
        version=version,
    )
    return contract


async def flags_of(contract: dict, rule: str = "SCOPE_DRIFT") -> list[dict[str, Any]]:
    return (
        await RiskFlag.select()
        .where(
            (RiskFlag.rule == rule)
            & (RiskFlag.subject_type == "contract")
            & (RiskFlag.subject_id == str(contract["id"]))
        )
        .output(load_json=True)
    )


async def steps(flag_id: int) -> list[tuple[str, str, str]]:
    rows = (
        await RiskFlagEvent.select(
            RiskFlagEvent.from_status, RiskFlagEvent.to_status, RiskFlagEvent.note
        )
        .where(RiskFlagEvent.flag == flag_id)
        .order_by(RiskFlagEvent.id)
    )
    return [(r["from_status"], r["to_status"], r["note"]) for r in rows]


async def on_contract(contract: dict, trigger: Trigger = SUBMITTED, **kwargs: Any) -> list:
    return await on_event(trigger, {SubjectType.contract: [contract["id"]]}, **kwargs)


async def test_running_again_updates_the_one_flag(database: None) -> None:
    contract = await drifting(20)
    found = await on_contract(contract)
    assert {(f["rule"], f["period"]) for f in found} >= {("SCOPE_DRIFT", "2026-03")}
    await on_contract(contract)
    (flag,) = await flags_of(contract)
    assert flag["evidence"]["out_of_contract_share_percent"] == 20.0
    assert (flag["status"], flag["policy_version"]) == ("open", load_policy().version)
    assert (flag["department"], flag["organization"]) == (
        contract["department"],
        contract["organization"],
    )
    await drifting(30, contract=contract, version=2)
    await on_contract(contract)
    (updated,) = await flags_of(contract)
    assert updated["id"] == flag["id"]
    assert updated["evidence"]["out_of_contract_share_percent"] == 30.0
    assert updated["last_seen_at"] >= flag["last_seen_at"]
    assert await steps(flag["id"]) == [("", "open", CONDITION_FOUND)]


async def test_the_engine_closes_a_flag_whose_condition_is_gone_and_reopens_it(
    database: None,
) -> None:
    contract = await drifting(20)
    await on_contract(contract)
    await drifting(10, contract=contract, version=2)
    await on_contract(contract)
    (closed,) = await flags_of(contract)
    assert closed["status"] == "resolved"
    await drifting(25, contract=contract, version=3)
    await on_contract(contract)
    (reopened,) = await flags_of(contract)
    assert reopened["status"] == "open"
    assert await steps(reopened["id"]) == [
        ("", "open", CONDITION_FOUND),
        ("open", "resolved", CONDITION_GONE),
        ("resolved", "open", CONDITION_BACK),
    ]


async def test_a_flag_a_person_dismissed_stays_dismissed(database: None) -> None:
    contract = await drifting(20)
    await on_contract(contract)
    (flag,) = await flags_of(contract)
    auditor = await user_by_username("auditor")
    assert auditor is not None
    await RiskFlag.update({RiskFlag.status: FlagStatus.dismissed}).where(RiskFlag.id == flag["id"])
    await RiskFlagEvent.insert(
        RiskFlagEvent(
            flag=flag["id"],
            from_status="open",
            to_status=FlagStatus.dismissed,
            actor=auditor["id"],
            note="合同约定的街道协调工作",
        )
    )
    await drifting(40, contract=contract, version=2)
    await on_contract(contract)
    (kept,) = await flags_of(contract)
    assert kept["status"] == "dismissed"
    assert kept["evidence"]["out_of_contract_share_percent"] == 40.0
    await drifting(0, contract=contract, version=3)
    await drifting(30, contract=contract, version=4)
    await on_contract(contract)
    assert (await flags_of(contract))[0]["status"] == "dismissed"


async def test_an_incremental_run_touches_only_its_scope(database: None) -> None:
    first, second = await drifting(20), await drifting(20)
    await on_contract(first)
    await on_contract(second)
    await drifting(0, contract=first, version=2)
    await on_contract(second)
    assert (await flags_of(first))[0]["status"] == "open"
    await on_contract(first)
    assert (await flags_of(first))[0]["status"] == "resolved"
    assert (await flags_of(second))[0]["status"] == "open"


async def test_an_event_reaches_the_subjects_derived_from_its_scope(database: None) -> None:
    contract = await make_contract()
    round_id = await survey_round(contract["id"], "2026-03", [[1] * 5] * 12, issued=100)
    await submit_report(contract["id"], "2026-03", [], self_score=90)
    found = await on_event(Trigger.survey_closed, {SubjectType.survey_round: [round_id]})
    assert {(f["rule"], f["subject_type"], f["subject_id"]) for f in found} == {
        ("SURVEY_ANOMALY", "survey_round", str(round_id)),
        ("SATISFACTION_GAP", "contract", str(contract["id"])),
    }


async def test_rule_runs_and_projection_refreshes_write_no_audit_event(database: None) -> None:
    """Flags and the OCDS projection are derived data: their refreshes keep their own history
    (risk_flag_event) and leave the audit log to real changes."""
    contract = await drifting(20)
    before = await AuditEvent.count()
    found = await on_contract(contract)
    assert found, "the run opened a flag"
    await scan(rules=["DEMAND_MISMATCH"])
    tender = (
        await Tender.select(Tender.id, Tender.reference).where(Tender.status == "awarded").first()
    )
    assert tender is not None
    async with transaction():  # the projection lost a process: the refresh writes it again
        assert await delete_processes(PLATFORM_DATASET, [ocid_of(tender["reference"])]) == 1
    assert await platform_dataset_refresh(tender_ids=[tender["id"]]) == 1
    assert await AuditEvent.count() == before
    assert await RiskFlagEvent.count().where(RiskFlagEvent.flag.is_in([f["id"] for f in found]))


async def test_a_scan_runs_the_rules_named_and_refuses_unknown_ones(database: None) -> None:
    flags = await scan(rules=["AMENDMENT_CREEP"])
    assert flags and {f["rule"] for f in flags} == {"AMENDMENT_CREEP"}
    assert {"rule", "subject_type", "subject_id", "severity", "evidence", "ocid"} <= set(flags[0])
    with pytest.raises(UnknownRule, match="no such rule: NOPE"):
        await scan(rules=["NOPE"])


def override(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


async def test_a_deployment_overrides_a_rule_and_its_flags_say_so(
    database: None, tmp_path: Path
) -> None:
    policy = load_policy(
        override(
            tmp_path,
            'version = "2026.1-binhai"\n[risk.SCOPE_DRIFT]\nthreshold_percent = 25\n'
            "[risk.INTERNALIZATION]\nenabled = false\n",
        )
    )
    low, high = await drifting(20), await drifting(30)
    await on_contract(low, policy=policy)
    await on_contract(high, policy=policy)
    assert await flags_of(low) == []
    (flag,) = await flags_of(high)
    assert flag["policy_version"] == "2026.1-binhai"
    assert flag["evidence"]["threshold_percent"] == 25.0
    assert await flags_of(high, "INTERNALIZATION") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[risk.SCOPE_DRIFT]\nthreshold_percent = 150\n", "risk.SCOPE_DRIFT.threshold_percent"),
        ("[risk.SCOPE_DRIFT]\nthreshhold = 20\n", "risk.SCOPE_DRIFT.threshhold: Extra inputs"),
        ('[risk.LATE_REPORT]\nlate_severity = "dire"\n', "risk.LATE_REPORT.late_severity"),
        ("[risk.NOPE]\nenabled = true\n", "risk.NOPE: no such rule"),
    ],
)
def test_a_bad_rule_table_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    load_rules()
    with pytest.raises(ConfigurationError, match=message):
        all_rule_params(load_policy(override(tmp_path, text)))


def test_every_rule_has_its_defaults_in_the_policy_file() -> None:
    load_rules()
    oversight = {code for code, rule in RULES.items() if rule.stage == "oversight"}
    assert oversight == {
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
        "UNDERSTAFFED_DELIVERY",
        "UNFILED_REQUEST",
        "SELECTIVE_PERFORMANCE",
    }
    params = all_rule_params(load_policy())
    assert all(params[code].enabled for code in oversight)
    for code in oversight:
        assert RULES[code].name_zh and RULES[code].name_en and RULES[code].triggers


async def test_a_failing_rule_never_loses_the_write(
    database: None,
    fixed_clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    load_rules()

    async def broken(ctx: Any) -> list:
        raise RuntimeError("rule bug")

    monkeypatch.setitem(
        RULES, "SCOPE_DRIFT", dataclasses.replace(RULES["SCOPE_DRIFT"], evaluate=broken)
    )
    contract = await make_contract(organization="52440319MJL018363J")
    row = await user_by_username("org")
    assert row is not None
    fixed_clock.set(date(2026, 3, 20))
    data = ReportIn(
        summary="三月",
        lines=[
            ActivityLineIn(scope_line_id=contract["lines"][0], description="服务", staff_hours=60),
            ActivityLineIn(
                out_of_scope=True,
                out_of_scope_kind="campaign",
                requested_by_department_id=contract["department"],
                requested_by_person="张主任",
                description="创文",
                staff_hours=40,
            ),
        ],
    )
    with caplog.at_level(logging.WARNING, logger="procure.risk"):
        report_id = await report_submit(
            actor=Actor.from_row(row), contract_id=contract["id"], period="2026-03", data=data
        )
    stored = await ServiceReport.select(ServiceReport.status).where(ServiceReport.id == report_id)
    assert stored[0]["status"] == "submitted"
    assert "rule SCOPE_DRIFT failed" in caplog.text
    assert await flags_of(contract, "INTERNALIZATION")  # the other rules still ran
    assert await flags_of(contract) == []
    with pytest.raises(RuleFailures) as failed:
        await on_contract(contract)
    assert [code for code, _ in failed.value.failures] == ["SCOPE_DRIFT"]


@pytest.mark.postgresql_only
async def test_rules_side_by_side_find_what_they_find_one_at_a_time(
    database: None, fixed_clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed_clock.set(date(2026, 4, 20))
    for share_out in (10, 40, 70):
        await drifting(share_out)

    def found(flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(({**f, "last_seen_at": None} for f in flags), key=lambda f: f["id"])

    monkeypatch.setattr(engine, "RULES_AT_ONCE", 1)
    assert engine._rules_at_once() == 1
    one_at_a_time = await scan()
    monkeypatch.setattr(engine, "RULES_AT_ONCE", 3)
    assert engine._rules_at_once() > 1
    side_by_side = await scan()
    assert {f["rule"] for f in one_at_a_time} >= {"SCOPE_DRIFT", "INTERNALIZATION"}
    assert found(side_by_side) == found(one_at_a_time)
    # Inside a caller's transaction, whose one connection runs a statement at a time, one by one.
    async with transaction():
        assert engine._rules_at_once() == 1


def test_the_collector_is_paused_while_rules_run_and_resumes_after() -> None:
    assert gc.isenabled()
    with engine._collector_paused():
        assert not gc.isenabled()
        with engine._collector_paused():  # a run beside it in the same process
            assert not gc.isenabled()
        assert not gc.isenabled()  # still paused for the first run
    assert gc.isenabled()
    with pytest.raises(RuntimeError), engine._collector_paused():
        raise RuntimeError("a rule failed")
    assert gc.isenabled()

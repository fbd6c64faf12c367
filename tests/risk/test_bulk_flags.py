"""The engine writes flags in bulk: hundreds opened, changed, closed and reopened in one rule
run keep exactly the lifecycle and history one flag at a time would give them."""

from __future__ import annotations

from collections import Counter
from typing import Any

from procure.db import transaction
from procure.departments.tables import Department
from procure.risk.engine import CONDITION_BACK, CONDITION_FOUND, CONDITION_GONE, _upsert
from procure.risk.registry import Finding, Rule, RuleContext, Stage, SubjectType
from procure.risk.tables import FlagStatus, RiskFlag, RiskFlagEvent, Severity

CODE = "BULK_TEST"


async def nothing(ctx: RuleContext) -> list[Finding]:
    return []


RULE = Rule(
    code=CODE,
    name_zh="批量",
    name_en="Bulk",
    subject=SubjectType.contract,
    severity=Severity.low,
    stage=Stage.oversight,
    evaluate=nothing,
)


def findings(ids: range, value: int, department: int) -> dict[Any, Finding]:
    found = {}
    for i in ids:
        finding = Finding(
            rule=CODE,
            subject_type=SubjectType.contract,
            subject_id=f"bulk-{i}",
            severity=Severity.medium if (i + value) % 3 == 0 else Severity.low,
            evidence={"i": i, "value": value, "名称": f"第{i}项"},
            department_id=department if (i + value) % 2 == 0 else None,
        )
        found[(str(finding.subject_type), finding.subject_id, "")] = finding
    return found


async def run(ids: range, value: int, department: int, version: str) -> Any:
    async with transaction():
        return await _upsert(RULE, "bulk", None, findings(ids, value, department), version)


async def flags() -> dict[str, dict[str, Any]]:
    rows = await RiskFlag.select().where(RiskFlag.rule == CODE).output(load_json=True)
    return {row["subject_id"]: row for row in rows}


async def test_hundreds_of_flags_in_one_run(database: None) -> None:
    department = (await Department.select(Department.id).first() or {})["id"]
    first = await run(range(450), 1, department, "v1")
    assert first.counts() == {
        "opened": 450,
        "reopened": 0,
        "updated": 0,
        "unchanged": 0,
        "closed": 0,
    }
    opened = await flags()
    assert len(opened) == 450 and {f["status"] for f in opened.values()} == {"open"}

    # Every evidence changes, some severities and departments; fifty conditions go.
    second = await run(range(400), 2, department, "v1")
    assert second.counts() == {
        "opened": 0, "reopened": 0, "updated": 400, "unchanged": 0, "closed": 50,
    }  # fmt: skip
    expected = findings(range(400), 2, department)
    now = await flags()
    for (_, subject_id, _), finding in expected.items():
        flag = now[subject_id]
        assert flag["id"] == opened[subject_id]["id"]
        assert flag["evidence"] == finding.evidence
        assert (flag["severity"], flag["department"]) == (finding.severity, finding.department_id)
        assert (
            flag["status"] == "open" and flag["last_seen_at"] >= opened[subject_id]["last_seen_at"]
        )
    assert {now[f"bulk-{i}"]["status"] for i in range(400, 450)} == {"resolved"}

    # Nothing changes but the policy version; the closed ones come back.
    third = await run(range(450), 2, department, "v2")
    assert third.counts() == {
        "opened": 0, "reopened": 50, "updated": 400, "unchanged": 0, "closed": 0,
    }  # fmt: skip
    final = await flags()
    assert {f["policy_version"] for f in final.values()} == {"v2"}
    assert {f["status"] for f in final.values()} == {"open"}

    # One history row per step, naming where the flag came from.
    events = await RiskFlagEvent.select(
        RiskFlagEvent.from_status, RiskFlagEvent.to_status, RiskFlagEvent.note
    ).where(RiskFlagEvent.flag.is_in([f["id"] for f in final.values()]))
    assert Counter((e["from_status"], e["to_status"], e["note"]) for e in events) == {
        ("", FlagStatus.open, CONDITION_FOUND): 450,
        ("open", FlagStatus.resolved, CONDITION_GONE): 50,
        ("resolved", FlagStatus.open, CONDITION_BACK): 50,
    }
    await RiskFlag.delete().where(RiskFlag.rule == CODE)

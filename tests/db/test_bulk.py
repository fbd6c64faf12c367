"""db.bulk.insert_rows writes what Piccolo's own insert of Table(**row) writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from procure.db import bulk, transaction
from procure.db.bulk import insert_rows
from procure.risk.tables import FlagStatus, RiskFlag, Severity

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def _flag(subject_id: str, **values: object) -> dict[str, object]:
    return {
        "rule": "DB_BULK_TEST",
        "subject_type": "tender",
        "subject_id": subject_id,
        "severity": Severity.high,
        "status": FlagStatus.open,
        "evidence": {"value": 1.5, "lines": ["a", "b"]},
        "policy_version": "v1",
        "first_seen_at": NOW,
        "last_seen_at": NOW,
        **values,
    }


COLUMNS = (
    RiskFlag.subject_id,
    RiskFlag.dataset,
    RiskFlag.period,
    RiskFlag.ocid,
    RiskFlag.severity,
    RiskFlag.status,
    RiskFlag.evidence,
    RiskFlag.policy_version,
    RiskFlag.department,
    RiskFlag.first_seen_at,
)


async def _stored(subject_ids: list[str]) -> list[dict[str, object]]:
    return list(
        await RiskFlag.select(*COLUMNS)
        .where((RiskFlag.rule == "DB_BULK_TEST") & RiskFlag.subject_id.is_in(subject_ids))
        .order_by(RiskFlag.subject_id)
        .output(load_json=True)
    )


async def test_rows_are_written_as_piccolo_writes_them(database: None) -> None:
    await RiskFlag.insert(RiskFlag(**_flag("orm")))
    returned = await insert_rows(
        RiskFlag, [_flag("bulk")], returning=(RiskFlag.id, RiskFlag.subject_id)
    )
    assert [row["subject_id"] for row in returned] == ["bulk"]
    assert isinstance(returned[0]["id"], int)
    written, orm = await _stored(["bulk", "orm"])
    del orm["subject_id"], written["subject_id"]
    # Defaults (dataset, period, ocid, department), enums, JSON and times: all alike.
    assert written == orm
    assert written["dataset"] == "platform" and written["severity"] == "high"
    assert written["evidence"] == {"value": 1.5, "lines": ["a", "b"]}


async def test_conflicts_are_skipped_and_not_returned(database: None) -> None:
    await insert_rows(RiskFlag, [_flag("first")])
    returned = await insert_rows(
        RiskFlag,
        [_flag("first", policy_version="v2"), _flag("second")],
        on_conflict_do_nothing=(
            RiskFlag.rule,
            RiskFlag.dataset,
            RiskFlag.subject_type,
            RiskFlag.subject_id,
            RiskFlag.period,
        ),
        returning=(RiskFlag.subject_id,),
    )
    assert returned == [{"subject_id": "second"}]
    assert [row["policy_version"] for row in await _stored(["first", "second"])] == ["v1", "v1"]


async def test_many_rows_go_in_several_statements(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "MAX_PARAMETERS", 40)  # a couple of rows a statement (SQLite)
    monkeypatch.setattr(bulk, "UNNEST_ROWS", 3)  # three rows a statement (PostgreSQL)
    ids = [f"many-{n:02d}" for n in range(7)]
    async with transaction():
        returned = await insert_rows(
            RiskFlag, [_flag(i) for i in ids], returning=(RiskFlag.subject_id,)
        )
    assert [row["subject_id"] for row in returned] == ids
    assert [row["subject_id"] for row in await _stored(ids)] == ids


async def test_an_unknown_column_is_refused(database: None) -> None:
    with pytest.raises(ValueError, match="no column colour"):
        await insert_rows(RiskFlag, [_flag("x", colour="red")])
    assert await _stored(["x"]) == []


async def test_shared_and_differing_values_land_on_their_rows(database: None) -> None:
    # Columns whose value is the same for every row travel once, the others row by row.
    rows = [
        _flag("mix-a", severity=Severity.low, department=None, evidence={"n": 1}),
        _flag("mix-b", severity=Severity.high, department=None, evidence={"n": 2}),
        _flag("mix-c", severity=Severity.high, department=None, evidence={"n": 3}),
    ]
    await insert_rows(RiskFlag, rows)
    stored = await _stored(["mix-a", "mix-b", "mix-c"])
    assert [(r["severity"], r["evidence"], r["department"]) for r in stored] == [
        ("low", {"n": 1}, None),
        ("high", {"n": 2}, None),
        ("high", {"n": 3}, None),
    ]
    assert {r["policy_version"] for r in stored} == {"v1"}
    assert {r["first_seen_at"] for r in stored} == {NOW}


async def test_a_value_too_long_for_its_column_is_never_cut(database: None) -> None:
    period = "P" * 20  # risk_flag.period is VARCHAR(16)
    try:
        await insert_rows(RiskFlag, [_flag("long", period=period), _flag("short")])
    except Exception:  # PostgreSQL refuses it (SQLite does not enforce lengths)
        assert await _stored(["long", "short"]) == []
    else:
        assert [row["period"] for row in await _stored(["long"])] == [period]

"""Drafts, submission and its lock, corrections as new versions, and every refused line —
through the API, on a clock that stands at 2026-05-20 (Asia/Shanghai)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.tables import AuditEvent
from procure.departments.tables import Department
from procure.reports.tables import ActivityLine, ServiceReport
from tests.reports.conftest import MakeContract, id_of, in_scope, out_of_scope, report

pytestmark = pytest.mark.usefixtures("report_clock")


def period_url(contract: dict[str, Any], period: str = "2026-04") -> str:
    return f"/api/v1/contracts/{contract['id']}/reports/{period}"


async def hwjd() -> int:
    return await id_of(Department, Department.code, "D-HWJD")


async def audit_data(action: str, subject_id: int) -> list[dict[str, Any]]:
    rows = await AuditEvent.select(AuditEvent.data).where(
        (AuditEvent.action == action) & (AuditEvent.subject_id == str(subject_id))
    )
    return [json.loads(row["data"]) for row in rows]


async def test_save_submit_lock_and_correct(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    org, buyer2 = await as_user("org"), await as_user("buyer2")
    url = period_url(contract)
    body = report(
        in_scope(contract["scope_line_ids"][0]),
        out_of_scope("campaign", requested_by_department_id=await hwjd()),
    )

    saved = await client.put(f"{url}/draft", json=body, headers=org)
    assert saved.status_code == 200, saved.text
    draft = saved.json()["report"]
    assert (draft["version"], draft["status"], draft["due_on"]) == (1, "draft", "2026-05-10")
    first, second = draft["lines"]
    assert first["line_no"] == 1 and first["scope_line_id"] == contract["scope_line_ids"][0]
    assert (first["staff_minutes"], first["staff_hours"]) == (1950, "32.50")
    assert second["out_of_scope"] is True and second["out_of_scope_kind"] == "campaign"
    assert second["requested_by_department_name"] == "滨海区海湾街道办事处"
    assert second["requested_by_person"] == "街道文明办 张主任"
    events = await audit_data("report.draft_saved", draft["id"])
    assert events[-1]["version"] == 1 and events[-1]["lines"] == 2

    # A draft stays with the organization.
    seen = (await client.get(url, headers=buyer2)).json()
    assert seen["report"] is None and seen["versions"] == []
    assert seen["period"]["has_draft"] is False

    # Saving again replaces the draft's lines.
    body["lines"] = body["lines"][:1]
    assert (await client.put(f"{url}/draft", json=body, headers=org)).status_code == 200
    assert len((await client.get(url, headers=org)).json()["report"]["lines"]) == 1
    assert await ActivityLine.count().where(ActivityLine.report == draft["id"]) == 1

    submitted = await client.post(f"{url}/submit", headers=org)
    assert submitted.status_code == 200, submitted.text
    version1 = submitted.json()["report"]
    assert version1["status"] == "submitted" and version1["submitted_by"]
    assert submitted.json()["period"]["standing"] == "submitted_late"
    assert submitted.json()["period"]["days_late"] == 10
    event = (await audit_data("report.submitted", version1["id"]))[-1]
    assert event["content_sha256"] == version1["content_sha256"]
    assert (event["version"], event["supersedes"], event["days_late"]) == (1, [], 10)

    # Locked: neither saved over nor submitted again.
    locked = (
        "version 1 of period 2026-04 is submitted and locked: "
        "a correction is a new version (corrects_version 1)"
    )
    for attempt in (
        await client.put(f"{url}/draft", json=body, headers=org),
        await client.post(f"{url}/submit", headers=org),
    ):
        assert attempt.status_code == 409
        assert attempt.json()["detail"] == locked

    # A correction is version 2; the buyer keeps seeing version 1 until it is submitted.
    corrected = report(in_scope(contract["scope_line_ids"][0], quantity=44), corrects_version=1)
    started = await client.put(f"{url}/draft", json=corrected, headers=org)
    assert started.status_code == 200, started.text
    assert started.json()["report"]["version"] == 2
    assert started.json()["report"]["status"] == "draft"
    assert (await client.get(url, headers=buyer2)).json()["report"]["version"] == 1

    done = await client.post(f"{url}/submit", headers=org)
    assert done.status_code == 200
    assert [(v["version"], v["status"]) for v in done.json()["versions"]] == [
        (1, "superseded"),
        (2, "submitted"),
    ]
    for reader in (org, buyer2):
        latest = (await client.get(url, headers=reader)).json()
        assert latest["report"]["version"] == 2
        assert latest["report"]["lines"][0]["quantity"] == 44
        # The first version stays on record, unchanged, and the lateness is the first one's.
        old = (await client.get(f"{url}?version=1", headers=reader)).json()["report"]
        assert old["status"] == "superseded" and old["lines"][0]["quantity"] == 40
        assert old["content_sha256"] == version1["content_sha256"]
        assert latest["period"]["days_late"] == 10
    event = (await audit_data("report.submitted", done.json()["report"]["id"]))[-1]
    assert event["supersedes"] == [1]
    statuses = await ServiceReport.select(ServiceReport.version, ServiceReport.status).where(
        ServiceReport.contract == contract["id"]
    )
    assert sorted((r["version"], r["status"]) for r in statuses) == [
        (1, "superseded"),
        (2, "submitted"),
    ]


async def test_refusals_about_versions(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    org = await as_user("org")
    url = period_url(contract)

    nothing = await client.post(f"{url}/submit", headers=org)
    assert (nothing.status_code, nothing.json()["detail"]) == (
        409,
        "period 2026-04 has no draft to submit: save one first",
    )
    no_base = await client.put(f"{url}/draft", json=report(corrects_version=1), headers=org)
    assert no_base.status_code == 400
    assert no_base.json() | {"status_code": 0} == {
        "status_code": 0,
        "detail": "period 2026-04 has no submitted report to correct",
        "field": "corrects_version",
    }

    assert (
        await client.put(f"{url}/draft", json=report(summary="  "), headers=org)
    ).status_code == 200
    # An open first draft corrects nothing either.
    not_yet = await client.put(f"{url}/draft", json=report(corrects_version=1), headers=org)
    assert (not_yet.status_code, not_yet.json()["field"]) == (400, "corrects_version")
    unsummarised = await client.post(f"{url}/submit", headers=org)
    assert (unsummarised.status_code, unsummarised.json()["field"]) == (400, "summary")
    assert unsummarised.json()["detail"] == "write a summary before submitting"

    assert (await client.put(f"{url}/draft", json=report(), headers=org)).status_code == 200
    assert (await client.post(f"{url}/submit", headers=org)).status_code == 200
    stale = await client.put(f"{url}/draft", json=report(corrects_version=3), headers=org)
    assert (stale.status_code, stale.json()["detail"]) == (
        409,
        "version 3 cannot be corrected: the latest version of period 2026-04 is 1",
    )

    future = await client.put(
        f"{period_url(contract, '2026-06')}/draft", json=report(), headers=org
    )
    assert (future.status_code, future.json()["detail"]) == (
        409,
        "period 2026-06 has not begun: it starts on 2026-06-01",
    )
    for label in ("2025-12", "2026-13", "zz"):
        missing = await client.put(
            f"{period_url(contract, label)}/draft", json=report(), headers=org
        )
        assert missing.status_code == 404, label


@pytest.mark.parametrize("status", ["completed", "terminated", "draft"])
async def test_only_a_contract_in_force_takes_reports(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract, status: str
) -> None:
    contract = await make_contract(status=status)
    refused = await client.put(
        f"{period_url(contract)}/draft", json=report(), headers=await as_user("org")
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"contract {contract['reference']} is not in force: "
        "reports are written only while it is active"
    )
    assert await ServiceReport.count().where(ServiceReport.contract == contract["id"]) == 0


NEGATIVE = "line 2: must not be negative"
NO_DEPARTMENT = "line 2: name the department that requested this work"
DEPARTMENT = "lines[1].requested_by_department_id"
BAD_LINES: list[tuple[str, Any, str, str]] = [
    # (case, line 2 as sent or as bad_line() makes it, field, detail)
    ("no scope line", {"description": "探访"}, "lines[1].scope_line_id",
     "line 2: choose the scope line of this contract it delivers, "
     "or mark it as out-of-contract work"),
    ("in scope with a kind", "in_scope:kind", "lines[1].out_of_scope_kind",
     "line 2: work within the contract has no out-of-contract kind"),
    ("in scope with a requester", "in_scope:person", "lines[1].requested_by_person",
     "line 2: only out-of-contract work names who requested it"),
    ("in scope with a department", "in_scope:department", DEPARTMENT,
     "line 2: only out-of-contract work names who requested it"),
    ("out of scope tied to a scope line", "out:scope", "lines[1].scope_line_id",
     "line 2: out-of-contract work is not tied to a scope line"),
    ("out of scope without a kind", "out:none", "lines[1].out_of_scope_kind",
     "line 2: say what kind of out-of-contract work this is: "
     "administrative, campaign, seconded staff or other"),
    ("campaign without a department", out_of_scope("campaign"), DEPARTMENT, NO_DEPARTMENT),
    ("administrative without a department", out_of_scope("administrative"), DEPARTMENT,
     NO_DEPARTMENT),
    ("seconded staff without a department", out_of_scope("seconded_staff"), DEPARTMENT,
     NO_DEPARTMENT),
    ("an unknown department", out_of_scope("campaign", requested_by_department_id=987654),
     DEPARTMENT, "line 2: department 987654 does not exist"),
    ("no requesting person", "out:no_person", "lines[1].requested_by_person",
     "line 2: name the person who requested this work"),
    ("no description", "in_scope:no_description", "lines[1].description",
     "line 2: describe the activity"),
    ("negative quantity", "in_scope:quantity", "lines[1].quantity", NEGATIVE),
    ("negative beneficiaries", "in_scope:beneficiaries", "lines[1].beneficiaries", NEGATIVE),
    ("negative spend", "in_scope:spend", "lines[1].spend_fen", NEGATIVE),
    ("negative hours", "in_scope:hours", "lines[1].staff_hours", NEGATIVE),
    ("hours with 3 decimals", "in_scope:decimals", "lines[1].staff_hours",
     "line 2: staff hours take at most 2 decimals"),
    ("a huge quantity", "in_scope:huge", "lines[1].quantity", "line 2: must be at most 1000000000"),
]  # fmt: skip


def bad_line(case: Any, scope_line: int, department: int) -> dict[str, Any]:
    if isinstance(case, dict):
        return case
    kind, _, what = case.partition(":")
    if kind == "in_scope":
        return in_scope(
            scope_line,
            **{
                "kind": {"out_of_scope_kind": "campaign"},
                "person": {"requested_by_person": "王科长"},
                "department": {"requested_by_department_id": department},
                "no_description": {"description": "  "},
                "quantity": {"quantity": -1},
                "beneficiaries": {"beneficiaries": -3},
                "spend": {"spend_fen": -100},
                "hours": {"staff_hours": "-0.5"},
                "decimals": {"staff_hours": "1.255"},
                "huge": {"quantity": 1_000_000_001},
            }[what],
        )
    return out_of_scope(
        "none" if what == "none" else "campaign",
        requested_by_department_id=department,
        **{
            "scope": {"scope_line_id": scope_line},
            "none": {},
            "no_person": {"requested_by_person": " "},
        }[what],
    )


@pytest.mark.parametrize(
    ("case", "line", "field", "detail"), BAD_LINES, ids=[c[0] for c in BAD_LINES]
)
async def test_every_bad_line_is_refused_with_its_number_and_field(
    client: AsyncTestClient,
    as_user: Any,
    make_contract: MakeContract,
    case: str,
    line: Any,
    field: str,
    detail: str,
) -> None:
    contract = await make_contract()
    org = await as_user("org")
    good = in_scope(contract["scope_line_ids"][1])
    body = report(good, bad_line(line, contract["scope_line_ids"][0], await hwjd()))
    refused = await client.put(f"{period_url(contract)}/draft", json=body, headers=org)
    assert refused.status_code == 400, refused.text
    assert (refused.json()["field"], refused.json()["detail"]) == (field, detail)
    # Nothing was written, and the same lines are refused on submission.
    assert await ServiceReport.count().where(ServiceReport.contract == contract["id"]) == 0
    assert await ActivityLine.count().where(ActivityLine.report.contract == contract["id"]) == 0


async def test_a_scope_line_of_another_contract_is_refused(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract, other = await make_contract(), await make_contract()
    foreign = other["scope_line_ids"][0]
    body = report(in_scope(foreign))
    refused = await client.put(
        f"{period_url(contract)}/draft", json=body, headers=await as_user("org")
    )
    assert refused.status_code == 400
    assert refused.json()["field"] == "lines[0].scope_line_id"
    assert refused.json()["detail"] == (
        f"line 1: scope line {foreign} is not part of contract {contract['reference']}"
    )


async def test_a_draft_is_kept_when_a_later_save_is_refused(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    org = await as_user("org")
    url = period_url(contract)
    assert (
        await client.put(
            f"{url}/draft", json=report(in_scope(contract["scope_line_ids"][0])), headers=org
        )
    ).status_code == 200
    bad = report(in_scope(contract["scope_line_ids"][0], quantity=-5), summary="改过的")
    assert (await client.put(f"{url}/draft", json=bad, headers=org)).status_code == 400
    draft = (await client.get(url, headers=org)).json()["report"]
    assert draft["summary"] == "本月完成探访与个案服务。" and draft["lines"][0]["quantity"] == 40
    # The draft as it was can still be submitted.
    assert (await client.post(f"{url}/submit", headers=org)).status_code == 200


@pytest.mark.parametrize(
    ("score", "expected"), [(101, 400), (-1, 400), (0, 200), (100, 200), (None, 200)]
)
async def test_the_self_assessed_score_is_0_to_100(
    client: AsyncTestClient,
    as_user: Any,
    make_contract: MakeContract,
    score: int | None,
    expected: int,
) -> None:
    contract = await make_contract()
    saved = await client.put(
        f"{period_url(contract)}/draft",
        json=report(outcome_self_score=score),
        headers=await as_user("org"),
    )
    assert saved.status_code == expected
    if expected == 400:
        assert saved.json()["field"] == "outcome_self_score"
        assert saved.json()["detail"] == "must be a whole number from 0 to 100"


@pytest.mark.parametrize(
    ("hours", "minutes", "shown"),
    [
        ("0.01", 1, "0.02"),
        ("1.5", 90, "1.50"),
        ("2.25", 135, "2.25"),
        ("7", 420, "7.00"),
        ("1.500", 90, "1.50"),
    ],
)
async def test_staff_hours_are_stored_as_minutes(
    client: AsyncTestClient,
    as_user: Any,
    make_contract: MakeContract,
    hours: str,
    minutes: int,
    shown: str,
) -> None:
    contract = await make_contract()
    body = report(in_scope(contract["scope_line_ids"][0], staff_hours=hours))
    saved = await client.put(
        f"{period_url(contract)}/draft", json=body, headers=await as_user("org")
    )
    line = saved.json()["report"]["lines"][0]
    assert (line["staff_minutes"], line["staff_hours"]) == (minutes, shown)


async def test_other_out_of_contract_work_needs_a_person_but_no_department(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    body = report(out_of_scope("other", description="协助社区防汛值守"))
    saved = await client.put(
        f"{period_url(contract)}/draft", json=body, headers=await as_user("org")
    )
    assert saved.status_code == 200, saved.text
    line = saved.json()["report"]["lines"][0]
    assert (line["out_of_scope_kind"], line["requested_by_department_id"]) == ("other", None)

"""UNFILED_REQUEST: out-of-contract work a department asked for without a filed, accepted
request fires against that department; a filed one is silent; the hours are the boundary."""

from __future__ import annotations

from typing import Any

from procure.reports.tables import ActivityLine
from procure.risk.engine import on_event
from procure.risk.registry import Finding, SubjectType, Trigger
from procure.risk.tables import FlagStatus, RiskFlag
from procure.workrequests.services import work_request_answer
from procure.workrequests.states import WorkRequestStep
from procure.workrequests.tables import WorkRequestCitation
from tests.risk.conftest import evaluate, make_contract, outside, submit_report, within
from tests.workrequests.conftest import actor, filed


async def findings_of(department_id: int, **overrides: Any) -> list[Finding]:
    return await evaluate("UNFILED_REQUEST", {SubjectType.buyer: [department_id]}, **overrides)


async def reported(contract: dict[str, Any], minutes: int, department: int | None = None) -> int:
    """A submitted May report with 10 hours in the contract and one out-of-contract line that
    ``department`` (the contract's own unless named) asked for; returns that line's id."""
    report = await submit_report(
        contract["id"],
        "2026-05",
        [
            within(contract["lines"][0], 10, 600),
            outside(
                "administrative", department=department or contract["department"], minutes=minutes
            ),
        ],
    )
    line = (
        await ActivityLine.select(ActivityLine.id)
        .where(
            (ActivityLine.report == report) & (ActivityLine.out_of_scope == True)  # noqa: E712
        )
        .first()
    )
    assert line is not None
    return int(line["id"])


async def cited(
    contract: dict[str, Any], line: int, *, hours: int = 5, answer: str = "accept"
) -> int:
    request_id = await filed(contract, hours=hours)
    await work_request_answer(
        actor=await actor("org"), request_id=request_id, answer=WorkRequestStep(answer)
    )
    await WorkRequestCitation.insert(
        WorkRequestCitation(activity_line=line, work_request=request_id)
    )
    return request_id


async def test_an_unfiled_request_fires_against_the_department(database: None) -> None:
    contract = await make_contract()
    await reported(contract, 120)
    (finding,) = await findings_of(contract["department"])
    assert (finding.subject_type, finding.subject_id) == (
        SubjectType.buyer,
        str(contract["department"]),
    )
    assert finding.period == "2026-05"
    assert finding.department_id == contract["department"]
    assert finding.organization_id is None  # never against the contractor
    (line,) = finding.evidence["unfiled_lines"]
    assert (line["reason"], line["work_request"], line["staff_hours"]) == ("no_request", None, 2.0)
    assert line["requested_by_person"] == "街道 张主任"
    assert finding.evidence["unfiled_hours"] == 2.0


async def test_a_cited_accepted_request_is_silent(database: None) -> None:
    contract = await make_contract()
    line = await reported(contract, 300)
    await cited(contract, line, hours=5)  # exactly the hours asked for
    assert await findings_of(contract["department"]) == []


async def test_one_minute_beyond_the_request_fires_unless_tolerated(database: None) -> None:
    contract = await make_contract()
    line = await reported(contract, 301)
    request_id = await cited(contract, line, hours=5)
    (finding,) = await findings_of(contract["department"])
    (item,) = finding.evidence["unfiled_lines"]
    assert (item["reason"], item["work_request"], item["requested_hours"]) == (
        "hours_beyond_request",
        request_id,
        5,
    )
    assert await findings_of(contract["department"], tolerance_percent=1) == []  # ≤ 303 minutes


async def test_a_cited_request_that_was_declined_does_not_cover_the_work(database: None) -> None:
    contract = await make_contract()
    line = await reported(contract, 60)
    await cited(contract, line, answer="decline")
    (finding,) = await findings_of(contract["department"])
    assert finding.evidence["unfiled_lines"][0]["reason"] == "request_not_accepted"


async def test_work_nobody_asked_for_and_another_departments_are_apart(database: None) -> None:
    contract = await make_contract()
    other = await make_contract()
    await submit_report(contract["id"], "2026-05", [outside("other", minutes=60)])
    assert await findings_of(contract["department"]) == []
    await reported(other, 60, department=contract["department"])
    (finding,) = await findings_of(contract["department"])
    assert finding.department_id == contract["department"]
    assert await findings_of(other["department"]) == []


async def test_a_line_edited_to_name_another_department_is_not_covered(database: None) -> None:
    contract = await make_contract()
    line = await reported(contract, 60)
    await cited(contract, line)
    other = await make_contract()
    await ActivityLine.update({ActivityLine.requested_by_department: other["department"]}).where(
        ActivityLine.id == line
    )
    assert await findings_of(contract["department"]) == []
    (finding,) = await findings_of(other["department"])
    assert finding.evidence["unfiled_lines"][0]["reason"] == "request_of_another_department"


async def test_a_submitted_report_raises_the_flag_and_the_citation_closes_it(
    database: None,
) -> None:
    # The incremental path: report_submitted on the contract judges its buying department;
    # once the line cites an accepted request, the next run finds nothing and closes the flag.
    contract = await make_contract()
    line = await reported(contract, 120)
    flags = await on_event(Trigger.report_submitted, {SubjectType.contract: [contract["id"]]})
    (flag,) = [f for f in flags if f["rule"] == "UNFILED_REQUEST"]
    assert (flag["subject_type"], flag["subject_id"]) == ("buyer", str(contract["department"]))
    assert flag["organization_id"] is None
    await cited(contract, line, hours=2)
    await on_event(Trigger.report_submitted, {SubjectType.contract: [contract["id"]]})
    row = await RiskFlag.select(RiskFlag.status).where(RiskFlag.id == flag["id"]).first()
    assert row is not None and row["status"] == FlagStatus.resolved

"""Citing a filed work request from the report form itself: the organization picks the request
on the out-of-contract row of a new report (no draft saved first), and the submission that
carries it raises no UNFILED_REQUEST; a correction keeps what the corrected version cited."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from procure.reports.schemas import ActivityLineIn, ReportIn
from procure.reports.selectors import submitted_report
from procure.reports.services import report_save_draft, report_submit
from procure.reports.tables import ActivityLine, ServiceReport
from procure.risk.tables import RiskFlag
from procure.workrequests.services import work_request_answer
from procure.workrequests.states import WorkRequestStep
from procure.workrequests.tables import WorkRequestCitation
from tests.conftest import login
from tests.risk.conftest import make_contract, make_department
from tests.workrequests.conftest import actor, filed

PERIOD = "2026-06"


def row(n: int, **fields: str) -> dict[str, str]:
    return {f"line-{n}-{name}": value for name, value in fields.items()}


async def accepted(contract: dict) -> int:
    request_id = await filed(contract)
    await work_request_answer(
        actor=await actor("org"), request_id=request_id, answer=WorkRequestStep.accept
    )
    return request_id


async def unfiled_flags(department_id: int) -> int:
    return await RiskFlag.count().where(
        (RiskFlag.rule == "UNFILED_REQUEST") & (RiskFlag.subject_id == str(department_id))
    )


async def test_a_new_report_cites_the_request_on_submission(
    client: AsyncTestClient, database: None
) -> None:
    contract = await make_contract()
    request_id = await accepted(contract)
    url = f"/contracts/{contract['id']}/reports/{PERIOD}"
    await login(client, "org")
    page = await client.get(url)
    # No draft yet: the row offers the contract's accepted requests all the same.
    assert page.status_code == 200
    assert 'name="line-1-request"' in page.text and f'<option value="{request_id}"' in page.text
    out = {
        "scope": "out",
        "kind": "other",
        "department": str(contract["department"]),
        "person": "海湾街道 张主任",
        "description": "协助开展辖区长者需求调查",
        "hours": "8",
    }
    fields = {
        "_csrf_token": client.cookies.get("csrftoken"),
        "summary": "本月按计划开展服务",
        "row_count": "1",
        "action": "submit",
    }
    # A request of the contract, but the row names another department: refused on its row.
    other = await make_department()
    refused = await client.post(
        url, data={**fields, **row(1, **{**out, "department": str(other)}, request=str(request_id))}
    )
    assert refused.status_code == 400 and 'data-row="1" class="error"' in refused.text
    assert not await ServiceReport.exists().where(ServiceReport.contract == contract["id"])
    done = await client.post(
        url, data={**fields, **row(1, **out, request=str(request_id))}, follow_redirects=False
    )
    assert done.status_code == 303
    report = await submitted_report(contract["id"], PERIOD)
    assert report is not None
    (line,) = report["lines"]
    assert line["out_of_scope"] and line["work_request_id"] == request_id
    assert await unfiled_flags(contract["department"]) == 0
    shown = await client.get(url)
    assert 'data-testid="cites"' in shown.text and f"{request_id}" in shown.text


async def test_an_uncited_line_flags_the_department_and_a_correction_keeps_a_citation(
    database: None,
) -> None:
    contract = await make_contract()
    request_id = await accepted(contract)
    org = await actor("org")
    line = ActivityLineIn(
        out_of_scope=True,
        out_of_scope_kind="other",
        requested_by_department_id=contract["department"],
        requested_by_person="海湾街道 张主任",
        description="协助开展辖区长者需求调查",
        staff_hours=8,
    )
    data = ReportIn(summary="本月按计划开展服务", lines=[line])
    await report_submit(actor=org, contract_id=contract["id"], period=PERIOD, data=data)
    assert await unfiled_flags(contract["department"]) == 1  # cites none: the department's
    cited = data.model_copy(
        update={"lines": [line.model_copy(update={"work_request_id": request_id})]}
    )
    # The correction cites it; a further correction that says nothing keeps the citation.
    await report_submit(
        actor=org,
        contract_id=contract["id"],
        period=PERIOD,
        data=cited.model_copy(update={"corrects_version": 1}),
    )
    await report_save_draft(
        actor=org,
        contract_id=contract["id"],
        period=PERIOD,
        data=data.model_copy(update={"corrects_version": 2}),
    )
    lines = await ActivityLine.select(
        ActivityLine.id, ActivityLine.report.version.as_alias("v")
    ).where(ActivityLine.report.contract == contract["id"])
    cites = {
        row["activity_line"]: row["work_request"]
        for row in await WorkRequestCitation.select().where(
            WorkRequestCitation.activity_line.is_in([line["id"] for line in lines])
        )
    }
    assert {line["v"]: cites.get(line["id"]) for line in lines} == {
        1: None,
        2: request_id,
        3: request_id,
    }

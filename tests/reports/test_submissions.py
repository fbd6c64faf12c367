"""Out-of-contract lines record the submissions a department demanded (报送次数), which the
risk rule REPORTING_BURDEN counts: through the API and the form, on 2026-05-20."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.departments.tables import Department
from procure.reports.selectors import content_sha256
from tests.conftest import login
from tests.reports.conftest import MakeContract, id_of, in_scope, out_of_scope, report

pytestmark = pytest.mark.usefixtures("report_clock")


async def test_an_out_of_contract_line_records_its_submissions(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    org = await as_user("org")
    department = await id_of(Department, Department.code, "D-HWJD")
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    body = report(
        in_scope(contract["scope_line_ids"][0]),
        out_of_scope("administrative", requested_by_department_id=department, submissions=4),
    )
    saved = await client.put(f"{url}/draft", json=body, headers=org)
    assert saved.status_code == 200, saved.text
    lines = saved.json()["report"]["lines"]
    assert [line["submissions"] for line in lines] == [0, 4]


async def test_a_line_within_the_contract_records_no_submissions(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    body = report(in_scope(contract["scope_line_ids"][0], submissions=2))
    refused = await client.put(f"{url}/draft", json=body, headers=await as_user("org"))
    assert refused.status_code == 400
    assert refused.json()["field"] == "lines[0].submissions"
    department = await id_of(Department, Department.code, "D-HWJD")
    negative = report(
        out_of_scope("campaign", requested_by_department_id=department, submissions=-1)
    )
    refused = await client.put(f"{url}/draft", json=negative, headers=await as_user("org"))
    assert refused.status_code == 400 and refused.json()["field"] == "lines[0].submissions"


def test_a_version_without_submissions_keeps_its_hash() -> None:
    line = {
        "scope_line_id": 1,
        "out_of_scope": False,
        "out_of_scope_kind": "none",
        "requested_by_department_id": None,
        "requested_by_person": "",
        "description": "探访",
        "quantity": 1,
        "beneficiaries": 1,
        "staff_minutes": 60,
        "spend_fen": 0,
    }
    version = {"period": "2026-04", "version": 1, "summary": "s", "outcome_self_score": None}
    before = {**version, "lines": [line], "attachments": []}
    after = {**version, "lines": [{**line, "submissions": 0}], "attachments": []}
    assert content_sha256(after) == content_sha256(before)
    changed = {**version, "lines": [{**line, "submissions": 2}], "attachments": []}
    assert content_sha256(changed) != content_sha256(before)


async def test_the_form_takes_and_shows_the_submissions(
    client: AsyncTestClient, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    await login(client, "org")
    page = f"/contracts/{contract['id']}/reports/2026-04"
    form = await client.get(page)
    assert 'name="line-1-submissions"' in form.text
    department = await id_of(Department, Department.code, "D-HWJD")
    posted = await client.post(
        page,
        data={
            "_csrf_token": client.cookies.get("csrftoken") or "",
            "action": "submit",
            "summary": "四月",
            "row_count": "1",
            "line-1-scope": "out",
            "line-1-kind": "administrative",
            "line-1-department": str(department),
            "line-1-person": "街道公共服务办 陈志强",
            "line-1-description": "填报养老服务统计表",
            "line-1-submissions": "3",
        },
        follow_redirects=True,
    )
    assert posted.status_code == 200, posted.text
    assert 'data-testid="submissions">报送次数: 3</span>' in posted.text

"""The report pages: the period table, the organization's form (draft, submission, locked
view, correction), refusals that keep what was typed, and the read-only view for others."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.departments.tables import Department
from tests.conftest import login
from tests.reports.conftest import MakeContract, id_of

pytestmark = pytest.mark.usefixtures("report_clock", "english")


@pytest.fixture
def english(client: AsyncTestClient) -> None:
    """The pages in English: the messages the tests look for are the msgids."""
    client.cookies.set("lang", "en")


PDF = b"%PDF-1.7 attendance"


def page_url(contract: dict[str, Any], period: str = "2026-04") -> str:
    return f"/contracts/{contract['id']}/reports/{period}"


async def form_data(
    contract: dict[str, Any], action: str = "save", **fields: str
) -> dict[str, str]:
    """Row 1 blank, row 2 within the contract, row 3 a campaign task a department asked for."""
    data = {
        "row_count": "6",
        "summary": "四月完成探访与创文宣传。",
        "outcome_self_score": "80",
        "line-2-scope": str(contract["scope_line_ids"][0]),
        "line-2-description": "独居长者上门探访",
        "line-2-quantity": "10",
        "line-2-beneficiaries": "8",
        "line-2-hours": "2.5",
        "line-2-spend": "1,200.50",
        "line-3-scope": "out",
        "line-3-kind": "campaign",
        "line-3-department": str(await id_of(Department, Department.code, "D-HWJD")),
        "line-3-person": "街道文明办 张主任",
        "line-3-description": "创文明城市入户宣传",
        "line-3-quantity": "200",
        "action": action,
    }
    return {**data, **fields}


async def post(
    client: AsyncTestClient, url: str, data: dict[str, str], files: dict[str, Any] | None = None
) -> Any:
    return await client.post(
        url,
        data={**data, "_csrf_token": client.cookies["csrftoken"]},
        files=files or {"files": ("", b"")},  # a browser sends the empty file field too
        follow_redirects=False,
    )


async def test_draft_submit_lock_and_correct_in_the_browser_form(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    await login(client, "org")
    periods = await client.get(f"/contracts/{contract['id']}/reports")
    assert periods.status_code == 200
    assert 'data-period="2026-04" data-standing="overdue"' in periods.text
    assert f'href="{page_url(contract)}"' in periods.text

    blank = await client.get(page_url(contract))
    assert 'data-testid="report-form"' in blank.text
    assert 'data-row="6"' in blank.text and 'data-row="7"' not in blank.text

    saved = await post(
        client,
        page_url(contract),
        await form_data(contract),
        files={"line-2-files": ("签到表.pdf", PDF)},
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"{page_url(contract)}?done=report_draft"
    api = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    draft = (await client.get(api)).json()["report"]
    assert draft["status"] == "draft" and draft["outcome_self_score"] == 80
    first, second = draft["lines"]  # the blank row 1 is skipped
    assert (first["spend_fen"], first["staff_minutes"], first["quantity"]) == (120050, 150, 10)
    assert (second["out_of_scope_kind"], second["requested_by_person"]) == (
        "campaign",
        "街道文明办 张主任",
    )
    assert [(a["filename"], a["line_no"]) for a in draft["attachments"]] == [("签到表.pdf", 1)]

    again = await client.get(page_url(contract))
    assert "独居长者上门探访" in again.text and "1200.5" in again.text
    assert 'data-testid="draft-version"' in again.text

    submitted = await post(client, page_url(contract), await form_data(contract, "submit"))
    assert submitted.headers["location"] == f"{page_url(contract)}?done=report_submitted"
    locked = await client.get(submitted.headers["location"])
    assert 'data-done="report_submitted"' in locked.text
    assert 'data-testid="report-status" data-status="submitted"' in locked.text
    assert 'data-testid="report-form"' not in locked.text
    assert 'data-testid="correct-report"' in locked.text
    assert "签到表.pdf" in locked.text

    # Posting over a submitted report is refused; a correction is a new version.
    refused = await post(client, page_url(contract), await form_data(contract, "save"))
    assert refused.status_code == 409
    assert "is submitted and locked" in refused.text
    correcting = await client.get(f"{page_url(contract)}?correct=true")
    assert 'name="corrects_version" value="1"' in correcting.text
    corrected = await post(
        client,
        page_url(contract),
        await form_data(contract, "submit", corrects_version="1", summary="更正后的总结"),
    )
    assert corrected.status_code == 303
    latest = (await client.get(api)).json()
    assert latest["report"]["version"] == 2 and latest["report"]["summary"] == "更正后的总结"
    assert [a["line_no"] for a in latest["report"]["attachments"]] == [1]
    assert [v["status"] for v in latest["versions"]] == ["superseded", "submitted"]


@pytest.mark.parametrize(
    ("fields", "files", "message", "row"),
    [
        ({"line-3-person": ""}, None, "line 3: name the person who requested this work", 3),
        ({"line-3-department": ""}, None,
         "line 3: name the department that requested this work", 3),
        ({"line-3-kind": ""}, None, "line 3: say what kind of out-of-contract work this is", 3),
        ({"line-2-scope": ""}, None,
         "line 2: choose the scope line of this contract it delivers", 2),
        ({"line-2-quantity": "abc"}, None, "line 2: must be a whole number", 2),
        ({"line-2-quantity": "-4"}, None, "line 2: must not be negative", 2),
        ({"line-2-spend": "12.345"}, None,
         "line 2: must be an amount in yuan with at most two decimals", 2),
        ({"line-2-hours": "1.255"}, None, "line 2: staff hours take at most 2 decimals", 2),
        ({"line-2-hours": "two"}, None, "line 2: must be a number of hours, e.g. 2.5", 2),
        ({}, {"line-5-files": ("a.pdf", PDF)}, "line 5: a file needs a filled line", 5),
        ({"outcome_self_score": "great"}, None, "must be a whole number from 0 to 100", None),
        ({}, {"files": ("setup.exe", b"MZ")}, "setup.exe: only these types can be attached", None),
    ],
)  # fmt: skip
async def test_a_refused_form_keeps_what_was_typed_and_names_the_row(
    client: AsyncTestClient,
    make_contract: MakeContract,
    fields: dict[str, str],
    files: dict[str, Any] | None,
    message: str,
    row: int | None,
) -> None:
    contract = await make_contract()
    await login(client, "org")
    refused = await post(client, page_url(contract), await form_data(contract, **fields), files)
    assert refused.status_code == 400, refused.text[:300]
    assert message in refused.text
    assert "创文明城市入户宣传" in refused.text  # what was typed is still there
    if row is not None:
        assert f'data-row="{row}" class="error" aria-invalid="true"' in refused.text
    api = await client.get(f"/api/v1/contracts/{contract['id']}/reports/2026-04")
    assert api.json()["report"] is None  # nothing was saved


async def test_others_see_the_submitted_report_read_only(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    await login(client, "org")
    assert (
        await post(client, page_url(contract), await form_data(contract, "submit"))
    ).status_code == 303
    for username in ("buyer2", "committee", "auditor"):
        headers = await as_user(username)
        page = await client.get(page_url(contract), headers=headers)
        assert page.status_code == 200
        assert 'data-testid="report-status" data-status="submitted"' in page.text
        assert 'data-testid="report-form"' not in page.text
        assert 'data-testid="correct-report"' not in page.text
        assert "Out-of-contract work" in page.text and "街道文明办 张主任" in page.text
        assert re.search(r'data-out-of-scope="true"', page.text)


async def test_pages_for_periods_that_have_not_begun_or_contracts_not_in_force(
    client: AsyncTestClient, make_contract: MakeContract
) -> None:
    active, completed = await make_contract(), await make_contract(status="completed")
    await login(client, "org")
    future = await client.get(page_url(active, "2026-07"))
    assert future.status_code == 200
    assert 'data-testid="report-form"' not in future.text
    assert "This period has not begun." in future.text
    closed = await client.get(page_url(completed))
    assert 'data-testid="report-form"' not in closed.text
    assert "No report has been submitted for this period." in closed.text
    listing = await client.get(f"/contracts/{completed['id']}/reports")
    assert "Write the report" not in listing.text
    refused = await post(client, page_url(completed), await form_data(completed))
    assert refused.status_code == 409
    assert "is not in force" in refused.text


async def test_a_period_the_contract_does_not_have_reads_in_chinese(
    client: AsyncTestClient, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    await login(client, "org")
    client.cookies.set("lang", "zh-CN")
    missing = await client.get(page_url(contract, "2031-01"))
    assert missing.status_code == 404
    assert f"合同 {contract['reference']} 没有报告期 &#39;2031-01&#39;" in missing.text
    assert "has no reporting period" not in missing.text

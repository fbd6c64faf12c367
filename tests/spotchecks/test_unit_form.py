"""The report form carries each line's verifiable units, and keeps them from one save to the
next: a kind other than the row's is written before the code."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import login
from tests.reports.conftest import MakeContract, in_scope, report

pytestmark = pytest.mark.usefixtures("report_clock")


async def test_the_form_takes_shows_and_keeps_units(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    api = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    mixed = [
        {"kind": "household_visit", "code": "HV-0001"},
        {"kind": "household_visit", "code": "HV-0002"},
        {"kind": "session", "code": "S-0501"},
    ]
    body = report(in_scope(contract["scope_line_ids"][0], units=mixed))
    assert (
        await client.put(f"{api}/draft", json=body, headers=await as_user("org"))
    ).status_code == 200

    await login(client, "org")
    page = f"/contracts/{contract['id']}/reports/2026-04"
    form = await client.get(page)
    assert 'value="HV-0001 HV-0002 session:S-0501"' in form.text
    posted = await client.post(
        page,
        data={
            "_csrf_token": client.cookies.get("csrftoken") or "",
            "action": "save",
            "summary": "四月",
            "row_count": "1",
            "line-1-scope": str(contract["scope_line_ids"][0]),
            "line-1-description": "独居长者上门探访",
            "line-1-unit_kind": "household_visit",
            "line-1-units": "HV-0001, HV-0002 session:S-0501 beneficiary_group:G-1",
        },
        follow_redirects=True,
    )
    assert posted.status_code == 200, posted.text
    saved = (await client.get(api)).json()["report"]["lines"][0]["units"]
    assert saved == [*mixed, {"kind": "beneficiary_group", "code": "G-1"}]

    refused = await client.post(
        page,
        data={
            "_csrf_token": client.cookies.get("csrftoken") or "",
            "action": "save",
            "summary": "四月",
            "row_count": "1",
            "line-1-scope": str(contract["scope_line_ids"][0]),
            "line-1-description": "独居长者上门探访",
            "line-1-unit_kind": "household_visit",
            "line-1-units": "visit:HV-0001",
        },
    )
    assert refused.status_code == 400
    assert 'value="visit:HV-0001"' in refused.text

"""A contract's scope lines in the contract JSON carry the ids a report line names."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from procure.contracts.tables import ContractScopeLine
from tests.reports.conftest import MakeContract, in_scope, report


async def test_contract_scope_lines_carry_the_ids_reports_name(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    org = await as_user("org")
    detail = await client.get(f"/api/v1/contracts/{contract['id']}", headers=org)
    assert detail.status_code == 200
    lines = detail.json()["lines"]
    stored = await ContractScopeLine.select(ContractScopeLine.id, ContractScopeLine.line_no).where(
        ContractScopeLine.contract == contract["id"]
    )
    assert [(line["id"], line["line_no"]) for line in lines] == sorted(
        (row["id"], row["line_no"]) for row in stored
    )
    # The id, taken from the JSON alone, is what a report line names.
    saved = await client.put(
        f"/api/v1/contracts/{contract['id']}/reports/2026-04/draft",
        json=report(in_scope(lines[1]["id"])),
        headers=org,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["report"]["lines"][0]["scope_line_id"] == lines[1]["id"]


async def test_every_error_path_indexes_lines_from_0(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    """The rules' errors and the schema's errors write the same path: the second line is
    ``lines[1]``; the detail still counts lines as people do."""
    contract = await make_contract()
    org = await as_user("org")
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04/draft"
    good = in_scope(contract["scope_line_ids"][0])
    by_rule = await client.put(
        url, json=report(good, in_scope(contract["scope_line_ids"][1], description="")), headers=org
    )
    assert by_rule.status_code == 400
    assert by_rule.json()["field"] == "lines[1].description"
    assert by_rule.json()["detail"].startswith("line 2: ")
    by_schema = await client.put(url, json=report(good, {**good, "quantity": "many"}), headers=org)
    assert by_schema.status_code == 400
    assert by_schema.json()["field"] == "lines[1].quantity"
    assert by_schema.json()["errors"][0]["key"] == "lines[1].quantity"

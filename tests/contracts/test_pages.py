"""The contract page shows the cumulative change of the amendments, for each party."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from procure.contracts.tables import Amendment, Contract
from tests.conftest import every_item, login


async def test_the_contract_page_shows_the_cumulative_change(client: AsyncTestClient) -> None:
    amended = await Amendment.select(Amendment.contract).first()
    assert amended is not None
    await login(client, "auditor")
    page = await client.get(f"/contracts/{amended['contract']}")
    assert page.status_code == 200
    assert 'data-testid="amendments"' in page.text and 'data-testid="current-value"' in page.text


async def test_a_committee_sees_only_contracts_of_its_community(client: AsyncTestClient) -> None:
    await login(client, "committee")
    mine = {c["id"] for c in await every_item(client, "/api/v1/contracts")}
    for row in await Contract.select(Contract.id):
        page = await client.get(f"/contracts/{row['id']}")
        assert page.status_code == (200 if row["id"] in mine else 404)

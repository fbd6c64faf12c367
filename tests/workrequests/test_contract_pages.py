"""A contract's work-request page: its buying department files through the form (refusals
beside the field), its organization answers; nobody else sees the page."""

from __future__ import annotations

from datetime import timedelta

from litestar.testing import AsyncTestClient

from procure.calendar import local_today
from procure.workrequests.selectors import contract_requests
from procure.workrequests.tables import WorkRequestCitation
from tests.conftest import login
from tests.risk.conftest import make_contract
from tests.workrequests.conftest import actor, draft_line, filed


async def demo_buyers_contract() -> dict:
    """A contract of the demo buyer's department, of one fen (the buyer's totals barely move)."""
    buyer = await actor("buyer")
    return await make_contract(department=buyer.department_id, value_fen=1)


def form(client: AsyncTestClient, **fields: object) -> dict[str, object]:
    return {"_csrf_token": client.cookies.get("csrftoken"), **fields}


async def test_the_buyer_files_and_a_refused_kind_comes_back_beside_its_field(
    client: AsyncTestClient, database: None
) -> None:
    contract = await demo_buyers_contract()
    await login(client, "buyer")
    url = f"/contracts/{contract['id']}/work-requests"
    page = await client.get(url)
    assert page.status_code == 200 and 'data-testid="file-work-request"' in page.text
    fields = {
        "requested_by_person": "街道 王科长",
        "kind": "campaign",
        "purpose": "创文入户宣传",
        "hours": "12",
        "deadline": (local_today() + timedelta(days=3)).isoformat(),
    }
    refused = await client.post(url, data=form(client, **fields))
    assert refused.status_code == 400
    assert (
        'data-testid="error-summary"' in refused.text
        and "campaign 不在公布的社区事务准入清单内" in refused.text
    )
    assert 'value="街道 王科长"' in refused.text  # what was typed stays
    done = await client.post(
        url, data=form(client, **{**fields, "kind": "service_data"}), follow_redirects=False
    )
    assert done.status_code == 303
    (row,) = await contract_requests(await actor("admin"), contract["id"])
    assert (row["kind"], row["hours"], row["status"]) == ("service_data", 12, "filed")


async def test_the_organization_answers_and_others_do_not_see_the_page(
    client: AsyncTestClient, database: None
) -> None:
    contract = await make_contract()
    request_id = await filed(contract)
    url = f"/contracts/{contract['id']}/work-requests"
    await login(client, "org2")
    assert (await client.get(url)).status_code == 404
    await login(client, "org")
    page = await client.get(url)
    assert page.status_code == 200 and f'data-testid="decline-{request_id}"' in page.text
    assert 'data-testid="file-work-request"' not in page.text
    empty = await client.post(f"{url}/{request_id}/propose-amendment", data=form(client, note=""))
    assert empty.status_code == 400 and 'data-testid="error-summary"' in empty.text
    declined = await client.post(
        f"{url}/{request_id}/decline", data=form(client, note=""), follow_redirects=False
    )
    assert declined.status_code == 303
    (row,) = await contract_requests(await actor("org"), contract["id"])
    assert row["status"] == "declined"


async def test_the_organization_cites_an_accepted_request_on_its_draft_line(
    client: AsyncTestClient, database: None
) -> None:
    contract = await make_contract()
    request_id = await filed(contract)
    line = await draft_line(contract, contract["department"])
    url = f"/contracts/{contract['id']}/work-requests"
    await login(client, "org")
    assert f'data-testid="cite-{request_id}"' not in (await client.get(url)).text  # not accepted
    await client.post(f"{url}/{request_id}/accept", data=form(client))
    page = await client.get(url)
    assert f'data-testid="cite-{request_id}"' in page.text and f'value="{line}"' in page.text
    done = await client.post(
        f"{url}/{request_id}/citations",
        data=form(client, activity_line_id=str(line)),
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert await WorkRequestCitation.count().where(WorkRequestCitation.activity_line == line) == 1
    assert f'data-testid="cite-{request_id}"' not in (await client.get(url)).text  # none left
    again = await client.post(
        f"{url}/{request_id}/citations", data=form(client, activity_line_id=str(line))
    )
    assert again.status_code == 400 and 'data-testid="error-summary"' in again.text

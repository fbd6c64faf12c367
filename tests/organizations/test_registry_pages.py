"""The public registry pages, the oversight forms on them, and the start page's warning card."""

from __future__ import annotations

import re
from datetime import timedelta

from litestar.testing import AsyncTestClient

from procure.calendar import local_today
from procure.organizations.tables import Debarment, Organization
from procure.security.tables import User
from tests.conftest import login
from tests.organizations.conftest import PASSWORD, iso, organization_named, registered


def row_of(page: str, organization_id: int) -> str:
    start = page.index(f'data-organization="{organization_id}"')
    return page[start : page.index("</tr>", start)]


async def test_the_registry_shows_everyone_who_is_debarred(client: AsyncTestClient) -> None:
    debarred = await organization_named("惠邻社区服务")
    clean = await organization_named("心连心")
    period = await Debarment.select().where(Debarment.organization == debarred).first()
    assert period is not None
    page = await client.get("/organizations?per_page=100")
    assert page.status_code == 200
    assert page.text.count("<tr data-organization=") == min(await Organization.count(), 100)
    found = await client.get("/organizations", params={"q": "惠邻社区服务"})
    debarred_row = row_of(found.text, debarred)
    assert 'data-testid="debarred"' in debarred_row
    assert f"{iso(period['starts_on'])} — {iso(period['ends_on'])}" in debarred_row
    assert "52440319MJY8501453" in debarred_row
    clean_row = row_of((await client.get("/organizations", params={"q": "心连心"})).text, clean)
    assert 'data-testid="debarred"' not in clean_row
    assert "<td>2011</td>" in clean_row and "AAA" in clean_row


async def test_every_page_links_to_the_registry(client: AsyncTestClient) -> None:
    assert 'href="/organizations"' in (await client.get("/")).text


async def test_the_public_page_discloses_the_debarment_but_no_forms(
    client: AsyncTestClient,
) -> None:
    debarred = await organization_named("惠邻社区服务")
    page = await client.get(f"/organizations/{debarred}")
    assert page.status_code == 200
    assert 'data-testid="debarment-card"' in page.text and "提供虚假材料" in page.text
    assert "滨民非证字第0167号" not in page.text  # document numbers stay private
    assert "0755-27598046" not in page.text
    assert 'data-testid="rating-form"' not in page.text
    assert (await client.get("/organizations/987654")).status_code == 404


async def test_the_regulator_rates_and_debars_from_the_page(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "regulator")
    page = await client.get(f"/organizations/{organization_id}")
    assert 'data-testid="rating-form"' in page.text and 'data-testid="debarment-form"' in page.text
    token = client.cookies.get("csrftoken")
    rated = await client.post(
        f"/organizations/{organization_id}/credit-rating",
        data={"rating": "A", "reason": "按期履约", "_csrf_token": token},
        follow_redirects=False,
    )
    assert rated.status_code == 303
    today = local_today()
    refused = await client.post(
        f"/organizations/{organization_id}/debarments",
        data={"starts_on": iso(today), "ends_on": iso(today), "reason": "x", "_csrf_token": token},
    )
    assert refused.status_code == 400 and 'data-field="ends_on"' in refused.text
    debarred = await client.post(
        f"/organizations/{organization_id}/debarments",
        data={
            "starts_on": iso(today - timedelta(days=1)),
            "ends_on": iso(today + timedelta(days=90)),
            "reason": "串通投标",
            "appeal_note": "已听取陈述、申辩,理由不成立。",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert debarred.status_code == 303
    page = await client.get(f"/organizations/{organization_id}")
    assert 'data-testid="credit-rating">A<' in page.text
    assert "串通投标" in page.text and 'data-testid="lift-form"' in page.text
    row = await Debarment.select(Debarment.id).where(Debarment.organization == organization_id)
    lifted = await client.post(
        f"/organizations/{organization_id}/debarments/{row[0]['id']}/lift",
        data={"reason": "复议撤销", "_csrf_token": token},
        follow_redirects=False,
    )
    assert lifted.status_code == 303
    page = await client.get(f"/organizations/{organization_id}")
    assert 'data-testid="debarment-card"' not in page.text


async def test_the_start_page_warns_an_organization_that_cannot_bid(
    client: AsyncTestClient,
) -> None:
    await login(client, "org")
    clean = await client.get("/organization")
    assert clean.status_code == 200 and 'data-testid="obstacle-card"' not in clean.text
    assert 'href="/organization/profile"' in clean.text
    organization_id = await registered()
    today = local_today()
    await Debarment.insert(
        Debarment(
            organization=organization_id,
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=30),
            reason="提供虚假材料",
        )
    )
    user = await User.select(User.username).where(User.organization == organization_id).first()
    assert user is not None
    await login(client, user["username"], PASSWORD)
    warned = await client.get("/organization")
    assert 'data-testid="obstacle-card"' in warned.text
    assert 'data-code="debarred"' in warned.text
    assert 'data-code="qualification_missing"' in warned.text
    assert "禁止参与政府购买服务活动" in warned.text


async def test_the_registry_sorts_on_the_server_and_keeps_the_order_across_pages(
    client: AsyncTestClient,
) -> None:
    ids = [
        await registered(name=f"排序测试{letter}社工中心", certified_social_workers=workers)
        for letter, workers in (("乙", 3), ("甲", 9), ("丙", 5))
    ]
    query = {"q": "排序测试", "sort": "social_workers"}
    ascending = await client.get("/organizations", params={**query, "dir": "asc"})
    assert ascending.status_code == 200
    order = [int(m) for m in re.findall(r'<tr data-organization="(\d+)"', ascending.text)]
    assert order == [ids[0], ids[2], ids[1]]
    assert 'aria-sort="ascending"' in ascending.text and 'class="table-scroll"' in ascending.text
    descending = await client.get("/organizations", params={**query, "dir": "desc"})
    order = [int(m) for m in re.findall(r'<tr data-organization="(\d+)"', descending.text)]
    assert order == [ids[1], ids[2], ids[0]]
    second = await client.get(
        "/organizations", params={**query, "dir": "desc", "per_page": "2", "page": "2"}
    )
    assert re.findall(r'<tr data-organization="(\d+)"', second.text) == [str(ids[0])]
    previous = re.search(r'<a rel="prev" href="([^"]+)"', second.text)
    assert previous is not None
    assert "sort=social_workers" in previous[1] and "dir=desc" in previous[1]
    refused = await client.get("/organizations", params={"sort": "password"})
    assert refused.status_code == 400 and "sort" in refused.text

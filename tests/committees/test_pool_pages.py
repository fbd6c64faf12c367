"""The expert pool pages: the list with filters, an expert's page, the import form with its
errors by row and column, in Chinese by default and in English."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient

from procure.committees.tables import Expert, ExpertRelationship
from tests.committees.pool_helpers import XINLIANXIN, csv_bytes, expert_json, row
from tests.conftest import login


async def expert_id(code: str) -> int:
    found = await Expert.select(Expert.id).where(Expert.code == code).first()
    assert found is not None
    return int(found["id"])


async def test_the_regulator_start_page_links_the_pool(client: AsyncTestClient) -> None:
    await login(client, "regulator")
    page = await client.get("/regulator")
    assert 'href="/experts" data-testid="link-expert-pool">评审专家库</a>' in page.text


async def test_the_pool_page_in_chinese_filters_and_pages(client: AsyncTestClient) -> None:
    await login(client, "regulator")
    page = await client.get("/experts")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert '<h1 data-testid="expert-pool">评审专家库</h1>' in page.text
    assert 'data-testid="expert-ZJ-001"' in page.text
    assert 'href="/experts/import"' in page.text
    assert "共 " in page.text and " 名专家" in page.text
    beyond = await client.get("/experts?page=99")
    assert 'data-testid="pool-empty"' in beyond.text
    care = await client.get("/experts?category=technology&active=yes&q=ZJ")
    codes = re.findall(r'data-testid="expert-(ZJ-\d+)"', care.text)
    assert codes and "ZJ-001" not in codes and "ZJ-016" in codes
    row_html = re.search(r'<tr data-testid="expert-ZJ-016">.*?</tr>', care.text, re.S)
    assert row_html is not None and "技术类" in row_html.group()
    found = await client.get("/experts?q=许文静")
    assert re.findall(r'data-testid="expert-(ZJ-\d+)"', found.text) == ["ZJ-001"]


async def test_the_pool_page_in_english(client: AsyncTestClient) -> None:
    await login(client, "auditor")
    await client.get("/lang/en")
    page = await client.get("/experts?category=care&q=ZJ-001")
    assert '<html lang="en">' in page.text
    assert "Expert pool" in page.text and "评审专家库</h1>" not in page.text
    assert "Care for specific groups" in page.text
    assert 'href="/experts/import"' not in page.text  # auditors read, never import


async def test_an_experts_page_shows_categories_employer_and_relationships(
    client: AsyncTestClient,
) -> None:
    await login(client, "regulator")
    page = await client.get(f"/experts/{await expert_id('ZJ-003')}")
    assert page.status_code == 200
    assert "李慧敏" in page.text and "滨海市社会工作者协会" in page.text
    assert "关照类 · 儿童福利" in page.text
    relationships = re.search(r'data-testid="expert-relationships">.*?</table>', page.text, re.S)
    assert relationships is not None
    assert "滨海区心连心社会工作服务中心" in relationships.group()
    assert "近三年任职" in relationships.group()
    staff = await client.get(f"/experts/{await expert_id('ZJ-007')}")
    assert "滨海区民政局 (D-MZJ)" in staff.text
    await client.get("/lang/en")
    english = await client.get(f"/experts/{await expert_id('ZJ-005')}")
    assert "close relative of its head" in english.text
    assert "Declared relationships" in english.text


async def test_the_import_form_lists_bad_rows_in_chinese(client: AsyncTestClient) -> None:
    await login(client, "regulator")
    form = await client.get("/experts/import")
    assert form.status_code == 200 and 'data-testid="import-form"' in form.text
    token = client.cookies.get("csrftoken")
    rows = [row("T-PG-001", categories="养老类"), row("T-PG-002", active_from="")]
    response = await client.post(
        "/experts/import",
        files={"file": ("专家库.csv", csv_bytes(rows))},
        data={"_csrf_token": token},
    )
    assert response.status_code == 400
    errors = re.search(r'data-testid="import-errors">.*?</div>', response.text, re.S)
    assert errors is not None
    text = errors.group()
    assert "未导入任何数据：有 2 行存在错误" in text
    assert "<td>评审类别</td>" in text and "未知类别 养老类" in text
    assert "<td>聘期开始</td>" in text
    assert not await Expert.exists().where(Expert.code == "T-PG-001")


async def test_an_import_from_the_form_comes_back_to_the_pool(client: AsyncTestClient) -> None:
    await login(client, "regulator")
    token = client.cookies.get("csrftoken")
    response = await client.post(
        "/experts/import",
        files={"file": ("专家库.csv", csv_bytes([row("T-PG-OK1")]))},
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/experts?created=1&updated=0&unchanged=0"
    page = await client.get(response.headers["location"])
    assert 'data-testid="notice"' in page.text


async def test_other_roles_do_not_see_the_pool_pages(client: AsyncTestClient) -> None:
    await login(client, "buyer")
    assert (await client.get("/experts")).status_code == 403
    await login(client, "auditor")
    assert (await client.get("/experts/import")).status_code == 403


async def test_the_regulator_records_and_ends_a_relationship_on_the_page(
    client: AsyncTestClient, as_user
) -> None:
    created = await client.put(
        "/api/v1/experts/T-PG-REL",
        json=expert_json("T-PG-REL"),
        headers=await as_user("regulator"),
    )
    expert = created.json()["id"]
    await login(client, "regulator")
    page = await client.get(f"/experts/{expert}")
    assert 'data-testid="relationship-form"' in page.text
    token = client.cookies.get("csrftoken")
    bad = await client.post(
        f"/experts/{expert}/relationships",
        data={
            "_csrf_token": token,
            "credit_code": XINLIANXIN,
            "kind": "employment",
            "started_on": "2024-05-01",
            "ended_on": "2024-01-01",
        },
    )
    assert bad.status_code == 400
    errors = re.search(r'data-testid="relationship-errors">.*?</div>', bad.text, re.S)
    assert errors is not None
    assert "结束日期: 不得早于关系开始日期（2024-05-01）" in errors.group()
    added = await client.post(
        f"/experts/{expert}/relationships",
        data={
            "_csrf_token": token,
            "credit_code": XINLIANXIN,
            "kind": "directorship",
            "started_on": "2024-05-01",
            "ended_on": "",
            "note": "理事",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    shown = await client.get(added.headers["location"])
    assert "担任董事、监事" in shown.text and "理事" in shown.text
    rows = await ExpertRelationship.select(ExpertRelationship.id).where(
        ExpertRelationship.expert == expert
    )
    end = f"/experts/{expert}/relationships/{rows[0]['id']}/end"
    ended = await client.post(
        end, data={"_csrf_token": token, "ended_on": "2025-03-31"}, follow_redirects=False
    )
    assert ended.status_code == 303
    again = await client.post(end, data={"_csrf_token": token, "ended_on": "2025-04-30"})
    assert again.status_code == 409
    assert "2025-03-31" in again.text


async def test_an_auditor_sees_no_forms_and_cannot_post_them(client: AsyncTestClient) -> None:
    await login(client, "auditor")
    page = await client.get(f"/experts/{await expert_id('ZJ-003')}")
    assert page.status_code == 200
    assert 'data-testid="relationship-form"' not in page.text
    token = client.cookies.get("csrftoken")
    refused = await client.post(
        f"/experts/{await expert_id('ZJ-003')}/relationships",
        data={"_csrf_token": token, "credit_code": XINLIANXIN, "kind": "other"},
    )
    assert refused.status_code == 403

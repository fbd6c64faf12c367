"""The catalog pages: the public catalog in both languages, and the management page."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient

from procure import i18n
from procure.catalog.rules import CODE_TAKEN, Rejected
from procure.catalog.tables import CatalogItem
from procure.web import labels
from tests.catalog.helpers import csv_bytes
from tests.conftest import login


def form(code: str, **overrides: str) -> dict[str, str]:
    return {
        "code": code,
        "category": "mutual_aid",
        "name": "楼道议事会培育",
        "target_group": "楼栋居民",
        "unit": "project",
        "ref_price_min": "5000",
        "ref_price_max": "12000.50",
        "outcome_indicators": "议事会不少于2个\r\n议题办结率不低于80%",
        "active": "on",
        **overrides,
    }


async def csrf(client: AsyncTestClient) -> str:
    return client.cookies.get("csrftoken") or ""


async def test_the_catalog_page_is_chinese_by_default(client: AsyncTestClient) -> None:
    page = await client.get("/catalog")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert i18n.gettext("zh-CN", "Service catalog") in page.text
    assert '<h2 data-testid="category-care">关照类</h2>' in page.text
    headings = re.findall(r'<h2 data-testid="category-\w+">([^<]*)</h2>', page.text)
    assert headings == ["审批类", "关照类", "互助类", "能力类", "技术类"]
    row = re.search(r'<tr data-testid="item-C-CARE-001">.*?</tr>', page.text, re.S)
    assert row is not None
    assert "小时" in row.group() and "40.00 元 – 70.00 元" in row.group()
    assert "服务满意度不低于90%" in row.group()
    assert 'href="/catalog/manage"' not in page.text  # anonymous visitors do not manage


async def test_the_catalog_page_in_english(client: AsyncTestClient) -> None:
    await client.get("/lang/en")
    page = await client.get("/catalog")
    assert '<html lang="en">' in page.text
    assert "Service catalog" in page.text
    assert '<h2 data-testid="category-care">Care for specific groups</h2>' in page.text
    row = re.search(r'<tr data-testid="item-C-CARE-001">.*?</tr>', page.text, re.S)
    assert row is not None and "<td>hour</td>" in row.group() and "小时" not in row.group()


async def test_the_catalog_page_filters_by_category(client: AsyncTestClient) -> None:
    page = await client.get("/catalog?category=care")
    assert 'data-testid="category-care"' in page.text
    assert 'data-testid="category-approval"' not in page.text
    assert "C-APPR-001" not in page.text
    assert (await client.get("/catalog?category=elderly")).status_code == 400


async def test_buyers_see_the_management_links(client: AsyncTestClient) -> None:
    await login(client, "buyer")
    page = await client.get("/catalog")
    assert page.text.count('href="/catalog/manage"') == 2  # the header and the page
    manage = await client.get("/catalog/manage")
    assert manage.status_code == 200
    assert 'href="/api/v1/catalog/export?format=xlsx"' in manage.text
    assert 'href="/api/v1/catalog/export?format=csv"' in manage.text
    assert 'enctype="multipart/form-data"' in manage.text


async def test_others_cannot_manage(client: AsyncTestClient) -> None:
    anonymous = await client.get("/catalog/manage", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/catalog/manage"
    await login(client, "committee")
    assert 'href="/catalog/manage"' not in (await client.get("/catalog")).text
    assert (await client.get("/catalog/manage")).status_code == 403


async def test_a_buyer_adds_an_item_with_the_form(client: AsyncTestClient) -> None:
    await login(client, "buyer")
    data = {**form("T-PAGE-001"), "_csrf_token": await csrf(client)}
    response = await client.post("/catalog/items", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/catalog/manage?saved=T-PAGE-001"
    item = await CatalogItem.select().where(CatalogItem.code == "T-PAGE-001").first()
    assert item is not None
    assert (item["unit"], item["ref_price_min_fen"], item["ref_price_max_fen"]) == (
        "project",
        500000,
        1200050,
    )
    notice = await client.get(response.headers["location"])
    assert i18n.gettext("zh-CN", "Saved %(code)s.") % {"code": "T-PAGE-001"} in notice.text


async def test_the_form_shows_every_error_next_to_its_field(client: AsyncTestClient) -> None:
    await client.get("/lang/en")
    await login(client, "buyer")
    data = {
        **form("t-page", name="", ref_price_min="12.345", ref_price_max="1"),
        "_csrf_token": await csrf(client),
    }
    response = await client.post("/catalog/items", data=data)
    assert response.status_code == 400
    errors = dict(re.findall(r'data-testid="error-(\w+)">([^<]*)<', response.text))
    assert errors == {
        "code": "must be 3–32 characters: uppercase letters A–Z, digits and hyphens",
        "name": "must not be empty",
        "ref_price_min_fen": "must be an amount in yuan with at most two decimals, e.g. 45.50",
    }
    assert 'value="t-page"' in response.text  # what was typed is kept
    assert not await CatalogItem.exists().where(CatalogItem.code == "t-page")


async def test_a_buyer_edits_an_item(client: AsyncTestClient) -> None:
    await login(client, "buyer")
    token = await csrf(client)
    await client.post("/catalog/items", data={**form("T-PAGE-002"), "_csrf_token": token})
    item = await CatalogItem.select(CatalogItem.id).where(CatalogItem.code == "T-PAGE-002").first()
    assert item is not None
    edit = f"/catalog/items/{item['id']}/edit"
    page = await client.get(edit)
    assert page.status_code == 200
    assert 'value="12000.50"' in page.text
    assert "议事会不少于2个\n议题办结率不低于80%</textarea>" in page.text
    changed = {**form("IGNORED", name="楼道议事会培育(二期)"), "_csrf_token": token}
    del changed["active"]  # an unticked checkbox is not sent
    response = await client.post(edit, data=changed, follow_redirects=False)
    assert response.status_code == 303
    row = await CatalogItem.select().where(CatalogItem.id == item["id"]).first()
    assert row is not None
    assert (row["code"], row["name"], row["active"]) == (
        "T-PAGE-002",
        "楼道议事会培育(二期)",
        False,
    )
    bad = await client.post(edit, data={**changed, "ref_price_max": "1"})
    assert bad.status_code == 400 and 'data-testid="error-ref_price_max_fen"' in bad.text
    assert (await client.get("/catalog/items/987654/edit")).status_code == 404


async def test_the_import_form_lists_the_bad_rows(client: AsyncTestClient) -> None:
    await client.get("/lang/en")
    await login(client, "buyer")
    rows = [
        ["T-PAGE-IMP", "care", "好的", "", "hour", "1", "2", "", "是"],
        ["T-PAGE-IMP2", "care", "坏的", "", "hour", "3", "2", "", "是"],
    ]
    response = await client.post(
        "/catalog/import",
        files={"file": ("目录.csv", csv_bytes(rows))},
        data={"_csrf_token": await csrf(client)},
    )
    assert response.status_code == 400
    assert "nothing was imported: 1 row(s) have errors" in response.text
    cells = re.findall(
        r'<tr><td class="num">(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', response.text
    )
    assert cells == [("3", "参考单价上限(元)", "must not be less than the lower limit")]
    assert not await CatalogItem.exists().where(CatalogItem.code == "T-PAGE-IMP")

    good = await client.post(
        "/catalog/import",
        files={"file": ("目录.csv", csv_bytes(rows[:1]))},
        data={"_csrf_token": await csrf(client)},
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert good.headers["location"] == "/catalog/manage?created=1&updated=0&unchanged=0"
    notice = await client.get(good.headers["location"])
    assert "Imported: 1 new, 0 updated, 0 unchanged." in notice.text


async def test_the_import_form_without_a_file(client: AsyncTestClient) -> None:
    await client.get("/lang/en")
    await login(client, "buyer")
    response = await client.post(
        "/catalog/import", files={"_csrf_token": (None, await csrf(client))}
    )
    assert response.status_code == 400
    assert "no file was uploaded" in response.text


async def test_a_missing_item_and_a_refused_code_read_in_chinese(client: AsyncTestClient) -> None:
    await login(client, "buyer")
    missing = await client.get("/catalog/items/987654/edit")
    assert missing.status_code == 404 and "编号为 987654 的目录项不存在" in missing.text
    assert "not found" not in missing.text
    # A rule's refusal carries its catalog message and values, for any page to translate.
    refused = Rejected.one("code", CODE_TAKEN, code="SW-001")
    assert refused.message == "SW-001 is already used by another item"
    said = labels.message("zh-CN", refused.template, refused.variables)
    assert said == "编码 SW-001 已被其他目录项使用"

"""Pages: Chinese by default, English on request, every template rendered for its role."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest
from litestar.testing import AsyncTestClient

from procure.security.tables import Role
from tests.conftest import login

START = {
    Role.buyer: ("buyer", "购买主体工作台", "Buyer workspace"),
    Role.organization: ("org", "承接主体工作台", "Organization workspace"),
    Role.committee: ("committee", "居委会工作台", "Committee workspace"),
    Role.auditor: ("auditor", "监督工作台", "Oversight workspace"),
    Role.admin: ("admin", "系统管理", "Administration"),
    Role.regulator: ("regulator", "财政监管工作台", "Regulator workspace"),
    Role.expert: ("expert", "评审专家工作台", "Expert workspace"),
    Role.monitor: ("monitor", "居民监督员工作台", "Resident monitor workspace"),
}


async def test_home_is_chinese_by_default(client: AsyncTestClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "政府购买社区服务" in page.text and "登录" in page.text


async def test_english_on_request(client: AsyncTestClient) -> None:
    switched = await client.get("/lang/en?next=/login", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/login"
    page = await client.get("/login")
    assert '<html lang="en">' in page.text and "Username" in page.text
    assert "用户名" not in page.text
    await client.get("/lang/zh-CN")
    assert "用户名" in (await client.get("/login")).text


async def test_switching_language_keeps_the_query(client: AsyncTestClient) -> None:
    page = await client.get("/disclosure/tenders?q=养老&page=1")
    found = re.search(r'href="(/lang/en\?next=[^"]*)"', page.text)
    assert found is not None
    link = html.unescape(found[1])
    back = await client.get(link, follow_redirects=False)
    assert back.status_code == 303
    assert unquote(back.headers["location"]) == "/disclosure/tenders?q=养老&page=1"
    await client.get("/lang/zh-CN")


async def test_an_unknown_language_keeps_the_default(client: AsyncTestClient) -> None:
    await client.get("/lang/xx")
    assert '<html lang="zh-CN">' in (await client.get("/")).text


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_each_role_start_page_renders(client: AsyncTestClient, role: Role, lang: str) -> None:
    username, zh, en = START[role]
    await client.get(f"/lang/{lang}")
    await login(client, username)
    home = await client.get("/", follow_redirects=False)
    assert home.headers["location"] == f"/{role.value}"
    page = await client.get(home.headers["location"])
    assert page.status_code == 200
    assert f'data-role="{role.value}"' in page.text
    assert (zh if lang == "zh-CN" else en) in page.text


async def test_money_is_shown_in_wan_yuan(client: AsyncTestClient) -> None:
    await login(client, "buyer")
    page = await client.get("/buyer")
    assert "万元" in page.text


async def test_a_missing_page_is_a_chinese_404(client: AsyncTestClient) -> None:
    page = await client.get("/no/such/page")
    assert page.status_code == 404
    assert "未找到" in page.text


async def test_another_roles_page_is_forbidden(client: AsyncTestClient) -> None:
    await login(client, "org")
    page = await client.get("/admin")
    assert page.status_code == 403
    assert "无权执行此操作" in page.text


async def test_an_unknown_role_filter_is_refused_in_chinese(client: AsyncTestClient) -> None:
    await login(client, "admin")
    page = await client.get("/admin", params={"role": "pirate"})
    assert page.status_code == 400
    assert "'pirate' 不是有效的角色（可选：buyer、organization、" in html.unescape(page.text)
    assert "is not a role" not in page.text


async def test_healthz(client: AsyncTestClient) -> None:
    from tests.conftest import ENGINE

    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": ENGINE}


async def test_healthz_reports_an_unreachable_database(
    client: AsyncTestClient, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    async def unreachable() -> None:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr("procure.app.ping", unreachable)
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


async def test_openapi_lists_the_api(client: AsyncTestClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/contracts" in schema["paths"]
    assert "/buyer" not in schema["paths"]

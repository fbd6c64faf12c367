"""The setup pages and API: administrators only; the upload lists every bad row (GOV.UK error
summary) and writes nothing; a good upload shows its counts and the generated passwords once;
the lists page in SQL."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from procure.geography.tables import District
from procure.security.tables import User
from tests.conftest import csrf_headers, login
from tests.setup.test_setup_import import spoiled
from tests.setup.workbooks import district, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(prefix_or_bytes: str | bytes, name: str = "设置.xlsx") -> dict:
    content = (
        prefix_or_bytes if isinstance(prefix_or_bytes, bytes) else xlsx(district(prefix_or_bytes))
    )
    return {"file": (name, content, XLSX)}


async def test_the_admin_start_page_links_the_setup(client: AsyncTestClient) -> None:
    await login(client, "admin")
    page = await client.get("/admin")
    assert 'href="/setup" data-testid="link-district-setup"' in page.text
    setup = await client.get("/setup")
    assert setup.status_code == 200 and 'data-testid="district-setup"' in setup.text
    form = await client.get("/setup/import")
    assert form.status_code == 200 and 'data-testid="import-form"' in form.text
    assert "统计用区划代码" in form.text and "_csrf_token" in form.text


async def test_a_bad_upload_lists_every_problem_and_writes_nothing(
    client: AsyncTestClient,
) -> None:
    await login(client, "admin")
    await client.get("/setup/import")
    response = await client.post(
        "/setup/import",
        files=upload(xlsx(spoiled("450201")), "坏的.xlsx"),
        data={"_csrf_token": client.cookies.get("csrftoken")},
    )
    assert response.status_code == 400
    summary = re.search(r'data-testid="error-summary">.*?</div>', response.text, re.S)
    assert summary is not None
    assert "未导入任何数据：有 6 行存在错误" in summary.group()
    assert '<a href="#file">区划 · 第 3 行 · 统计用区划代码: 45020100100 不是统计用区划代码' in (
        summary.group()
    )
    assert "用户 · 第 3 行 · 角色: 未知角色 主任" in summary.group()
    assert 'id="file-error"' in response.text and "请修改 坏的.xlsx 后重新选择" in response.text
    table = re.search(r'data-testid="import-errors">.*?</table>', response.text, re.S)
    assert table is not None and table.group().count("<tr>") == 1 + 6
    assert not await District.exists().where(District.code == "450201000000")
    await client.get("/lang/en")
    english = await client.post(
        "/setup/import",
        files=upload(xlsx(spoiled("450201"))),
        data={"_csrf_token": client.cookies.get("csrftoken")},
    )
    assert "Divisions · row 3 · Division code: 45020100100 is not a statistical" in english.text


async def test_a_good_upload_shows_counts_and_passwords_once_then_lists(
    client: AsyncTestClient,
) -> None:
    await login(client, "admin")
    await client.get("/setup/import")
    response = await client.post(
        "/setup/import",
        files=upload("450202"),
        data={"_csrf_token": client.cookies.get("csrftoken")},
    )
    assert response.status_code == 200, response.text
    assert "测试区450202（450202000000）已完成设置" in response.text
    counts = re.search(r'<tr data-kind="users">(.*?)</tr>', response.text, re.S)
    assert counts is not None and re.findall(r'"num">(\d+)<', counts.group(1)) == ["5", "0", "0"]
    passwords = re.search(r'data-testid="generated-passwords">.*?</table>', response.text, re.S)
    assert passwords is not None and passwords.group().count("<code>") == 4
    users = await client.get("/setup?district=450202000000&kind=users")
    assert users.status_code == 200
    # An auditor acts for no department or community, so for no district: not in its list.
    assert re.findall(r'data-testid="row-(u450202-[a-z]+)"', users.text) == [
        "u450202-approver",
        "u450202-buyer",
        "u450202-committee",
        "u450202-regulator",
    ]
    assert "<code>" not in users.text  # passwords are never shown again
    committees = await client.get("/setup?district=450202000000&kind=committees")
    assert "东一社区居民委员会(新)" in committees.text and "西山村村民委员会" in committees.text


async def test_the_api_imports_lists_pages_and_refuses_in_either_language(
    client: AsyncTestClient, as_user
) -> None:
    admin = await as_user("admin")
    bad = await client.post(
        "/api/v1/setup/import", files=upload(xlsx(spoiled("450203"))), headers=admin
    )
    assert bad.status_code == 400
    errors = bad.json()["errors"]
    assert {
        "sheet": "用户",
        "row": 4,
        "column": "登录账号",
        "message": "登录账号 u450203-buyer 与第 2 行重复",
    } in errors
    english = await client.post(
        "/api/v1/setup/import",
        files=upload(xlsx(spoiled("450203"))),
        headers={**admin, "accept-language": "en"},
    )
    assert english.json()["detail"] == "nothing was imported: 6 row(s) have errors"
    assert not await District.exists().where(District.code == "450203000000")
    good = await client.post("/api/v1/setup/import", files=upload("450203"), headers=admin)
    assert good.status_code == 200
    body = good.json()
    assert body["counts"]["communities"] == {"created": 4, "updated": 0, "unchanged": 0}
    assert len(body["passwords"]) == 4
    again = await client.post("/api/v1/setup/import", files=upload("450203"), headers=admin)
    assert again.json()["counts"]["users"] == {"created": 0, "updated": 0, "unchanged": 5}
    assert await User.count().where(User.username.like("u450203-%")) == 5
    first = await client.get(
        "/api/v1/setup/communities?district=450203000000&per_page=3", headers=admin
    )
    page = first.json()
    assert (page["total"], page["pages"], len(page["items"])) == (4, 2, 3)
    assert [c["code"] for c in page["items"]] == ["450203001001", "450203001002", "450203002001"]
    second = await client.get(
        "/api/v1/setup/communities?district=450203000000&per_page=3&page=2", headers=admin
    )
    assert [c["code"] for c in second.json()["items"]] == ["450203002201"]
    departments = await client.get("/api/v1/setup/departments?district=450203000000", headers=admin)
    assert [d["code"] for d in departments.json()["items"]] == [
        "T450203-CZJ",
        "T450203-DJD",
        "T450203-MZJ",
    ]
    unknown = await client.get("/api/v1/setup/nonsense", headers=admin)
    assert unknown.status_code == 400
    template = await client.get("/api/v1/setup/template", headers=admin)
    assert template.status_code == 200 and template.content[:2] == b"PK"
    districts = await client.get("/api/v1/setup/districts", headers=admin)
    assert "450203000000" in [d["code"] for d in districts.json()]


@pytest.mark.parametrize("username", ["buyer", "regulator", "committee", "auditor", "expert"])
async def test_other_roles_are_refused(client: AsyncTestClient, as_user, username: str) -> None:
    headers = await as_user(username)
    assert (await client.get("/api/v1/setup/users", headers=headers)).status_code == 403
    assert (await client.get("/api/v1/setup/template", headers=headers)).status_code == 403
    refused = await client.post("/api/v1/setup/import", files=upload("450204"), headers=headers)
    assert refused.status_code == 403
    await login(client, username)
    assert (await client.get("/setup")).status_code == 403
    assert (await client.get("/setup/import")).status_code == 403
    posted = await client.post(
        "/setup/import", files=upload("450204"), headers=csrf_headers(client)
    )
    assert posted.status_code == 403
    assert not await District.exists().where(District.code == "450204000000")


async def test_anonymous_visitors_are_sent_to_sign_in(client: AsyncTestClient) -> None:
    page = await client.get("/setup", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert (await client.get("/api/v1/setup/users")).status_code == 401

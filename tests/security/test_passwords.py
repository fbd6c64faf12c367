"""New passwords: long enough, not one of the most common, not the user's own username or name,
not the platform's name; refused with the reason, in the reader's language, wherever a password
is set (administrator, setup import, registration)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.demo import DEMO_PASSWORD
from procure.security.passwords import (
    CONTAINS_CONTEXT,
    CONTAINS_NAME,
    CONTAINS_USERNAME,
    TOO_COMMON,
    TOO_SHORT,
    common_passwords,
    password_problem,
)
from procure.security.tables import User
from procure.setup.services import setup_import
from procure.setup.workbook import WorkbookRejected
from tests.organizations.conftest import registration
from tests.setup.workbooks import district, xlsx


@pytest.mark.parametrize(
    ("password", "username", "name", "reason"),
    [
        ("short-one", "", "", TOO_SHORT),
        ("aaaaaaaaaa", "", "", TOO_COMMON),
        ("QwertyUIOP", "", "", TOO_COMMON),  # the list is compared case-insensitively
        ("1234567890", "", "", TOO_COMMON),
        ("woaini1314", "", "", TOO_COMMON),
        ("li.na-spring-2026", "li.na", "", CONTAINS_USERNAME),
        ("spring-LI.NA-2026", "li.na", "", CONTAINS_USERNAME),
        ("我是张伟-2026-spring", "zw01", "张伟", CONTAINS_NAME),
        ("harmon1234!!", "maria", "Maria Harmon", CONTAINS_NAME),
        ("my-procure-2026", "x", "", CONTAINS_CONTEXT),
    ],
)
def test_weak_passwords_are_refused_with_their_reason(
    password: str, username: str, name: str, reason: str
) -> None:
    problem = password_problem(password, username=username, names=[name])
    assert problem is not None and problem.field == "password" and problem.template == reason


def test_the_list_is_the_bundled_twenty_thousand() -> None:
    assert len(common_passwords()) == 19_640
    assert {"password", "123456", "aaaaaaaaaa", "5201314"} <= common_passwords()


@pytest.mark.parametrize(
    "password", ["correct horse battery", "滨海区社区-服务-2026", "a-long-password"]
)
def test_a_good_password_passes(password: str) -> None:
    assert password_problem(password, username="li.na", names=["李娜"]) is None


async def test_the_demo_password_passes_for_every_demo_account(database: None) -> None:
    """The demo's accounts are made with the demo password directly; it would pass the rules
    for each of them anyway."""
    users = await User.select(User.username, User.display_name)
    assert len(users) > 20
    for user in users:
        problem = password_problem(
            DEMO_PASSWORD, username=user["username"], names=[user["display_name"]]
        )
        assert problem is None, (user, problem)


async def test_an_administrator_cannot_create_a_user_with_a_common_password(
    client: AsyncTestClient, as_user: Any
) -> None:
    body = {
        "username": "weak.auditor",
        "display_name": "弱密码",
        "password": "aaaaaaaaaa",
        "role": "auditor",
    }
    refused = await client.post("/api/v1/users", json=body, headers=await as_user("admin"))
    assert refused.status_code == 400
    assert refused.json()["field"] == "password"
    assert "most common passwords" in refused.json()["detail"]
    assert not await User.exists().where(User.username == "weak.auditor")
    body["password"] = "weak.auditor-2026"
    refused = await client.post("/api/v1/users", json=body, headers=await as_user("admin"))
    assert refused.status_code == 400
    assert refused.json()["detail"] == "must not contain the username (weak.auditor)"


async def test_setup_import_names_the_row_of_a_weak_password(database: None) -> None:
    sheets = district("450190")
    sheets["用户"][1][5] = "qwertyuiop"  # u450190-buyer's initial password
    with pytest.raises(WorkbookRejected) as caught:
        await setup_import(actor=None, filename="setup.xlsx", content=xlsx(sheets))
    zh = {
        (p["sheet"], p["row"], p["column"]): p["message"] for p in caught.value.described("zh-CN")
    }
    assert zh[("用户", 2, "初始密码")].startswith("属于最常见的 19,640 个密码之一")
    en = {(p["sheet"], p["row"], p["column"]): p["message"] for p in caught.value.described("en")}
    assert en[("Users", 2, "Initial password")].startswith(
        "is one of the 19,640 most common passwords"
    )


async def test_registration_page_says_why_in_chinese(client: AsyncTestClient) -> None:
    await client.get("/register")
    form = {**registration(password="iloveyou12"), "_csrf_token": client.cookies["csrftoken"]}
    page = await client.post("/register", data=form)
    assert page.status_code == 400
    assert "属于最常见的 19,640 个密码之一" in page.text

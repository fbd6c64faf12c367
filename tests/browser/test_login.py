"""Each demo role signs in through the real login form and lands on its own start page."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from procure.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ROLES = [
    ("buyer", "buyer", "购买主体工作台"),
    ("org", "organization", "承接主体工作台"),
    ("committee", "committee", "居委会工作台"),
    ("auditor", "auditor", "监督工作台"),
    ("admin", "admin", "系统管理"),
]


async def sign_in(page: Page, live_server: str, username: str) -> None:
    await page.goto(f"{live_server}/")
    await page.get_by_role("link", name="登录").first.click()
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录").click()


@pytest.mark.parametrize(("username", "role", "title"), ROLES)
async def test_each_role_signs_in_to_its_start_page(
    page: Page, live_server: str, username: str, role: str, title: str
) -> None:
    await sign_in(page, live_server, username)
    await expect(page).to_have_url(f"{live_server}/{role}")
    heading = page.get_by_test_id("start-page")
    await expect(heading).to_have_attribute("data-role", role)
    await expect(heading).to_contain_text(title)
    await page.get_by_role("button", name="退出").click()
    await expect(page.get_by_role("link", name="登录").first).to_be_visible()


async def test_a_wrong_password_stays_on_the_form(page: Page, live_server: str) -> None:
    await page.goto(f"{live_server}/login")
    await page.get_by_label("用户名").fill("buyer")
    await page.get_by_label("密码").fill("wrong-password-123")
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")


async def test_switching_to_english(page: Page, live_server: str) -> None:
    await page.goto(f"{live_server}/")
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Government purchase of community services"
    )
    await page.get_by_role("link", name="中文").click()
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

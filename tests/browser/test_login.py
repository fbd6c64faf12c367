"""Each demo role signs in through the real login form and lands on its own start page, in
either language."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from procure.demo import DEMO_PASSWORD
from tests.browser.conftest import Words

pytestmark = pytest.mark.browser

ROLES = [
    ("buyer", "buyer", "Buyer workspace"),
    ("org", "organization", "Organization workspace"),
    ("committee", "committee", "Committee workspace"),
    ("auditor", "auditor", "Oversight workspace"),
    ("admin", "admin", "Administration"),
]


async def sign_in(page: Page, live_server: str, username: str) -> None:
    """Through the login form, whatever the page's language (its fields by id)."""
    await page.goto(f"{live_server}/login")
    form = page.get_by_test_id("login-form")
    await form.locator("#username").fill(username)
    await form.locator("#password").fill(DEMO_PASSWORD)
    await form.locator("button[type=submit]").click()


@pytest.mark.parametrize(("username", "role", "title"), ROLES)
async def test_each_role_signs_in_to_its_start_page(
    page: Page, live_server: str, t: Words, username: str, role: str, title: str
) -> None:
    await page.goto(f"{live_server}/")
    await page.get_by_role("link", name=t("Sign in")).first.click()
    await page.get_by_label(t("Username")).fill(username)
    await page.get_by_label(t("Password")).fill(DEMO_PASSWORD)
    await page.get_by_role("button", name=t("Sign in")).click()
    await expect(page).to_have_url(f"{live_server}/{role}")
    heading = page.get_by_test_id("start-page")
    await expect(heading).to_have_attribute("data-role", role)
    await expect(heading).to_contain_text(t(title))
    await page.get_by_role("button", name=t("Sign out")).click()
    await expect(page.get_by_role("link", name=t("Sign in")).first).to_be_visible()


async def test_a_wrong_password_stays_on_the_form(page: Page, live_server: str, t: Words) -> None:
    await page.goto(f"{live_server}/login")
    await page.get_by_label(t("Username")).fill("buyer")
    await page.get_by_label(t("Password")).fill("wrong-password-123")
    await page.get_by_role("button", name=t("Sign in")).click()
    await expect(page.get_by_role("alert")).to_have_text(t("Wrong username or password."))
    await expect(page.get_by_label(t("Username"))).to_have_value("buyer")  # the input is kept


@pytest.mark.parametrize("lang", ["zh-CN"])
async def test_switching_to_english(page: Page, live_server: str) -> None:
    await page.goto(f"{live_server}/")
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Government purchase of community services"
    )
    await page.get_by_role("link", name="中文").click()
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

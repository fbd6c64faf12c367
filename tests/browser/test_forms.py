"""The form pattern in a browser: a bad amount on the new-tender form comes back on the form
with the error summary, whose link leads to the field, the field marked invalid and what was
typed kept; typed in 万 it is accepted."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from procure.catalog.tables import CatalogItem
from procure.geography.tables import Community
from tests.browser.conftest import Words
from tests.browser.test_login import sign_in

pytestmark = pytest.mark.browser


async def test_a_refused_field_is_summarised_linked_and_kept(
    page: Page, live_server: str, t: Words
) -> None:
    item = await CatalogItem.select(CatalogItem.code).order_by(CatalogItem.code).first()
    community = await Community.select(Community.code).order_by(Community.code).first()
    assert item and community
    await sign_in(page, live_server, "buyer")
    await page.goto(f"{live_server}/tenders/new")
    await page.fill("#title", "浏览器表单测试")
    await page.fill("#ceiling", "三十万")
    await page.check(f"input[name=communities][value='{community['code']}']")
    await page.select_option("#line_item-1", item["code"])
    await page.fill("#line_quantity-1", "10")
    await page.fill("#criterion_name-1", "服务方案")
    await page.fill("#criterion_weight-1", "80")
    await page.get_by_role("button", name=t("Save draft")).click()

    summary = page.get_by_test_id("error-summary")
    await expect(summary).to_contain_text(t("Budget ceiling (yuan)"))
    await expect(page.locator("#ceiling")).to_have_value("三十万")
    await expect(page.locator("#ceiling")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#title")).to_have_value("浏览器表单测试")
    await expect(page.locator("#line_item-1")).to_have_value(item["code"])
    await summary.get_by_role("link").first.click()
    await expect(page).to_have_url(re.compile(r"/tenders/new#ceiling$"))

    await page.fill("#ceiling", "30.5万")
    await page.get_by_role("button", name=t("Save draft")).click()
    await expect(page.get_by_test_id("tender-status")).to_have_attribute("data-status", "draft")

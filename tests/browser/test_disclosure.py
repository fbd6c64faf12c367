"""An anonymous visitor follows one purchase through the public disclosure pages (信息公开):
the tender notice, its opening record, the award, the contract with its amendment and a
settled performance grade — in each language the UI speaks."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Words
from tests.disclosure import helpers

pytestmark = pytest.mark.browser

TITLE = "滨海区2026年残疾人社区康复服务项目"  # ZB-2026-012 → contract HT-2026-011
WINNER = "滨海区启明星社会工作服务中心"


async def test_a_visitor_follows_a_purchase_from_notice_to_grade(
    page: Page, live_server: str, t: Words
) -> None:
    settled = await helpers.settled_period()

    await page.goto(f"{live_server}/")
    await page.get_by_test_id("nav-disclosure").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(t("Public disclosure"))
    await expect(page.get_by_test_id("section-counts")).to_contain_text(t("Tender notices"))

    await (
        page.get_by_test_id("disclosure-sections")
        .get_by_role("link", name=t("Tender notices"))
        .click()
    )
    await page.get_by_label(t("Keyword in the title")).fill("康复")
    await page.get_by_role("button", name=t("Filter")).click()
    await expect(page.get_by_test_id("disclosure-tenders")).to_contain_text("ZB-2026-012")
    await page.get_by_role("link", name=TITLE).click()
    status = page.get_by_test_id("tender-status")
    await expect(status).to_have_attribute("data-status", "contracted")
    await expect(page.get_by_test_id("tender-facts")).to_contain_text(t("Open tender"))
    await expect(page.get_by_test_id("ceiling")).to_contain_text("38.00 万元")

    await page.get_by_test_id("opening-link").click()
    record = page.get_by_test_id("opening-record")
    await expect(record).to_contain_text(WINNER)
    await expect(record).to_contain_text("356,000.00 元")
    await expect(record.locator("tbody tr")).to_have_count(3)

    await page.get_by_test_id("notice-link").click()
    await page.get_by_test_id("award-link").click()
    await expect(page.get_by_test_id("winner")).to_have_text(WINNER)
    await expect(page.get_by_test_id("award-price")).to_have_text("356,000.00 元")
    await expect(page.get_by_test_id("standstill")).not_to_be_empty()

    await page.get_by_test_id("contract-link").click()
    await expect(page.get_by_test_id("contract-status")).to_have_attribute("data-status", "active")
    amendment = page.get_by_test_id("amendment")
    await expect(amendment).to_contain_text("区残联核定新增重度残疾人24名纳入服务")
    await expect(amendment.get_by_test_id("amendment-delta")).to_have_text("+15,600.00 元")
    await expect(page.get_by_test_id("current-value")).to_have_text("37.16 万元")

    grades = page.get_by_test_id("contract-performance")
    await grades.get_by_role("link", name=settled["period"]).click()
    await expect(page.get_by_test_id("grade")).to_have_attribute("data-grade", "good")
    await expect(page.get_by_test_id("grade")).to_have_text(t("Good"))
    await expect(page.get_by_test_id("survey-questions")).to_contain_text(
        {"zh-CN": "服务人员的态度与礼貌", "en": "The attitude and courtesy of the service staff"}[
            t.locale
        ]
    )
    content = await page.content()
    assert helpers.PERSONAL_TEXT not in content and "13912345678" not in content

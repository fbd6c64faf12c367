"""A handler drafts a tender in the browser and submits it for publication, the department's
approver approves it on /approvals, and an organization submits a sealed bid."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from procure.catalog.tables import CatalogItem
from procure.geography.tables import Community
from tests.browser.conftest import NewTab, Words
from tests.browser.test_login import sign_in

pytestmark = pytest.mark.browser


def local(days: int) -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=days)).strftime(
        "%Y-%m-%dT%H:%M"
    )


async def test_submit_a_tender_for_publication_approve_it_then_bid_on_it(
    new_tab: NewTab, page: Page, live_server: str, t: Words
) -> None:
    item = await CatalogItem.select(CatalogItem.code).order_by(CatalogItem.code).first()
    community = await Community.select(Community.code).order_by(Community.code).first()
    assert item and community
    title = f"浏览器测试项目 {datetime.now().timestamp():.0f}"

    await sign_in(page, live_server, "buyer")
    await page.goto(f"{live_server}/tenders/new")
    form = page.get_by_test_id("tender-form")
    await form.get_by_label(t("Title"), exact=True).fill(title)
    await page.select_option("#method", "competitive_consultation")
    await page.fill("#ceiling", "200000")
    await page.check(f"input[name=communities][value='{community['code']}']")
    await page.select_option("#line_item-1", item["code"])
    await page.get_by_label(f"{t('Quantity')} 1").fill("100")
    await page.get_by_label(f"{t('Technical criterion')} 1").fill("服务方案")
    await page.get_by_label(f"{t('Weight')} 1").fill("50")
    await page.get_by_label(f"{t('Technical criterion')} 2").fill("团队")
    await page.get_by_label(f"{t('Weight')} 2").fill("30")
    await page.fill("#clarification_deadline", local(2))
    await page.fill("#submission_deadline", local(12))
    await page.get_by_role("button", name=t("Save draft")).click()

    await expect(page.get_by_test_id("tender-status")).to_have_attribute("data-status", "draft")
    tender_url = page.url
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmation text
    await page.get_by_test_id("submit-for-publication").click()
    pending = page.get_by_test_id("pending-approval")
    await expect(pending).to_have_attribute("data-kind", "tender.publish")
    await expect(page.get_by_test_id("tender-status")).to_have_attribute("data-status", "draft")

    approver = await new_tab()
    approver.on("dialog", lambda dialog: dialog.accept())
    await sign_in(approver, live_server, "approver")
    await approver.goto(tender_url)
    await approver.get_by_test_id("decide-on-approvals").click()
    request = approver.get_by_test_id("awaiting-approval").filter(has_text=title)
    await expect(request).to_have_attribute("data-kind", "tender.publish")
    await request.get_by_role("button", name=t("Approve")).click()
    await expect(approver.get_by_test_id("done")).to_be_visible()
    public = await new_tab()
    await public.goto(f"{live_server}/tenders?status=published")  # anyone sees it now
    await expect(public.get_by_text(title)).to_be_visible()

    await page.reload()
    await expect(page.get_by_test_id("tender-status")).to_have_attribute("data-status", "published")

    org = await new_tab()
    await sign_in(org, live_server, "org")
    await org.goto(tender_url)
    bid = org.get_by_test_id("bid-form")
    await bid.locator("#line_1").fill("150000")
    await bid.locator("#total").fill("150000")
    await bid.locator("#technical_proposal").fill("以社区为本的服务方案")
    await bid.locator("#staffing_plan").fill("社工3名")
    await bid.locator("#attachments").set_input_files(
        files=[{"name": "方案.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 proposal"}]
    )
    await bid.get_by_role("button", name=t("Submit bid")).click()
    await expect(org.get_by_test_id("receipt-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))

    await org.goto(tender_url)
    await expect(org.get_by_test_id("own-bid-status")).to_have_text(t("Submitted (sealed)"))
    await page.reload()
    await expect(page.get_by_test_id("bid-count")).to_have_text("1")
    assert "150,000" not in await page.content()  # the buyer sees a count, not the price

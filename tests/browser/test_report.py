"""An organization writes and submits a service report in the browser — one activity within
the contract, one campaign task a department asked for — and its buyer reads it."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import NewTab
from tests.browser.test_login import sign_in
from tests.reports.conftest import MakeContract, make_contract  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


async def test_submit_a_report_then_the_buyer_reads_it(
    new_tab: NewTab,
    page: Page,
    live_server: str,
    make_contract: MakeContract,  # noqa: F811
) -> None:
    # Its own contract of 心连心 (org) with 海湾街道 (buyer2), monthly reports, some overdue.
    contract = await make_contract()
    reports = f"{live_server}/contracts/{contract['id']}/reports"

    await sign_in(page, live_server, "org")
    await page.goto(reports)
    missing = page.locator('[data-testid=report-periods] tr[data-standing="overdue"]').first
    period = await missing.get_attribute("data-period")
    assert period is not None
    await missing.get_by_role("link", name=period).click()

    form = page.get_by_test_id("report-form")
    await form.locator("#summary").fill("本月入户探访独居长者,并应街道要求开展创文宣传。")
    await form.locator("#outcome_self_score").fill("82")
    await form.locator("#line-1-scope").select_option(index=1)
    await form.locator("#line-1-description").fill("高龄独居长者上门探访")
    await form.locator("#line-1-quantity").fill("36")
    await form.locator("#line-1-beneficiaries").fill("30")
    await form.locator("#line-1-hours").fill("54.5")
    await form.locator("#line-1-spend").fill("3600")
    await form.locator("#line-2-scope").select_option("out")
    await form.locator("#line-2-kind").select_option("campaign")
    await form.locator("#line-2-department").select_option(label="滨海区海湾街道办事处")
    await form.locator("#line-2-person").fill("街道文明办 张主任")
    await form.locator("#line-2-description").fill("创文明城市入户宣传及网格信息采集")
    await form.locator("#line-2-quantity").fill("240")
    await form.locator("#line-2-hours").fill("20")
    await form.locator("#line-1-files").set_input_files(
        files=[
            {"name": "探访记录.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 visits"}
        ]
    )
    page.on("dialog", lambda dialog: dialog.accept())  # submitting locks the report: it asks
    await form.get_by_test_id("submit-report").click()

    await expect(page.get_by_test_id("report-status")).to_have_attribute("data-status", "submitted")
    await expect(page.get_by_test_id("report-form")).to_have_count(0)
    await expect(page.get_by_test_id("correct-report")).to_be_visible()
    await expect(page.locator('tr[data-out-of-scope="true"]')).to_contain_text("街道文明办 张主任")
    report_url = page.url.split("?")[0]

    buyer = await new_tab()
    await sign_in(buyer, live_server, "buyer2")
    await buyer.goto(reports)
    row = buyer.locator(f'[data-testid=report-periods] tr[data-period="{period}"]')
    await expect(row).to_have_attribute("data-standing", "submitted_late")
    await row.get_by_role("link", name=period).click()
    await expect(buyer).to_have_url(report_url)
    await expect(buyer.get_by_test_id("report-status")).to_have_attribute(
        "data-status", "submitted"
    )
    await expect(buyer.get_by_test_id("report-form")).to_have_count(0)
    await expect(buyer.get_by_test_id("correct-report")).to_have_count(0)
    lines = buyer.get_by_test_id("activity-lines")
    await expect(lines).to_contain_text("高龄独居长者上门探访")
    await expect(lines.locator('tr[data-out-of-scope="true"]')).to_contain_text(
        "滨海区海湾街道办事处"
    )
    await expect(buyer.get_by_test_id("attachments")).to_contain_text("探访记录.pdf")

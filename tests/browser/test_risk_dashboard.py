"""The risk dashboard in the browser: an auditor filters by a rule and drills into a flag's
evidence; the organization involved explains the flag; its buyer resolves it with a reason."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect

from procure import clock
from tests.browser.conftest import NewTab, Words
from tests.browser.test_login import sign_in
from tests.risk.flag_helpers import HT_007, HT_011, Flags, contract, flags_cleanup

pytestmark = pytest.mark.browser


@pytest.fixture
async def flags(database: None) -> AsyncIterator[Flags]:
    async with flags_cleanup() as made:
        yield made


async def test_an_auditor_drills_down_then_the_parties_settle_the_flag(
    new_tab: NewTab, page: Page, live_server: str, t: Words, flags: Flags
) -> None:
    contract_id = (await contract(HT_007))["id"]
    now = clock.now()
    drift = await flags.on_contract(
        HT_007,
        dataset="platform",
        rule="SCOPE_DRIFT",
        first_seen_at=now,
        evidence={
            "out_of_scope_hours": 54.5,
            "contracted_hours": 160,
            "share_percent": 34.1,
            "threshold_percent": 20,
            "out_of_scope_spend_fen": 360_000,
            "requested_by": ["滨海区海湾街道办事处 文明办"],
            "contract": {"url": f"/contracts/{contract_id}", "label": HT_007},
        },
        policy_version="2026.1",
    )
    other = await flags.on_contract(
        HT_011, dataset="platform", rule="LATE_REPORT", first_seen_at=now
    )

    # The auditor filters the dashboard by the rule and opens the flag.
    await sign_in(page, live_server, "auditor")
    await page.get_by_role("link", name=t("Risk flags")).first.click()
    await expect(page).to_have_url(f"{live_server}/risk")
    table = page.get_by_test_id("flags")
    await expect(table.locator(f'tr[data-flag-id="{other}"]')).to_be_visible()
    await page.get_by_label(t("Rule")).select_option("SCOPE_DRIFT")
    await page.get_by_test_id("apply-filters").click()
    await expect(page).to_have_url(f"{live_server}/risk?rule=SCOPE_DRIFT")
    await expect(table.locator(f'tr[data-flag-id="{other}"]')).to_have_count(0)
    await expect(page.get_by_test_id("export-csv")).to_have_attribute(
        "href", "/risk/export.csv?rule=SCOPE_DRIFT"
    )
    row = table.locator(f'tr[data-flag-id="{drift}"]')
    await expect(row).to_contain_text(HT_007)
    await row.get_by_role("link", name=str(drift), exact=True).click()

    await expect(page).to_have_url(f"{live_server}/risk/flags/{drift}")
    evidence = page.get_by_test_id("evidence")
    await expect(evidence).to_contain_text("3,600.00 元")
    await expect(evidence).to_contain_text("34.1%")
    await expect(evidence).to_contain_text("滨海区海湾街道办事处 文明办")
    await expect(evidence.get_by_role("link", name=HT_007)).to_have_attribute(
        "href", f"/contracts/{contract_id}"
    )
    await expect(page.get_by_test_id("policy-version")).to_have_text("2026.1")
    await expect(page.get_by_test_id("explain-form")).to_have_count(0)
    # An auditor reads; it writes nothing but the reopening of a dismissed flag.
    await expect(page.get_by_test_id("resolve-form")).to_have_count(0)

    # The organization involved explains the flag.
    org = await new_tab()
    org.on("dialog", lambda dialog: dialog.accept())  # each step asks first
    await sign_in(org, live_server, "org")
    await org.goto(f"{live_server}/risk")
    await (
        org.get_by_test_id("flags")
        .locator(f'tr[data-flag-id="{drift}"]')
        .get_by_role("link", name=str(drift), exact=True)
        .click()
    )
    await expect(org.get_by_test_id("resolve-form")).to_have_count(0)
    await org.get_by_label(t("Explain this flag")).fill(
        "创文宣传系街道文明办临时安排,已在服务报告中逐项列明,下月起按补充协议结算。"
    )
    await org.get_by_test_id("explain-submit").click()
    await expect(org.get_by_test_id("flag-status")).to_contain_text(t("Explained"))
    await expect(org.get_by_test_id("flag-history")).to_contain_text("创文宣传系街道文明办临时安排")
    await expect(org.get_by_test_id("explain-form")).to_have_count(0)

    # Its buyer resolves it, with a reason.
    buyer = await new_tab()
    buyer.on("dialog", lambda dialog: dialog.accept())
    await sign_in(buyer, live_server, "buyer2")
    await buyer.goto(f"{live_server}/risk?status=explained")
    await (
        buyer.get_by_test_id("flags")
        .locator(f'tr[data-flag-id="{drift}"]')
        .get_by_role("link", name=str(drift), exact=True)
        .click()
    )
    await buyer.get_by_label(t("Resolve: how was the risk dealt with?")).fill(
        "已与承接主体签订补充协议,合同外事项今后须经街道书面确认。"
    )
    await buyer.get_by_test_id("resolve-submit").click()
    await expect(buyer.get_by_test_id("flag-status")).to_contain_text(t("Resolved"))
    history = buyer.get_by_test_id("flag-history")
    await expect(history.locator('tr[data-to="explained"]')).to_contain_text("黄晓燕")
    await expect(history.locator('tr[data-to="resolved"]')).to_contain_text(
        "合同外事项今后须经街道书面确认"
    )
    await expect(buyer.locator("form[data-testid$='-form']")).to_have_count(0)

    # The auditor sees the whole story.
    await page.reload()
    await expect(page.get_by_test_id("flag-status")).to_contain_text(t("Resolved"))
    await expect(page.get_by_test_id("flag-history").locator("tr[data-to]")).to_have_count(2)

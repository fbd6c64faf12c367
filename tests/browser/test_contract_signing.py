"""A two-party signature in the browser: the handler requests the buyer's signature, the
approver approves it, the organization signs on its contract page; the contract is in force
and shows both signatures."""

from __future__ import annotations

import pytest
from playwright.async_api import Dialog, Page, expect

from procure.approvals.tables import Approval
from tests.browser.conftest import Words
from tests.browser.test_login import sign_in
from tests.risk.conftest import make_contract

pytestmark = pytest.mark.browser

XINLIANXIN = "52440319MJL018363J"  # the demo user `org`'s organization


async def sign_out(page: Page) -> None:
    """Through the header's sign-out button, whatever the page's language."""
    await page.locator("form[action='/logout'] button").click()
    await expect(page.locator("a[href^='/login']").first).to_be_visible()


async def test_both_parties_sign_a_contract(
    database: None, page: Page, live_server: str, t: Words
) -> None:
    contract = await make_contract(status="draft", department="D-MZJ", organization=XINLIANXIN)
    url = f"{live_server}/contracts/{contract['id']}"

    async def confirm(dialog: Dialog) -> None:
        await dialog.accept()

    page.on("dialog", confirm)  # each irreversible step asks first
    # The handler asks for the buyer's signature.
    await sign_in(page, live_server, "buyer")
    await page.goto(url)
    await expect(page.get_by_test_id("contract-status")).to_have_attribute("data-status", "draft")
    await page.get_by_test_id("request-signature").click()
    await expect(page.get_by_test_id("done")).to_be_visible()
    await expect(page.get_by_test_id("pending-approval")).to_be_visible()
    await sign_out(page)

    # The approver approves it: that is the buyer's signature.
    request = (
        await Approval.select(Approval.id)
        .where(
            (Approval.subject_type == "contract")
            & (Approval.subject_id == str(contract["id"]))
            & (Approval.status == "pending")
        )
        .first()
    )
    assert request is not None
    await sign_in(page, live_server, "approver")
    await page.goto(f"{live_server}/approvals")
    await page.get_by_test_id(f"approve-{request['id']}").click()
    await expect(page.get_by_test_id("done")).to_be_visible()
    await page.goto(url)
    await expect(page.get_by_test_id("buyer-signature")).to_contain_text("赵立新")
    await expect(page.get_by_test_id("contract-status")).to_have_attribute("data-status", "draft")
    await sign_out(page)

    # The organization finds it on its start page and signs.
    await sign_in(page, live_server, "org")
    waiting = page.get_by_test_id("contract-to-sign").filter(
        has=page.locator(f'a[href="/contracts/{contract["id"]}"]')
    )
    await expect(waiting).to_contain_text(t("the buyer has signed"))
    await waiting.get_by_role("link").click()
    await page.get_by_test_id("organization-sign").click()
    await expect(page.get_by_test_id("contract-status")).to_have_attribute("data-status", "active")
    await expect(page.get_by_test_id("buyer-signature")).to_contain_text("赵立新")
    await expect(page.get_by_test_id("organization-signature")).to_contain_text("黄晓燕")

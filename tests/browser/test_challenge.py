"""A challenge in the browser: a bidder files it from the tender page (first with a missing
field, which the error summary names and the kept input survives), and the buyer answers it;
the bidder sees the answer."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from playwright.async_api import Page, expect

from tests.browser.conftest import Words
from tests.browser.test_contract_signing import sign_out
from tests.browser.test_login import sign_in
from tests.conftest import bearer
from tests.tenders.conftest import bid_payload, publish, tender_payload

pytestmark = pytest.mark.browser


async def published_with_a_bid(client: AsyncTestClient) -> int:
    """A tender published today (its documents can be challenged) with a bid by `org2`."""
    buyer = await bearer("buyer")
    payload = await tender_payload(title="浏览器测试：质疑的助餐服务项目")
    tender_id = (await client.post("/api/v1/tenders", json=payload, headers=buyer)).json()["id"]
    await publish(client, buyer, tender_id)
    bid = await client.put(
        f"/api/v1/tenders/{tender_id}/bid",
        json=bid_payload(25_000_000),
        headers=await bearer("org2"),
    )
    assert bid.status_code == 201, bid.text
    return int(tender_id)


async def test_a_bidder_challenges_and_the_buyer_answers(
    client: AsyncTestClient, page: Page, live_server: str, t: Words
) -> None:
    tender_id = await published_with_a_bid(client)

    page.on("dialog", lambda dialog: dialog.accept())  # filing and answering ask first
    await sign_in(page, live_server, "org2")
    await page.goto(f"{live_server}/tenders/{tender_id}")
    await page.get_by_test_id("challenge-link").click()
    await expect(page.get_by_role("heading", name=t("File a challenge"))).to_be_visible()
    await page.get_by_label(t("The procurement documents")).check()
    await page.get_by_label(t("Evidence and where it can be checked")).fill("招标文件第三章第2条")
    await page.get_by_test_id("submit-challenge").click()
    summary = page.get_by_test_id("error-summary")
    await expect(summary).to_contain_text(t("Enter the grounds of your challenge."))
    await expect(page.get_by_label(t("Evidence and where it can be checked"))).to_have_value(
        "招标文件第三章第2条"
    )
    await summary.get_by_role("link").first.click()
    await expect(page.locator("#grounds")).to_be_focused()
    await page.locator("#grounds").fill("资格条件要求三年以上同类项目经验，排斥新成立的社会组织。")
    await page.get_by_test_id("submit-challenge").click()
    await expect(page.get_by_test_id("done")).to_be_visible()
    await expect(page.get_by_test_id("challenge-status")).to_have_attribute("data-status", "filed")
    await expect(page.get_by_test_id("deadline").first).to_contain_text(t("working days"))
    challenge_url = page.url.split("?")[0]
    await sign_out(page)

    await sign_in(page, live_server, "buyer")
    await page.goto(f"{live_server}/challenges")
    path = challenge_url.removeprefix(live_server)
    await page.get_by_test_id("challenges").locator(f'a[href="{path}"]').click()
    await page.get_by_label(t("Partly upheld")).check()
    await page.locator("#answer").fill("资格条件调整为一年以上同类项目经验，将发布更正公告。")
    await page.locator("#corrective_step").select_option("amend_documents")
    await page.get_by_test_id("submit-answer").click()
    await expect(page.get_by_test_id("challenge-status")).to_have_attribute(
        "data-status", "partly_upheld"
    )
    await expect(page.get_by_test_id("corrective-step")).to_contain_text(
        t("Amend the procurement documents")
    )
    await sign_out(page)

    await sign_in(page, live_server, "org2")
    await page.goto(challenge_url)
    await expect(page.get_by_test_id("answer-text")).to_contain_text("一年以上同类项目经验")

"""The error paths of an organization's bid in a browser: a bid whose line prices do not add
up to its total comes back on the form with the error summary and the field's message in the
page's language (amounts in 元), what was typed kept; the corrected bid lands on its receipt,
which a reload does not submit again; withdrawing the bid asks first, "cancel" changes nothing
and "OK" withdraws it with the success notice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import Dialog, Page, expect

from procure import clock, i18n
from procure.bids.schemas import BidIn
from procure.bids.services import bid_submit
from procure.bids.tables import Bid
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.tenders.schemas import TenderIn
from procure.tenders.services import tender_create
from procure.tenders.tables import Tender
from tests.browser.conftest import Words
from tests.browser.test_login import sign_in
from tests.tenders.conftest import bid_payload, tender_payload

pytestmark = pytest.mark.browser


async def _actor(username: str) -> Actor:
    row = await user_by_username(username)
    assert row is not None
    return Actor.from_row(row)


async def _published_tender() -> int:
    """A tender of its own, published (the timeline set in the database), open for bids for
    another twelve days; its ceiling is 300,000 元 and it has two lines."""
    tender_id = await tender_create(
        actor=await _actor("buyer"), data=TenderIn(**await tender_payload())
    )
    now = clock.now()
    await Tender.update(
        {
            Tender.status: "published",
            Tender.published_at: now - timedelta(days=1),
            Tender.clarification_deadline: now + timedelta(days=3),
            Tender.submission_deadline: now + timedelta(days=12),
            Tender.opening_at: now + timedelta(days=12),
        }
    ).where(Tender.id == tender_id)
    return tender_id


async def _bids_of_org(tender_id: int) -> list[dict]:
    org = await _actor("org")
    return await Bid.select(Bid.version, Bid.status).where(
        (Bid.tender == tender_id) & (Bid.organization == org.organization_id)
    )


async def test_a_bid_that_does_not_add_up_is_refused_then_corrected(
    page: Page, live_server: str, t: Words, lang: str
) -> None:
    tender_id = await _published_tender()
    await sign_in(page, live_server, "org")
    await page.goto(f"{live_server}/tenders/{tender_id}")
    bid = page.get_by_test_id("bid-form")
    await bid.locator("#line_1").fill("150000")
    await bid.locator("#line_2").fill("10万")
    await bid.locator("#total").fill("240000")
    await bid.locator("#technical_proposal").fill("以社区为本的服务方案")
    await bid.locator("#staffing_plan").fill("社工3名")
    await bid.get_by_role("button", name=t("Submit bid")).click()

    refusal = t(
        "The line prices add up to %(lines)s, not the total price %(total)s",
        lines=i18n.yuan(25_000_000, lang),
        total=i18n.yuan(24_000_000, lang),
    )
    assert "元" in refusal and "25000000" not in refusal  # in 元, never in fen
    await expect(page.get_by_test_id("error-summary")).to_contain_text(refusal)
    await expect(page.get_by_test_id("field-error")).to_contain_text(refusal)
    bid = page.get_by_test_id("bid-form")
    await expect(bid.locator("#total")).to_have_attribute("aria-invalid", "true")
    await expect(bid.locator("#total")).to_have_value("240000")
    await expect(bid.locator("#line_2")).to_have_value("10万")
    await expect(bid.locator("#technical_proposal")).to_have_value("以社区为本的服务方案")
    assert await _bids_of_org(tender_id) == []

    await bid.locator("#total").fill("25万")
    await bid.get_by_role("button", name=t("Submit bid")).click()
    await expect(page.get_by_test_id("receipt-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    assert re.search(rf"/tenders/{tender_id}/bid/receipt$", page.url)
    await page.reload()  # the receipt is a page of its own: reloading submits nothing
    await expect(page.get_by_test_id("receipt-hash")).to_be_visible()
    assert [row["version"] for row in await _bids_of_org(tender_id)] == [1]


async def test_withdrawing_a_bid_asks_first(page: Page, live_server: str, t: Words) -> None:
    tender_id = await _published_tender()
    await bid_submit(
        actor=await _actor("org"), tender_id=tender_id, data=BidIn(**bid_payload(25_000_000))
    )
    await sign_in(page, live_server, "org")
    await page.goto(f"{live_server}/tenders/{tender_id}")
    withdraw = page.get_by_role("button", name=t("Withdraw bid"))
    asked: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", dismiss)
    await withdraw.click()
    await expect(withdraw).to_be_visible()
    assert asked == [
        t(
            "Withdraw your bid? It will not be opened;"
            " you may bid again only before the submission deadline."
        )
    ]
    assert [row["status"] for row in await _bids_of_org(tender_id)] == ["submitted"]

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.once("dialog", accept)
    await withdraw.click()
    await expect(page.get_by_test_id("done")).to_have_attribute("data-done", "bid_withdrawn")
    await expect(page.get_by_test_id("done")).to_contain_text(
        t("Your bid is withdrawn: it will not be opened.")
    )
    assert len(asked) == 2
    assert [row["status"] for row in await _bids_of_org(tender_id)] == ["withdrawn"]

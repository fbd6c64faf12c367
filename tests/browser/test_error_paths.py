"""The error paths of an organization's bid in a browser: a bid whose line prices do not add
up to its total comes back on the form with the error summary and the field's message in the
page's language (amounts in 元), what was typed kept; the corrected bid lands on its receipt,
which a reload does not submit again; withdrawing the bid asks first, "cancel" changes nothing
and "OK" withdraws it with the success notice. A seated committee member's score out of range
is refused on its bid's row, nothing saved, and every bid's scores are then saved at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import Dialog, Page, expect

from procure import clock, i18n
from procure.bids.schemas import BidIn
from procure.bids.services import bid_submit, evaluation_start, open_due_bids
from procure.bids.tables import Bid, TechnicalScore
from procure.committees.services import Declaration, committee_draw, member_declare
from procure.committees.tables import CommitteeMember, MemberStatus
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


async def _tender_in_evaluation() -> tuple[int, list[dict], str]:
    """A tender of its own in evaluation with three sealed bids (none abnormally low) and a
    seated committee, reached through the services with the timeline set in the database.
    Returns it, its bids (id and organization's name) and a seated member's username."""
    buyer = await _actor("buyer")
    tender_id = await tender_create(actor=buyer, data=TenderIn(**await tender_payload()))
    now = clock.now()
    await Tender.update(
        {
            Tender.status: "published",
            Tender.published_at: now - timedelta(days=3),
            Tender.clarification_deadline: now - timedelta(days=1),
            Tender.submission_deadline: now + timedelta(hours=1),
            Tender.opening_at: now + timedelta(hours=1),
        }
    ).where(Tender.id == tender_id)
    for n, username in enumerate(("org", "org2", "org3")):
        await bid_submit(
            actor=await _actor(username),
            tender_id=tender_id,
            data=BidIn(**bid_payload(24_000_000 + n * 1_000_000)),
        )
    await committee_draw(actor=buyer, tender_id=tender_id)
    past = clock.now() - timedelta(minutes=1)
    await Tender.update({Tender.submission_deadline: past, Tender.opening_at: past}).where(
        Tender.id == tender_id
    )
    assert await open_due_bids(tender_id)
    bids = await (
        Bid.select(Bid.id, Bid.organization, Bid.organization.name.as_alias("name"))
        .where(Bid.tender == tender_id)
        .order_by(Bid.id)
    )
    members = await CommitteeMember.select(
        CommitteeMember.user.username.as_alias("username")
    ).where(
        (CommitteeMember.committee.tender == tender_id)
        & (CommitteeMember.status == MemberStatus.drawn)
    )
    for member in members:
        status = await member_declare(
            actor=await _actor(member["username"]),
            tender_id=tender_id,
            declarations=[
                Declaration(organization_id=b["organization"], conflict=False) for b in bids
            ],
        )
        assert status == "seated"
    await evaluation_start(actor=buyer, tender_id=tender_id)
    return tender_id, bids, members[0]["username"]


async def test_a_score_out_of_range_is_refused_on_its_row_then_all_are_saved(
    page: Page, live_server: str, t: Words
) -> None:
    tender_id, bids, member = await _tender_in_evaluation()
    await sign_in(page, live_server, member)
    await page.goto(f"{live_server}/tenders/{tender_id}/evaluation")
    for b in bids:
        for code in ("T1", "T2"):
            await page.fill(f"#score-{b['id']}-{code}", "80")
    wrong = f"#score-{bids[1]['id']}-T2"
    await page.fill(wrong, "101")
    await page.get_by_role("button", name=t("Save all scores")).click()

    refusal = t(
        "%(label)s must be between %(low)s and %(high)s",
        label=f"{bids[1]['name']} · 团队",
        low=0,
        high=100,
    )
    await expect(page.get_by_test_id("error-summary")).to_contain_text(refusal)
    row = page.get_by_test_id("evaluation").locator("tr").filter(has=page.locator(wrong))
    await expect(row.get_by_test_id("field-error")).to_have_text(re.compile(re.escape(refusal)))
    await expect(page.get_by_test_id("field-error")).to_have_count(1)
    await expect(page.locator(wrong)).to_have_value("101")
    await expect(page.locator(wrong)).to_have_attribute("aria-invalid", "true")
    await expect(page.locator(f"#score-{bids[0]['id']}-T1")).to_have_value("80")
    ids = [b["id"] for b in bids]
    assert not await TechnicalScore.exists().where(TechnicalScore.bid.is_in(ids))

    await page.fill(wrong, "90")
    await page.get_by_role("button", name=t("Save all scores")).click()
    await expect(page.get_by_test_id("done")).to_have_attribute("data-done", "scores_saved")
    await expect(page.locator(wrong)).to_have_value("90")
    assert await TechnicalScore.count().where(TechnicalScore.bid.is_in(ids)) == 6

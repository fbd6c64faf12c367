"""A handler draws the evaluation committee in the browser; a drawn expert declares a conflict
with a bidder (回避) and is replaced by an alternate; another declares none and is seated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Page, expect

from procure import clock
from procure.bids.schemas import BidIn
from procure.bids.services import bid_submit, open_due_bids
from procure.committees.tables import CommitteeMember, MemberStatus
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.tenders.schemas import TenderIn
from procure.tenders.services import tender_create
from procure.tenders.tables import Tender
from tests.browser.conftest import NewTab, Words
from tests.browser.test_login import sign_in
from tests.tenders.conftest import bid_payload, tender_payload

pytestmark = pytest.mark.browser


async def _actor(username: str) -> Actor:
    row = await user_by_username(username)
    assert row is not None
    return Actor.from_row(row)


async def _tender_closing_within_the_draw_window() -> int:
    """A published tender whose deadline is an hour away, with three sealed bids (the server
    runs on the real clock, so the test sets the timeline in the database)."""
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
    return tender_id


async def _drawn_usernames(tender_id: int) -> list[str]:
    rows = (
        await CommitteeMember.select(CommitteeMember.user.username.as_alias("username"))
        .where(
            (CommitteeMember.committee.tender == tender_id)
            & (CommitteeMember.status == MemberStatus.drawn)
        )
        .order_by(CommitteeMember.position)
    )
    return [row["username"] for row in rows]


async def test_a_draw_then_a_declaration_that_steps_aside(
    new_tab: NewTab, page: Page, live_server: str, t: Words
) -> None:
    tender_id = await _tender_closing_within_the_draw_window()
    page.on("dialog", lambda dialog: dialog.accept())
    await sign_in(page, live_server, "buyer")
    await page.goto(f"{live_server}/tenders/{tender_id}/committee")
    await page.get_by_test_id("draw").click()
    await expect(page.get_by_test_id("committee-state")).to_have_attribute("data-status", "drawn")
    await expect(page.get_by_test_id("committee-member")).to_have_count(5)  # 3 seats, 2 alternates
    first, second, _third = await _drawn_usernames(tender_id)

    # The deadline passes: the worker's opening job opens the bids, declarations open.
    past = clock.now() - timedelta(minutes=1)
    await Tender.update({Tender.submission_deadline: past, Tender.opening_at: past}).where(
        Tender.id == tender_id
    )
    assert await open_due_bids(tender_id)
    expert = await new_tab()
    expert.on("dialog", lambda dialog: dialog.accept())
    await sign_in(expert, live_server, first)
    await expert.goto(f"{live_server}/expert")
    task = expert.get_by_test_id("expert-task").filter(has_text=str(tender_id).zfill(4))
    await expect(task).to_have_attribute("data-task", "declare")
    await expert.goto(f"{live_server}/tenders/{tender_id}/committee")
    form = expert.get_by_test_id("declaration-form")
    await expect(form.get_by_test_id("declare-bidder")).to_have_count(3)
    await expect(form).not_to_contain_text("240,000")  # names only, no price
    await form.get_by_test_id("conflict-1").check()
    await form.get_by_test_id("declare").click()
    await expect(expert.get_by_test_id("stepped-aside")).to_be_visible()
    response = await expert.goto(f"{live_server}/tenders/{tender_id}/evaluation")
    assert response is not None and response.status == 404
    drawn = await _drawn_usernames(tender_id)
    assert first not in drawn and len(drawn) == 3  # the first alternate took the seat

    other = await new_tab()
    other.on("dialog", lambda dialog: dialog.accept())
    await sign_in(other, live_server, second)
    await other.goto(f"{live_server}/tenders/{tender_id}/committee")
    await other.get_by_test_id("declaration-form").get_by_test_id("declare").click()
    await expect(
        other.get_by_test_id("committee-member").and_(other.locator("[data-status=seated]"))
    ).to_have_count(1)
    await expect(
        other.get_by_test_id("committee-member").and_(other.locator("[data-status=replaced]"))
    ).to_have_count(1)

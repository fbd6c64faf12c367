"""Disclosure obligations: the award notice within 2 working days of the award (财政部令第87号
第六十九条) and the contract within 2 working days of its second signature (政府采购法实施条例
第五十条), counted across the 2026 National Day week (10-01…10-07 off, 10-10 worked); the pages
show each deadline with its rule and whether it was met, computed from the clock."""

from __future__ import annotations

from datetime import date

from litestar.testing import AsyncTestClient

from procure.bids.tables import Award
from procure.contracts.tables import Contract
from procure.disclosure.obligations import obligation
from procure.tenders.tables import Tender
from tests.risk.conftest import FixedClock, award, local, make_contract, make_tender, unique
from tests.risk.conftest import fixed_clock as fixed_clock  # the fixture

AWARDED = local(date(2026, 9, 30), 10)


def test_award_notice_due_after_the_national_day_week(fixed_clock: FixedClock) -> None:
    fixed_clock.set(date(2026, 10, 5))
    pending = obligation("award_notice", AWARDED, None)
    assert pending["state"] == "pending"
    assert pending["deadline"]["last_day"] == "2026-10-09"
    assert pending["deadline"]["days"] == 2 and pending["deadline"]["unit"] == "working"
    assert "第六十九条" in pending["deadline"]["basis"]
    assert pending["deadline"]["provisional"] is False
    assert obligation("award_notice", AWARDED, local(date(2026, 10, 9), 23))["state"] == "met"
    late = obligation("award_notice", AWARDED, local(date(2026, 10, 10), 9))
    assert (late["state"], late["days"]) == ("late", 1)
    fixed_clock.set(date(2026, 10, 12))
    overdue = obligation("award_notice", AWARDED, None)
    assert (overdue["state"], overdue["days"]) == ("overdue", 3)


def test_contract_publication_counts_working_days(fixed_clock: FixedClock) -> None:
    fixed_clock.set(date(2026, 10, 1))
    signed = local(date(2026, 9, 29), 15)
    due = obligation("contract_publication", signed, None)
    assert due["deadline"]["last_day"] == "2026-10-08" and due["state"] == "pending"
    assert "第五十条" in due["deadline"]["basis"]
    # Signed on the make-up working day after the holiday week: due two working days on.
    assert (
        obligation("contract_publication", local(date(2026, 10, 10), 9), None)["deadline"][
            "last_day"
        ]
        == "2026-10-13"
    )


def test_a_year_the_calendar_does_not_know_is_shown_not_guessed(fixed_clock: FixedClock) -> None:
    unknown = obligation("award_notice", local(date(2031, 3, 2)), None)
    assert unknown["state"] == "unknown" and unknown["deadline"] is None and unknown["error"]


async def test_contract_pages_show_the_deadline_and_whether_it_was_met(
    client: AsyncTestClient, fixed_clock: FixedClock
) -> None:
    fixed_clock.set(date(2026, 10, 12))
    contract = await make_contract(
        department="D-MZJ", signed_at=local(date(2026, 9, 29), 15), starts_on=date(2026, 10, 1)
    )
    title = unique("公开时限测试合同")
    await Contract.update({Contract.title: title}).where(Contract.id == contract["id"])
    page = await client.get(f"/disclosure/contracts/{contract['id']}")
    assert page.status_code == 200
    assert 'data-last-day="2026-10-08"' in page.text and 'data-state="overdue"' in page.text
    assert 'data-days="4"' in page.text and "政府采购法实施条例 第五十条" in page.text
    english = await client.get(f"/disclosure/contracts/{contract['id']}", cookies={"lang": "en"})
    assert "Overdue by 4 days" in english.text and "working days" in english.text
    # Reading never writes: the publication moment is still unrecorded.
    row = await Contract.select(Contract.published_at).where(Contract.id == contract["id"]).first()
    assert row is not None and row["published_at"] is None

    await Contract.update({Contract.published_at: local(date(2026, 10, 9), 9)}).where(
        Contract.id == contract["id"]
    )
    listing = await client.get("/disclosure/contracts", params={"q": title})
    assert 'data-state="late"' in listing.text and 'data-days="1"' in listing.text


async def test_award_pages_show_the_notice_deadline(
    client: AsyncTestClient, fixed_clock: FixedClock
) -> None:
    fixed_clock.set(date(2026, 10, 12))
    tender = await make_tender(department="D-MZJ", totals=(9_000_000, 9_500_000))
    award_id = await award(tender["id"], tender["bids"][0])
    title = unique("公告时限测试项目")
    await Award.update({Award.decided_at: AWARDED, Award.published_at: AWARDED}).where(
        Award.id == award_id
    )
    await Tender.update({Tender.status: "awarded", Tender.title: title}).where(
        Tender.id == tender["id"]
    )
    page = await client.get(f"/disclosure/tenders/{tender['id']}/award")
    assert page.status_code == 200, page.text
    assert 'data-last-day="2026-10-09"' in page.text and 'data-state="met"' in page.text
    assert "第六十九条" in page.text
    listing = await client.get("/disclosure/awards", params={"q": title})
    assert 'data-state="met"' in listing.text


def test_contract_signing_within_thirty_days_of_the_award(fixed_clock: FixedClock) -> None:
    # 政府采购法 第四十六条: 30 days from the notice of 09-01 reach 10-01, a holiday, so the last
    # day is the first working day after the National Day week.
    notice = local(date(2026, 9, 1), 10)
    fixed_clock.set(date(2026, 10, 8))
    due = obligation("contract_signing", notice, None)
    assert due["deadline"]["last_day"] == "2026-10-08" and due["state"] == "pending"
    assert due["deadline"]["unit"] == "calendar" and "第四十六条" in due["deadline"]["basis"]
    fixed_clock.set(date(2026, 10, 9))
    assert obligation("contract_signing", notice, None)["state"] == "overdue"
    signed = obligation("contract_signing", notice, local(date(2026, 10, 8), 17))
    assert signed["state"] == "met"


async def test_the_award_page_shows_the_signing_deadline(
    client: AsyncTestClient, fixed_clock: FixedClock
) -> None:
    fixed_clock.set(date(2026, 10, 12))
    tender = await make_tender(department="D-MZJ", totals=(9_000_000, 9_500_000))
    award_id = await award(tender["id"], tender["bids"][0])
    await Award.update({Award.decided_at: AWARDED, Award.published_at: AWARDED}).where(
        Award.id == award_id
    )
    await Tender.update({Tender.status: "awarded"}).where(Tender.id == tender["id"])
    page = await client.get(f"/disclosure/tenders/{tender['id']}/award")
    signing = page.text.split('data-name="contract_signing"')[1].split("</tr>")[0]
    # 30 days from 09-30: 10-30, a Friday; nothing signed yet and the day not passed.
    assert 'data-last-day="2026-10-30"' in signing and 'data-state="pending"' in signing
    assert "政府采购法 第四十六条" in signing and "签订" in signing

"""The committee's pages: the handler composes and draws, a drawn expert finds the task on the
start page and declares 回避 through the form, seeing the bidders' names only."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from procure.committees.tables import CommitteeMember, MemberStatus
from tests.committees.conftest import tender_with_bids
from tests.conftest import Clock, login


async def _drawn(tender_id: int) -> list[str]:
    rows = (
        await CommitteeMember.select(CommitteeMember.user.username.as_alias("username"))
        .where(
            (CommitteeMember.committee.tender == tender_id)
            & (CommitteeMember.status == MemberStatus.drawn)
        )
        .order_by(CommitteeMember.position)
    )
    return [row["username"] for row in rows]


async def test_draw_and_declare_through_the_pages(app, as_user, moving_clock: Clock) -> None:  # type: ignore[no-untyped-def]
    async with AsyncTestClient(app=app) as api:
        tender_id = await tender_with_bids(api, as_user)
    moving_clock.advance(days=11)
    async with AsyncTestClient(app=app) as buyer:
        await login(buyer, "buyer")
        page = await buyer.get(f"/tenders/{tender_id}/committee")
        assert page.status_code == 200 and 'data-testid="draw"' in page.text
        composed = await buyer.post(
            f"/tenders/{tender_id}/committee",
            data={
                "size": "3",
                "buyer_representatives": "",
                "_csrf_token": buyer.cookies["csrftoken"],
            },
            follow_redirects=False,
        )
        assert composed.status_code == 303, composed.text
        drawn = await buyer.post(
            f"/tenders/{tender_id}/committee/draw",
            data={"_csrf_token": buyer.cookies["csrftoken"]},
            follow_redirects=False,
        )
        assert drawn.status_code == 303, drawn.text
        page = await buyer.get(f"/tenders/{tender_id}/committee")
        assert page.text.count('data-testid="committee-member"') == 5
        assert "#1" in page.text  # experts stay anonymous to the department until the award
        detail = await buyer.get(f"/tenders/{tender_id}")
        assert 'data-testid="committee-card"' in detail.text
    first = (await _drawn(tender_id))[0]
    moving_clock.advance(days=2)
    async with AsyncTestClient(app=app) as expert:
        await login(expert, first)
        start = await expert.get("/expert")
        assert start.status_code == 200 and 'data-task="declare"' in start.text
        page = await expert.get(f"/tenders/{tender_id}/committee")
        assert page.text.count('data-testid="declare-bidder"') == 3
        assert "240,000" not in page.text and "240000" not in page.text
        bidders = [
            line.split('"')[1].removeprefix("conflict_")
            for line in page.text.split("name=")
            if line.startswith('"conflict_') and 'value="yes"' in line
        ]
        assert len(bidders) == 3
        form = {f"conflict_{b}": "no" for b in bidders} | {f"conflict_{bidders[0]}": "yes"}
        declared = await expert.post(
            f"/tenders/{tender_id}/committee/declaration",
            data={**form, "_csrf_token": expert.cookies["csrftoken"]},
            follow_redirects=False,
        )
        assert declared.status_code == 303, declared.text
        page = await expert.get(f"/tenders/{tender_id}/committee")
        assert 'data-testid="stepped-aside"' in page.text
        stepped_aside = await expert.get(f"/tenders/{tender_id}/evaluation")
        assert stepped_aside.status_code == 404
        assert f"在您参与评审的采购项目中，没有编号为 {tender_id} 的项目" in stepped_aside.text
    assert first not in await _drawn(tender_id) and len(await _drawn(tender_id)) == 3
    async with AsyncTestClient(app=app) as other:
        # Until every member has declared, no member sees the bids: said in Chinese on the page.
        await login(other, (await _drawn(tender_id))[0])
        early = await other.get(f"/tenders/{tender_id}/evaluation")
        assert early.status_code == 409 and "评审委员会尚未组成" in early.text
        assert "not seated yet" not in early.text

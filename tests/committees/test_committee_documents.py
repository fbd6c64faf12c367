"""The evaluation report lists the committee's members and roles; the award notice and the
disclosure page name the committee once the award is made."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from procure.pdf.documents import award_notice_context, evaluation_report_context
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from tests.conftest import Clock
from tests.tenders.conftest import award_a_tender


async def test_the_documents_name_the_committee(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    bidders = [await as_user(u) for u in ("org", "org2", "org3")]
    tender_id = await award_a_tender(client, await as_user("buyer"), bidders, moving_clock)
    report = await evaluation_report_context(tender_id)
    members = report["committee"]["members"]
    assert len(members) == 3 == report["evaluators"]
    assert {m["role"] for m in members} == {"评审专家"} and all(m["confirmed"] for m in members)
    assert not any(m["name"].startswith("评审专家") for m in members)  # named after the award
    notice = await award_notice_context(tender_id)
    assert [m["name"] for m in notice["committee"]["members"]] == [m["name"] for m in members]
    assert len(notice["committee"]["seed"]) == 64
    page = await client.get(f"/disclosure/tenders/{tender_id}/award")
    assert page.status_code == 200
    assert all(m["name"] in page.text for m in members)
    assert f"/api/v1/tenders/{tender_id}/committee/draw" in page.text
    row = await user_by_username("buyer2")
    assert row is not None  # another department sees the award notice too, as everyone does
    assert (await award_notice_context(tender_id, actor=Actor.from_row(row)))["committee"]

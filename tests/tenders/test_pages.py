"""The tender pages render for every demo tender, for each kind of visitor, in both languages."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from procure.committees.tables import CommitteeMember, MemberStatus
from procure.tenders.tables import Tender
from tests.conftest import login


@pytest.mark.parametrize("username", [None, "buyer", "org", "auditor"])
async def test_every_tender_page_renders(client: AsyncTestClient, username: str | None) -> None:
    if username:
        await login(client, username)
    listing = await client.get("/tenders")
    assert listing.status_code == 200 and "采购项目" in listing.text
    for tender in await Tender.select(
        Tender.id, Tender.title, Tender.published_at, Tender.department
    ):
        page = await client.get(f"/tenders/{tender['id']}")
        if tender["published_at"] is None and username in (None, "org", "auditor"):
            assert page.status_code == 404  # drafts stay with their department
            continue
        if page.status_code == 404:
            assert (
                username == "buyer" and tender["published_at"] is None
            )  # another department's draft
            continue
        assert page.status_code == 200, (tender, page.text[:500])
        assert tender["title"] in page.text


async def test_the_evaluation_page_renders_for_the_evaluators(client: AsyncTestClient) -> None:
    tender = await Tender.select(Tender.id).where(Tender.status == "evaluation").first()
    assert tender is not None
    evaluator = (  # a seated member of the tender's evaluation committee
        await CommitteeMember.select(CommitteeMember.user.username.as_alias("username"))
        .where(
            (CommitteeMember.committee.tender == tender["id"])
            & (CommitteeMember.status == MemberStatus.seated)
        )
        .first()
    )
    assert evaluator is not None
    await login(client, evaluator["username"])
    page = await client.get(f"/tenders/{tender['id']}/evaluation")
    assert page.status_code == 200 and 'data-testid="evaluation"' in page.text
    english = await client.get(f"/tenders/{tender['id']}/evaluation", cookies={"lang": "en"})
    assert "Each evaluator sees only their own scores" in english.text


async def test_a_form_error_names_the_field(client: AsyncTestClient) -> None:
    await login(client, "buyer")
    response = await client.post(
        "/tenders/new",
        data={"title": "x", "ceiling": "12.345", "_csrf_token": client.cookies["csrftoken"]},
    )
    assert response.status_code == 400
    assert "ceiling" in response.text and "12.345" in response.text


@pytest.mark.parametrize(("username", "offered"), [("buyer", True), ("org", False), (None, False)])
async def test_pages_offer_only_what_the_policy_allows(
    client: AsyncTestClient, username: str | None, offered: bool
) -> None:
    if username:
        await login(client, username)
    page = await client.get("/tenders")
    assert ('href="/tenders/new"' in page.text) is offered

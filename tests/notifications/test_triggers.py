"""Each trigger tells the right people, and only them: an abnormally low bid's organization
(with its deadline, then a reminder), each bidder its result, a department's approvers what
waits for them. Nobody learns of another organization's bid."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from procure.approvals.tables import Approval
from procure.catalog.tables import CategoryCode
from procure.notifications.jobs import remind_deadlines
from procure.notifications.selectors import decoded
from procure.notifications.tables import Notification
from procure.security.tables import Role, User
from procure.tenders.tables import Tender
from tests.conftest import Clock, csrf_headers, login
from tests.tenders.conftest import (
    award_a_tender,
    bid_payload,
    publish,
    seat_committee,
    tender_payload,
)


async def told(username: str, kind: str, key_part: str = "") -> list[dict[str, Any]]:
    """The notifications of ``kind`` the user holds (whose key contains ``key_part``)."""
    rows = await Notification.select(Notification.key, Notification.data, Notification.link).where(
        (Notification.recipient.username == username) & (Notification.kind == kind)
    )
    return [{**row, "data": decoded(row["data"])} for row in rows if key_part in row["key"]]


async def test_an_abnormally_low_price_is_told_to_its_organization_only(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer = await as_user("buyer")
    tender_id = (
        await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    ).json()["id"]
    await publish(client, buyer, tender_id)
    for who, total in (("org", 26_000_000), ("org2", 27_000_000), ("org3", 10_000_000)):
        response = await client.put(
            f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(total), headers=await as_user(who)
        )
        assert response.status_code == 201, response.text
    moving_clock.advance(days=13)
    await seat_committee(client, tender_id, buyer)
    started = await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    assert started.status_code == 200, started.text
    low = next(b for b in started.json()["bids"] if b["status"] == "explanation_requested")

    [asked] = await told("org3", "explanation_requested", f"bid:{low['bid_id']}")
    assert asked["link"] == f"/tenders/{tender_id}"
    assert asked["data"]["tender"] == "测试社区长者助餐服务项目" and asked["data"]["due"]
    for other in ("org", "org2", "buyer", "auditor", "regulator"):
        assert await told(other, "explanation_requested", f"bid:{low['bid_id']}") == []

    # In the recipient's language (Chinese by default), with the deadline; the header counts it.
    listed = (await client.get("/api/v1/notifications", headers=await as_user("org3"))).json()
    item = next(i for i in listed["items"] if i["kind"] == "explanation_requested")
    assert asked["data"]["due"] in item["title"] and "异常低价" in item["title"]
    assert listed["unread"] >= 1
    others = (await client.get("/api/v1/notifications", headers=await as_user("org"))).json()
    assert all(i["kind"] != "explanation_requested" for i in others["items"])

    # Six hours before the explanation is due, a reminder: once, however often the job runs.
    await remind_deadlines()
    assert await told("org3", "explanation_due_soon", f"bid:{low['bid_id']}") == []
    moving_clock.advance(worker=False, hours=19)
    await remind_deadlines()
    assert len(await told("org3", "explanation_due_soon", f"bid:{low['bid_id']}")) == 1
    assert await told("org", "explanation_due_soon", f"bid:{low['bid_id']}") == []
    await remind_deadlines()
    assert len(await told("org3", "explanation_due_soon", f"bid:{low['bid_id']}")) == 1


async def test_each_bidder_learns_its_result_and_approvers_what_waits(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer = await as_user("buyer")
    bidders = [await as_user("org"), await as_user("org2")]
    before = await Approval.count()
    tender_id = await award_a_tender(client, buyer, bidders, moving_clock)

    key = f"award:tender:{tender_id}"
    [won] = await told("org", "award_won", key)
    assert won["link"] == f"/tenders/{tender_id}"
    assert await told("org", "award_lost", key) == []
    [lost] = await told("org2", "award_lost", key)
    assert lost["data"]["standstill"]
    assert await told("org2", "award_won", key) == []
    for outsider in ("org3", "buyer", "committee", "regulator"):
        assert (
            await told(outsider, "award_won", key) == await told(outsider, "award_lost", key) == []
        )

    # Two days before the challenge window (质疑期) closes, the losing bidder is reminded, once.
    assert await told("org2", "challenge_closing", key.replace("award", "challenge_closing")) == []
    standstill = await Tender.select(Tender.standstill_ends_at).where(Tender.id == tender_id)
    gap = standstill[0]["standstill_ends_at"] - moving_clock.now() - timedelta(hours=47)
    moving_clock.advance(worker=False, seconds=gap.total_seconds())
    await remind_deadlines()
    await remind_deadlines()
    closing = f"challenge_closing:tender:{tender_id}"
    [reminded] = await told("org2", "challenge_closing", closing)
    assert reminded["data"]["due"] == lost["data"]["standstill"]
    for not_losing in ("org", "org3", "buyer", "committee"):
        assert await told(not_losing, "challenge_closing", closing) == []

    # Each approval request (publish, award) went to the department's approvers but the handler.
    approvals = await Approval.select(
        Approval.id, Approval.department, Approval.requested_by
    ).where(Approval.id > before)
    assert len(approvals) >= 2
    for approval in approvals:
        rows = await Notification.select(
            Notification.recipient.department.as_alias("department"),
            Notification.recipient.role.as_alias("role"),
            Notification.recipient.is_approver.as_alias("is_approver"),
            Notification.recipient.as_alias("user"),
        ).where(Notification.key == f"approval:{approval['id']}")
        assert rows, approval
        assert all(
            r["department"] == approval["department"]
            and r["role"] == Role.buyer
            and r["is_approver"]
            and r["user"] != approval["requested_by"]
            for r in rows
        )
        approvers = await User.count().where(
            (User.department == approval["department"])
            & User.is_approver.eq(True)
            & User.is_active.eq(True)
            & (User.id != approval["requested_by"])
        )
        assert len(rows) == approvers

    # The inbox page shows them, with the unread count in the header; marking read is a POST
    # that redirects (PRG), and only the reader's own notifications can be marked.
    await login(client, "org2")
    # Newest first, 20 a page: the page that holds this award's notice (other tests' flags and
    # reminders may have reached org2 since).
    [lost_row] = await Notification.select(Notification.id).where(
        (Notification.recipient.username == "org2")
        & (Notification.key.like(f"%{key}%"))
        & (Notification.kind == "award_lost")
    )
    newer = await Notification.count().where(
        (Notification.recipient.username == "org2") & (Notification.id > lost_row["id"])
    )
    page = await client.get(f"/notifications?page={newer // 20 + 1}")
    assert page.status_code == 200 and 'data-testid="unread-count"' in page.text
    assert 'data-kind="award_lost"' in page.text and f'href="/tenders/{tender_id}"' in page.text
    mine = await Notification.select(Notification.id).where(
        (Notification.recipient.username == "org2") & (Notification.key == key)
    )
    theirs = await Notification.select(Notification.id).where(
        (Notification.recipient.username == "org") & (Notification.key == key)
    )
    headers = csrf_headers(client)
    refused = await client.post(f"/notifications/{theirs[0]['id']}/read", headers=headers)
    assert refused.status_code == 404
    marked = await client.post(
        f"/notifications/{mine[0]['id']}/read", headers=headers, follow_redirects=False
    )
    assert (
        marked.status_code == 303
        and marked.headers["location"] == "/notifications?done=marked_read"
    )
    read = (
        await Notification.select(Notification.read_at)
        .where(Notification.id.is_in([mine[0]["id"], theirs[0]["id"]]))
        .order_by(Notification.id)
    )
    assert {r["read_at"] is None for r in read} == {True, False}


async def test_a_clarification_answer_is_told_to_the_asker_only(
    client: AsyncTestClient, as_user: Any
) -> None:
    buyer = await as_user("buyer")
    tender_id = (
        await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    ).json()["id"]
    await publish(client, buyer, tender_id)
    asked = await client.post(
        f"/api/v1/tenders/{tender_id}/clarifications",
        json={"question": "可否分包?"},
        headers=await as_user("org2"),
    )
    assert asked.status_code == 201, asked.text
    key = f"clarification:{asked.json()['id']}"
    assert await told("org2", "clarification_answered", key) == []  # asked, not yet answered
    answered = await client.post(
        f"/api/v1/clarifications/{asked.json()['id']}/answer",
        json={"answer": "不得分包。"},
        headers=buyer,
    )
    assert answered.status_code == 200, answered.text
    [answer] = await told("org2", "clarification_answered", key)
    assert answer["link"] == f"/tenders/{tender_id}"
    for other in ("org", "org3", "buyer"):
        assert await told(other, "clarification_answered", key) == []


async def org_id(username: str) -> int:
    row = await User.select(User.organization).where(User.username == username).first()
    assert row is not None
    return int(row["organization"])


async def test_a_new_tender_is_told_to_the_organizations_following_its_categories(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    from procure.notifications.tables import OrganizationCategory

    payload = await tender_payload()
    # The preferences page: an organization's account chooses the categories it follows.
    await login(client, "org3")
    page = await client.get("/notifications/preferences")
    assert page.status_code == 200 and 'name="categories" value="care"' in page.text
    refused = await client.post(
        "/notifications/preferences",
        data={"categories": ["care", "nonsense"]},
        headers=csrf_headers(client),
    )
    assert refused.status_code == 400 and "服务目录类别" in refused.text  # nothing saved
    assert (
        await OrganizationCategory.count().where(
            OrganizationCategory.organization.is_in([await org_id("org2"), await org_id("org3")])
        )
        == 0
    )
    saved = await client.post(
        "/notifications/preferences",
        data={"categories": ["approval", "care", "mutual_aid", "capacity", "technology"]},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    follows = await OrganizationCategory.count().where(
        OrganizationCategory.organization.name == "滨海区同心社区发展服务中心"
    )
    assert follows == 5
    # A buyer's account has no categories to choose.
    await login(client, "buyer")
    assert 'name="categories"' not in (await client.get("/notifications/preferences")).text

    try:
        buyer = await as_user("buyer")
        tender_id = (await client.post("/api/v1/tenders", json=payload, headers=buyer)).json()["id"]
        key = f"tender_matching:tender:{tender_id}"
        assert await told("org3", "tender_matching", key) == []  # a draft: nobody
        await publish(client, buyer, tender_id)
        [row] = await told("org3", "tender_matching", key)
        assert row["link"] == f"/tenders/{tender_id}" and row["data"]["due"]
        for other in ("org", "org2", "buyer", "regulator"):
            assert await told(other, "tender_matching", key) == []

        # Two days before bids close, the followers that have not bid are reminded, once: org2
        # follows too but has bid, so only org3 is reminded.
        await OrganizationCategory.insert(
            *[
                OrganizationCategory(organization=await org_id("org2"), category=category)
                for category in CategoryCode
            ]
        )
        bid = await client.put(
            f"/api/v1/tenders/{tender_id}/bid",
            json=bid_payload(26_000_000),
            headers=await as_user("org2"),
        )
        assert bid.status_code == 201, bid.text
        closes = await Tender.select(Tender.submission_deadline).where(Tender.id == tender_id)
        gap = closes[0]["submission_deadline"] - moving_clock.now() - timedelta(hours=47)
        moving_clock.advance(worker=False, seconds=gap.total_seconds())
        await remind_deadlines()
        await remind_deadlines()
        closing = f"bid_deadline_soon:tender:{tender_id}"
        [reminded] = await told("org3", "bid_deadline_soon", closing)
        assert reminded["data"]["due"] == row["data"]["due"]
        for other in ("org", "org2", "buyer", "regulator"):
            assert await told(other, "bid_deadline_soon", closing) == []
    finally:
        await OrganizationCategory.delete().where(
            OrganizationCategory.organization.is_in([await org_id("org2"), await org_id("org3")])
        )

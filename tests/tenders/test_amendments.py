"""Corrections of a published tender (更正公告): maker–checker, the deadline move of 财政部令第87号
第二十七条, re-confirmation of the bids submitted before, and what stays visible."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient

from procure import calendar, clock
from procure.audit.events import AuditAction
from procure.audit.tables import AuditEvent
from procure.bids.tables import Bid
from procure.security.tables import User
from tests.concurrency import audit_count, exactly_one_success, race
from tests.conftest import Clock
from tests.tenders.conftest import approver_of, bid_payload, publish, tender_payload

ZONE = ZoneInfo("Asia/Shanghai")


async def published_tender(
    client: AsyncTestClient, buyer: dict[str, str], *, days: int = 12, **overrides: Any
) -> int:
    now = clock.now()
    payload = await tender_payload(
        submission_deadline=(now + timedelta(days=days)).isoformat(), **overrides
    )
    response = await client.post("/api/v1/tenders", json=payload, headers=buyer)
    assert response.status_code == 201, response.text
    tender_id = int(response.json()["id"])
    detail = await publish(client, buyer, tender_id, justification="测试：期限较短")
    assert detail.json()["status"] == "published", detail.text
    return tender_id


async def request_amendment(
    client: AsyncTestClient, buyer: dict[str, str], tender_id: int, **body: Any
) -> Any:
    body.setdefault("summary", "更正服务要求")
    return await client.post(f"/api/v1/tenders/{tender_id}/amendments", json=body, headers=buyer)


async def amend(
    client: AsyncTestClient, buyer: dict[str, str], tender_id: int, **body: Any
) -> dict[str, Any]:
    """Request and approve a correction; returns the tender as published after it."""
    requested = await request_amendment(client, buyer, tender_id, **body)
    assert requested.status_code == 202, requested.text
    approved = await client.post(
        f"/api/v1/approvals/{requested.json()['approval_id']}/approve",
        json={},
        headers=await approver_of(tender_id),
    )
    assert approved.status_code == 200, approved.text
    return dict((await client.get(f"/api/v1/tenders/{tender_id}")).json())


async def amended_event(tender_id: int) -> dict[str, Any]:
    row = (
        await AuditEvent.select(AuditEvent.data)
        .where(
            (AuditEvent.action == str(AuditAction.tender_amended))
            & (AuditEvent.subject_id == str(tender_id))
        )
        .order_by(AuditEvent.seq, ascending=False)
        .first()
    )
    assert row is not None
    data = row["data"]
    return dict(json.loads(data) if isinstance(data, str) else data)


def local(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(ZONE)


async def test_a_change_published_10_days_before_the_deadline_moves_it_to_15_days(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer = await as_user("buyer")
    tender_id = await published_tender(client, buyer, days=12)
    before = (await client.get(f"/api/v1/tenders/{tender_id}")).json()
    moving_clock.advance(days=2)  # 10 days remain
    published_on = calendar.local_day(clock.now())
    after = await amend(client, buyer, tender_id, description="服务对象扩大至独居与空巢长者。")

    deadline = local(after["submission_deadline"])
    assert deadline.date() == published_on + timedelta(days=15)
    assert deadline.time() == local(before["submission_deadline"]).time()
    assert after["opening_at"] == after["submission_deadline"]
    # The clarification deadline still ahead moves with it.
    assert local(after["clarification_deadline"]) > local(before["clarification_deadline"])
    [amendment] = after["amendments"]
    assert amendment["number"] == 1 and amendment["affects_preparation"]
    assert amendment["deadline_moved"]
    assert amendment["changes"]["description"] == {
        "before": before["description"],
        "after": "服务对象扩大至独居与空巢长者。",
    }
    assert amendment["rule"]["days"] == 15 and amendment["rule"]["unit"] == "calendar"
    assert "第二十七条" in amendment["rule"]["basis"]
    assert after["original"]["description"] == before["description"]
    assert datetime.fromisoformat(after["original"]["submission_deadline"]) == (
        datetime.fromisoformat(before["submission_deadline"])
    )

    event = await amended_event(tender_id)
    assert datetime.fromisoformat(event["submission_deadline"]["before"]) == (
        datetime.fromisoformat(amendment["changes"]["submission_deadline"]["before"])
    )
    assert event["submission_deadline"]["after"] != event["submission_deadline"]["before"]
    assert event["rule"]["moved"] and event["rule"]["earliest_deadline_day"] == str(
        published_on + timedelta(days=15)
    )
    assert event["prepared_by_username"] == "buyer"


async def test_a_change_published_20_days_before_the_deadline_does_not_move_it(
    client: AsyncTestClient, as_user: Any
) -> None:
    buyer = await as_user("buyer")
    tender_id = await published_tender(client, buyer, days=20)
    before = (await client.get(f"/api/v1/tenders/{tender_id}")).json()
    after = await amend(client, buyer, tender_id, ceiling_fen=32_000_000)
    assert after["submission_deadline"] == before["submission_deadline"]
    assert after["ceiling_fen"] == 32_000_000
    [amendment] = after["amendments"]
    assert amendment["affects_preparation"] and not amendment["deadline_moved"]


async def test_a_change_that_does_not_affect_preparation_moves_nothing(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer, org = await as_user("buyer"), await as_user("org")
    tender_id = await published_tender(client, buyer, days=12)
    bid = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(24_000_000), headers=org
    )
    assert bid.status_code == 201, bid.text
    before = (await client.get(f"/api/v1/tenders/{tender_id}")).json()
    moving_clock.advance(days=2)
    after = await amend(client, buyer, tender_id, title="测试社区长者助餐服务项目（更正名称）")
    assert after["submission_deadline"] == before["submission_deadline"]
    assert after["title"].endswith("（更正名称）")
    [amendment] = after["amendments"]
    assert not amendment["affects_preparation"] and not amendment["deadline_moved"]
    assert amendment["bids_to_reconfirm"] == 0
    own = (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=org)).json()
    assert own["status"] == "submitted"


async def test_a_declared_affecting_deadline_extension_keeps_a_later_proposal(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer = await as_user("buyer")
    tender_id = await published_tender(client, buyer, days=12)
    moving_clock.advance(days=2)
    proposed = (clock.now() + timedelta(days=18)).replace(microsecond=0)
    after = await amend(
        client,
        buyer,
        tender_id,
        affects_preparation=True,
        submission_deadline=proposed.isoformat(),
    )
    assert datetime.fromisoformat(after["submission_deadline"]) == proposed
    assert not after["amendments"][0]["deadline_moved"]


async def test_bids_before_the_change_must_be_reconfirmed_or_are_not_opened(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer, org, org2, org3 = [await as_user(u) for u in ("buyer", "org", "org2", "org3")]
    tender_id = await published_tender(client, buyer, days=12)
    for n, headers in enumerate((org, org2, org3)):
        response = await client.put(
            f"/api/v1/tenders/{tender_id}/bid",
            json=bid_payload(24_000_000 + n * 1_000_000),
            headers=headers,
        )
        assert response.status_code == 201, response.text
    moving_clock.advance(days=2)
    after = await amend(client, buyer, tender_id, description="增加周末送餐。")
    assert after["amendments"][0]["bids_to_reconfirm"] == 3

    for headers in (org, org2, org3):
        own = (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=headers)).json()
        assert own["status"] == "reconfirmation_required"
        assert own["reconfirmation_amendment"] == 1
    # The organization is told: the start page's banner and the bid panel.
    start = await client.get("/organization", headers=org)
    assert 'data-testid="reconfirm-banner"' in start.text and f"/tenders/{tender_id}" in start.text
    page = await client.get(f"/tenders/{tender_id}", headers=org)
    assert 'data-testid="reconfirm-form"' in page.text

    confirmed = await client.post(f"/api/v1/tenders/{tender_id}/bid/reconfirm", headers=org)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "submitted" and confirmed.json()["reconfirmed_at"]
    again = await client.post(f"/api/v1/tenders/{tender_id}/bid/reconfirm", headers=org)
    assert again.status_code == 409
    # A new sealed version confirms too.
    replaced = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(25_500_000), headers=org2
    )
    assert replaced.status_code == 201, replaced.text
    assert (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=org2)).json()[
        "status"
    ] == "submitted"

    moving_clock.advance(days=16)  # past the moved deadline
    opening = await client.get(f"/api/v1/tenders/{tender_id}/opening")
    assert opening.status_code == 200, opening.text
    record = opening.json()
    assert record["bid_count"] == 2
    [lapsed] = record["not_opened"]
    assert lapsed["status"] == "not_reconfirmed" and "correction no. 1" in lapsed["reason"]
    row = await Bid.select(Bid.total_fen, Bid.opened_at).where(Bid.id == lapsed["bid_id"]).first()
    assert row == {"total_fen": None, "opened_at": None}  # never unsealed
    own = (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=org3)).json()
    assert own["status"] == "not_reconfirmed"
    for path in (f"/tenders/{tender_id}", f"/disclosure/tenders/{tender_id}/opening"):
        page = await client.get(path)
        assert 'data-testid="not-opened"' in page.text, path


async def test_a_lowered_ceiling_needs_a_new_sealed_bid(
    client: AsyncTestClient, as_user: Any
) -> None:
    buyer, org = await as_user("buyer"), await as_user("org")
    tender_id = await published_tender(client, buyer, days=25)
    await client.put(f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(24_000_000), headers=org)
    await amend(client, buyer, tender_id, ceiling_fen=20_000_000)
    own = (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=org)).json()
    assert own["status"] == "reconfirmation_required" and own["resubmission_required"]
    refused = await client.post(f"/api/v1/tenders/{tender_id}/bid/reconfirm", headers=org)
    assert refused.status_code == 409 and "new sealed bid" in refused.text


async def test_a_correction_needs_an_approver_other_than_the_handler(
    client: AsyncTestClient, as_user: Any, both_duties_buyer: str
) -> None:
    buyer = await as_user(both_duties_buyer)
    tender_id = await published_tender(client, buyer, days=20)
    requested = await request_amendment(client, buyer, tender_id, description="改")
    assert requested.status_code == 202 and requested.json()["status"] == "pending"
    approval_id = requested.json()["approval_id"]
    # Nothing changes until approved; one request at a time.
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["amendments"] == []
    second = await request_amendment(client, buyer, tender_id, description="再改")
    assert second.status_code == 409
    own = await client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=buyer)
    assert own.status_code == 403 and "own work" in own.json()["detail"]
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["amendments"] == []


@pytest.fixture
async def both_duties_buyer() -> Any:
    await User.update({User.is_approver: True}).where(User.username == "buyer")
    yield "buyer"
    await User.update({User.is_approver: False}).where(User.username == "buyer")


async def test_role_boundaries(client: AsyncTestClient, as_user: Any) -> None:
    buyer = await as_user("buyer")
    tender_id = await published_tender(client, buyer, days=20)
    org = await request_amendment(client, await as_user("org"), tender_id, description="x")
    assert org.status_code == 403
    other = await request_amendment(client, await as_user("buyer2"), tender_id, description="x")
    assert other.status_code == 404
    approver = await request_amendment(client, await as_user("approver"), tender_id, title="x")
    assert approver.status_code == 403  # prepared by a handler
    for username in ("regulator", "auditor"):
        oversight = await request_amendment(client, await as_user(username), tender_id, title="x")
        assert oversight.status_code in (403, 404), username
    nothing = await request_amendment(client, buyer, tender_id)
    assert nothing.status_code == 400 and "changes" in nothing.text
    earlier = await request_amendment(
        client, buyer, tender_id, submission_deadline=clock.now().isoformat()
    )
    assert earlier.status_code == 400 and "submission_deadline" in earlier.text


async def test_parallel_approvals_publish_one_correction(
    client: AsyncTestClient, as_user: Any
) -> None:
    buyer = await as_user("buyer")
    tender_id = await published_tender(client, buyer, days=20)
    requested = await request_amendment(client, buyer, tender_id, description="并发更正")
    approval_id = requested.json()["approval_id"]
    approver = await approver_of(tender_id)
    codes = await race(
        lambda: client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=approver)
    )
    exactly_one_success(codes)
    assert await audit_count(AuditAction.tender_amended, "tender", tender_id) == 1
    assert len((await client.get(f"/api/v1/tenders/{tender_id}")).json()["amendments"]) == 1


async def test_a_correction_is_refused_after_the_submission_deadline(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer = await as_user("buyer")
    tender_id = await published_tender(client, buyer, days=12)
    pending = await request_amendment(client, buyer, tender_id, description="截止前申请")
    moving_clock.advance(days=13)
    late = await client.post(
        f"/api/v1/approvals/{pending.json()['approval_id']}/approve",
        json={},
        headers=await approver_of(tender_id),
    )
    assert late.status_code == 409 and "submission deadline" in late.text
    await client.post(f"/api/v1/approvals/{pending.json()['approval_id']}/withdraw", headers=buyer)
    refused = await request_amendment(client, buyer, tender_id, description="截止后")
    assert refused.status_code == 409 and "before the submission deadline" in refused.text


class FixedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def national_day_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FixedClock]:
    fixed = FixedClock(datetime(2026, 9, 16, 10, 0, tzinfo=ZONE))
    monkeypatch.setattr(clock, "now", fixed.now)
    yield fixed


async def test_the_15_days_are_calendar_days_and_may_end_in_the_national_day_week(
    client: AsyncTestClient, as_user: Any, national_day_clock: FixedClock
) -> None:
    """Published on Sunday 2026-09-20 (a make-up working day) with the deadline on 09-30, the
    correction moves the deadline to 10-05, inside the holiday: the period is 15 calendar days
    (87号令 第二十七条) and a minimum period's end does not roll; any later day is lawful."""
    buyer = await as_user("buyer")
    payload = await tender_payload(
        clarification_deadline=datetime(2026, 9, 25, 17, 0, tzinfo=ZONE).isoformat(),
        submission_deadline=datetime(2026, 9, 30, 9, 0, tzinfo=ZONE).isoformat(),
    )
    tender_id = (await client.post("/api/v1/tenders", json=payload, headers=buyer)).json()["id"]
    await publish(client, buyer, tender_id)
    national_day_clock.moment = datetime(2026, 9, 20, 10, 0, tzinfo=ZONE)
    assert calendar.is_workday(date(2026, 9, 20))
    after = await amend(client, buyer, tender_id, description="更正服务时段。")
    deadline = local(after["submission_deadline"])
    assert deadline == datetime(2026, 10, 5, 9, 0, tzinfo=ZONE)
    assert not calendar.is_workday(deadline.date())
    # The clarification deadline keeps its distance to the deadline (5 days before).
    assert local(after["clarification_deadline"]) == datetime(2026, 9, 30, 17, 0, tzinfo=ZONE)


async def test_pages_show_the_original_and_every_correction(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer = await as_user("buyer")
    tender_id = await published_tender(client, buyer, days=12)
    moving_clock.advance(days=2)
    await amend(client, buyer, tender_id, summary="第一次更正", description="新的服务要求")
    await amend(client, buyer, tender_id, summary="第二次更正", title="更正后的名称")
    for path, headers in (
        (f"/tenders/{tender_id}", buyer),
        (f"/tenders/{tender_id}", await as_user("org")),
        (f"/disclosure/tenders/{tender_id}", {}),
    ):
        page = await client.get(path, headers=headers)
        assert page.status_code == 200, (path, page.text[:500])
        assert page.text.count('data-testid="amendment"') == 2, path
        assert "第一次更正" in page.text and "第二次更正" in page.text
        assert 'data-testid="original-notice"' in page.text
        assert 'data-testid="deadline-moved"' in page.text
    listed = (await client.get(f"/api/v1/tenders/{tender_id}/amendments")).json()
    assert [a["number"] for a in listed] == [1, 2]


async def test_the_handler_corrects_and_the_organization_reconfirms_on_the_pages(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer, org = await as_user("buyer"), await as_user("org")
    tender_id = await published_tender(client, buyer, days=12)
    await client.put(f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(24_000_000), headers=org)
    moving_clock.advance(days=2)
    page = await client.get(f"/tenders/{tender_id}", headers=buyer)
    assert 'data-testid="amendment-form"' in page.text
    tender = (await client.get(f"/api/v1/tenders/{tender_id}", headers=buyer)).json()
    form = {
        "summary": "增加节假日送餐",
        "title": tender["title"],
        "description": tender["description"] + "节假日照常送餐。",
        "ceiling": f"{tender['ceiling_fen'] / 100:.2f}",
        "clarification_deadline": local(tender["clarification_deadline"]).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "submission_deadline": local(tender["submission_deadline"]).strftime("%Y-%m-%dT%H:%M"),
    }
    sent = await client.post(
        f"/tenders/{tender_id}/amendments",
        data=form,
        headers={**buyer, "Referer": "http://testserver.local/"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    [pending] = (await client.get(f"/tenders/{tender_id}", headers=buyer)).text.split(
        'data-kind="tender.amend"'
    )[1:]
    assert pending
    approval_id = int(pending.split('data-id="')[1].split('"')[0])
    approved = await client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={}, headers=await approver_of(tender_id)
    )
    assert approved.status_code == 200, approved.text
    after = (await client.get(f"/api/v1/tenders/{tender_id}")).json()
    [amendment] = after["amendments"]
    assert set(amendment["changes"]) == {
        "description",
        "submission_deadline",
        "clarification_deadline",
    }
    confirmed = await client.post(
        f"/tenders/{tender_id}/bid/reconfirm", headers=org, follow_redirects=False
    )
    assert confirmed.status_code == 303, confirmed.text
    own = (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=org)).json()
    assert own["status"] == "submitted"


async def test_a_correction_restarts_the_challenge_period_of_the_documents(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    """财政部令第94号 第十条: the documents may be challenged within 7 working days of their
    publication; a 更正公告 changes them, so the period runs again from it."""
    buyer, org = await as_user("buyer"), await as_user("org")
    tender_id = await published_tender(client, buyer, days=40)
    submitted = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(24_000_000), headers=org
    )
    assert submitted.status_code == 201, submitted.text
    published = (await client.get(f"/api/v1/tenders/{tender_id}")).json()["published_at"]
    first = calendar.deadline("challenge", datetime.fromisoformat(published))
    moving_clock.advance(seconds=(first.ends_at - clock.now()).total_seconds() + 60)
    challenge = {"subject": "documents", "grounds": "评分标准含有倾向性条款。", "evidence": "第5章"}
    path = f"/api/v1/tenders/{tender_id}/challenges"
    late = await client.post(path, json=challenge, headers=org)
    assert late.status_code == 409 and first.last_day.isoformat() in late.json()["detail"]
    await amend(client, buyer, tender_id, description="更正后的服务要求：增加夜间巡访。")
    again = await client.post(path, json=challenge, headers=org)
    assert again.status_code == 201, again.text


async def test_a_draft_cannot_be_corrected_and_the_page_says_so_in_chinese(
    client: AsyncTestClient, as_user: Any
) -> None:
    """The refusal names the tender's status by its label in the reader's language; the API
    keeps the English text."""
    buyer = await as_user("buyer")
    created = await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    tender_id = int(created.json()["id"])
    page = await client.post(
        f"/tenders/{tender_id}/amendments",
        data={"summary": "更正服务要求", "description": "新的服务要求"},
        headers={**buyer, "Referer": "http://testserver.local/"},
        follow_redirects=False,
    )
    assert page.status_code == 409
    assert "状态为“草稿”的采购项目不能更正：更正公告须在投标截止时间前发布" in page.text
    api = await request_amendment(client, buyer, tender_id, description="新的服务要求")
    assert api.status_code == 409
    assert api.json()["detail"] == (
        "a tender that is draft cannot be corrected: a correction (更正公告) is published "
        "before the submission deadline"
    )

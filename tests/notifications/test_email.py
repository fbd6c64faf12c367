"""E-mail through a real SMTP server (aiosmtpd): sent by the worker's job, never in the request;
a refusing server is retried with a growing delay and nothing is lost; preferences decide what
is sent; the daily digest is one e-mail per user."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.jobs.outbox import MAX_ATTEMPTS, backoff, retry_failed, run_due
from procure.jobs.selectors import events
from procure.jobs.tables import EventStatus, OutboxEvent
from procure.notifications import services
from procure.notifications.jobs import daily_digest
from procure.notifications.tables import (
    Channel,
    EmailMessage,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.security.tables import User
from procure.settings import get_settings
from tests.conftest import Clock, csrf_headers, login
from tests.notifications.conftest import SMTPInbox, free_port

DATA = {
    "summary": "发布公告",
    "tender": "测试项目",
    "standstill": "2026-12-31 17:00",
    "due": "2026-12-20 09:00",
}


async def actor(username: str) -> Actor:
    row = await user_by_username(username)
    assert row is not None
    return Actor.from_row(row)


async def recipient(username: str) -> dict[str, Any]:
    row = await User.select(User.id, User.email, User.locale).where(User.username == username)
    return row[0]


async def choose(username: str, address: str, locale: str = "", **channels: Channel) -> None:
    await services.preferences_save(
        actor=await actor(username),
        channels={NotificationKind(kind): channel for kind, channel in channels.items()},
        email=address,
        locale=locale,
    )


async def tell(username: str, kind: NotificationKind, link: str = "/tenders/1") -> str:
    key = f"test:{uuid.uuid4().hex}"
    await services.notify([await recipient(username)], kind=kind, key=key, link=link, data=DATA)
    return key


@pytest.fixture
def worker_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As in production: the e-mail's event waits in the outbox for the worker."""
    monkeypatch.setattr(get_settings(), "jobs_eager", False)
    yield


async def test_an_email_reaches_a_real_smtp_server_in_the_recipients_language(
    database: None, smtp: SMTPInbox
) -> None:
    await choose("org2", "org2@example.cn", "en", award_lost=Channel.email)
    key = await tell("org2", NotificationKind.award_lost, "/tenders/42")
    [message] = smtp.to("org2@example.cn")
    assert message["Subject"].startswith("[procure] The tender “测试项目” was awarded to another")
    body = message.get_content()
    assert f"{get_settings().site_url}/tenders/42" in body and "/notifications/preferences" in body
    row = await Notification.select(Notification.email.sent_at.as_alias("sent")).where(
        Notification.key == key
    )
    assert row[0]["sent"] is not None

    # The default language is Chinese.
    await choose("org2", "org2@example.cn", "", award_lost=Channel.email)
    await tell("org2", NotificationKind.award_lost)
    assert "已确定其他供应商中标" in smtp.to("org2@example.cn")[-1]["Subject"]


async def test_preferences_decide_what_is_told_and_how(database: None, smtp: SMTPInbox) -> None:
    await choose(
        "org3",
        "org3@example.cn",
        award_won=Channel.off,
        award_lost=Channel.inbox,
        explanation_requested=Channel.email,
    )
    emails = await EmailMessage.count()
    off = await tell("org3", NotificationKind.award_won)
    assert await Notification.count().where(Notification.key == off) == 0
    inbox = await tell("org3", NotificationKind.award_lost)
    assert await Notification.count().where(Notification.key == inbox) == 1
    assert await EmailMessage.count() == emails and smtp.messages == []
    await tell("org3", NotificationKind.explanation_requested)
    assert len(smtp.to("org3@example.cn")) == 1

    # Without an SMTP server configured, e-mail is off: the inbox still works.
    get_settings().smtp_url = None
    key = await tell("org3", NotificationKind.explanation_requested)
    assert await Notification.count().where(Notification.key == key) == 1
    assert await EmailMessage.count() == emails + 1


async def test_a_refusing_server_is_retried_and_nothing_is_lost(
    database: None, smtp: SMTPInbox, worker_mode: None, moving_clock: Clock
) -> None:
    await choose("org", "org@example.cn", approval_waiting=Channel.email)
    smtp.refusing = True
    await tell("org", NotificationKind.approval_waiting)
    [event] = await OutboxEvent.select().where(
        (OutboxEvent.kind == services.EMAIL_EVENT) & (OutboxEvent.status == EventStatus.pending)
    )
    assert smtp.refused == 0  # nothing is sent in the writing request
    await run_due()
    row = await OutboxEvent.select().where(OutboxEvent.id == event["id"]).first()
    assert row is not None and row["status"] == EventStatus.pending and row["attempts"] == 1
    assert "451" in row["last_error"] and smtp.refused == 1

    # Its time has not come: not tried again at once.
    await run_due()
    assert smtp.refused == 1
    moving_clock.advance(worker=False, seconds=backoff(1).total_seconds() + 1)
    smtp.refusing = False
    await run_due()
    row = await OutboxEvent.select().where(OutboxEvent.id == event["id"]).first()
    assert row is not None and row["status"] == EventStatus.done and row["attempts"] == 2
    assert len(smtp.to("org@example.cn")) == 1

    # A server that stays away: failed after the last attempt, listed by `procure jobs`, and
    # delivered once it is back and the event is retried.
    get_settings().smtp_url = f"smtp://127.0.0.1:{free_port()}"  # nobody listens: refused
    await tell("org", NotificationKind.approval_waiting)
    [failing] = await OutboxEvent.select(OutboxEvent.id).where(
        (OutboxEvent.kind == services.EMAIL_EVENT) & (OutboxEvent.status == EventStatus.pending)
    )
    for attempt in range(1, MAX_ATTEMPTS + 1):
        await run_due()
        moving_clock.advance(worker=False, seconds=backoff(attempt).total_seconds() + 1)
    assert failing["id"] in [e["id"] for e in await events("failed")]
    assert len(smtp.to("org@example.cn")) == 1
    get_settings().smtp_url = f"smtp://127.0.0.1:{smtp.port}"
    assert await retry_failed([failing["id"]]) == 1
    await run_due()
    assert len(smtp.to("org@example.cn")) == 2


async def test_the_daily_digest_is_one_email_with_the_days_items(
    database: None, smtp: SMTPInbox
) -> None:
    await choose(
        "org2",
        "digest@example.cn",
        "en",
        award_won=Channel.digest,
        explanation_due_soon=Channel.digest,
        approval_waiting=Channel.inbox,
    )
    await daily_digest()  # whatever earlier tests left for other users goes first
    smtp.messages.clear()
    await tell("org2", NotificationKind.award_won, "/tenders/7")
    await tell("org2", NotificationKind.explanation_due_soon, "/tenders/8")
    await tell("org2", NotificationKind.approval_waiting, "/approvals")
    assert smtp.messages == []  # the digest items wait for the digest
    await daily_digest()  # other users' digests are other tests' (this user's is one mail)
    [digest] = smtp.to("digest@example.cn")
    assert "2 items" in digest["Subject"]
    body = digest.get_content()
    assert "/tenders/7" in body and "/tenders/8" in body and "/approvals" not in body
    await daily_digest()  # the day's items are sent: nothing again
    assert len(smtp.to("digest@example.cn")) == 1


async def test_the_preferences_form_refuses_bad_input_and_saves_good(
    client: AsyncTestClient,
) -> None:
    await login(client, "org3")
    page = await client.get("/notifications/preferences")
    assert page.status_code == 200 and 'data-testid="preferences-form"' in page.text
    before = await NotificationPreference.select().where(
        NotificationPreference.user.username == "org3"
    )
    bad = await client.post(
        "/notifications/preferences",
        data={"email": "not-an-address", "award_won": "email"},
        headers=csrf_headers(client),
    )
    assert bad.status_code == 400 and 'data-testid="error-email"' in bad.text
    assert 'value="not-an-address"' in bad.text  # the input is kept
    unknown = await client.post(
        "/notifications/preferences",
        data={"email": "", "award_won": "pigeon"},
        headers=csrf_headers(client),
    )
    assert unknown.status_code == 400 and 'data-testid="error-award_won"' in unknown.text
    assert (
        await NotificationPreference.select().where(NotificationPreference.user.username == "org3")
        == before
    )
    saved = await client.post(
        "/notifications/preferences",
        data={"email": "org3@example.cn", "locale": "en", "award_won": "digest"},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/notifications/preferences?done=preferences_saved"
    contact = await recipient("org3")
    assert contact["email"] == "org3@example.cn" and contact["locale"] == "en"
    chosen = await NotificationPreference.select(NotificationPreference.channel).where(
        (NotificationPreference.user.username == "org3")
        & (NotificationPreference.kind == NotificationKind.award_won)
    )
    assert chosen == [{"channel": "digest"}]


async def test_the_api_lists_and_marks_only_your_own(client: AsyncTestClient, as_user: Any) -> None:
    await tell("org", NotificationKind.award_won)
    await tell("org2", NotificationKind.award_won)
    org = await as_user("org")
    listed = (await client.get("/api/v1/notifications?unread=true", headers=org)).json()
    mine = {item["id"] for item in listed["items"]}
    org_id = (await recipient("org"))["id"]
    assert (
        mine
        and await Notification.count().where(
            Notification.id.is_in(list(mine)) & (Notification.recipient != org_id)
        )
        == 0
    )
    theirs = await Notification.select(Notification.id).where(
        Notification.recipient.username == "org2"
    )
    refused = await client.post(
        "/api/v1/notifications/read", json={"ids": [theirs[0]["id"]]}, headers=org
    )
    assert refused.status_code == 404
    assert (
        await Notification.count().where(
            (Notification.id == theirs[0]["id"]) & Notification.read_at.is_not_null()
        )
        == 0
    )
    marked = await client.post("/api/v1/notifications/read", json={}, headers=org)
    assert marked.status_code == 200 and marked.json()["marked"] == listed["unread"]
    after = (await client.get("/api/v1/notifications", headers=org)).json()
    assert after["unread"] == 0 and after["total"] >= len(mine)

    # A GET of the inbox writes nothing: the unread stay unread.
    org2 = await as_user("org2")
    unread = (await client.get("/api/v1/notifications", headers=org2)).json()["unread"]
    await login(client, "org2")
    assert (await client.get("/notifications")).status_code == 200
    assert (await client.get("/api/v1/notifications", headers=org2)).json()["unread"] == unread


async def test_marking_someone_else_s_notice_read_is_refused_in_chinese(
    client: AsyncTestClient,
) -> None:
    await tell("org2", NotificationKind.award_won)
    theirs = await Notification.select(Notification.id).where(
        Notification.recipient.username == "org2"
    )
    await login(client, "org")
    refused = await client.post(
        f"/notifications/{theirs[0]['id']}/read", headers=csrf_headers(client)
    )
    assert refused.status_code == 404 and "通知不存在" in refused.text
    assert "notification not found" not in refused.text

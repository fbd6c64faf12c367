"""Reads for notifications: a user's inbox and preferences, and who is told of what.

Who is told reads the rows an event names (a bid, an award, an approval) and the accounts that
act for them; a read here never shows one organization another's bid.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from procure.approvals.tables import Approval
from procure.bids.tables import Award, Bid, BidStatus
from procure.db.pagination import Page, PageRequest, paginate
from procure.i18n import local_time
from procure.notifications.tables import Channel, Notification, NotificationPreference
from procure.security.actors import Actor
from procure.security.tables import Role, User
from procure.tenders.tables import Clarification, Tender

PER_PAGE = 20
RECIPIENT_COLUMNS = (User.id, User.email, User.locale)
INBOX_COLUMNS = (
    Notification.id,
    Notification.kind,
    Notification.link,
    Notification.data,
    Notification.created_at,
    Notification.read_at,
)


def decoded(value: Any) -> dict[str, Any]:
    # SQLite hands JSON back as text, PostgreSQL as text or a decoded value.
    return dict((json.loads(value) if isinstance(value, str | bytes) else value) or {})


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "data": decoded(row["data"])}


async def inbox_page(actor: Actor, paging: PageRequest, *, unread: bool = False) -> Page[Any]:
    """The user's own notifications, newest first, one page cut in SQL."""
    condition: Any = Notification.recipient == actor.id
    if unread:
        condition &= Notification.read_at.is_null()
    query = (
        Notification.select(*INBOX_COLUMNS)
        .where(condition)
        .order_by(Notification.id, ascending=False)
    )
    page = await paginate(query, Notification.count().where(condition), paging)
    return page.map(_row)


async def unread_count(user_id: int) -> int:
    return await Notification.count().where(
        (Notification.recipient == user_id) & Notification.read_at.is_null()
    )


async def channels_of(user_id: int) -> dict[str, str]:
    """The user's chosen channel per kind (kinds not listed: the inbox)."""
    rows = await NotificationPreference.select(
        NotificationPreference.kind, NotificationPreference.channel
    ).where(NotificationPreference.user == user_id)
    return {row["kind"]: row["channel"] for row in rows}


async def contact_of(user_id: int) -> dict[str, Any]:
    row = await User.select(User.email, User.locale).where(User.id == user_id).first()
    return row or {"email": "", "locale": ""}


# -- who is told --------------------------------------------------------------------------------


async def organization_accounts(organization_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The active accounts of each organization."""
    rows = await User.select(*RECIPIENT_COLUMNS, User.organization).where(
        User.organization.is_in(organization_ids or [-1])
        & (User.role == Role.organization)
        & (User.is_active == True)  # noqa: E712
    )
    accounts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        accounts[row.pop("organization")].append(row)
    return accounts


async def approvers_for(approval_id: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A pending approval and the approvers of its department who may decide it (not the
    handler who asked)."""
    approval = (
        await Approval.select(
            Approval.id, Approval.department, Approval.summary, Approval.requested_by
        )
        .where(Approval.id == approval_id)
        .first()
    )
    if approval is None:
        return None, []
    approvers = await User.select(*RECIPIENT_COLUMNS).where(
        (User.department == approval["department"])
        & (User.role == Role.buyer)
        & (User.is_approver == True)  # noqa: E712
        & (User.is_active == True)  # noqa: E712
        & (User.id != approval["requested_by"])
    )
    return approval, approvers


async def explanation_requests(bid_ids: list[int]) -> list[dict[str, Any]]:
    """The bids asked to explain an abnormally low price: their organization, tender and due
    time (only those still asked)."""
    return await Bid.select(
        Bid.id,
        Bid.organization,
        Bid.tender,
        Bid.tender.title.as_alias("tender_title"),
        Bid.explanation_due_at,
    ).where(Bid.id.is_in(bid_ids or [-1]) & (Bid.status == BidStatus.explanation_requested))


async def explanations_due_by(now: datetime, until: datetime) -> list[dict[str, Any]]:
    """The requested explanations not yet given whose period ends between now and ``until``."""
    return await Bid.select(
        Bid.id,
        Bid.organization,
        Bid.tender,
        Bid.tender.title.as_alias("tender_title"),
        Bid.explanation_due_at,
    ).where(
        (Bid.status == BidStatus.explanation_requested)
        & (Bid.explanation == "")
        & (Bid.explanation_due_at > now)
        & (Bid.explanation_due_at <= until)
    )


async def award_outcome(tender_id: int) -> dict[str, Any] | None:
    """A tender's award and the organizations whose bids were opened (the winner and the
    others), for telling each bidder its result."""
    award = (
        await Award.select(Award.bid, Award.standstill_ends_at, Award.bid.organization)
        .where(Award.tender == tender_id)
        .first()
    )
    if award is None:
        return None
    tender = await Tender.select(Tender.title).where(Tender.id == tender_id).first()
    bidders = await Bid.select(Bid.organization).where(
        (Bid.tender == tender_id) & Bid.opened_at.is_not_null()
    )
    return {
        "title": tender["title"] if tender else "",
        "winner": award["bid.organization"],
        "standstill": local_time(award["standstill_ends_at"]),
        "bidders": sorted({row["organization"] for row in bidders}),
    }


async def clarification_asked(clarification_id: int) -> dict[str, Any] | None:
    """An answered question: who asked it, on which tender."""
    return await (
        Clarification.select(
            Clarification.asked_by,
            Clarification.tender,
            Clarification.tender.title.as_alias("tender_title"),
        )
        .where((Clarification.id == clarification_id) & Clarification.answered_at.is_not_null())
        .first()
    )


async def digest_due() -> dict[int, list[dict[str, Any]]]:
    """Per user with an e-mail address: the notifications they chose for the digest that no
    digest has carried yet, oldest first."""
    rows = await (
        Notification.select(
            Notification.id,
            Notification.recipient,
            Notification.kind,
            Notification.link,
            Notification.data,
        )
        .where(
            (Notification.channel == Channel.digest)
            & Notification.email.is_null()
            & (Notification.recipient.email != "")
        )
        .order_by(Notification.id)
    )
    due: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        due[row["recipient"]].append(_row(row))
    return due

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
from procure.catalog.tables import CatalogCategory
from procure.db.pagination import Page, PageRequest, paginate
from procure.i18n import local_time
from procure.notifications.tables import (
    Channel,
    Notification,
    NotificationPreference,
    OrganizationCategory,
)
from procure.risk.guards import is_conduct_flag
from procure.risk.tables import FlagStatus, RiskFlag, RiskFlagEvent
from procure.security.actors import Actor
from procure.security.tables import Role, User
from procure.surveys.tables import RoundStatus, SurveyRound
from procure.tenders.tables import Clarification, ScopeLine, Tender

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


FLAG_COLUMNS = (
    RiskFlag.id,
    RiskFlag.rule,
    RiskFlag.subject_type,
    RiskFlag.status,
    RiskFlag.dataset,
    RiskFlag.department.as_alias("department_id"),
    RiskFlag.organization.as_alias("organization_id"),
)


async def flag_audience(flag: dict[str, Any]) -> list[dict[str, Any]]:
    """Who is told of a flag: those who may read it and have a part in it (risk.selectors'
    visibility, risk.guards' steps): the organization concerned, the buying department
    concerned (its buyers) and, for a flag about a department's conduct or naming none, the
    regulators (财政部门), who decide it. Auditors read every flag and are told of none;
    committees read contract flags but take no step on them."""
    parties: Any = User.id.is_null()
    if flag["organization_id"] is not None:
        parties |= (User.role == Role.organization) & (User.organization == flag["organization_id"])
    if flag["department_id"] is not None:
        parties |= (User.role == Role.buyer) & (User.department == flag["department_id"])
    if flag["department_id"] is None or is_conduct_flag(flag):
        parties |= User.role == Role.regulator
    return await User.select(*RECIPIENT_COLUMNS).where(
        parties & (User.is_active == True)  # noqa: E712
    )


async def flags_raised(flag_ids: list[int]) -> list[dict[str, Any]]:
    """The flags of an event still open, each with the id of the history row that opened it
    (a flag opened again is told of again)."""
    flags = await RiskFlag.select(*FLAG_COLUMNS).where(
        RiskFlag.id.is_in(flag_ids or [-1]) & (RiskFlag.status == FlagStatus.open)
    )
    for flag in flags:
        opened = await (
            RiskFlagEvent.select(RiskFlagEvent.id)
            .where(
                (RiskFlagEvent.flag == flag["id"]) & (RiskFlagEvent.to_status == FlagStatus.open)
            )
            .order_by(RiskFlagEvent.id, ascending=False)
            .first()
        )
        flag["opened"] = opened["id"] if opened else 0
    return flags


async def flag_step_taken(event_id: int) -> dict[str, Any] | None:
    """A person's step on a flag (explained, resolved, dismissed, reopened): the flag, the
    step's new status and who took it."""
    step = await (
        RiskFlagEvent.select(RiskFlagEvent.flag, RiskFlagEvent.to_status, RiskFlagEvent.actor)
        .where((RiskFlagEvent.id == event_id) & RiskFlagEvent.actor.is_not_null())
        .first()
    )
    if step is None:
        return None
    flag = await RiskFlag.select(*FLAG_COLUMNS).where(RiskFlag.id == step["flag"]).first()
    if flag is None:
        return None
    return {**flag, "to_status": step["to_status"], "actor": step["actor"]}


async def challenges_closing(now: datetime, until: datetime) -> list[dict[str, Any]]:
    """The awarded tenders whose challenge window (质疑期) ends between now and ``until``,
    with their losing bidders (the organizations whose opened bid did not win)."""
    tenders = await Tender.select(Tender.id).where(
        (Tender.standstill_ends_at > now) & (Tender.standstill_ends_at <= until)
    )
    closing = []
    for tender in tenders:
        outcome = await award_outcome(tender["id"])
        if outcome is not None:
            losers = [o for o in outcome["bidders"] if o != outcome["winner"]]
            closing.append({**outcome, "id": tender["id"], "losers": losers})
    return closing


async def surveys_closing(now: datetime, until: datetime) -> list[dict[str, Any]]:
    """The open survey rounds that close between now and ``until``, each with the accounts of
    the residents' committee that runs it."""
    rounds = await SurveyRound.select(
        SurveyRound.id,
        SurveyRound.community,
        SurveyRound.period,
        SurveyRound.closes_at,
        SurveyRound.contract.reference.as_alias("contract"),
    ).where(
        (SurveyRound.status == RoundStatus.open)
        & SurveyRound.closed_at.is_null()
        & (SurveyRound.closes_at > now)
        & (SurveyRound.closes_at <= until)
    )
    for round_ in rounds:
        round_["committee"] = await User.select(*RECIPIENT_COLUMNS).where(
            (User.role == Role.committee)
            & (User.community == round_["community"])
            & (User.is_active == True)  # noqa: E712
        )
    return rounds


async def followed_categories(organization_id: int | None) -> list[str]:
    """The catalogue categories an organization follows (none for an account of no organization)."""
    if organization_id is None:
        return []
    rows = await OrganizationCategory.select(OrganizationCategory.category).where(
        OrganizationCategory.organization == organization_id
    )
    return sorted(row["category"] for row in rows)


async def catalog_categories() -> list[dict[str, Any]]:
    """The catalogue's categories, to choose from."""
    return await CatalogCategory.select(
        CatalogCategory.code, CatalogCategory.name_zh, CatalogCategory.name_en
    ).order_by(CatalogCategory.id)


async def tender_followers(tender_id: int) -> tuple[dict[str, Any] | None, list[int]]:
    """A published tender and the organizations following a category of its scope's items."""
    tender = await (
        Tender.select(Tender.id, Tender.title, Tender.submission_deadline)
        .where((Tender.id == tender_id) & Tender.published_at.is_not_null())
        .first()
    )
    if tender is None:
        return None, []
    lines = await ScopeLine.select(ScopeLine.catalog_item.category.as_alias("category")).where(
        ScopeLine.tender == tender_id
    )
    codes = await CatalogCategory.select(CatalogCategory.code).where(
        CatalogCategory.id.is_in([row["category"] for row in lines] or [-1])
    )
    categories = sorted({row["code"] for row in codes})
    followers = await OrganizationCategory.select(OrganizationCategory.organization).where(
        OrganizationCategory.category.is_in(categories or ["-"])
    )
    return tender, sorted({row["organization"] for row in followers})


async def bids_closing(now: datetime, until: datetime) -> list[dict[str, Any]]:
    """The published tenders whose bids close between now and ``until``, each with the
    organizations following a category of its items that have not bid on it."""
    tenders = await Tender.select(Tender.id).where(
        Tender.published_at.is_not_null()
        & (Tender.submission_deadline > now)
        & (Tender.submission_deadline <= until)
    )
    closing = []
    for row in tenders:
        tender, followers = await tender_followers(row["id"])
        if tender is None or not followers:
            continue
        bidders = await Bid.select(Bid.organization).where(Bid.tender == row["id"])
        waiting = sorted(set(followers) - {bid["organization"] for bid in bidders})
        closing.append({**tender, "organizations": waiting})
    return closing


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

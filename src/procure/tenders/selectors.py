"""Reads about tenders. Published tenders are public; drafts stay with their department. The
status shown is the one the clock gives (tenders.states.effective_status)."""

from __future__ import annotations

import json
import operator
from datetime import datetime
from functools import reduce
from typing import Any

from procure import clock
from procure.approvals.selectors import COLUMNS as APPROVAL_COLUMNS
from procure.approvals.tables import Approval, ApprovalStatus
from procure.bids.tables import Bid, BidStatus
from procure.db.pagination import Page, PageRequest, Sorting, SortRequest, contains, paginate
from procure.errors import InvalidInput, NotFound
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.tables import Role
from procure.tenders.states import (
    ACCEPTING_BIDS,
    OPENED_STATES,
    TENDER_NOT_FOUND,
    ProcurementMethod,
    TenderStatus,
    awaiting_opening,
    effective_status,
)
from procure.tenders.tables import (
    Clarification,
    EvaluationCriterion,
    ScopeLine,
    Tender,
    TenderAmendment,
    TenderCommunity,
)

SUMMARY_COLUMNS = (
    Tender.id,
    Tender.reference,
    Tender.title,
    Tender.status,
    Tender.method,
    Tender.evaluation_method,
    Tender.ceiling_fen,
    Tender.published_at,
    Tender.clarification_deadline,
    Tender.submission_deadline,
    Tender.department.id.as_alias("department_id"),
    Tender.department.name.as_alias("department_name"),
)


def _visible_to(actor: Actor | None) -> Any:
    """Published tenders are everyone's; a draft (and a draft cancelled before publication) is
    its department's alone: oversight (auditors, administrators, the regulator) reads what the
    department published, and the approvals that asked to publish it."""
    public = Tender.published_at.is_not_null()
    if actor is not None and actor.role == Role.buyer:
        return public | (Tender.department == actor.department_id)
    return public


#: Shown between the submission deadline and the opening job's run (开标中): a read never opens
#: bids, the scheduler does, within seconds.
OPENING = "opening"

#: The tender's PDF documents (procure.pdf.documents) and the states in which each exists: a
#: page links only to a document that exists, so no link answers 409.
DOCUMENT_STATES: dict[str, frozenset[str]] = {
    "opening-record": frozenset({*OPENED_STATES, TenderStatus.unsuccessful}),
    "evaluation-report": frozenset(
        {TenderStatus.evaluation, TenderStatus.awarded, TenderStatus.contracted}
    ),
    "award-notice": frozenset({TenderStatus.awarded, TenderStatus.contracted}),
}


def available_documents(status: str) -> list[str]:
    """The documents a tender in ``status`` (as shown, ``opening`` included) has: its notice
    once published, the opening record once opened, the evaluation report from evaluation on,
    the award notice once awarded."""
    if status == TenderStatus.draft:
        return []
    return [
        "tender-notice",
        *(kind for kind, states in DOCUMENT_STATES.items() if status in states),
    ]


def with_clock(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The row's status as the clock makes it (a passed clarification deadline is a state
    change); a passed submission deadline shows as opening until the opening job has run."""
    if awaiting_opening(row, now):
        row["status"] = OPENING
        return row
    status = effective_status(
        row["status"],
        now=now,
        clarification_deadline=row["clarification_deadline"],
        submission_deadline=row["submission_deadline"],
    )
    row["status"] = str(status)
    return row


def status_is(shown: str, now: datetime) -> Any:
    """The SQL condition for "a reader sees this status" (see with_clock): a tender accepting
    bids moves by itself from published to tendering, and shows as opening once its deadline
    has passed until the opening job has opened it."""
    accepting = Tender.status.is_in(list(ACCEPTING_BIDS))
    if shown == OPENING:
        return accepting & (Tender.submission_deadline <= now)
    stored = Tender.status == shown
    if shown not in ACCEPTING_BIDS:
        return stored
    # Without a submission deadline the stored status stands.
    undated = stored & Tender.submission_deadline.is_null()
    before_deadline = accepting & (Tender.submission_deadline > now)
    if shown == TenderStatus.tendering:
        return undated | (
            before_deadline
            & Tender.clarification_deadline.is_not_null()
            & (Tender.clarification_deadline <= now)
        )
    clarifying = Tender.clarification_deadline.is_null() | (Tender.clarification_deadline > now)
    return undated | (before_deadline & clarifying)


def tender_status(value: str) -> str:
    """A ``status`` filter's value, refused by name when a reader never sees it."""
    if value not in SHOWN_STATUSES:
        raise InvalidInput(
            "status",
            N_("%(value)r is not a tender status (use %(choices)s)"),
            value=value,
            choices=list(SHOWN_STATUSES),
        )
    return value


#: The columns a tender list sorts by (``?sort=``); newest first unless asked.
TENDER_SORTING = Sorting(
    columns={
        "id": Tender.id,
        "reference": Tender.reference,
        "title": Tender.title,
        "method": Tender.method,
        "status": Tender.status,
        "ceiling": Tender.ceiling_fen,
        "deadline": Tender.submission_deadline,
    },
    default=SortRequest("id", descending=True),
    tiebreak=Tender.id,
)


async def tender_page(
    actor: Actor | None,
    paging: PageRequest,
    *,
    order: SortRequest | None = None,
    department_id: int | None = None,
    status: str | None = None,
    method: str | None = None,
    q: str = "",
) -> Page[dict[str, Any]]:
    """One page of the tenders the actor may see, newest first, filtered in SQL by the status
    the clock gives them (one, or several separated by commas), their department, their
    method and a word of their title or reference."""
    now = clock.now()
    where = _visible_to(actor)
    if department_id is not None:
        where &= Tender.department == department_id
    if status and status.strip():
        either = [status_is(tender_status(one.strip()), now) for one in status.split(",")]
        where &= reduce(operator.or_, either)
    if method:
        try:
            where &= Tender.method == ProcurementMethod(method)
        except ValueError:
            raise InvalidInput(
                "method", N_("%(value)r is not a procurement method"), value=method
            ) from None
    if q.strip():
        where &= contains(q.strip(), Tender.title, Tender.reference)
    query = TENDER_SORTING.apply(
        Tender.select(*SUMMARY_COLUMNS).where(where), order or TENDER_SORTING.default
    )
    page = await paginate(query, Tender.count().where(where), paging)
    return page.map(lambda row: with_clock(row, now))


async def tender_detail(actor: Actor | None, tender_id: int) -> dict:
    tender = (
        await Tender.select(
            *SUMMARY_COLUMNS,
            Tender.description,
            Tender.opening_at,
            Tender.standstill_ends_at,
            Tender.short_period_justification,
            Tender.cancel_reason,
        )
        .where((Tender.id == tender_id) & _visible_to(actor))
        .first()
    )
    if tender is None:
        raise NotFound(TENDER_NOT_FOUND, id=tender_id)
    with_clock(tender, clock.now())
    tender["lines"] = await scope_lines(tender_id)
    tender["communities"] = await TenderCommunity.select(
        TenderCommunity.community.code.as_alias("code"),
        TenderCommunity.community.name.as_alias("name"),
    ).where(TenderCommunity.tender == tender_id)
    tender["criteria"] = (
        await EvaluationCriterion.select(
            EvaluationCriterion.code,
            EvaluationCriterion.name,
            EvaluationCriterion.kind,
            EvaluationCriterion.weight,
        )
        .where(EvaluationCriterion.tender == tender_id)
        .order_by(EvaluationCriterion.id)
    )
    tender["clarifications"] = await clarifications(actor, tender_id)
    tender["bid_count"] = await bid_count(tender_id)
    tender["amendments"] = await amendments(tender_id)
    tender["original"] = tender["amendments"][0]["before"] if tender["amendments"] else None
    return tender


def _json(value: Any) -> Any:
    """A JSON column's value (SQLite and asyncpg hand it back as text)."""
    return json.loads(value) if isinstance(value, str) else value


async def amendments(tender_id: int) -> list[dict[str, Any]]:
    """The corrections (更正公告) of a tender in order, each with what it changed (before →
    after), the deadlines before and after and the rule that moved them. The tender is public
    once published, so are its corrections."""
    rows = (
        await TenderAmendment.select()
        .where(TenderAmendment.tender == tender_id)
        .order_by(TenderAmendment.number)
    )
    for row in rows:
        for field in ("changes", "before", "rule"):
            row[field] = _json(row[field])
        for key in MOMENTS & row["before"].keys():
            row["before"][key] = datetime.fromisoformat(row["before"][key])
        for key in MOMENTS & row["changes"].keys():
            row["changes"][key] = {
                side: datetime.fromisoformat(value) for side, value in row["changes"][key].items()
            }
    return rows


#: The instants a correction's JSON keeps as ISO text; pages and the API get datetimes.
MOMENTS = frozenset({"submission_deadline", "clarification_deadline", "published_at"})


async def last_published_at(tender_id: int) -> datetime | None:
    """When the tender's documents were last published: its publication, or its latest
    correction's (a challenge to the documents counts from here, 财政部令第94号 第十条)."""
    tender = await Tender.select(Tender.published_at).where(Tender.id == tender_id).first()
    if tender is None or tender["published_at"] is None:
        return None
    latest = (
        await TenderAmendment.select(TenderAmendment.published_at)
        .where(TenderAmendment.tender == tender_id)
        .order_by(TenderAmendment.number, ascending=False)
        .first()
    )
    return latest["published_at"] if latest else tender["published_at"]


async def scope_lines(tender_id: int) -> list[dict[str, Any]]:
    """The tender's scope lines with their catalog items, in order."""
    return (
        await ScopeLine.select(
            ScopeLine.id,
            ScopeLine.line_no,
            ScopeLine.quantity,
            ScopeLine.description,
            ScopeLine.catalog_item.code.as_alias("item_code"),
            ScopeLine.catalog_item.name.as_alias("item_name"),
            ScopeLine.catalog_item.unit.as_alias("unit"),
        )
        .where(ScopeLine.tender == tender_id)
        .order_by(ScopeLine.line_no)
    )


async def bid_count(tender_id: int) -> int:
    """Before the deadline this number is all that anyone learns about the bids."""
    return await Bid.count().where((Bid.tender == tender_id) & (Bid.status != BidStatus.withdrawn))


async def clarifications(actor: Actor | None, tender_id: int) -> list[dict]:
    """Answered questions for everyone, without the asker; an organization also sees its own
    open questions; the buyer sees every question (still without who asked)."""
    rows = (
        await Clarification.select(
            Clarification.id,
            Clarification.question,
            Clarification.answer,
            Clarification.asked_at,
            Clarification.answered_at,
            Clarification.asked_by,
            Clarification.tender.department.as_alias("department"),
        )
        .where(Clarification.tender == tender_id)
        .order_by(Clarification.asked_at)
    )
    visible = []
    for row in rows:
        mine = (
            actor is not None
            and actor.organization_id is not None
            and row["asked_by"] == actor.organization_id
        )
        owner = (
            actor is not None
            and actor.role == Role.buyer
            and actor.department_id == row["department"]
        )
        if row["answered_at"] is not None or mine or owner:
            visible.append(
                {key: row[key] for key in ("id", "question", "answer", "asked_at", "answered_at")}
                | {"asked_by_me": mine}
            )
    return visible


#: The statuses a reader sees, in their order: the stored ones and opening (开标中).
SHOWN_STATUSES = tuple(
    shown
    for status in TenderStatus
    for shown in ((str(status), OPENING) if status == TenderStatus.tendering else (str(status),))
)


async def count_by_status(actor: Actor | None) -> dict[str, int]:
    """How many tenders the actor may see are in each status a reader sees (opening
    included), counted in SQL."""
    now = clock.now()
    visible = _visible_to(actor)
    return {
        shown: await Tender.count().where(visible & status_is(shown, now))
        for shown in SHOWN_STATUSES
    }


async def last_refused(tender_id: int) -> dict[str, Any] | None:
    """The latest decided request about the tender, if it was refused and nothing was asked
    since: it came back to the handler with the approver's reason."""
    latest = (
        await Approval.select(*APPROVAL_COLUMNS)
        .where(
            (Approval.subject_type == "tender")
            & (Approval.subject_id == str(tender_id))
            & (Approval.status != ApprovalStatus.withdrawn)
        )
        .order_by(Approval.id, ascending=False)
        .first()
    )
    return latest if latest is not None and latest["status"] == ApprovalStatus.refused else None

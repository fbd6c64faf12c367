"""Reads about challenges, complaints and suspensions, scoped to the actor, with every deadline
computed from the clock by ``procure.calendar`` (a read never writes: "not answered in time" is
the clock's verdict, not a status).

Who sees what: the challenger sees its challenge and its complaint; the other organizations that
bid on the tender see each answer (not the grounds, nor who challenged); the buying department
sees the challenges and complaints about its tenders; oversight (regulator, auditor, admin) sees
all. Anything else answers 404.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from procure import calendar, clock
from procure.bids.tables import Award, Bid
from procure.calendar import Deadline
from procure.complaints.tables import (
    Challenge,
    ChallengeStatus,
    ChallengeSubject,
    Complaint,
    ComplaintStatus,
    Suspension,
    SuspensionStatus,
)
from procure.db.pagination import Page, PageRequest, paginate
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.policy import OVERSIGHT_ROLES
from procure.security.tables import Role
from procure.tenders.selectors import last_published_at
from procure.tenders.tables import Tender

#: A challenge about the result that still stands in the way of the contract.
OPEN_CHALLENGE = (ChallengeStatus.filed, ChallengeStatus.upheld, ChallengeStatus.partly_upheld)
PENDING_COMPLAINT = (ComplaintStatus.filed, ComplaintStatus.accepted)
DECIDED_COMPLAINT = (ComplaintStatus.upheld, ComplaintStatus.rejected)
ANSWERED = (
    ChallengeStatus.upheld,
    ChallengeStatus.partly_upheld,
    ChallengeStatus.rejected,
    ChallengeStatus.corrected,
)


class Stage(StrEnum):
    """The procurement steps a remedy can hold up."""

    award = "award"
    contract = "contract"


# -- deadlines -----------------------------------------------------------------


async def knowledge_moment(tender_id: int, subject: ChallengeSubject) -> datetime | None:
    """When the supplier knew or should have known (94号令 第十条): the documents' publication
    (the latest 更正公告's, which changes them), the opening (the submission deadline), or the
    award notice; None before it happened."""
    if subject is ChallengeSubject.result:
        award = await Award.select(Award.decided_at).where(Award.tender == tender_id).first()
        return award["decided_at"] if award else None
    tender = (
        await Tender.select(Tender.published_at, Tender.submission_deadline)
        .where(Tender.id == tender_id)
        .first()
    )
    if tender is None:
        return None
    if subject is ChallengeSubject.documents:
        return await last_published_at(tender_id)
    deadline = tender["submission_deadline"]
    return deadline if deadline is not None and deadline <= clock.now() else None


async def filing_deadline(tender_id: int, subject: ChallengeSubject) -> Deadline | None:
    """The last moment to challenge ``subject`` on the tender; None while the period has not
    begun (the process before the opening: a challenge is in time)."""
    moment = await knowledge_moment(tender_id, subject)
    return None if moment is None else calendar.deadline("challenge", moment)


def answer_deadline(challenge: dict[str, Any]) -> Deadline:
    """The buyer answers within 7 working days of receiving the challenge (第十三条)."""
    return calendar.deadline("challenge_answer", challenge["filed_at"])


def complaint_deadline(challenge: dict[str, Any]) -> Deadline:
    """The challenger complains within 15 working days after the answer period (第十七条)."""
    return calendar.deadline("complaint", answer_deadline(challenge).last_day)


def admissibility_deadline(complaint: dict[str, Any]) -> Deadline:
    return calendar.deadline("complaint_admissibility", complaint["filed_at"])


def decision_deadline(complaint: dict[str, Any]) -> Deadline:
    """30 working days from receiving the complaint (第二十六条)."""
    return calendar.deadline("complaint_decision", complaint["filed_at"])


def shown(deadline: Deadline, now: datetime) -> dict[str, Any]:
    """A deadline as pages and the API show it: the day, the rule, whether it passed."""
    return {**deadline.as_dict(), "passed": deadline.passed(now)}


def may_complain(challenge: dict[str, Any], now: datetime) -> bool:
    """Answered, or not answered in time, and the complaint period still runs."""
    answered_or_late = challenge["status"] in ANSWERED or answer_deadline(challenge).passed(now)
    return answered_or_late and not complaint_deadline(challenge).passed(now)


# -- what holds the procurement up ---------------------------------------------


async def suspension_in_force(tender_id: int, now: datetime) -> dict[str, Any] | None:
    return (
        await Suspension.select()
        .where(
            (Suspension.tender == tender_id)
            & (Suspension.status == SuspensionStatus.in_force)
            & (Suspension.ends_at > now)
        )
        .first()
    )


async def procurement_refusal(tender_id: int, now: datetime, *, stage: Stage) -> Conflict | None:
    """The refusal to let the tender go on to ``stage`` now, or None.

    A suspension by the finance department (94号令 第二十八条) stops the award, the contract
    and its signature. The contract also waits for every challenge about the result to be
    answered (and, if upheld, corrected) and for every complaint about it to be decided."""
    suspension = await suspension_in_force(tender_id, now)
    if suspension is not None:
        return Conflict(
            N_(
                "the finance department suspended this procurement (暂停采购活动) until "
                "%(until)s: %(reason)s (财政部令第94号 第二十八条)"
            ),
            until=calendar.shown_end(suspension["ends_at"]),
            reason=suspension["reason"],
        )
    if stage is Stage.award:
        return None
    challenge = (
        await Challenge.select(Challenge.id, Challenge.status, Challenge.filed_at)
        .where(
            (Challenge.tender == tender_id)
            & (Challenge.subject == ChallengeSubject.result)
            & Challenge.status.is_in(list(OPEN_CHALLENGE))
        )
        .first()
    )
    if challenge is not None:
        if challenge["status"] == ChallengeStatus.filed:
            due = answer_deadline(challenge)
            return Conflict(
                N_(
                    "challenge %(id)s against the result awaits the buyer's written answer "
                    "(due %(due)s, 财政部令第94号 第十三条)"
                ),
                id=challenge["id"],
                due=due.last_day.isoformat(),
            )
        return Conflict(
            N_(
                "challenge %(id)s against the result was upheld; its corrective step must be "
                "taken first (财政部令第94号 第十六条)"
            ),
            id=challenge["id"],
        )
    complaint = (
        await Complaint.select(Complaint.id)
        .where(
            (Complaint.tender == tender_id)
            & (Complaint.challenge.subject == ChallengeSubject.result)
            & Complaint.status.is_in(list(PENDING_COMPLAINT))
        )
        .first()
    )
    if complaint is not None:
        return Conflict(
            N_(
                "complaint %(id)s against the result awaits the finance department's decision "
                "(财政部令第94号 第二十六条)"
            ),
            id=complaint["id"],
        )
    return None


# -- scope ---------------------------------------------------------------------


async def bid_tenders(organization_id: int | None) -> list[int]:
    """The tenders an organization took part in (a bid in any status)."""
    if organization_id is None:
        return []
    rows = await Bid.select(Bid.tender).where(Bid.organization == organization_id)
    return [row["tender"] for row in rows]


async def _challenge_scope(actor: Actor) -> Any:
    if actor.role in OVERSIGHT_ROLES:
        return Challenge.id.is_not_null()
    if actor.role == Role.buyer:
        return Challenge.tender.department == actor.department_id
    if actor.role == Role.organization:
        # Its own challenges, and the answered ones on tenders it bid on.
        bid_on = await bid_tenders(actor.organization_id)
        return (Challenge.organization == actor.organization_id) | (
            Challenge.tender.is_in(bid_on or [-1]) & Challenge.status.is_in(list(ANSWERED))
        )
    return Challenge.id < 0


def _complaint_scope(actor: Actor) -> Any:
    if actor.role in OVERSIGHT_ROLES:
        return Complaint.id.is_not_null()
    if actor.role == Role.buyer:
        return Complaint.tender.department == actor.department_id
    if actor.role == Role.organization:
        return Complaint.organization == actor.organization_id
    return Complaint.id < 0


CHALLENGE_COLUMNS = (
    *Challenge.all_columns(),
    Challenge.tender.reference.as_alias("tender_reference"),
    Challenge.tender.title.as_alias("tender_title"),
    Challenge.tender.department.as_alias("department_id"),
    Challenge.tender.department.name.as_alias("department_name"),  # type: ignore[union-attr]
    Challenge.organization.name.as_alias("organization_name"),
    Challenge.answered_by.display_name.as_alias("answered_by_name"),
)


def _is_party(actor: Actor, row: dict[str, Any]) -> bool:
    """Whether the actor sees the whole challenge, not only its answer."""
    if actor.role == Role.organization:
        return actor.organization_id == row["organization"]
    return True


def _challenge_view(actor: Actor, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    answer = answer_deadline(row)
    view = dict(row)
    view["party"] = _is_party(actor, row)
    if not view["party"]:
        # Another bidder learns the answer, not who challenged or their evidence.
        for hidden in ("grounds", "evidence", "organization_name", "filed_by"):
            view[hidden] = None
        view["organization"] = None
    view["answer_deadline"] = shown(answer, now)
    view["complaint_deadline"] = shown(complaint_deadline(row), now)
    view["overdue"] = row["status"] == ChallengeStatus.filed and answer.passed(now)
    view["answered_late"] = row["answered_at"] is not None and row["answered_at"] > answer.ends_at
    view["may_complain"] = (
        view["party"] and actor.role == Role.organization and may_complain(row, now)
    )
    return view


async def _challenge_views(actor: Actor, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as the actor sees them, with their complaints in one query."""
    now = clock.now()
    complaints = await _complaints_by_challenge(actor, [row["id"] for row in rows])
    views = []
    for row in rows:
        view = _challenge_view(actor, row, now)
        view["complaint"] = complaints.get(row["id"])
        views.append(view)
    return views


def _enum_filter(column: Any, kind: type[StrEnum], value: str, field: str) -> Any:
    try:
        return column == kind(value.strip())
    except ValueError:
        raise InvalidInput(
            field,
            N_("%(value)s is not a status (use %(choices)s)"),
            value=repr(value),
            choices=list(kind),
        ) from None


async def visible_challenges(actor: Actor, *, tender_id: int) -> list[dict]:
    """One tender's challenges the actor may see (a tender has few)."""
    rows = await (
        Challenge.select(*CHALLENGE_COLUMNS)
        .where(await _challenge_scope(actor) & (Challenge.tender == tender_id))
        .order_by(Challenge.id, ascending=False)
    )
    return await _challenge_views(actor, rows)


async def challenge_page(
    actor: Actor, paging: PageRequest, *, tender_id: int | None = None, status: str = ""
) -> Page[dict[str, Any]]:
    """One page of the challenges the actor may see, newest first, filtered in SQL by tender
    and status."""
    condition = await _challenge_scope(actor)
    if tender_id is not None:
        condition &= Challenge.tender == tender_id
    if status.strip():
        condition &= _enum_filter(Challenge.status, ChallengeStatus, status, "status")
    query = (
        Challenge.select(*CHALLENGE_COLUMNS)
        .where(condition)
        .order_by(Challenge.id, ascending=False)
    )
    page = await paginate(query, Challenge.count().where(condition), paging)
    return Page(await _challenge_views(actor, page.items), page.total, page.page, page.per_page)


async def _complaints_by_challenge(actor: Actor, challenge_ids: list[int]) -> dict[int, dict]:
    if not challenge_ids:
        return {}
    rows = await Complaint.select(Complaint.id, Complaint.challenge, Complaint.status).where(
        _complaint_scope(actor) & Complaint.challenge.is_in(challenge_ids)
    )
    return {row["challenge"]: row for row in rows}


async def challenge_detail(actor: Actor, challenge_id: int) -> dict[str, Any]:
    row = (
        await Challenge.select(*CHALLENGE_COLUMNS)
        .where((Challenge.id == challenge_id) & await _challenge_scope(actor))
        .first()
    )
    if row is None:
        raise NotFound(N_("challenge %(id)s not found"), id=challenge_id)
    view = _challenge_view(actor, row, clock.now())
    view["complaint"] = (await _complaints_by_challenge(actor, [challenge_id])).get(challenge_id)
    filing = await filing_deadline(row["tender"], ChallengeSubject(row["subject"]))
    view["filing_deadline"] = shown(filing, row["filed_at"]) if filing else None
    return view


COMPLAINT_COLUMNS = (
    *Complaint.all_columns(),
    Complaint.challenge.subject.as_alias("subject"),
    Complaint.challenge.status.as_alias("challenge_status"),
    Complaint.tender.reference.as_alias("tender_reference"),
    Complaint.tender.title.as_alias("tender_title"),
    Complaint.tender.department.as_alias("department_id"),
    Complaint.tender.department.name.as_alias("department_name"),  # type: ignore[union-attr]
    Complaint.organization.name.as_alias("organization_name"),
)


async def _suspensions(tender_ids: list[int], now: datetime) -> dict[int, list[dict]]:
    if not tender_ids:
        return {}
    rows = await (
        Suspension.select()
        .where(Suspension.tender.is_in(tender_ids))
        .order_by(Suspension.id, ascending=False)
    )
    found: dict[int, list[dict]] = {}
    for row in rows:
        row["running"] = row["status"] == SuspensionStatus.in_force and row["ends_at"] > now
        found.setdefault(row["tender"], []).append(row)
    return found


def _complaint_view(row: dict[str, Any], now: datetime, suspensions: list[dict]) -> dict:
    view = dict(row)
    admissibility = admissibility_deadline(row)
    decision = decision_deadline(row)
    view["admissibility_deadline"] = shown(admissibility, now)
    view["decision_deadline"] = shown(decision, now)
    view["admissibility_overdue"] = row["status"] == ComplaintStatus.filed and admissibility.passed(
        now
    )
    view["decision_overdue"] = row["status"] in PENDING_COMPLAINT and decision.passed(now)
    view["suspensions"] = [s for s in suspensions if s["complaint"] == row["id"]]
    view["suspended"] = any(s["running"] for s in suspensions)
    return view


async def complaint_page(
    actor: Actor, paging: PageRequest, *, tender_id: int | None = None, status: str = ""
) -> Page[dict[str, Any]]:
    """One page of the complaints the actor may see, newest first, filtered in SQL by tender
    and status; the page's suspensions are read in one query."""
    condition = _complaint_scope(actor)
    if tender_id is not None:
        condition &= Complaint.tender == tender_id
    if status.strip():
        condition &= _enum_filter(Complaint.status, ComplaintStatus, status, "status")
    query = (
        Complaint.select(*COMPLAINT_COLUMNS)
        .where(condition)
        .order_by(Complaint.id, ascending=False)
    )
    page = await paginate(query, Complaint.count().where(condition), paging)
    now = clock.now()
    suspensions = await _suspensions(sorted({row["tender"] for row in page.items}), now)
    return page.map(lambda row: _complaint_view(row, now, suspensions.get(row["tender"], [])))


async def complaint_detail(actor: Actor, complaint_id: int) -> dict[str, Any]:
    row = (
        await Complaint.select(*COMPLAINT_COLUMNS)
        .where((Complaint.id == complaint_id) & _complaint_scope(actor))
        .first()
    )
    if row is None:
        raise NotFound(N_("complaint %(id)s not found"), id=complaint_id)
    now = clock.now()
    suspensions = await _suspensions([row["tender"]], now)
    view = _complaint_view(row, now, suspensions.get(row["tender"], []))
    view["suspension_limit"] = shown(calendar.deadline("suspension", now), now)
    return view


# -- the tender page and the public --------------------------------------------


async def challenge_windows(tender_id: int, now: datetime) -> list[dict[str, Any]]:
    """Each subject's challenge period on the tender as the challenge form shows it."""
    windows = []
    for subject in ChallengeSubject:
        deadline = await filing_deadline(tender_id, subject)
        windows.append(
            {
                "subject": subject.value,
                "deadline": shown(deadline, now) if deadline else None,
                "open": (deadline is None or not deadline.passed(now))
                and (subject is not ChallengeSubject.result or deadline is not None),
            }
        )
    return windows


async def tender_remedies(actor: Actor | None, tender_id: int) -> dict[str, Any]:
    """What the tender page shows about remedies: the challenges the actor may see, whether it
    may challenge, and a suspension in force (public)."""
    now = clock.now()
    remedies: dict[str, Any] = {
        "suspension": await suspension_in_force(tender_id, now),
        "challenges": [],
        "may_challenge": False,
    }
    if actor is None or actor.role not in {Role.buyer, Role.organization, *OVERSIGHT_ROLES}:
        return remedies
    remedies["challenges"] = await visible_challenges(actor, tender_id=tender_id)
    if actor.role == Role.organization:
        remedies["may_challenge"] = tender_id in await bid_tenders(actor.organization_id)
    return remedies


def _decided(*, tender_id: int | None = None, complaint_id: int | None = None) -> Any:
    condition: Any = Complaint.status.is_in(list(DECIDED_COMPLAINT))
    if tender_id is not None:
        condition = condition & (Complaint.tender == tender_id)
    if complaint_id is not None:
        condition = condition & (Complaint.id == complaint_id)
    return condition


async def published_decision_page(
    paging: PageRequest, *, tender_id: int | None = None
) -> Page[dict[str, Any]]:
    """One page of the published decisions, the latest first, of every tender or of one."""
    condition = _decided(tender_id=tender_id)
    return await paginate(_published(condition), Complaint.count().where(condition), paging)


async def published_decisions(
    *, tender_id: int | None = None, complaint_id: int | None = None
) -> list[dict[str, Any]]:
    """Decided complaints as the public sees them (94号令 第三十三条): who complained about
    which tender, the outcome and the decision's public text; never the grounds. Of one
    tender or one complaint (few); every tender's are paged by published_decision_page."""
    return await _published(_decided(tender_id=tender_id, complaint_id=complaint_id))


def _published(condition: Any) -> Any:
    return (
        Complaint.select(
            Complaint.id,
            Complaint.status,
            Complaint.public_text,
            Complaint.decided_at,
            Complaint.filed_at,
            Complaint.tender.as_alias("tender_id"),
            Complaint.tender.reference.as_alias("tender_reference"),
            Complaint.tender.title.as_alias("tender_title"),
            Complaint.tender.department.name.as_alias("department_name"),  # type: ignore[union-attr]
            Complaint.organization.name.as_alias("organization_name"),
            Complaint.challenge.subject.as_alias("subject"),
        )
        .where(condition)
        .order_by(Complaint.decided_at, ascending=False)
        .order_by(Complaint.id, ascending=False)
    )


async def published_decision(complaint_id: int) -> dict[str, Any]:
    rows = await published_decisions(complaint_id=complaint_id)
    if not rows:
        raise NotFound(N_("complaint decision %(id)s not found"), id=complaint_id)
    decision = rows[0]
    decision["suspensions"] = (await _suspensions([decision["tender_id"]], clock.now())).get(
        decision["tender_id"], []
    )
    return decision

"""Writes about remedies (财政部令第94号): a bidder's challenge, the buyer's written answer and
corrective step, the challenger's complaint, the finance department's admissibility decision,
decision and suspension. Each checks who acts and the deadline by the server's clock, writes in
one transaction with its audit event, and changes a status only through ``complaints.states``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from procure import calendar, clock
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.complaints.schemas import (
    AdmissibilityIn,
    AnswerIn,
    ChallengeIn,
    ComplaintIn,
    DecisionIn,
    SuspensionIn,
)
from procure.complaints.selectors import (
    PENDING_COMPLAINT,
    answer_deadline,
    bid_tenders,
    complaint_deadline,
    filing_deadline,
    knowledge_moment,
    may_complain,
)
from procure.complaints.states import (
    ANSWER_STEPS,
    CHALLENGE,
    COMPLAINT,
    DECISION_STEPS,
    SUSPENSION,
    ChallengeStep,
    ComplaintStep,
    SuspensionStep,
)
from procure.complaints.tables import (
    Challenge,
    ChallengeStatus,
    ChallengeSubject,
    Complaint,
    ComplaintStatus,
    Suspension,
    SuspensionStatus,
)
from procure.db import lock_rows, transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_
from procure.lifecycle import advance
from procure.security.actors import Actor
from procure.security.tables import Role
from procure.tenders.states import TenderStatus
from procure.tenders.tables import Tender

#: Steps of the procurement a suspension can still hold up.
SUSPENDABLE = (
    TenderStatus.published,
    TenderStatus.tendering,
    TenderStatus.opened,
    TenderStatus.evaluation,
    TenderStatus.awarded,
)

#: "The challenge period ended", by what the challenge is against (each its own catalog message:
#: the step reads as a phrase of the sentence in every language).
PERIOD_ENDED = {
    ChallengeSubject.documents: N_(
        "the challenge period against the documents ended on %(day)s (%(rule)s, counted from "
        "%(knew)s)"
    ),
    ChallengeSubject.process: N_(
        "the challenge period against the process ended on %(day)s (%(rule)s, counted from "
        "%(knew)s)"
    ),
    ChallengeSubject.result: N_(
        "the challenge period against the result ended on %(day)s (%(rule)s, counted from %(knew)s)"
    ),
}

#: "Challenged already", by what the challenge is against.
CHALLENGED_ALREADY = {
    ChallengeSubject.documents: N_(
        "your organization has challenged the documents of this tender already: a supplier "
        "challenges each step once, with all its grounds (财政部令第94号 第十一条)"
    ),
    ChallengeSubject.process: N_(
        "your organization has challenged the process of this tender already: a supplier "
        "challenges each step once, with all its grounds (财政部令第94号 第十一条)"
    ),
    ChallengeSubject.result: N_(
        "your organization has challenged the result of this tender already: a supplier "
        "challenges each step once, with all its grounds (财政部令第94号 第十一条)"
    ),
}


async def _locked_tender(tender_id: int) -> dict[str, Any]:
    """The published tender, its row locked for this transaction (a no-op UPDATE) so that
    filings about it queue; a draft does not exist for a supplier."""
    await lock_rows(Tender.status, Tender.id == tender_id)
    tender = await Tender.select().where(Tender.id == tender_id).first()
    if tender is None or tender["status"] == TenderStatus.draft:
        raise NotFound(N_("tender %(id)s not found"), id=tender_id)
    return tender


# -- the challenge (质疑) ------------------------------------------------------


async def challenge_file(*, actor: Actor, tender_id: int, data: ChallengeIn) -> int:
    """A bidder challenges the documents, the process or the result within 7 working days of
    the day it knew (94号令 第十条, 第十一条); returns the challenge's id."""
    if actor.role != Role.organization or actor.organization_id is None:
        raise NotFound(N_("tender %(id)s not found"), id=tender_id)
    subject = ChallengeSubject(data.subject)
    now = clock.now()
    async with transaction():
        await _locked_tender(tender_id)
        if tender_id not in await bid_tenders(actor.organization_id):
            raise Conflict(
                N_(
                    "only a supplier that took part in this tender (a bid on it) may challenge "
                    "it (财政部令第94号 第十一条)"
                )
            )
        if (
            subject is ChallengeSubject.result
            and await knowledge_moment(tender_id, subject) is None
        ):
            raise Conflict(N_("there is no award notice yet: the result cannot be challenged"))
        deadline = await filing_deadline(tender_id, subject)
        if deadline is not None and deadline.passed(now):
            raise Conflict(
                PERIOD_ENDED[subject],
                day=deadline.last_day.isoformat(),
                rule=deadline.rule,
                knew=_day(await knowledge_moment(tender_id, subject)),
            )
        if await Challenge.exists().where(
            (Challenge.tender == tender_id)
            & (Challenge.organization == actor.organization_id)
            & (Challenge.subject == subject)
        ):
            raise Conflict(CHALLENGED_ALREADY[subject])
        knew = await knowledge_moment(tender_id, subject)
        rows = await Challenge.insert(
            Challenge(
                tender=tender_id,
                organization=actor.organization_id,
                filed_by=actor.id,
                subject=subject,
                status=ChallengeStatus.filed,
                grounds=data.grounds.strip(),
                evidence=data.evidence.strip(),
                filed_at=now,
                knew_on=calendar.local_day(knew) if knew else None,
            )
        ).returning(Challenge.id)
        challenge_id = int(rows[0]["id"])
        await record(
            actor=actor,
            action=AuditAction.challenge_filed,
            subject_type="challenge",
            subject_id=challenge_id,
            data={
                "tender": tender_id,
                "subject": subject.value,
                "filing_deadline": deadline.as_dict() if deadline else None,
                "answer_deadline": calendar.deadline("challenge_answer", now).as_dict(),
            },
        )
    return challenge_id


def _day(moment: datetime | None) -> str:
    return calendar.local_day(moment).isoformat() if moment else "—"


async def _department_challenge(actor: Actor, challenge_id: int) -> dict[str, Any]:
    """A challenge about a tender of the buyer's department; any other does not exist."""
    row = None
    if actor.role == Role.buyer and actor.department_id is not None:
        row = (
            await Challenge.select()
            .where(
                (Challenge.id == challenge_id)
                & (Challenge.tender.department == actor.department_id)
            )
            .first()
        )
    if row is None:
        raise NotFound(N_("challenge %(id)s not found"), id=challenge_id)
    return row


async def challenge_answer(*, actor: Actor, challenge_id: int, data: AnswerIn) -> None:
    """The buyer answers in writing (94号令 第十三条, 第十四条): upheld, partly upheld or
    rejected, with its reasons; an upheld challenge names its corrective step (第十六条)."""
    outcome = ChallengeStatus(data.outcome)
    answer = data.answer.strip()
    if not answer:
        raise InvalidInput("answer", N_("the answer gives its reasons in writing"))
    upheld = outcome is not ChallengeStatus.rejected
    if upheld and data.corrective_step is None:
        raise InvalidInput(
            "corrective_step",
            N_(
                "an upheld challenge names its corrective step: amend the documents, "
                "re-evaluate or re-procure (财政部令第94号 第十六条)"
            ),
        )
    step = data.corrective_step.value if upheld and data.corrective_step else ""
    async with transaction():
        row = await _department_challenge(actor, challenge_id)
        now = clock.now()
        await advance(
            CHALLENGE,
            row_id=challenge_id,
            action=ANSWER_STEPS[outcome],
            actor=actor,
            values={
                Challenge.answer: answer,
                Challenge.corrective_step: step,
                Challenge.answered_by: actor.id,
                Challenge.answered_at: now,
            },
            audit_data={
                "tender": row["tender"],
                "corrective_step": step,
                "in_time": not answer_deadline(row).passed(now),
            },
        )


async def challenge_correct(*, actor: Actor, challenge_id: int, note: str) -> None:
    """The buyer records that the upheld challenge's corrective step has been taken."""
    note = note.strip()
    if not note:
        raise InvalidInput("note", N_("say what was done (the amendment, the re-evaluation…)"))
    async with transaction():
        row = await _department_challenge(actor, challenge_id)
        await advance(
            CHALLENGE,
            row_id=challenge_id,
            action=ChallengeStep.correct,
            actor=actor,
            values={
                Challenge.correction_note: note,
                Challenge.corrected_by: actor.id,
                Challenge.corrected_at: clock.now(),
            },
            audit_data={"tender": row["tender"], "corrective_step": row["corrective_step"]},
        )


# -- the complaint (投诉) ------------------------------------------------------


async def complaint_file(*, actor: Actor, challenge_id: int, data: ComplaintIn) -> int:
    """The challenger, unsatisfied with the answer or not answered in time, complains to the
    finance department within 15 working days after the answer period (94号令 第十七条)."""
    row = None
    if actor.role == Role.organization and actor.organization_id is not None:
        row = (
            await Challenge.select()
            .where(
                (Challenge.id == challenge_id) & (Challenge.organization == actor.organization_id)
            )
            .first()
        )
    if row is None:
        raise NotFound(N_("challenge %(id)s not found"), id=challenge_id)
    now = clock.now()
    async with transaction():
        # The challenge's row lock: parallel complaints about it queue.
        await lock_rows(Challenge.status, Challenge.id == challenge_id)
        row = await Challenge.select().where(Challenge.id == challenge_id).first()
        assert row is not None
        if not may_complain(row, now):
            answer = answer_deadline(row)
            if row["status"] == ChallengeStatus.filed and not answer.passed(now):
                raise Conflict(
                    N_(
                        "the buyer may answer until %(day)s (%(rule)s); a complaint comes after "
                        "the answer or after that day (财政部令第94号 第十七条)"
                    ),
                    day=answer.last_day.isoformat(),
                    rule=answer.rule,
                )
            late = complaint_deadline(row)
            raise Conflict(
                N_(
                    "the complaint period ended on %(day)s (%(rule)s, counted from the answer "
                    "deadline %(answer)s)"
                ),
                day=late.last_day.isoformat(),
                rule=late.rule,
                answer=answer.last_day.isoformat(),
            )
        if await Complaint.exists().where(Complaint.challenge == challenge_id):
            raise Conflict(
                N_("challenge %(id)s has been complained about already"), id=challenge_id
            )
        rows = await Complaint.insert(
            Complaint(
                challenge=challenge_id,
                tender=row["tender"],
                organization=row["organization"],
                filed_by=actor.id,
                status=ComplaintStatus.filed,
                grounds=data.grounds.strip(),
                filed_at=now,
            )
        ).returning(Complaint.id)
        complaint_id = int(rows[0]["id"])
        await record(
            actor=actor,
            action=AuditAction.complaint_filed,
            subject_type="complaint",
            subject_id=complaint_id,
            data={
                "challenge": challenge_id,
                "tender": row["tender"],
                "complaint_deadline": complaint_deadline(row).as_dict(),
                "admissibility_deadline": calendar.deadline(
                    "complaint_admissibility", now
                ).as_dict(),
            },
        )
    return complaint_id


def _regulator(actor: Actor) -> None:
    if actor.role != Role.regulator:
        raise NotFound(N_("not found"))


async def complaint_admit(*, actor: Actor, complaint_id: int, data: AdmissibilityIn) -> None:
    """The finance department accepts the complaint or, with its reason, does not
    (94号令 第二十一条)."""
    _regulator(actor)
    reason = data.reason.strip()
    if not data.accept and not reason:
        raise InvalidInput(
            "reason", N_("a complaint not accepted is told why (财政部令第94号 第二十一条)")
        )
    async with transaction():
        await advance(
            COMPLAINT,
            row_id=complaint_id,
            action=ComplaintStep.accept if data.accept else ComplaintStep.refuse,
            actor=actor,
            values={
                Complaint.admissibility_reason: reason,
                Complaint.admitted_by: actor.id,
                Complaint.admitted_at: clock.now(),
            },
            audit_data={"reason": reason},
        )


async def complaint_decide(*, actor: Actor, complaint_id: int, data: DecisionIn) -> None:
    """The finance department decides an accepted complaint; the text is published
    (94号令 第二十九条, 第三十三条)."""
    _regulator(actor)
    text = data.public_text.strip()
    if not text:
        raise InvalidInput("public_text", N_("the decision is published with its reasons"))
    outcome = ComplaintStatus(data.outcome)
    async with transaction():
        await advance(
            COMPLAINT,
            row_id=complaint_id,
            action=DECISION_STEPS[outcome],
            actor=actor,
            values={
                Complaint.public_text: text,
                Complaint.decided_by: actor.id,
                Complaint.decided_at: clock.now(),
            },
        )


# -- the suspension (暂停采购活动) ---------------------------------------------


async def suspension_order(*, actor: Actor, complaint_id: int, data: SuspensionIn) -> int:
    """While it handles a complaint the finance department may suspend the procurement for up to
    30 days (94号令 第二十八条); returns the suspension's id."""
    _regulator(actor)
    reason = data.reason.strip()
    if not reason:
        raise InvalidInput("reason", N_("a suspension says why"))
    now = clock.now()
    limit = calendar.deadline("suspension", now)
    until = data.until or limit.last_day
    if until < calendar.local_day(now):
        raise InvalidInput("until", N_("the suspension's last day cannot be in the past"))
    if until > limit.last_day:
        raise InvalidInput(
            "until",
            N_("a suspension lasts at most until %(day)s (%(rule)s)"),
            day=limit.last_day.isoformat(),
            rule=limit.rule,
        )
    async with transaction():
        complaint = await Complaint.select().where(Complaint.id == complaint_id).first()
        if complaint is None:
            raise NotFound(N_("complaint %(id)s not found"), id=complaint_id)
        if complaint["status"] not in PENDING_COMPLAINT:
            raise Conflict(
                N_(
                    "complaint %(id)s is %(status)s; a procurement is suspended only while its "
                    "complaint is handled"
                ),
                id=complaint_id,
                status=ComplaintStatus(complaint["status"]),
            )
        tender = await _locked_tender(complaint["tender"])
        if tender["status"] not in SUSPENDABLE:
            raise Conflict(
                N_("tender is %(status)s; there is nothing left to suspend"),
                status=TenderStatus(tender["status"]),
            )
        key = f"tender:{tender['id']}"
        current = await Suspension.select().where(Suspension.in_force_key == key).first()
        if current is not None:
            if current["ends_at"] > now:
                raise Conflict(
                    N_("the procurement is suspended already until %(until)s"),
                    until=calendar.shown_end(current["ends_at"]),
                )
            await advance(
                SUSPENSION,
                row_id=current["id"],
                action=SuspensionStep.expire,
                actor=actor,
                values={Suspension.in_force_key: None},
            )
        rows = await Suspension.insert(
            Suspension(
                tender=tender["id"],
                complaint=complaint_id,
                ordered_by=actor.id,
                status=SuspensionStatus.in_force,
                reason=reason,
                starts_at=now,
                ends_at=calendar.end_of(until),
                in_force_key=key,
            )
        ).returning(Suspension.id)
        suspension_id = int(rows[0]["id"])
        await record(
            actor=actor,
            action=AuditAction.procurement_suspended,
            subject_type="suspension",
            subject_id=suspension_id,
            data={
                "tender": tender["id"],
                "complaint": complaint_id,
                "until": until.isoformat(),
                "limit": limit.as_dict(),
            },
        )
    return suspension_id


async def suspension_lift(*, actor: Actor, suspension_id: int, reason: str) -> int:
    """The finance department lifts a suspension before it ends; returns its tender's id."""
    _regulator(actor)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", N_("lifting a suspension says why"))
    async with transaction():
        current = await Suspension.select().where(Suspension.id == suspension_id).first()
        if current is None:
            raise NotFound(N_("suspension %(id)s not found"), id=suspension_id)
        if current["ends_at"] <= clock.now():
            raise Conflict(
                N_("the suspension ended on %(day)s"), day=calendar.shown_end(current["ends_at"])
            )
        row = await advance(
            SUSPENSION,
            row_id=suspension_id,
            action=SuspensionStep.lift,
            actor=actor,
            values={
                Suspension.lifted_by: actor.id,
                Suspension.lifted_at: clock.now(),
                Suspension.lift_reason: reason,
                Suspension.in_force_key: None,
            },
            audit_data={"reason": reason},
        )
    return int(row["tender"])

"""Writes about tenders: drafting, publishing, cancelling, clarifications. Each checks the
actor's ownership again, writes in one transaction and records its audit event there.

Publishing, cancelling and correcting a published tender (更正公告) need two people
(maker–checker): a handler (经办) of the department requests the step, an approver
(审批负责人) other than the handler carries it out by approving (procure.approvals).
Every change of the tender's status goes through the TENDER transition
table (tenders.transitions) with lifecycle.advance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from procure import calendar, clock
from procure.approvals.selectors import pending_for
from procure.approvals.services import approval_request, executes, require_handler
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.bids.states import BID, BidStep
from procure.bids.tables import Bid
from procure.catalog.tables import CatalogItem
from procure.db import lock_rows, transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.geography.tables import Community
from procure.i18n import N_
from procure.jobs import SubjectType, Trigger, record_event
from procure.keyring import get_keyring
from procure.lifecycle import advance, advance_all
from procure.policy import PeriodUnit, get_policy
from procure.security.actors import Actor
from procure.security.tables import Role, User
from procure.settings import get_settings
from procure.tenders.schemas import TenderAmendmentIn, TenderIn
from procure.tenders.states import (
    ACCEPTING_BIDS,
    CANCELLABLE,
    TENDER_NOT_FOUND,
    CriterionKind,
    EvaluationMethod,
    TenderStatus,
    effective_status,
)
from procure.tenders.tables import (
    Clarification,
    EvaluationCriterion,
    NeedEvidence,
    ScopeLine,
    Tender,
    TenderAmendment,
    TenderCommunity,
)
from procure.tenders.transitions import TENDER, TenderStep


def check_criteria(method: EvaluationMethod, criteria: Sequence[Any]) -> None:
    """综合评分法 needs one price criterion inside the policy's price-weight range plus technical
    criteria, all summing to 100; 最低评标价法 is price alone."""
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        raise InvalidInput("criteria", N_("criterion codes must be unique"))
    price = [c for c in criteria if c.kind == CriterionKind.price]
    technical = [c for c in criteria if c.kind == CriterionKind.technical]
    if len(price) != 1:
        raise InvalidInput("criteria", N_("exactly one price criterion is required"))
    if method == EvaluationMethod.lowest_price:
        if technical or price[0].weight != 100:
            raise InvalidInput(
                "criteria",
                N_("最低评标价法 evaluates price alone: one price criterion weighing 100"),
            )
        return
    bounds = get_policy().procurement.price_weight
    if not bounds.minimum <= price[0].weight <= bounds.maximum:
        raise InvalidInput(
            "criteria",
            N_(
                "the price weight must be between %(minimum)s and %(maximum)s for services "
                "(财政部令第87号 Art. 55), got %(weight)s"
            ),
            minimum=bounds.minimum,
            maximum=bounds.maximum,
            weight=price[0].weight,
        )
    if not technical:
        raise InvalidInput("criteria", N_("综合评分法 needs at least one technical criterion"))
    total = sum(c.weight for c in criteria)
    if total != 100:
        raise InvalidInput("criteria", N_("weights must sum to 100, got %(total)s"), total=total)


async def _resolve(data: TenderIn, actor: Actor) -> dict[str, Any]:
    """Turn the codes and usernames of the input into ids, naming the first one that is unknown."""
    if data.submission_deadline <= data.clarification_deadline:
        raise InvalidInput("submission_deadline", N_("must be after the clarification deadline"))
    check_criteria(data.evaluation_method, data.criteria)
    items = {
        row["code"]: row["id"]
        for row in await CatalogItem.select(CatalogItem.id, CatalogItem.code).where(
            CatalogItem.code.is_in([line.item_code for line in data.lines])
            & CatalogItem.active.eq(True)
        )
    }
    for index, line in enumerate(data.lines):
        if line.item_code not in items:
            raise InvalidInput(
                f"lines[{index}].item_code",
                N_("no active catalog item %(code)r"),
                code=line.item_code,
            )
    codes = sorted(
        set(data.communities) | {e.community_code for e in data.need_evidence if e.community_code}
    )
    communities = {
        row["code"]: row["id"]
        for row in await Community.select(Community.id, Community.code).where(
            Community.code.is_in(codes)
        )
    }
    for code in codes:
        if code not in communities:
            raise InvalidInput("communities", N_("no community %(code)r"), code=code)
    return {"items": items, "communities": communities}


async def _write_parts(tender_id: int, data: TenderIn, ids: dict[str, Any]) -> None:
    for table in (TenderCommunity, ScopeLine, EvaluationCriterion, NeedEvidence):
        await table.delete().where(table.tender == tender_id)
    for code in dict.fromkeys(data.communities):
        await TenderCommunity.insert(
            TenderCommunity(tender=tender_id, community=ids["communities"][code])
        )
    for line_no, line in enumerate(data.lines, start=1):
        await ScopeLine.insert(
            ScopeLine(
                tender=tender_id,
                line_no=line_no,
                catalog_item=ids["items"][line.item_code],
                quantity=line.quantity,
                description=line.description,
            )
        )
    for criterion in data.criteria:
        await EvaluationCriterion.insert(
            EvaluationCriterion(tender=tender_id, **criterion.model_dump())
        )
    for evidence in data.need_evidence:
        community = (
            ids["communities"].get(evidence.community_code) if evidence.community_code else None
        )
        await NeedEvidence.insert(
            NeedEvidence(
                tender=tender_id,
                community=community,
                kind=evidence.kind,
                summary=evidence.summary,
            )
        )


def _header(data: TenderIn) -> dict[str, Any]:
    return {
        "title": data.title,
        "description": data.description,
        "method": data.method,
        "evaluation_method": data.evaluation_method,
        "ceiling_fen": data.ceiling_fen,
        "clarification_deadline": data.clarification_deadline.astimezone(UTC),
        "submission_deadline": data.submission_deadline.astimezone(UTC),
        "opening_at": data.submission_deadline.astimezone(UTC),
    }


async def tender_create(*, actor: Actor, data: TenderIn) -> int:
    """A draft tender of the buyer's department; its reference is CG-<year>-<id>."""
    if actor.role != Role.buyer or actor.department_id is None:
        raise NotFound(N_("only a buyer drafts tenders"))
    ids = await _resolve(data, actor)
    bid_key = get_keyring().new_key()
    async with transaction():
        rows = await Tender.insert(
            Tender(
                reference=f"draft-{clock.now().timestamp()}-{actor.id}",
                department=actor.department_id,
                status=TenderStatus.draft,
                created_by=actor.id,
                wrapped_bid_key=bid_key.wrapped,
                bid_key_version=bid_key.version,
                **_header(data),
            )
        )
        tender_id: int = rows[0]["id"]
        reference = f"CG-{clock.now().year}-{tender_id:04d}"
        await Tender.update({Tender.reference: reference}).where(Tender.id == tender_id)
        await _write_parts(tender_id, data, ids)
        await record(
            actor=actor,
            action=AuditAction.tender_created,
            subject_type="tender",
            subject_id=tender_id,
            data={"reference": reference, "title": data.title},
        )
    return tender_id


async def own_tender(actor: Actor, tender_id: int) -> dict[str, Any]:
    """The tender, if it belongs to the buyer's department; otherwise it does not exist for them."""
    row = (
        await Tender.select()
        .where((Tender.id == tender_id) & (Tender.department == actor.department_id))
        .first()
    )
    if row is None:
        raise NotFound(TENDER_NOT_FOUND, id=tender_id)
    return row


#: The approval kinds of the tender's steps that need an approver (maker–checker).
PUBLISH = "tender.publish"
CANCEL = "tender.cancel"
#: The approval kind of a correction to a published tender (更正公告).
AMEND = "tender.amend"


#: What a pending request about the tender waits to do, by its kind.
PENDING = {
    PUBLISH: N_(
        "Approval request %(id)s to publish this tender is already pending; wait for the "
        "decision or withdraw it"
    ),
    CANCEL: N_(
        "Approval request %(id)s to cancel this tender is already pending; wait for the "
        "decision or withdraw it"
    ),
    AMEND: N_(
        "Approval request %(id)s to correct this tender is already pending; wait for the "
        "decision or withdraw it"
    ),
}
#: A pending request of another kind (the award's, bids.services).
OTHER_PENDING = N_(
    "Approval request %(id)s about this tender is already pending; wait for the decision or "
    "withdraw it"
)


async def _pending_requests(tender_id: int) -> list[dict[str, Any]]:
    return await pending_for("tender", tender_id)


async def _refuse_if_pending(tender_id: int) -> None:
    """One request about the tender at a time: another while one is pending is a 409 naming it."""
    for pending in await _pending_requests(tender_id):
        raise Conflict(PENDING.get(pending["kind"], OTHER_PENDING), id=pending["id"])


async def _locked_own_tender(actor: Actor, tender_id: int) -> dict[str, Any]:
    """The department's tender, its row locked for this transaction (a no-op UPDATE), so that
    requests about it queue: the second sees the first's pending request and gets a 409."""
    await lock_rows(
        Tender.status, (Tender.id == tender_id) & (Tender.department == actor.department_id)
    )
    return await own_tender(actor, tender_id)


async def tender_update(*, actor: Actor, tender_id: int, data: TenderIn) -> None:
    """Edit a draft. While a request to publish it awaits approval the draft is frozen (409
    naming the request): the approver approves exactly what the handler submitted. The handler
    withdraws the request first (POST /api/v1/approvals/{id}/withdraw) to edit again."""
    ids = await _resolve(data, actor)
    async with transaction():
        tender = await own_tender(actor, tender_id)
        if tender["status"] != TenderStatus.draft:
            raise Conflict(
                N_("only a draft can be edited; a published tender changes by clarification")
            )
        for pending in await _pending_requests(tender_id):
            if pending["kind"] == PUBLISH:
                raise Conflict(
                    N_(
                        "approval request %(id)s to publish this draft is pending; the draft "
                        "cannot change under the approver — withdraw the request "
                        "(POST /api/v1/approvals/%(id)s/withdraw) to edit it"
                    ),
                    id=pending["id"],
                )
        await Tender.update(_header(data)).where(Tender.id == tender_id)  # type: ignore[arg-type]
        await _write_parts(tender_id, data, ids)
        await record(
            actor=actor,
            action=AuditAction.tender_updated,
            subject_type="tender",
            subject_id=tender_id,
            data={"title": data.title},
        )


#: A submission period shorter than the method's minimum, by the minimum's unit.
SHORT_PERIOD = {
    PeriodUnit.working: N_(
        "the submission period must last at least %(days)s working days for %(method)s "
        "(%(basis)s): the deadline may fall on %(earliest)s at the earliest; give "
        "short_period_justification to publish it"
    ),
    PeriodUnit.calendar: N_(
        "the submission period must last at least %(days)s days for %(method)s (%(basis)s): "
        "the deadline may fall on %(earliest)s at the earliest; give short_period_justification "
        "to publish it"
    ),
}


async def _publishable(
    tender: dict[str, Any], *, now: datetime, justification: str
) -> dict[str, Any]:
    """Everything publishing checks, as of ``now``: the draft's deadlines, its criteria and the
    minimum submission period (or a justification for a shorter one). Returns the period facts
    the audit event and the tender keep."""
    if tender["status"] != TenderStatus.draft:
        raise Conflict(
            N_("tender is %(status)s, only a draft can be published"),
            status=TenderStatus(tender["status"]),
        )
    if tender["clarification_deadline"] <= now:
        raise InvalidInput(
            "clarification_deadline", N_("has already passed; move it into the future")
        )
    criteria = await EvaluationCriterion.select().where(EvaluationCriterion.tender == tender["id"])
    check_criteria(
        EvaluationMethod(tender["evaluation_method"]), [SimpleNamespace(**c) for c in criteria]
    )
    rule = get_policy().procurement.minimum_submission_days[tender["method"]]
    earliest = calendar.minimum_end(now, rule)
    deadline_day = calendar.local_day(tender["submission_deadline"])
    justification = justification.strip()
    short = deadline_day < earliest
    if short and not justification:
        raise InvalidInput(
            "submission_deadline",
            SHORT_PERIOD[rule.unit],
            days=rule.days,
            method=tender["method"],
            basis=rule.basis,
            earliest=earliest.isoformat(),
        )
    return {
        "period_days": (tender["submission_deadline"] - now).days,
        "minimum_days": rule.days,
        "minimum_unit": rule.unit.value,
        "earliest_deadline_day": earliest.isoformat(),
        "justification": justification if short else "",
    }


async def _who(approval: dict[str, Any], approver: Actor) -> dict[str, Any]:
    """Who prepared the step and who approved it, for the step's audit event."""
    handler = (
        await User.select(User.username, User.display_name)
        .where(User.id == approval["requested_by"])
        .first()
    )
    return {
        "approval": approval["id"],
        "prepared_by": approval["requested_by"],
        "prepared_by_username": handler["username"] if handler else None,
        "approved_by": approver.id,
        "approved_by_username": approver.username,
    }


async def tender_publish_request(*, actor: Actor, tender_id: int, justification: str = "") -> int:
    """A handler (经办) asks to publish a draft; an approver (审批负责人) of the department
    other than them publishes it by approving. Everything publishing checks is checked now (and
    again on approval); a shorter submission period's justification goes into the request.
    Returns the approval id."""
    now = clock.now()
    async with transaction():
        tender = await _locked_own_tender(actor, tender_id)
        require_handler(actor, tender["department"])
        await _refuse_if_pending(tender_id)
        facts = await _publishable(tender, now=now, justification=justification)
        approval_id = await approval_request(
            actor=actor,
            kind=PUBLISH,
            subject_type="tender",
            subject_id=tender_id,
            department_id=tender["department"],
            summary=f"发布招标公告 {tender['reference']}《{tender['title']}》",
            payload={"justification": facts["justification"]},
        )
    return approval_id


@executes(PUBLISH)
async def _publish_approved(approval: dict[str, Any], approver: Actor) -> None:
    """The approver's approval publishes the draft now, re-checked as of the approval."""
    tender_id = int(approval["subject_id"])
    now = clock.now()
    tender = await Tender.select().where(Tender.id == tender_id).first()
    if tender is None:  # pragma: no cover - tenders are never deleted
        raise NotFound(TENDER_NOT_FOUND, id=tender_id)
    facts = await _publishable(
        tender, now=now, justification=str(approval["payload"].get("justification", ""))
    )
    await advance(
        TENDER,
        row_id=tender_id,
        action=TenderStep.publish,
        actor=approver,
        values={
            Tender.published_at: now,
            Tender.short_period_justification: facts["justification"],
        },
        audit_data={**facts, **await _who(approval, approver)},
    )
    await record_event(Trigger.tender_published, {SubjectType.tender: [tender_id]})


def _cancellable(tender: dict[str, Any], now: datetime) -> TenderStatus:
    status = effective_status(
        tender["status"],
        now=now,
        clarification_deadline=tender["clarification_deadline"],
        submission_deadline=tender["submission_deadline"],
    )
    if status not in CANCELLABLE:
        raise Conflict(N_("a tender that is %(status)s cannot be cancelled"), status=status)
    return status


async def tender_cancel_request(*, actor: Actor, tender_id: int, reason: str) -> int:
    """A handler asks to cancel the tender, with the reason; an approver other than them
    cancels it by approving. Returns the approval id."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", N_("a cancellation needs a reason"))
    async with transaction():
        tender = await _locked_own_tender(actor, tender_id)
        require_handler(actor, tender["department"])
        _cancellable(tender, clock.now())
        await _refuse_if_pending(tender_id)
        approval_id = await approval_request(
            actor=actor,
            kind=CANCEL,
            subject_type="tender",
            subject_id=tender_id,
            department_id=tender["department"],
            summary=f"终止招标 {tender['reference']}《{tender['title']}》：{reason}",
            payload={"reason": reason},
        )
    return approval_id


@executes(CANCEL)
async def _cancel_approved(approval: dict[str, Any], approver: Actor) -> None:
    tender_id = int(approval["subject_id"])
    tender = await Tender.select().where(Tender.id == tender_id).first()
    if tender is None:  # pragma: no cover - tenders are never deleted
        raise NotFound(TENDER_NOT_FOUND, id=tender_id)
    status = _cancellable(tender, clock.now())
    reason = str(approval["payload"].get("reason", ""))
    await advance(
        TENDER,
        row_id=tender_id,
        action=TenderStep.cancel,
        actor=approver,
        values={Tender.cancel_reason: reason},
        audit_data={"reason": reason, "from": str(status), **await _who(approval, approver)},
    )


async def clarification_ask(*, actor: Actor, tender_id: int, question: str) -> int:
    """An organization's question during the clarification period; its name is never shown to
    other organizations."""
    now = clock.now()
    async with transaction():
        tender = await Tender.select().where(Tender.id == tender_id).first()
        if tender is None or tender["published_at"] is None:
            raise NotFound(TENDER_NOT_FOUND, id=tender_id)
        status = effective_status(
            tender["status"],
            now=now,
            clarification_deadline=tender["clarification_deadline"],
            submission_deadline=tender["submission_deadline"],
        )
        if status != TenderStatus.published:
            raise Conflict(N_("the clarification period is over"))
        rows = await Clarification.insert(
            Clarification(
                tender=tender_id,
                asked_by=actor.organization_id,
                question=question.strip(),
                asked_at=now,
            )
        )
        await record(
            actor=actor,
            action=AuditAction.clarification_asked,
            subject_type="clarification",
            subject_id=rows[0]["id"],
            data={"tender": tender_id},
        )
    return int(rows[0]["id"])


async def clarification_answer(*, actor: Actor, clarification_id: int, answer: str) -> int:
    """Publish the answer; returns the tender it belongs to."""
    async with transaction():
        question = await Clarification.select().where(Clarification.id == clarification_id).first()
        if question is None:
            raise NotFound(N_("clarification %(id)s not found"), id=clarification_id)
        tender = await own_tender(actor, question["tender"])
        if TenderStatus(tender["status"]) not in ACCEPTING_BIDS:
            raise Conflict(N_("answers are published while the tender is open"))
        await Clarification.update(
            {Clarification.answer: answer.strip(), Clarification.answered_at: clock.now()}
        ).where(Clarification.id == clarification_id)
        await record(
            actor=actor,
            action=AuditAction.clarification_answered,
            subject_type="clarification",
            subject_id=clarification_id,
            data={"tender": question["tender"]},
        )
        tender_id = int(question["tender"])
        # The asking organization is told (procure.notifications).
        await record_event(
            Trigger.clarification_answered,
            {SubjectType.tender: [tender_id], SubjectType.clarification: [clarification_id]},
        )
    return tender_id


#: Fields whose change always affects bid preparation (87号令 第二十七条: 可能影响投标文件编制).
ALWAYS_AFFECTING = frozenset({"description", "ceiling_fen", "criteria"})
AMENDABLE = ("title", "description", "ceiling_fen", "criteria")


def _criteria_of(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: str(row[k]) if k == "kind" else row[k] for k in CRITERION_FIELDS} for row in rows]


CRITERION_FIELDS = ("code", "name", "kind", "weight")


def _moment(value: Any) -> str:
    return value.astimezone(UTC).isoformat()


async def notice_snapshot(tender: dict[str, Any]) -> dict[str, Any]:
    """What a correction may change, as the notice stands now (kept as the correction's
    ``before``: the first correction's is the tender as first published)."""
    criteria = (
        await EvaluationCriterion.select()
        .where(EvaluationCriterion.tender == tender["id"])
        .order_by(EvaluationCriterion.id)
    )
    return {
        "title": tender["title"],
        "description": tender["description"],
        "ceiling_fen": tender["ceiling_fen"],
        "criteria": _criteria_of(criteria),
        "clarification_deadline": _moment(tender["clarification_deadline"]),
        "submission_deadline": _moment(tender["submission_deadline"]),
        "published_at": _moment(tender["published_at"]),
    }


def _proposed(data: TenderAmendmentIn) -> dict[str, Any]:
    """The handler's proposal as the approval's payload keeps it (only the fields given)."""
    proposal: dict[str, Any] = {}
    for field in AMENDABLE:
        value = getattr(data, field)
        if value is not None:
            proposal[field] = (
                [c.model_dump(mode="json") for c in value] if field == "criteria" else value
            )
    for field in ("clarification_deadline", "submission_deadline"):
        value = getattr(data, field)
        if value is not None:
            proposal[field] = _moment(value)
    return proposal


def amendment_plan(
    tender: dict[str, Any],
    notice: dict[str, Any],
    proposal: dict[str, Any],
    *,
    declared_affecting: bool,
    now: datetime,
) -> dict[str, Any]:
    """Everything a correction published at ``now`` does: the changed fields (before → after),
    whether it can affect bid preparation, and the deadlines after 87号令 第二十七条.

    A change that can affect preparation published less than ``tender_amendment_notice`` (15
    days) before the submission deadline moves the deadline to the earliest lawful day (same
    time of day), or keeps the later one the handler proposed. The period is counted in
    calendar days and ends on the day it ends, holiday or not (``calendar.minimum_end`` does
    not roll: a later deadline is always lawful). A clarification deadline still ahead moves
    with the submission deadline, keeping the time bidders had to ask between the two."""
    submission_before = tender["submission_deadline"]
    clarification_before = tender["clarification_deadline"]
    if now >= submission_before:
        raise Conflict(
            N_(
                "the submission deadline %(deadline)s has passed: a tender is corrected before "
                "its submission deadline"
            ),
            deadline=submission_before.isoformat(),
        )
    changes: dict[str, dict[str, Any]] = {}
    for field in AMENDABLE:
        if field in proposal and proposal[field] != notice[field]:
            changes[field] = {"before": notice[field], "after": proposal[field]}
    if "criteria" in changes:
        check_criteria(
            EvaluationMethod(tender["evaluation_method"]),
            [SimpleNamespace(**c) for c in changes["criteria"]["after"]],
        )
    submission = (
        datetime.fromisoformat(proposal["submission_deadline"])
        if "submission_deadline" in proposal
        else submission_before
    )
    clarification = (
        datetime.fromisoformat(proposal["clarification_deadline"])
        if "clarification_deadline" in proposal
        else clarification_before
    )
    if submission < submission_before:
        raise InvalidInput(
            "submission_deadline",
            N_(
                "a correction may extend the submission deadline, never bring it forward "
                "(now %(deadline)s)"
            ),
            deadline=submission_before.isoformat(),
        )
    if clarification != clarification_before and clarification <= now:
        raise InvalidInput("clarification_deadline", N_("must be in the future"))
    affecting = declared_affecting or bool(ALWAYS_AFFECTING & changes.keys())
    period = get_policy().periods["tender_amendment_notice"]
    earliest = calendar.minimum_end(now, period)
    moved = affecting and calendar.local_day(submission) < earliest
    if moved:
        wall = submission.astimezone(ZoneInfo(get_settings().timezone))
        lawful = datetime.combine(earliest, wall.timetz()).astimezone(UTC)
        if clarification > now:
            clarification = clarification + (lawful - submission)
        submission = lawful
    if clarification >= submission:
        raise InvalidInput("clarification_deadline", N_("must be before the submission deadline"))
    if submission == submission_before and clarification == clarification_before and not changes:
        raise InvalidInput("changes", N_("the correction changes nothing in the tender"))
    for field, before, after in (
        ("submission_deadline", submission_before, submission),
        ("clarification_deadline", clarification_before, clarification),
    ):
        if after != before:
            changes[field] = {"before": _moment(before), "after": _moment(after)}
    return {
        "changes": changes,
        "affects_preparation": affecting,
        "declared_affecting": declared_affecting,
        "submission_deadline": submission,
        "clarification_deadline": clarification,
        "deadline_moved": moved,
        "resubmission_required": "ceiling_fen" in changes
        and changes["ceiling_fen"]["after"] < changes["ceiling_fen"]["before"],
        "rule": {
            "name": "tender_amendment_notice",
            "days": period.days,
            "unit": period.unit.value,
            "basis": period.basis,
            "published_on": calendar.local_day(now).isoformat(),
            "earliest_deadline_day": earliest.isoformat(),
            "applies": affecting,
            "proposed_submission_deadline": proposal.get(
                "submission_deadline", _moment(submission_before)
            ),
            "moved": moved,
        },
    }


def _accepting(tender: dict[str, Any], now: datetime) -> None:
    status = effective_status(
        tender["status"],
        now=now,
        clarification_deadline=tender["clarification_deadline"],
        submission_deadline=tender["submission_deadline"],
    )
    if status not in ACCEPTING_BIDS:
        raise Conflict(
            N_(
                "a tender that is %(status)s cannot be corrected: a correction (更正公告) is "
                "published before the submission deadline"
            ),
            status=status,
        )


async def tender_amend_request(*, actor: Actor, tender_id: int, data: TenderAmendmentIn) -> int:
    """A handler (经办) asks to correct a published tender before its submission deadline; an
    approver (审批负责人) of the department other than them publishes the correction by
    approving. The correction is checked now (as if published now) and again on approval, when
    its deadlines are computed as of the publication. Returns the approval id."""
    now = clock.now()
    summary = data.summary.strip()
    if not summary:
        raise InvalidInput("summary", N_("say what the correction changes (更正事项)"))
    async with transaction():
        tender = await _locked_own_tender(actor, tender_id)
        require_handler(actor, tender["department"])
        _accepting(tender, now)
        await _refuse_if_pending(tender_id)
        proposal = _proposed(data)
        plan = amendment_plan(
            tender,
            await notice_snapshot(tender),
            proposal,
            declared_affecting=data.affects_preparation,
            now=now,
        )
        moved = ""
        if plan["deadline_moved"]:
            moved = f"；投标截止时间顺延至 {calendar.local_day(plan['submission_deadline'])}"
        approval_id = await approval_request(
            actor=actor,
            kind=AMEND,
            subject_type="tender",
            subject_id=tender_id,
            department_id=tender["department"],
            summary=f"更正公告 {tender['reference']}《{tender['title']}》：{summary}{moved}",
            payload={
                "summary": summary,
                "affects_preparation": data.affects_preparation,
                "proposal": proposal,
            },
        )
    return approval_id


@executes(AMEND)
async def _amend_approved(approval: dict[str, Any], approver: Actor) -> None:
    """The approval publishes the correction now: the changes are re-checked against the
    tender as it stands, the deadlines computed as of this publication, the tender row
    overwritten (its notice before kept in the correction), and every bid submitted so far
    marked to be re-confirmed if the change can affect bid preparation."""
    tender_id = int(approval["subject_id"])
    now = clock.now()
    await lock_rows(Tender.status, Tender.id == tender_id)
    tender = await Tender.select().where(Tender.id == tender_id).first()
    if tender is None:  # pragma: no cover - tenders are never deleted
        raise NotFound(TENDER_NOT_FOUND, id=tender_id)
    _accepting(tender, now)
    payload = approval["payload"]
    notice = await notice_snapshot(tender)
    plan = amendment_plan(
        tender,
        notice,
        dict(payload["proposal"]),
        declared_affecting=bool(payload.get("affects_preparation")),
        now=now,
    )
    changes = plan["changes"]
    header: dict[Any, Any] = {
        Tender.submission_deadline: plan["submission_deadline"],
        Tender.opening_at: plan["submission_deadline"],
        Tender.clarification_deadline: plan["clarification_deadline"],
    }
    for field in ("title", "description", "ceiling_fen"):
        if field in changes:
            header[Tender._meta.get_column_by_name(field)] = changes[field]["after"]
    await Tender.update(header).where(Tender.id == tender_id)
    if "criteria" in changes:
        await EvaluationCriterion.delete().where(EvaluationCriterion.tender == tender_id)
        for criterion in changes["criteria"]["after"]:
            await EvaluationCriterion.insert(EvaluationCriterion(tender=tender_id, **criterion))
    number = await TenderAmendment.count().where(TenderAmendment.tender == tender_id) + 1
    rows = await TenderAmendment.insert(
        TenderAmendment(
            tender=tender_id,
            number=number,
            summary=str(payload["summary"]),
            affects_preparation=plan["affects_preparation"],
            changes=changes,
            before=notice,
            submission_deadline_before=tender["submission_deadline"],
            submission_deadline_after=plan["submission_deadline"],
            clarification_deadline_before=tender["clarification_deadline"],
            clarification_deadline_after=plan["clarification_deadline"],
            deadline_moved=plan["deadline_moved"],
            rule=plan["rule"],
            resubmission_required=plan["resubmission_required"],
            approval_id=approval["id"],
            requested_by=approval["requested_by"],
            approved_by=approver.id,
            published_at=now,
        )
    )
    amendment_id = int(rows[0]["id"])
    to_reconfirm: list[int] = []
    if plan["affects_preparation"]:
        to_reconfirm = await advance_all(
            BID,
            where=Bid.tender == tender_id,
            action=BidStep.require_reconfirmation,
            values={Bid.reconfirmation_amendment: amendment_id, Bid.reconfirmed_at: None},
        )
        await TenderAmendment.update({TenderAmendment.bids_to_reconfirm: len(to_reconfirm)}).where(
            TenderAmendment.id == amendment_id
        )
    await record(
        actor=approver,
        action=AuditAction.tender_amended,
        subject_type="tender",
        subject_id=tender_id,
        data={
            "number": number,
            "summary": payload["summary"],
            "changes": changes,
            "affects_preparation": plan["affects_preparation"],
            "declared_affecting": plan["declared_affecting"],
            "submission_deadline": {
                "before": _moment(tender["submission_deadline"]),
                "after": _moment(plan["submission_deadline"]),
            },
            "clarification_deadline": {
                "before": _moment(tender["clarification_deadline"]),
                "after": _moment(plan["clarification_deadline"]),
            },
            "rule": plan["rule"],
            "bids_to_reconfirm": to_reconfirm,
            "resubmission_required": plan["resubmission_required"],
            **await _who(approval, approver),
        },
    )

"""Settling a period's performance: a handler of the buyer requests it once the period can be
judged, an approver approves it; the organization may object (申辩) within the objection period
and the regulator decides. The period's instalment and the organization's credit rating follow
the settlement once it is in force (``performance.effects``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from procure import clock
from procure.approvals.services import approval_request, executes
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.calendar import deadline, shown_end, shown_moment
from procure.contracts.services import own_contract, party_contract
from procure.contracts.tables import PaymentStatus
from procure.db import transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_
from procure.jobs import SubjectType, Trigger, record_event
from procure.lifecycle import advance
from procure.performance.scoring import GRADE_ZH, Grade, Recommendation
from procure.performance.selectors import performance, period_instalment, period_of
from procure.performance.states import OBJECTION, ObjectionStep
from procure.performance.tables import ObjectionStatus, PerformanceScore
from procure.policy import get_policy
from procure.security.actors import Actor
from procure.security.tables import Role


def hundredths(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 100)


async def performance_settle(*, actor: Actor, contract_id: int, period: str) -> int:
    """A handler asks an approver to settle the period's performance as it stands; returns the
    approval id. The approval records it, holds the next performance-linked instalment when it
    fails, and re-rates the organization."""
    async with transaction():
        contract = await own_contract(actor, contract_id)
        result = await _settleable(actor, contract, period)
        approval_id = await approval_request(
            actor=actor,
            kind="performance.settle",
            subject_type="performance",
            subject_id=f"{contract_id}:{period}",
            department_id=contract["department"],
            summary=f"合同 {contract['reference']} {period} 绩效结算:{result['score']}分"
            f"({GRADE_ZH[Grade(result['grade'])]})",
            payload={
                "contract": contract_id,
                "period": period,
                "score": str(result["score"]),
                "grade": str(result["grade"]),
            },
        )
    return approval_id


async def _settleable(actor: Actor, contract: dict[str, Any], period: str) -> dict[str, Any]:
    period_of(contract, period)
    result = await performance(actor, contract["id"], period)
    if result["settled"] is not None:
        raise Conflict(
            N_("the performance of %(period)s was settled on %(settled_at)s"),
            period=period,
            settled_at=shown_moment(result["settled"]["settled_at"]),
        )
    readiness = result["readiness"]
    if not readiness["ready"]:
        raise Conflict(
            N_(
                "the performance of %(period)s cannot be settled yet: %(missing)s. Settling "
                "becomes possible on %(possible)s (the committee's and residents' inputs count "
                "from the day they are all in, the report's due date always)"
            ),
            period=period,
            missing=readiness["missing_text"],
            possible=readiness["possible_from"].isoformat(),
        )
    if result["score"] is None:
        raise Conflict(
            N_("nothing to score for %(period)s: no evaluation, survey or report yet"),
            period=period,
        )
    return result


async def _effects(contract: dict[str, Any], period: str, result: dict[str, Any]) -> dict[str, Any]:
    """What the settlement will do to the period's instalment once in force: hold it (a failing
    grade) and deduct the grade's percentage of the period's part of it."""
    found = await period_instalment(contract, period)
    if found is None or found[0]["status"] == PaymentStatus.paid:
        return {"payment": None, "holds_payment": False, "deduction_fen": 0}
    instalment, covered = found
    percent = getattr(get_policy().performance.deduction_percent, str(result["grade"]))
    return {
        "payment": instalment["id"],
        "holds_payment": result["recommendation"] == Recommendation.withhold,
        "deduction_fen": instalment["amount_fen"] * percent // (100 * covered),
        "seq": instalment["seq"],
    }


@executes("performance.settle")
async def _settle(approval: dict[str, Any], approver: Actor) -> None:
    """Record the period's performance as the handler saw it (a changed score since the request
    is a conflict: refuse and request again). Its hold, deduction and rating take effect when
    the objection period ends with no objection, or the regulator rejects the objection."""
    payload = approval["payload"]
    contract_id, period = int(payload["contract"]), str(payload["period"])
    contract = await own_contract(approver, contract_id)
    result = await _settleable(approver, contract, period)
    if str(result["score"]) != payload["score"]:
        raise Conflict(
            N_(
                "the score of %(period)s changed from %(before)s to %(now)s since the request: "
                "refuse it and request the settlement again"
            ),
            period=period,
            before=payload["score"],
            now=str(result["score"]),
        )
    effect = await _effects(contract, period, result)
    objection = deadline("settlement_objection", clock.now())
    await PerformanceScore.insert(
        PerformanceScore(
            contract=contract_id,
            period=period,
            committee_hundredths=hundredths(result["committee"]),
            satisfaction_hundredths=hundredths(result["satisfaction"]),
            delivery_hundredths=hundredths(result["delivery"]),
            score_hundredths=hundredths(result["score"]),
            complete=result["complete"],
            grade=result["grade"],
            recommendation=result["recommendation"],
            settled_by=approval["requested_by"],
            approved_by=approver.id,
            payment=effect["payment"],
            holds_payment=effect["holds_payment"],
            deduction_fen=effect["deduction_fen"],
            objection_ends_at=objection.ends_at,
            objection_provisional=objection.provisional,
            objection=ObjectionStatus.none,
        )
    )
    await record(
        actor=approver,
        action=AuditAction.performance_settled,
        subject_type="contract",
        subject_id=contract_id,
        data={
            "period": period,
            "score": str(result["score"]),
            "grade": str(result["grade"]),
            "recommendation": str(result["recommendation"]),
            "instalment": effect.get("seq"),
            "holds_instalment": effect["holds_payment"],
            "deduction_fen": effect["deduction_fen"],
            "objection_deadline": objection.as_dict(),
            "complete": result["complete"],
            "approval": approval["id"],
            "requested_by": approval["requested_by"],
        },
    )
    await record_event(Trigger.performance_settled, {SubjectType.contract: [contract_id]})


async def _settlement(contract_id: int, period: str) -> dict[str, Any]:
    row = (
        await PerformanceScore.select()
        .where((PerformanceScore.contract == contract_id) & (PerformanceScore.period == period))
        .first()
    )
    if row is None:
        raise NotFound(N_("the performance of %(period)s is not settled"), period=period)
    return row


async def settlement_object(*, actor: Actor, contract_id: int, period: str, grounds: str) -> None:
    """The organization objects (申辩) to the settlement of a period of its own contract, with
    its grounds, within the objection period; the settlement's effects wait for the
    regulator's decision."""
    grounds = grounds.strip()
    if not grounds:
        raise InvalidInput("grounds", N_("give the grounds of the objection"))
    async with transaction():
        await party_contract(actor, contract_id)
        settlement = await _settlement(contract_id, period)
        now = clock.now()
        ends = settlement["objection_ends_at"]
        if ends is None or now >= ends:
            rule = get_policy().periods["settlement_objection"]
            if ends is None:
                raise Conflict(
                    N_(
                        "the objection period of the settlement of %(period)s (%(rule)s): an "
                        "objection is no longer possible"
                    ),
                    period=period,
                    rule=rule.describe(),
                )
            raise Conflict(
                N_(
                    "the objection period of the settlement of %(period)s ended at %(ended)s "
                    "(%(rule)s): an objection is no longer possible"
                ),
                period=period,
                ended=shown_end(ends),
                rule=rule.describe(),
            )
        await advance(
            OBJECTION,
            row_id=settlement["id"],
            action=ObjectionStep.lodge,
            actor=actor,
            values={
                PerformanceScore.objection_grounds: grounds,
                PerformanceScore.objected_by: actor.id,
                PerformanceScore.objected_at: now,
            },
            audit_data={"contract": contract_id, "period": period},
            subject_id=settlement["id"],
        )


async def objection_decide(
    *, actor: Actor, settlement_id: int, uphold: bool, decision: str
) -> None:
    """The finance department decides an objection: upheld cancels the settlement's hold,
    deduction and rating effect; rejected lets them apply from now."""
    decision = decision.strip()
    if not decision:
        raise InvalidInput("decision", N_("give the reasons of the decision"))
    if actor.role != Role.regulator:
        raise NotFound(N_("objection %(id)s not found"), id=settlement_id)
    async with transaction():
        row = await advance(
            OBJECTION,
            row_id=settlement_id,
            action=ObjectionStep.uphold if uphold else ObjectionStep.reject,
            actor=actor,
            values={
                PerformanceScore.objection_decided_by: actor.id,
                PerformanceScore.objection_decided_at: clock.now(),
                PerformanceScore.objection_decision: decision,
            },
            audit_data={"decision": decision},
        )
        await record_event(Trigger.performance_settled, {SubjectType.contract: [row["contract"]]})

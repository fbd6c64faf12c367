"""Settling a period's performance: a handler of the buyer requests it, an approver approves
it; the next performance-linked instalment follows it, and the organization's credit rating
follows its history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from procure.approvals.services import AfterCommit, approval_request, executes
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.contracts.services import own_contract, payment_step
from procure.contracts.states import PaymentStep
from procure.contracts.tables import Payment, PaymentStatus
from procure.db import transaction
from procure.errors import Conflict
from procure.organizations.tables import Organization
from procure.performance.scoring import Recommendation, credit_rating
from procure.performance.selectors import performance, period_of, score_history
from procure.performance.tables import PerformanceScore
from procure.policy import get_policy
from procure.risk.hooks import after_commit
from procure.risk.registry import SubjectType, Trigger
from procure.security.actors import Actor


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
            f"({result['grade']})",
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
        settled_at = result["settled"]["settled_at"].isoformat()
        raise Conflict(f"the performance of {period} was settled on {settled_at}")
    if result["score"] is None:
        raise Conflict(f"nothing to score for {period}: no evaluation, survey or report yet")
    return result


@executes("performance.settle")
async def _settle(approval: dict[str, Any], approver: Actor) -> AfterCommit:
    """Record the period's performance as the handler saw it (a changed score since the request
    is a conflict: refuse and request again)."""
    payload = approval["payload"]
    contract_id, period = int(payload["contract"]), str(payload["period"])
    contract = await own_contract(approver, contract_id)
    result = await _settleable(approver, contract, period)
    if str(result["score"]) != payload["score"]:
        raise Conflict(
            f"the score of {period} changed from {payload['score']} to {result['score']} "
            "since the request: refuse it and request the settlement again"
        )
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
        )
    )
    held = None
    if result["recommendation"] == Recommendation.withhold:
        upcoming = (
            await Payment.select(Payment.id, Payment.seq)
            .where(
                (Payment.contract == contract_id)
                & Payment.performance_linked.eq(True)
                & (Payment.status == PaymentStatus.scheduled)
            )
            .order_by(Payment.seq)
            .first()
        )
        if upcoming is not None:
            await payment_step(
                payment_id=upcoming["id"],
                step=PaymentStep.withhold,
                actor=approver,
                values={Payment.status_reason: f"{period} 绩效评价为{result['grade']}"},
                audit_data={"contract": contract_id, "seq": upcoming["seq"], "period": period},
            )
            held = upcoming["seq"]
    history = await score_history(contract["organization"], get_policy().performance.rating_periods)
    rating = credit_rating(history)
    await Organization.update({Organization.credit_rating: rating}).where(
        Organization.id == contract["organization"]
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
            "held_instalment": held,
            "credit_rating": str(rating),
            "complete": result["complete"],
            "approval": approval["id"],
            "requested_by": approval["requested_by"],
        },
    )

    async def run() -> None:
        await after_commit(Trigger.performance_settled, {SubjectType.contract: [contract_id]})

    return run

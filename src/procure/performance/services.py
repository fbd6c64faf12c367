"""Settling a period's performance: the buyer records it, the next performance-linked
instalment follows it, and the organization's credit rating follows its history."""

from __future__ import annotations

from decimal import Decimal

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.contracts.services import own_contract
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


async def performance_settle(*, actor: Actor, contract_id: int, period: str) -> dict:
    """Record the period's performance; hold the next performance-linked instalment when it
    fails; re-rate the organization from its latest settled periods."""
    async with transaction():
        contract = await own_contract(actor, contract_id)
        period_of(contract, period)
        result = await performance(actor, contract_id, period)
        if result["settled"] is not None:
            settled_at = result["settled"]["settled_at"].isoformat()
            raise Conflict(f"the performance of {period} was settled on {settled_at}")
        if result["score"] is None:
            raise Conflict(f"nothing to score for {period}: no evaluation, survey or report yet")
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
                settled_by=actor.id,
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
                await Payment.update({Payment.status: PaymentStatus.held}).where(
                    Payment.id == upcoming["id"]
                )
                held = upcoming["seq"]
        history = await score_history(
            contract["organization"], get_policy().performance.rating_periods
        )
        rating = credit_rating(history)
        await Organization.update({Organization.credit_rating: rating}).where(
            Organization.id == contract["organization"]
        )
        await record(
            actor=actor,
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
            },
        )
    await after_commit(Trigger.performance_settled, {SubjectType.contract: [contract_id]})
    return {
        "score": result["score"],
        "grade": result["grade"],
        "held_instalment": held,
        "credit_rating": rating,
    }

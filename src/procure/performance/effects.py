"""When a settlement's effects are in force, computed from the clock and recorded decisions.

A settled period holds its instalment, deducts from it and counts for the organization's credit
rating only once it is in force: its objection period (settlement_objection) has ended with no
objection, or the regulator rejected the objection. An upheld objection cancels them. Nothing is
written when a period ends: every reader asks these functions, so a GET never writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from procure import clock
from procure.organizations.tables import CreditRating, DecisionKind, OversightDecision
from procure.performance.scoring import credit_rating
from procure.performance.tables import ObjectionStatus, PerformanceScore
from procure.policy import get_policy


class Standing(StrEnum):
    objection_period = "objection_period"  # the organization may still object
    objected = "objected"  # an objection awaits the regulator's decision
    in_force = "in_force"
    cancelled = "cancelled"  # the objection was upheld


def standing(settlement: dict[str, Any], now: datetime) -> Standing:
    objection = settlement["objection"]
    if objection == ObjectionStatus.upheld:
        return Standing.cancelled
    if objection == ObjectionStatus.lodged:
        return Standing.objected
    if objection == ObjectionStatus.rejected:
        return Standing.in_force
    ends = settlement["objection_ends_at"]
    if ends is None or now >= ends:
        return Standing.in_force
    return Standing.objection_period


def in_force_since(settlement: dict[str, Any]) -> datetime:
    """The moment an in-force settlement took effect."""
    if settlement["objection"] == ObjectionStatus.rejected:
        return settlement["objection_decided_at"]
    return settlement["objection_ends_at"] or settlement["settled_at"]


EFFECT_COLUMNS = (
    PerformanceScore.id,
    PerformanceScore.period,
    PerformanceScore.payment,
    PerformanceScore.holds_payment,
    PerformanceScore.deduction_fen,
    PerformanceScore.settled_at,
    PerformanceScore.objection,
    PerformanceScore.objection_ends_at,
    PerformanceScore.objection_decided_at,
)


@dataclass
class InstalmentEffects:
    """What the settlements linked to one instalment do to it now."""

    held_by: list[str]  # periods whose hold is in force
    deduction_fen: int  # deductions in force
    # Periods whose hold or deduction is not in force yet, with the day it may be.
    pending: list[dict[str, Any]]

    @property
    def held(self) -> bool:
        return bool(self.held_by)


async def instalment_effects(
    payment_ids: Iterable[int], now: datetime | None = None
) -> dict[int, InstalmentEffects]:
    ids = list(payment_ids)
    now = now or clock.now()
    effects = {payment_id: InstalmentEffects([], 0, []) for payment_id in ids}
    if not ids:
        return effects
    rows = await PerformanceScore.select(*EFFECT_COLUMNS).where(
        PerformanceScore.payment.is_in(ids)
        & (PerformanceScore.holds_payment.eq(True) | (PerformanceScore.deduction_fen > 0))
    )
    for row in rows:
        effect = effects[row["payment"]]
        state = standing(row, now)
        if state == Standing.in_force:
            if row["holds_payment"]:
                effect.held_by.append(row["period"])
            effect.deduction_fen += row["deduction_fen"]
        elif state in (Standing.objection_period, Standing.objected):
            effect.pending.append(
                {
                    "period": row["period"],
                    "standing": str(state),
                    "until": row["objection_ends_at"]
                    if state == Standing.objection_period
                    else None,
                    "holds": row["holds_payment"],
                    "deduction_fen": row["deduction_fen"],
                }
            )
    return effects


@dataclass
class RatingBasis:
    """An organization's rating now, and the settlements in force it rests on."""

    rating: CreditRating
    in_force: list[dict[str, Any]]  # oldest first

    @property
    def recent(self) -> list[dict[str, Any]]:
        return self.in_force[-get_policy().performance.rating_periods :]


async def ratings_in_force(
    stored: dict[int, CreditRating | str], now: datetime | None = None
) -> dict[int, RatingBasis]:
    """Each organization's credit rating now (``stored``: organization id → its stored rating),
    in two queries whatever their number: the mean of its latest settlements in force, when one
    came into force after the regulator last set the rating by hand; else the stored one (the
    regulator's decision, or the rating as the platform last wrote it)."""
    now = now or clock.now()
    ids = list(stored)
    settlements: dict[int, list[dict[str, Any]]] = {organization: [] for organization in ids}
    if not ids:
        return {}
    for row in await (
        PerformanceScore.select(
            *EFFECT_COLUMNS,
            PerformanceScore.score_hundredths,
            PerformanceScore.contract.organization.as_alias("organization"),
        )
        .where(PerformanceScore.contract.organization.is_in(ids))
        .order_by(PerformanceScore.settled_at)
    ):
        if standing(row, now) == Standing.in_force:
            settlements[row["organization"]].append(row)
    decided: dict[int, datetime] = {}
    for row in await OversightDecision.select(
        OversightDecision.organization, OversightDecision.decided_at
    ).where(
        OversightDecision.organization.is_in(ids)
        & (OversightDecision.kind == DecisionKind.credit_rating)
    ):
        organization, moment = row["organization"], row["decided_at"]
        decided[organization] = max(decided.get(organization, moment), moment)
    result = {}
    for organization in ids:
        in_force = settlements[organization]
        basis = RatingBasis(CreditRating(stored[organization]), in_force)
        # Settlements recorded before objections existed wrote the stored rating when they were
        # approved: only a settlement that came into force since moves it.
        deferred = [in_force_since(r) for r in in_force if r["objection_ends_at"] is not None]
        by_hand = decided.get(organization)
        if deferred and (by_hand is None or by_hand <= max(deferred)):
            basis.rating = credit_rating(
                [Decimal(row["score_hundredths"]) / 100 for row in basis.recent]
            )
        result[organization] = basis
    return result


async def rating_in_force(
    organization_id: int, stored: CreditRating | str, now: datetime | None = None
) -> CreditRating:
    """One organization's credit rating now (see ratings_in_force)."""
    return (await ratings_in_force({organization_id: stored}, now))[organization_id].rating

"""The district cost floor of a bid, free of the database (its rates come from the policy file):
what paying the catalog's labour norm at the local minimum wage with statutory contributions costs
per scope line, and which lines of a bid (price or staffing and cost plan) fall below it.
docs/cost-floor.md gives the formula."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from procure.policy import get_policy

HUNDRED = Decimal(100)
FEN = Decimal(1)


@dataclass(frozen=True)
class FloorRates:
    """[procurement.cost_floor] of the policy file."""

    minimum_hourly_wage_fen: int
    contribution_percent: Decimal
    volunteer_share_max_percent: int
    labour_norm_hours: Mapping[str, Decimal]  # catalog item code → staff hours per unit


def district_rates() -> FloorRates:
    """The rates of the deployment's policy file."""
    floor = get_policy().procurement.cost_floor
    return FloorRates(
        minimum_hourly_wage_fen=floor.minimum_hourly_wage_fen,
        contribution_percent=floor.contribution_percent,
        volunteer_share_max_percent=floor.volunteer_share_max_percent,
        labour_norm_hours=floor.labour_norm_hours,
    )


@dataclass(frozen=True)
class StaffRole:
    role: str
    headcount: int
    hours: int  # per person, over the whole line
    hourly_wage_fen: int
    social_insurance_fen: int  # the employer's contributions for the role, over the whole line

    @property
    def paid_hours(self) -> int:
        return self.headcount * self.hours

    @property
    def wages_fen(self) -> int:
        return self.paid_hours * self.hourly_wage_fen


@dataclass(frozen=True)
class LinePlan:
    roles: tuple[StaffRole, ...]
    materials_fen: int
    volunteer_hours: int

    @property
    def paid_hours(self) -> int:
        return sum(role.paid_hours for role in self.roles)


@dataclass(frozen=True)
class FloorLine:
    line_no: int
    item_code: str
    quantity: int
    price_fen: int
    plan: LinePlan | None


@dataclass(frozen=True)
class LineGap:
    """One line below the floor and why; ``gap_fen`` is what the price lacks (0 when only the
    plan falls short)."""

    line_no: int
    price_fen: int
    floor_fen: int
    gap_fen: int
    norm_hours: str
    planned_hours: int | None
    reasons: tuple[str, ...]

    def as_evidence(self) -> dict[str, int | str | list[str] | None]:
        return {
            "line_no": self.line_no,
            "price_fen": self.price_fen,
            "floor_fen": self.floor_fen,
            "gap_fen": self.gap_fen,
            "norm_hours": self.norm_hours,
            "planned_hours": self.planned_hours,
            "reasons": list(self.reasons),
        }


def norm_hours(line: FloorLine, rates: FloorRates) -> Decimal:
    """The staff hours the catalog's labour norm requires for the line (0 without a norm)."""
    return rates.labour_norm_hours.get(line.item_code, Decimal(0)) * line.quantity


def line_floor_fen(line: FloorLine, rates: FloorRates) -> int:
    """norm hours × quantity × minimum wage × (1 + contributions) + declared materials, rounded
    half up to the fen."""
    labour = (
        norm_hours(line, rates)
        * rates.minimum_hourly_wage_fen
        * (HUNDRED + rates.contribution_percent)
        / HUNDRED
    )
    materials = line.plan.materials_fen if line.plan else 0
    return int(labour.quantize(FEN, rounding=ROUND_HALF_UP)) + materials


def volunteer_hours_allowed(plan: LinePlan, share_percent: int) -> bool:
    """Volunteers may carry at most ``share_percent`` of the line's staff hours."""
    total = plan.paid_hours + plan.volunteer_hours
    return plan.volunteer_hours * 100 <= total * share_percent


def _plan_shortfalls(line: FloorLine, rates: FloorRates) -> list[str]:
    plan = line.plan
    if plan is None:
        return []
    reasons = []
    if plan.paid_hours + plan.volunteer_hours < norm_hours(line, rates):
        reasons.append("hours_below_norm")
    if any(role.hourly_wage_fen < rates.minimum_hourly_wage_fen for role in plan.roles):
        reasons.append("wage_below_minimum")
    if any(
        role.social_insurance_fen * HUNDRED < role.wages_fen * rates.contribution_percent
        for role in plan.roles
    ):
        reasons.append("contributions_below_statutory")
    return reasons


def below_floor(lines: Sequence[FloorLine], rates: FloorRates) -> list[LineGap]:
    """The lines priced below their floor, or whose plan cannot staff the norm hours at the
    minimum wage and statutory contributions; a line exactly at its floor passes."""
    gaps = []
    for line in sorted(lines, key=lambda line: line.line_no):
        floor = line_floor_fen(line, rates)
        reasons = ["price_below_floor"] if line.price_fen < floor else []
        reasons += _plan_shortfalls(line, rates)
        if reasons:
            gaps.append(
                LineGap(
                    line_no=line.line_no,
                    price_fen=line.price_fen,
                    floor_fen=floor,
                    gap_fen=max(floor - line.price_fen, 0),
                    norm_hours=str(norm_hours(line, rates)),
                    planned_hours=line.plan.paid_hours if line.plan else None,
                    reasons=tuple(reasons),
                )
            )
    return gaps

"""Reading performance: the three components of a contract period, the combined score, and the
settled history behind payments and credit ratings."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from piccolo.query import OrderByRaw

from procure import calendar, clock
from procure.contracts.selectors import contract_detail
from procure.contracts.tables import ContractCommunity, ContractScopeLine, Payment
from procure.db.pagination import Page, PageRequest, paginate
from procure.errors import InvalidInput
from procure.evaluations.selectors import committee_score
from procure.evaluations.tables import CommitteeEvaluation, EvaluationStatus
from procure.i18n import N_
from procure.performance import effects
from procure.performance.scoring import (
    combine,
    delivery_ratio,
    grade,
    recommendation,
    two_places,
    verified_delivery_ratio,
)
from procure.performance.tables import ObjectionStatus, PerformanceScore
from procure.policy import get_policy
from procure.reports.periods import Period, contract_periods, find_period
from procure.reports.tables import ActivityLine, ReportStatus
from procure.security.actors import Actor
from procure.security.tables import Role
from procure.spotchecks.selectors import period_verification
from procure.surveys.selectors import round_status
from procure.surveys.statistics import overall_mean, to_percent_scale
from procure.surveys.tables import SurveyAnswer, SurveyItemKind, SurveyResponse, SurveyRound

HUNDRED = Decimal(100)


def periods_of(contract: dict[str, Any]) -> list[Period]:
    return contract_periods(
        contract["starts_on"],
        contract["ends_on"],
        contract["reporting_frequency"],
        due_days=get_policy().reports.due_days_after_period,
    )


def period_of(contract: dict[str, Any], label: str) -> Period:
    period = find_period(periods_of(contract), label)
    if period is None:
        raise InvalidInput(
            "period",
            N_("%(period)s is not a reporting period of this contract (YYYY-MM within its term)"),
            period=repr(label),
        )
    return period


def is_lump_sum(quantity: int) -> bool:
    """A scope line delivered once over the term (a training, an annual event): judged over
    the term, not spread over its periods."""
    return quantity == 1


async def delivery(contract: dict[str, Any], label: str) -> list[dict[str, Any]]:
    """Per scope line: planned for the period (the term's quantity spread evenly over its days)
    and delivered (from the period's submitted report). A lump-sum line is planned once for the
    term: delivered by the end of this period counts in full, and before the term's last period
    a line not yet delivered is not counted at all (planned None), never as 0%."""
    periods = periods_of(contract)
    period = period_of(contract, label)
    last_period = period.label == periods[-1].label
    share = Decimal((period.ends_on - period.starts_on).days + 1) / (
        (contract["ends_on"] - contract["starts_on"]).days + 1
    )
    delivered: dict[int, int] = defaultdict(int)
    so_far: dict[int, int] = defaultdict(int)
    for row in await ActivityLine.select(
        ActivityLine.scope_line,
        ActivityLine.quantity,
        ActivityLine.report.period.as_alias("period"),
    ).where(
        (ActivityLine.report.contract == contract["id"])
        & (ActivityLine.report.period <= label)
        & (ActivityLine.report.status == ReportStatus.submitted)
        & ActivityLine.scope_line.is_not_null()
    ):
        so_far[row["scope_line"]] += row["quantity"]
        if row["period"] == label:
            delivered[row["scope_line"]] += row["quantity"]
    lines = []
    for line in (
        await ContractScopeLine.select(
            ContractScopeLine.id,
            ContractScopeLine.line_no,
            ContractScopeLine.quantity,
            ContractScopeLine.catalog_item.name.as_alias("item_name"),
        )
        .where(ContractScopeLine.contract == contract["id"])
        .order_by(ContractScopeLine.line_no)
    ):
        lump_sum = is_lump_sum(line["quantity"])
        if lump_sum:
            done = so_far[line["id"]]
            planned: Decimal | None = Decimal(1) if done or last_period else None
        else:
            done = delivered[line["id"]]
            planned = two_places(line["quantity"] * share)
        lines.append(
            {
                "line_no": line["line_no"],
                "item_name": line["item_name"],
                "lump_sum": lump_sum,
                "planned": planned,
                "delivered": done,
                "ratio": two_places(done / planned * HUNDRED) if planned else None,
            }
        )
    return lines


async def satisfaction(
    contract_id: int, period: str
) -> tuple[Decimal | None, list[dict[str, Any]]]:
    """Residents' overall satisfaction on 0–100 over the period's rounds (the surveys area's own
    formula), and each Likert item's mean on 1–5."""
    rounds = [
        r["id"]
        for r in await SurveyRound.select(SurveyRound.id).where(
            (SurveyRound.contract == contract_id) & (SurveyRound.period == period)
        )
    ]
    responses = [
        r["id"]
        for r in await SurveyResponse.select(SurveyResponse.id).where(
            SurveyResponse.round.is_in(rounds or [-1])
        )
    ]
    rows = await SurveyAnswer.select(
        SurveyAnswer.item.seq.as_alias("seq"),
        SurveyAnswer.item.text_zh.as_alias("text"),
        SurveyAnswer.score,
    ).where(
        SurveyAnswer.response.is_in(responses or [-1])
        & (SurveyAnswer.item.kind == SurveyItemKind.likert5)
        & SurveyAnswer.score.is_not_null()
    )
    scores: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row in rows:
        scores[(row["seq"], row["text"])].append(row["score"])
    items = [
        {
            "seq": seq,
            "text": text,
            "n": len(values),
            "mean": two_places(Decimal(sum(values)) / len(values)),
        }
        for (seq, text), values in sorted(scores.items())
    ]
    percent = to_percent_scale(overall_mean([sum(v) / len(v) for v in scores.values()]))
    return (None if percent is None else two_places(Decimal(str(percent)))), items


async def performance(actor: Actor, contract_id: int, period: str) -> dict[str, Any]:
    """The period's performance as it stands now, and what it implies for payment."""
    contract = await contract_detail(actor, contract_id)
    policy = get_policy().performance
    lines = await delivery(contract, period)
    delivered = delivery_ratio(
        [
            (int(line["delivered"] * 100), int(line["planned"] * 100))
            for line in lines
            if line["planned"] is not None
        ]
    )
    reported = delivered
    verification = await period_verification(contract_id, period)
    if delivered is not None and verification is not None:
        reached = verification["confirmed"] + verification["not_delivered"]
        if reached:  # the spot-checks' finding replaces the organization's own claim
            delivered = verified_delivery_ratio(delivered, verification["confirmed"], reached)
    committee = await committee_score(contract_id, period)
    resident, items = await satisfaction(contract_id, period)
    combined = combine(
        committee=committee, satisfaction=resident, delivery=delivered, policy=policy
    )
    result_grade = grade(combined.score, policy) if combined.score is not None else None
    settled = (
        await PerformanceScore.select()
        .where((PerformanceScore.contract == contract_id) & (PerformanceScore.period == period))
        .first()
    )
    return {
        "contract": contract,
        "period": period,
        "readiness": await settlement_readiness(contract, period),
        "committee": committee,
        "satisfaction": resident,
        "satisfaction_items": items,
        "delivery": delivered,
        "reported_delivery": reported,
        "verification": verification,
        "delivery_lines": lines,
        "score": combined.score,
        "weights": combined.weights,
        "complete": combined.complete,
        "grade": result_grade,
        "recommendation": recommendation(result_grade) if result_grade else None,
        "settled": settled,
    }


MISSING = {
    "report": "the service report is due on {day}",
    "evaluation": "the committee evaluation of {community} is not submitted",
    "no_survey": "no survey round of {community} has been held",
    "open_survey": "the survey round of {community} is still open",
}


async def settlement_readiness(
    contract: dict[str, Any], label: str, now: datetime | None = None
) -> dict[str, Any]:
    """Whether the period can be settled now: its service report's due date has passed, and the
    committee evaluation and the survey round of each of the contract's communities are
    submitted or closed, or their window (performance_inputs, from the report's due date) has
    closed. What is missing, and the first day settling becomes possible."""
    now = now or clock.now()
    today = calendar.local_day(now)
    period = period_of(contract, label)
    missing: list[dict[str, Any]] = []
    possible: list[date] = []
    if today <= period.due_on:
        missing.append({"kind": "report", "day": period.due_on})
        possible.append(period.due_on + timedelta(days=1))
    window = calendar.deadline("performance_inputs", period.due_on)
    after_window = window.last_day + timedelta(days=1)
    communities = {
        row["community"]: row["name"]
        for row in await ContractCommunity.select(
            ContractCommunity.community, ContractCommunity.community.name.as_alias("name")
        ).where(ContractCommunity.contract == contract["id"])
    }
    if not window.passed(now):
        evaluated = {
            row["community"]
            for row in await CommitteeEvaluation.select(CommitteeEvaluation.community).where(
                (CommitteeEvaluation.contract == contract["id"])
                & (CommitteeEvaluation.period == label)
                & (CommitteeEvaluation.status == EvaluationStatus.submitted)
            )
        }
        rounds = {
            row["community"]: row
            for row in await SurveyRound.select().where(
                (SurveyRound.contract == contract["id"]) & (SurveyRound.period == label)
            )
        }
        for community, name in sorted(communities.items()):
            if community not in evaluated:
                missing.append({"kind": "evaluation", "community": name})
                possible.append(after_window)
            survey = rounds.get(community)
            if survey is None:
                missing.append({"kind": "no_survey", "community": name})
                possible.append(after_window)
            elif round_status(survey, now) != "closed":
                missing.append({"kind": "open_survey", "community": name})
                possible.append(min(calendar.local_day(survey["closes_at"]), after_window))
    return {
        "ready": not missing,
        "missing_text": "; ".join(MISSING[item["kind"]].format(**item) for item in missing),
        "missing": missing,
        "possible_from": max(possible) if possible else None,
        "inputs_window": window.as_dict(),
    }


async def period_instalment(
    contract: dict[str, Any], label: str
) -> tuple[dict[str, Any], int] | None:
    """The performance-linked instalment that pays for the period (the first due on or after
    the period's end, else the last one) and how many periods it pays for."""
    instalments = (
        await Payment.select()
        .where((Payment.contract == contract["id"]) & Payment.performance_linked.eq(True))
        .order_by(Payment.seq)
    )
    if not instalments:
        return None

    def paying(period: Period) -> dict[str, Any]:
        return next((p for p in instalments if p["due_on"] >= period.ends_on), instalments[-1])

    periods = periods_of(contract)
    chosen = paying(period_of(contract, label))
    covered = sum(1 for period in periods if paying(period)["id"] == chosen["id"])
    return chosen, max(covered, 1)


async def settlements(actor: Actor, contract_id: int) -> list[dict[str, Any]]:
    """The contract's settled periods with the standing of their effects and objection."""
    await contract_detail(actor, contract_id)
    now = clock.now()
    rows = (
        await PerformanceScore.select(
            *PerformanceScore.all_columns(),
            PerformanceScore.payment.seq.as_alias("payment_seq"),
        )
        .where(PerformanceScore.contract == contract_id)
        .order_by(PerformanceScore.period)
    )
    return [settlement_view(row, now) for row in rows]


def settlement_view(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    state = effects.standing(row, now)
    ends = row["objection_ends_at"]
    rule = get_policy().periods["settlement_objection"]
    return {
        **row,
        "score": Decimal(row["score_hundredths"]) / 100,
        "standing": str(state),
        "may_object": state == effects.Standing.objection_period,
        "objection_deadline": None
        if ends is None
        else {
            "last_day": calendar.local_day(ends - timedelta(microseconds=1)),
            "ends_at": ends,
            "days": rule.days,
            "unit": rule.unit.value,
            "basis": rule.basis,
            "provisional": row["objection_provisional"],
        },
    }


async def objection_page(paging: PageRequest, status: str | None = None) -> Page[dict[str, Any]]:
    """One page of the objections for the regulator, lodged ones (awaiting a decision) first,
    then in the order they came; ``status`` filters in SQL."""
    where: Any = PerformanceScore.objection != ObjectionStatus.none
    if status:
        try:
            where &= PerformanceScore.objection == ObjectionStatus(status)
        except ValueError:
            raise InvalidInput(
                "status",
                N_("%(value)s is not a status (use %(choices)s)"),
                value=repr(status),
                choices=[s for s in ObjectionStatus if s is not ObjectionStatus.none],
            ) from None
    query = (
        PerformanceScore.select(
            *PerformanceScore.all_columns(),
            PerformanceScore.contract.reference.as_alias("contract_reference"),
            PerformanceScore.contract.title.as_alias("contract_title"),
            PerformanceScore.contract._.organization._.name.as_alias("organization_name"),
        )
        .where(where)
        .order_by(OrderByRaw("objection <> {}", ObjectionStatus.lodged.value))
        .order_by(PerformanceScore.objected_at, PerformanceScore.id)
    )
    now = clock.now()
    page = await paginate(query, PerformanceScore.count().where(where), paging)
    return page.map(lambda row: settlement_view(row, now))


async def performance_view(actor: Actor, contract_id: int, period: str | None) -> dict[str, Any]:
    """Everything the page and the PDF show; the period defaults to the latest one ended."""
    contract = await contract_detail(actor, contract_id)
    periods = periods_of(contract)
    today = clock.now().date()
    ended = [p.label for p in periods if p.ends_on < today]
    chosen = period or (ended[-1] if ended else periods[0].label)
    result = await performance(actor, contract_id, chosen)
    return {
        "result": result,
        "periods": [p.label for p in periods],
        "weights": get_policy().performance,
        "owner": actor.role == Role.buyer and actor.department_id == contract["department_id"],
        "delivery_bars": [
            (line["item_name"], line["ratio"])
            for line in result["delivery_lines"]
            if line["ratio"] is not None
        ],
        "satisfaction_bars": [
            (item["text"], item["mean"]) for item in result["satisfaction_items"]
        ],
    }

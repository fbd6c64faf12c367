"""Residents and committees: SATISFACTION_GAP and SURVEY_ANOMALY.

Both read closed survey rounds only (closed early, or past their closing time): an open round's
numbers are still moving. A round the clock closes raises no event, so the full scan is what
first judges it; an early close (``survey_closed``) is judged at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from piccolo.query.functions.aggregate import Count, Sum

from procure import clock
from procure.evaluations.scoring import mean_total, weighted_total
from procure.evaluations.tables import EvaluationScore, EvaluationStatus
from procure.risk.common import (
    HUNDREDTHS,
    contract_link,
    contracts_by_id,
    number,
    percent,
    report_link,
    scoped,
    sql_in,
    survey_round_link,
    within,
)
from procure.risk.params import Count as CountParam
from procure.risk.params import FixedSeverity, Percent
from procure.risk.registry import Finding, RuleContext, Stage, SubjectType, Trigger, register
from procure.risk.rules.reports import submitted_reports
from procure.risk.tables import Severity
from procure.surveys.statistics import overall_mean, to_percent_scale
from procure.surveys.tables import (
    SurveyAnswer,
    SurveyItemKind,
    SurveyResponse,
    SurveyRound,
    SurveyToken,
)


def _closed(round_table: Any) -> Any:
    """Rounds that are over: closed early, or past their closing time on the server's clock."""
    return round_table.closed_at.is_not_null() | (round_table.closes_at <= clock.now())


def _of_rounds(round_column: Any, everything: bool, rounds: Iterable[int]) -> Any:
    """The rows of these rounds; in a full scan (``everything``) those of every closed round
    by a join, rather than thousands of ids in one statement (the caller keeps the rows of
    the rounds it read: one may have closed between the statements)."""
    return _closed(round_column) if everything else round_column.is_in(list(rounds) or [-1])


# -- SATISFACTION_GAP ---------------------------------------------------------------------------


class SatisfactionGapParams(FixedSeverity):
    # Committee score and resident satisfaction (both 0–100) further apart than this flag.
    gap_points: Percent
    # A self-assessed outcome at or above this while residents' satisfaction is below
    # dissatisfied_below flags too.
    self_reported_high: Percent
    dissatisfied_below: Percent
    # Residents' satisfaction counts only over at least this many responses.
    min_responses: CountParam


async def resident_satisfaction(
    contract_ids: list[int] | None,
) -> dict[tuple[int, str], dict[str, Any]]:
    """Per contract and period, over the closed rounds: residents' overall satisfaction on
    0–100 (the mean of the Likert items' means, as the performance page computes it), the
    number of responses and the rounds."""
    rounds: dict[int, tuple[int, str]] = {
        row["id"]: (row["contract"], row["period"])
        for row in await SurveyRound.select(
            SurveyRound.id, SurveyRound.contract, SurveyRound.period
        ).where(_closed(SurveyRound) & within(SurveyRound.contract, contract_ids))
    }
    if not rounds:
        return {}
    responses: Counter[tuple[int, str]] = Counter()
    for row in (
        await SurveyResponse.select(SurveyResponse.round, Count())
        .where(_of_rounds(SurveyResponse.round, contract_ids is None, rounds))
        .group_by(SurveyResponse.round)
    ):
        if row["round"] in rounds:
            responses[rounds[row["round"]]] += row["count"]
    # Each item's sum and count of scores per round, summed in SQL; an item's mean over the
    # rounds of one contract and period is then Σ sums ÷ Σ counts (integers: exact).
    sums: dict[tuple[int, str], dict[tuple[int, str], list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    round_column = SurveyAnswer.response.round
    seq, text = SurveyAnswer.item.seq, SurveyAnswer.item.text_zh
    for row in (
        await SurveyAnswer.select(
            round_column.as_alias("round"),
            seq.as_alias("seq"),
            text.as_alias("text"),
            Sum(SurveyAnswer.score, alias="total"),
            Count(SurveyAnswer.score, alias="answers"),
        )
        .where(
            _of_rounds(round_column, contract_ids is None, rounds)
            & (SurveyAnswer.item.kind == SurveyItemKind.likert5)
            & SurveyAnswer.score.is_not_null()
        )
        .group_by(round_column, seq, text)
    ):
        if row["round"] not in rounds:
            continue
        item = sums[rounds[row["round"]]][(row["seq"], row["text"])]
        item[0] += int(row["total"])
        item[1] += int(row["answers"])
    rounds_of: dict[Any, list[Any]] = defaultdict(list)
    for round_id, key in rounds.items():
        rounds_of[key].append(round_id)
    result = {}
    for key, items in sums.items():
        # fmean sums exactly (fsum): the items' order does not change the result.
        scale = to_percent_scale(overall_mean([total / n for total, n in items.values()]))
        if scale is None:
            continue
        result[key] = {
            "satisfaction": Decimal(str(scale)).quantize(HUNDREDTHS),
            "responses": responses[key],
            "rounds": sorted(rounds_of[key]),
        }
    return result


async def committee_scores(
    contract_ids: list[int] | None,
) -> dict[tuple[int, str], tuple[Decimal, int]]:
    """Per contract and period: the mean total of the submitted committee evaluations (as the
    performance page computes it) and how many communities evaluated."""
    by_evaluation: dict[int, dict[str, Any]] = {}
    for row in await EvaluationScore.select(
        EvaluationScore.evaluation,
        EvaluationScore.evaluation.contract.as_alias("contract"),
        EvaluationScore.evaluation.period.as_alias("period"),
        EvaluationScore.score,
        EvaluationScore.criterion.weight.as_alias("weight"),
    ).where(
        (EvaluationScore.evaluation.status == EvaluationStatus.submitted)
        & within(EvaluationScore.evaluation.contract, contract_ids)
    ):
        entry = by_evaluation.setdefault(
            row["evaluation"], {"key": (row["contract"], row["period"]), "scores": []}
        )
        entry["scores"].append((row["score"], row["weight"]))
    totals: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    for entry in by_evaluation.values():
        totals[entry["key"]].append(weighted_total(entry["scores"]))
    return {
        key: (mean, len(values))
        for key, values in totals.items()
        if (mean := mean_total(values)) is not None
    }


@register(
    "SATISFACTION_GAP",
    name_zh="满意度评价背离",
    name_en="Satisfaction gap",
    subject=SubjectType.contract,
    severity=Severity.medium,
    stage=Stage.oversight,
    triggers={Trigger.evaluation_submitted, Trigger.survey_closed, Trigger.report_submitted},
    params=SatisfactionGapParams,
)
async def satisfaction_gap(ctx: RuleContext) -> list[Finding]:
    """In a period, the committees' score and residents' satisfaction (both 0–100) differ by
    more than the threshold, or the organization reports a high outcome while residents are
    dissatisfied."""
    params = SatisfactionGapParams.model_validate(ctx.params)
    ids = scoped(ctx, SubjectType.contract)
    residents = {
        key: value
        for key, value in (await resident_satisfaction(ids)).items()
        if value["responses"] >= params.min_responses
    }
    if not residents:
        return []
    committee = await committee_scores(ids)
    self_scores = {
        (r.contract_id, r.period): r.outcome_self_score for r in await submitted_reports(ids)
    }
    contracts = await contracts_by_id(
        None if ids is None else sorted({contract_id for contract_id, _ in residents})
    )
    findings = []
    for (contract_id, period), resident in sorted(residents.items()):
        contract = contracts.get(contract_id)
        if contract is None:
            continue
        satisfaction: Decimal = resident["satisfaction"]
        score, evaluations = committee.get((contract_id, period), (None, 0))
        claimed = self_scores.get((contract_id, period))
        reasons = []
        gap = None if score is None else abs(score - satisfaction)
        if gap is not None and gap > params.gap_points:
            reasons.append("committee_vs_residents")
        if (
            claimed is not None
            and claimed >= params.self_reported_high
            and satisfaction < params.dissatisfied_below
        ):
            reasons.append("self_report_vs_residents")
        if not reasons:
            continue
        findings.append(
            Finding(
                rule="SATISFACTION_GAP",
                subject_type=SubjectType.contract,
                subject_id=str(contract_id),
                period=period,
                severity=params.severity,
                evidence={
                    "contract": contract_link(contract_id, contract["reference"]),
                    "reasons": reasons,
                    "committee_score": number(score),
                    "committee_evaluations": evaluations,
                    "resident_satisfaction": number(satisfaction),
                    "responses": resident["responses"],
                    "survey_rounds": [survey_round_link(r) for r in resident["rounds"]],
                    "gap_points": number(gap),
                    "max_gap_points": number(params.gap_points),
                    "self_reported_outcome": claimed,
                    "self_reported_high": number(params.self_reported_high),
                    "dissatisfied_below": number(params.dissatisfied_below),
                    "report": report_link(contract_id, period),
                    "performance_url": f"/contracts/{contract_id}/performance?period={period}",
                },
                value=number(gap),
                department_id=contract["department_id"],
                organization_id=contract["organization_id"],
            )
        )
    return findings


# -- SURVEY_ANOMALY -----------------------------------------------------------------------------


def _responses_of(round_ids: list[int] | None) -> tuple[str, list[Any]]:
    """SQL restricting the responses ``r`` to these rounds, or to every closed round (None),
    with its arguments."""
    if round_ids is None:
        return (
            'JOIN "survey_round" sr ON sr."id" = r."round" '
            'WHERE (sr."closed_at" IS NOT NULL OR sr."closes_at" <= {})'
        ), [clock.now()]
    where, args = sql_in('r."round"', round_ids)
    return f"WHERE {where}", args


async def _busiest_hours(round_ids: list[int] | None) -> dict[int, tuple[int, str, int]]:
    """Per closed round (of these, or all): its responses, its busiest hour and the responses
    in it — counted in SQL; of hours as busy, the one whose first response came first."""
    rounds, args = _responses_of(round_ids)
    rows = await SurveyResponse.raw(
        "SELECT round, hour, responses, total FROM ("
        'SELECT r."round" AS round, r."submitted_hour" AS hour, COUNT(*) AS responses,'
        ' SUM(COUNT(*)) OVER (PARTITION BY r."round") AS total,'
        ' ROW_NUMBER() OVER (PARTITION BY r."round" ORDER BY COUNT(*) DESC, MIN(r."id"))'
        " AS place"
        f' FROM "survey_response" r {rounds} GROUP BY r."round", r."submitted_hour"'
        ") per WHERE place = 1",
        *args,
    )
    return {row["round"]: (int(row["total"]), row["hour"], int(row["responses"])) for row in rows}


async def _straight_lining(round_ids: list[int] | None) -> tuple[Counter[int], Counter[int]]:
    """Per closed round (of these, or all): the responses with at least two Likert answers,
    and of those the ones giving every item one score (min = max) — counted in SQL, response
    by response and then round by round."""
    rounds, args = _responses_of(round_ids)
    rows = await SurveyAnswer.raw(
        "SELECT per.round AS round, COUNT(*) AS judged, "
        "SUM(CASE WHEN per.low = per.high THEN 1 ELSE 0 END) AS uniform FROM ("
        'SELECT r."round" AS round, MIN(a."score") AS low, MAX(a."score") AS high '
        'FROM "survey_answer" a JOIN "survey_response" r ON r."id" = a."response" '
        'JOIN "survey_item" i ON i."id" = a."item" '
        f'{rounds} AND i."kind" = {{}} AND a."score" IS NOT NULL '
        'GROUP BY r."round", a."response" HAVING COUNT(a."score") >= 2'
        ") per GROUP BY per.round",
        *args,
        str(SurveyItemKind.likert5),
    )
    judged: Counter[int] = Counter()
    uniform: Counter[int] = Counter()
    for row in rows:
        judged[row["round"]] = int(row["judged"])
        uniform[row["round"]] = int(row["uniform"])
    return judged, uniform


class SurveyAnomalyParams(FixedSeverity):
    # Responses ÷ codes issued below this flags the round.
    min_response_rate_percent: Percent
    # More than this share of responses giving one score to every Likert item flags it.
    straight_lining_percent: Percent
    # More than this share of the responses arriving within one hour flags it.
    burst_percent: Percent
    # The two patterns above are judged only over at least this many responses.
    min_responses: CountParam


@register(
    "SURVEY_ANOMALY",
    name_zh="满意度调查异常",
    name_en="Survey anomaly",
    subject=SubjectType.survey_round,
    severity=Severity.medium,
    stage=Stage.oversight,
    triggers={Trigger.survey_closed},
    params=SurveyAnomalyParams,
)
async def survey_anomaly(ctx: RuleContext) -> list[Finding]:
    """A closed round with a response rate below the threshold, implausibly uniform answers
    (straight-lining: one score for every Likert item), or a burst of responses in one hour."""
    params = SurveyAnomalyParams.model_validate(ctx.params)
    ids = scoped(ctx, SubjectType.survey_round)
    rounds = {
        row["id"]: row
        for row in await SurveyRound.select(
            SurveyRound.id,
            SurveyRound.period,
            SurveyRound.contract.as_alias("contract_id"),
            SurveyRound.contract.reference.as_alias("reference"),
            SurveyRound.contract.department.as_alias("department_id"),
            SurveyRound.contract.organization.as_alias("organization_id"),
            SurveyRound.community.code.as_alias("community_code"),
            SurveyRound.community.name.as_alias("community_name"),
        ).where(_closed(SurveyRound) & within(SurveyRound.id, ids))
    }
    if not rounds:
        return []
    round_ids = list(rounds)
    issued = {
        row["round"]: row["count"]
        for row in await SurveyToken.select(SurveyToken.round, Count())
        .where(_of_rounds(SurveyToken.round, ids is None, round_ids))
        .group_by(SurveyToken.round)
    }
    busiest_hours = await _busiest_hours(None if ids is None else round_ids)
    judged, uniform_by_round = await _straight_lining(None if ids is None else round_ids)
    findings = []
    for round_id, survey in sorted(rounds.items()):
        responses, busiest, in_busiest = busiest_hours.get(round_id, (0, "", 0))
        codes = issued.get(round_id, 0)
        reasons = []
        rate = percent(responses, codes) if codes else None
        if rate is not None and responses * 100 < params.min_response_rate_percent * codes:
            reasons.append("low_response_rate")
        of, uniform = judged[round_id], uniform_by_round[round_id]
        if of >= params.min_responses and (uniform * 100 > params.straight_lining_percent * of):
            reasons.append("straight_lining")
        if responses >= params.min_responses and (
            in_busiest * 100 > params.burst_percent * responses
        ):
            reasons.append("burst")
        if not reasons:
            continue
        findings.append(
            Finding(
                rule="SURVEY_ANOMALY",
                subject_type=SubjectType.survey_round,
                subject_id=str(round_id),
                period=survey["period"],
                severity=params.severity,
                evidence={
                    "survey_round": survey_round_link(round_id),
                    "contract": contract_link(survey["contract_id"], survey["reference"]),
                    "community": {
                        "code": survey["community_code"],
                        "name": survey["community_name"],
                    },
                    "reasons": reasons,
                    "codes_issued": codes,
                    "responses": responses,
                    "response_rate_percent": number(rate),
                    "min_response_rate_percent": number(params.min_response_rate_percent),
                    "straight_lining": {
                        "responses": uniform,
                        "of": of,
                        "share_percent": number(percent(uniform, of)) if of else None,
                        "threshold_percent": number(params.straight_lining_percent),
                    },
                    "burst": {
                        "hour_utc": busiest,
                        "responses": in_busiest,
                        "share_percent": number(percent(in_busiest, responses))
                        if responses
                        else None,
                        "threshold_percent": number(params.burst_percent),
                    },
                    "min_responses": params.min_responses,
                },
                value=number(rate),
                department_id=survey["department_id"],
                organization_id=survey["organization_id"],
            )
        )
    return findings

"""SATISFACTION_GAP and SURVEY_ANOMALY: fire, stay quiet, and the exact thresholds."""

from __future__ import annotations

from procure.risk.registry import SubjectType
from tests.risk.conftest import (
    HAIBIN,
    committee_evaluation,
    contract_findings,
    evaluate,
    make_contract,
    submit_report,
    survey_round,
)

VARIED = [4, 5, 4, 4, 5]
PERIOD = "2026-04"


def all_(score: int) -> list[int]:
    return [score] * 5


async def gap(
    committee: int | None,
    sheets: list[list[int]],
    *,
    self_score: int | None = None,
    closed: bool = True,
    **overrides: object,
) -> list:
    """A period with a committee score, residents' answers and the organization's report."""
    contract = await make_contract()
    if committee is not None:
        await committee_evaluation(contract["id"], PERIOD, committee, HAIBIN)
    await survey_round(contract["id"], PERIOD, sheets, closed=closed)
    if self_score is not None:
        await submit_report(contract["id"], PERIOD, [], self_score=self_score)
    return await contract_findings("SATISFACTION_GAP", contract["id"], **overrides)


async def test_committee_and_residents_further_apart_than_the_threshold(database: None) -> None:
    (finding,) = await gap(71, [all_(3)] * 10)  # residents: 50 on 0–100
    evidence = finding.evidence
    assert evidence["reasons"] == ["committee_vs_residents"]
    assert (evidence["committee_score"], evidence["resident_satisfaction"]) == (71.0, 50.0)
    assert (evidence["gap_points"], evidence["responses"]) == (21.0, 10)
    assert finding.period == PERIOD and finding.value == 21.0


async def test_a_gap_of_exactly_the_threshold_does_not_fire(database: None) -> None:
    assert await gap(70, [all_(3)] * 10) == []
    assert await gap(30, [all_(3)] * 10) == []
    assert len(await gap(29, [all_(3)] * 10)) == 1  # residents happier than the committee, too
    assert await gap(71, [all_(3)] * 10, gap_points=21) == []


async def test_residents_count_only_with_enough_answers_in_closed_rounds(database: None) -> None:
    assert await gap(95, [all_(1)] * 9) == []
    assert await gap(95, [all_(1)] * 10, closed=False) == []
    assert len(await gap(95, [all_(1)] * 9, min_responses=9)) == 1


async def test_a_high_self_assessment_while_residents_are_dissatisfied(database: None) -> None:
    (finding,) = await gap(None, [all_(3)] * 10, self_score=80)
    assert finding.evidence["reasons"] == ["self_report_vs_residents"]
    assert finding.evidence["self_reported_outcome"] == 80
    assert await gap(None, [all_(3)] * 10, self_score=79) == []
    # Residents at exactly 60 (a mean of 3.4) are not dissatisfied.
    assert await gap(None, [all_(3)] * 6 + [all_(4)] * 4, self_score=95) == []


async def anomalies(
    sheets: list[list[int]],
    *,
    issued: int | None = None,
    hours: list[int] | None = None,
    closed: bool = True,
    **overrides: object,
) -> list[str]:
    contract = await make_contract()
    round_id = await survey_round(
        contract["id"], PERIOD, sheets, issued=issued, hours=hours, closed=closed
    )
    findings = await evaluate("SURVEY_ANOMALY", {SubjectType.survey_round: [round_id]}, **overrides)
    assert all(f.subject_id == str(round_id) for f in findings)
    return findings[0].evidence["reasons"] if findings else []


async def test_a_response_rate_below_the_threshold(database: None) -> None:
    assert await anomalies([VARIED] * 29, issued=100) == ["low_response_rate"]
    assert await anomalies([VARIED] * 30, issued=100) == []


async def test_straight_lining_above_the_threshold(database: None) -> None:
    assert await anomalies([all_(5)] * 9 + [VARIED]) == ["straight_lining"]
    assert await anomalies([all_(5)] * 8 + [VARIED] * 2) == []
    assert await anomalies([all_(5)] * 9) == []  # too few answers to judge


async def test_a_burst_of_answers_in_one_hour(database: None) -> None:
    assert await anomalies([VARIED] * 10, hours=[0] * 6 + [1, 2, 3, 4]) == ["burst"]
    assert await anomalies([VARIED] * 10, hours=[0] * 5 + [1, 2, 3, 4, 5]) == []


async def test_an_open_round_is_not_judged_yet(database: None) -> None:
    assert await anomalies([all_(5)] * 12, issued=100, hours=[0] * 12, closed=False) == []
    everything = await anomalies([all_(5)] * 12, issued=100, hours=[0] * 12)
    assert everything == ["low_response_rate", "straight_lining", "burst"]

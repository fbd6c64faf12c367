"""The demo district's planted cases: every rule fires on its planted case — the
contract-oversight rules and cardinal's bid-stage rules, on the platform's tenders and on the
external OCDS data the demo imports — and none fires on the clean ones."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from procure.bids.tables import Bid
from procure.contracts.tables import Contract
from procure.departments.tables import Department
from procure.risk.engine import flag_out, load_rules, scan
from procure.risk.jobs import catch_up
from procure.risk.registry import Stage
from procure.risk.tables import RiskFlag
from procure.spotchecks.tables import SpotCheckSeed
from procure.surveys.tables import SurveyRound
from procure.tenders.tables import Tender
from tests.risk.conftest import (
    EXTERNAL_CLEAN,
    EXTERNAL_PLANTED,
    HAIBIN,
    TONGXIN,
    YUGANG,
)

GUIYUAN = "440319002001"  # 桂园, where the demo surveys HT-2026-011

Subject = tuple[str, str]
#: Bid-stage rules whose fences come from every process of a dataset: on the platform, the
#: tenders other tests add move them (test_cli checks them on the demo alone).
POPULATION = {"R024", "R025", "R038", "R048", "R058"}


@pytest.fixture(scope="module")
async def scanned(database: None) -> list[dict[str, Any]]:
    """A fresh full scan (on the real clock), after the projection's catch-up job: the flags it
    finds."""
    await catch_up()
    return await scan()


@pytest.fixture(scope="module")
async def fired(scanned: list[dict[str, Any]]) -> dict[Subject, set[str]]:
    """The rules firing on each subject of the platform's dataset."""
    by_subject: dict[Subject, set[str]] = defaultdict(set)
    for flag in scanned:
        if flag["dataset"] == "platform":
            by_subject[(flag["subject_type"], flag["subject_id"])].add(flag["rule"])
    return by_subject


@pytest.fixture(scope="module")
async def external(scanned: list[dict[str, Any]]) -> dict[Subject, set[str]]:
    """The rules firing on each subject of the external OCDS data."""
    by_subject: dict[Subject, set[str]] = defaultdict(set)
    for flag in scanned:
        if flag["dataset"] == "external":
            by_subject[(flag["subject_type"], flag["subject_id"])].add(flag["rule"])
    return by_subject


async def test_a_scan_answers_its_flags_as_stored(scanned: list[dict[str, Any]]) -> None:
    # The scan answers from what it wrote, not by reading the flags back: every rule's flags
    # (all fire on the demo) must be what the table holds, evidence in JSON's own types.
    stored = {
        row["id"]: flag_out(row)
        for row in await RiskFlag.select()
        .where(RiskFlag.id.is_in([flag["id"] for flag in scanned]))
        .output(load_json=True)
    }
    assert len(stored) == len(scanned)
    for flag in scanned:
        assert flag == stored[flag["id"]]


async def test_every_rule_fires_on_the_demo(scanned: list[dict[str, Any]]) -> None:
    rules = load_rules()
    assert len(rules) == 27
    assert {flag["rule"] for flag in scanned} >= set(rules)
    bid_stage = {code for code, rule in rules.items() if rule.stage == Stage.bid}
    # The external data: cardinal's rules, and the oversight rules over imported data (bids:
    # UNDERPRICED_BID; awards: CONCENTRATION; contracts: AMENDMENT_CREEP).
    assert {flag["rule"] for flag in scanned if flag["dataset"] == "external"} == bid_stage | {
        "AMENDMENT_CREEP",
        "CONCENTRATION",
        "UNDERPRICED_BID",
    }


async def contract(reference: str) -> Subject:
    row = await Contract.select(Contract.id).where(Contract.reference == reference).first()
    assert row is not None, reference
    return ("contract", str(row["id"]))


async def tender(reference: str) -> Subject:
    row = await Tender.select(Tender.id).where(Tender.reference == reference).first()
    assert row is not None, reference
    return ("tender", str(row["id"]))


async def bids(reference: str) -> dict[str, Subject]:
    rows = await Bid.select(Bid.id, Bid.organization.credit_code.as_alias("credit_code")).where(
        Bid.tender.reference == reference
    )
    return {row["credit_code"]: ("bid", str(row["id"])) for row in rows}


async def buyer(code: str) -> Subject:
    row = await Department.select(Department.id).where(Department.code == code).first()
    assert row is not None, code
    return ("buyer", str(row["id"]))


async def survey_round(reference: str, community: str) -> list[Subject]:
    rows = await SurveyRound.select(SurveyRound.id).where(
        (SurveyRound.contract.reference == reference) & (SurveyRound.community.code == community)
    )
    return [("survey_round", str(row["id"])) for row in rows]


async def test_the_planted_contract_fires_the_oversight_rules(fired: Any) -> None:
    assert fired[await contract("HT-2026-007")] >= {
        "SCOPE_DRIFT",
        "INTERNALIZATION",
        "REPORTING_BURDEN",
        "AMENDMENT_CREEP",
        "UNDER_DELIVERY",
        "LATE_REPORT",
        "SATISFACTION_GAP",
        "UNDERSTAFFED_DELIVERY",
    }


async def test_the_spot_check_that_found_units_not_delivered(
    scanned: list[dict[str, Any]],
) -> None:
    # HT-2026-007: of period -3's five drawn home-care visits, 海滨's resident monitor found
    # three not delivered; period -5's five were all delivered, period -2's are still open.
    subject = await contract("HT-2026-007")
    (flag,) = [
        f
        for f in scanned
        if f["rule"] == "SELECTIVE_PERFORMANCE" and (f["subject_type"], f["subject_id"]) == subject
    ]
    planted = (
        await SpotCheckSeed.select(SpotCheckSeed.period)
        .where(
            (SpotCheckSeed.contract == int(subject[1])) & SpotCheckSeed.revealed_seed.is_not_null()
        )
        .order_by(SpotCheckSeed.period)
    )
    assert [row["period"] for row in planted][-2] == flag["period"]  # first, -5, -3, -2
    evidence = flag["evidence"]
    assert (evidence["confirmed"], evidence["not_delivered"], evidence["open"]) == (2, 3, 0)
    assert evidence["verified_delivery_percent"] == 40.0
    assert len(evidence["not_delivered_units"]) == 3
    assert all(unit["code"].startswith("HV-") for unit in evidence["not_delivered_units"])


async def test_low_price_then_low_quality(fired: Any) -> None:
    assert fired[await contract("HT-2026-003")] == {"LOW_PRICE_LOW_QUALITY"}


async def test_underpriced_bids(fired: Any) -> None:
    evaluation = await bids("ZB-2026-030")
    assert fired[evaluation.pop(TONGXIN)] == {"UNDERPRICED_BID"}
    assert all(not fired[subject] for subject in evaluation.values())
    contracted = await bids("ZB-2026-004")
    assert fired[contracted.pop(TONGXIN)] == {"UNDERPRICED_BID"}
    assert all(not fired[subject] for subject in contracted.values())
    assert all(not fired[subject] for subject in (await bids("ZB-2026-006")).values())


async def test_the_survey_round_with_anomalies(fired: Any) -> None:
    (anomalous,) = await survey_round("HT-2026-007", YUGANG)
    assert fired[anomalous] == {"SURVEY_ANOMALY"}
    (honest,) = await survey_round("HT-2026-007", HAIBIN)
    (clean,) = await survey_round("HT-2026-011", GUIYUAN)
    assert not fired[honest] and not fired[clean]


async def test_demand_and_concentration(fired: Any) -> None:
    # R003: 10 days for a 竞争性谈判, against cardinal's default of 15. The quartile rules depend
    # on every tender the suite has awarded by now; on the demo alone (test_cli's fresh database)
    # exactly the planted cases fire, ZB-2026-004's included.
    assert fired[await tender("ZB-2026-004")] - POPULATION == {"DEMAND_MISMATCH", "R003"}
    for reference in ("ZB-2026-006", "ZB-2026-012", "ZB-2026-030", "ZB-2026-033"):
        assert not fired[await tender(reference)] - POPULATION, reference
    # (That no other buyer is concentrated holds on the demo alone: test_cli's fresh database.
    # Here other tests sign contracts for the demo's buyers.)
    assert fired[await buyer("D-XTJD")] == {"CONCENTRATION"}


async def test_the_street_office_that_asked_without_filing(fired: Any) -> None:
    # 海湾街道 asked HT-2026-007's organization for the 创文 campaign and its paperwork without
    # a filed request: UNFILED_REQUEST is against the street office, never the organization.
    assert "UNFILED_REQUEST" in fired[await buyer("D-HWJD")]
    assert not any(
        "UNFILED_REQUEST" in rules for (kind, _), rules in fired.items() if kind != "buyer"
    )


@pytest.mark.parametrize(
    "reference", ["HT-2026-011", "HT-2025-019", "HT-2026-021", "HT-2026-022", "HT-2026-023"]
)
async def test_no_rule_fires_on_the_clean_contracts(fired: Any, reference: str) -> None:
    assert not fired[await contract(reference)]


async def test_the_platform_s_single_bid(fired: Any) -> None:
    assert fired[await tender("ZB-2026-027")] == {"R018"}  # one bid, the tender failed


async def test_the_platform_s_bid_stage_flags_name_its_tenders(
    scanned: list[dict[str, Any]],
) -> None:
    short = next(
        flag
        for flag in scanned
        if flag["rule"] == "R003" and (flag["ocid"] or "").endswith("-ZB-2026-004")
    )
    assert short["dataset"] == "platform" and short["subject_type"] == "tender"
    row = await Tender.select(Tender.id, Tender.department).where(Tender.reference == "ZB-2026-004")
    assert short["subject_id"] == str(row[0]["id"])
    assert short["department_id"] == row[0]["department"]


async def test_the_external_data_fires_exactly_its_planted_cases(external: Any) -> None:
    assert {subject: rules for subject, rules in external.items() if rules} == EXTERNAL_PLANTED


@pytest.mark.parametrize("ocid", EXTERNAL_CLEAN)
async def test_no_rule_fires_on_the_clean_external_processes(external: Any, ocid: str) -> None:
    assert not external[("tender", ocid)]

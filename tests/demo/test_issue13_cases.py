"""The demo district's cases of issue 13 (risk engine over every dataset, internalization
firewall, cost floor, sealed spot-checks), each with a clean counterpart, as the platform itself
would have produced them."""

from __future__ import annotations

from datetime import timedelta

from litestar.testing import AsyncTestClient

from procure.audit.events import AuditAction
from procure.audit.tables import AuditEvent
from procure.bids.selectors import below_cost_floor
from procure.bids.tables import Award, Bid, BidStatus
from procure.committees.tables import CommitteeMember, MemberStatus, MemberVote, VoteQuestion
from procure.contracts.tables import Contract
from procure.policy import get_policy
from procure.reports.periods import Period, contract_periods
from procure.reports.selectors import submitted_report
from procure.reports.tables import ActivityLine, ReportStatus, ServiceReport
from procure.risk.tables import RiskFlag
from procure.security.tables import User
from procure.spotchecks.sampling import draw_sample, matches_commitment, sample_size, unit_key
from procure.spotchecks.tables import SpotCheckSeed, TaskStatus, VerificationTask
from procure.tenders.tables import Tender
from procure.workrequests.tables import WorkRequest, WorkRequestCitation, WorkRequestStatus
from tests.conftest import login

TONGXIN = "52440319MJY402174G"  # 同心, the winner of ZB-2026-004
EXT = "ocds-ext001-MXCG-"  # the external OCDS data (fixtures/ocds-external.jsonl)


async def _bids(reference: str) -> dict[str, dict]:
    rows = await Bid.select(
        *Bid.all_columns(), Bid.organization.credit_code.as_alias("credit_code")
    ).where(Bid.tender.reference == reference)
    return {row["credit_code"]: row for row in rows}


async def test_the_bid_below_the_cost_floor_explained_before_it_won(database: None) -> None:
    bids = await _bids("ZB-2026-004")
    won = bids.pop(TONGXIN)
    # 1,200 household visits × 1 hour × 23.70 元 × 1.30 = 36,972 元; the line is priced 33,600 元.
    (gap,) = await below_cost_floor(won["id"])
    assert (gap.line_no, gap.price_fen, gap.floor_fen, gap.gap_fen) == (
        2,
        3_360_000,
        3_697_200,
        337_200,
    )
    assert gap.reasons == ("price_below_floor",)
    # The evaluation sent it to explanation with the gap per line …
    (requested,) = (
        await AuditEvent.select(AuditEvent.data)
        .where(
            (AuditEvent.action == str(AuditAction.explanation_requested))
            & (AuditEvent.subject_type == "bid")
            & (AuditEvent.subject_id == str(won["id"]))
        )
        .output(load_json=True)
    )
    assert requested["data"]["reasons"] == ["below_cost_floor"]
    assert requested["data"]["evidence"]["cost_floor"] == [gap.as_evidence()]
    # … it explained within the period, and the committee's majority accepted the explanation.
    assert won["status"] == BidStatus.valid and won["explanation"]
    hours = get_policy().procurement.abnormally_low.explanation_hours
    # Asked when the evaluation started, an hour after opening, with the policy's period.
    assert won["explanation_due_at"] == won["opened_at"] + timedelta(hours=1 + hours)
    votes = await MemberVote.select().where(
        (MemberVote.bid == won["id"]) & (MemberVote.question == VoteQuestion.explanation)
    )
    seated = await CommitteeMember.count().where(
        (CommitteeMember.committee.tender == won["tender"])
        & (CommitteeMember.status == MemberStatus.confirmed)
    )
    assert seated >= 3 and len(votes) == seated and all(vote["in_favour"] for vote in votes)
    assert all(vote["reason"] for vote in votes)
    assert all(won["opened_at"] < vote["voted_at"] < won["explanation_due_at"] for vote in votes)
    decided = (
        await AuditEvent.select(AuditEvent.data)
        .where(
            (AuditEvent.action == str(AuditAction.explanation_decided))
            & (AuditEvent.subject_id == str(won["id"]))
        )
        .output(load_json=True)
    )
    assert [row["data"] for row in decided] == [{"accepted": True, "votes": [seated, 0]}]
    voted = await AuditEvent.count().where(
        (AuditEvent.action == str(AuditAction.committee_voted))
        & (AuditEvent.subject_id == str(won["id"]))
    )
    assert voted == seated
    (given,) = await AuditEvent.select(AuditEvent.actor_id).where(
        (AuditEvent.action == str(AuditAction.explanation_given))
        & (AuditEvent.subject_id == str(won["id"]))
    )
    org3 = await User.select(User.id).where(User.username == "org3").first()
    assert org3 is not None and given["actor_id"] == org3["id"]  # 同心's account
    (award,) = await Award.select(Award.bid).where(Award.tender == won["tender"])
    assert award["bid"] == won["id"]
    # The other bids clear the floor: never asked, nothing to explain.
    for bid in bids.values():
        assert await below_cost_floor(bid["id"]) == []
        assert bid["status"] == BidStatus.valid and not bid["explanation"]
        assert not await MemberVote.exists().where(MemberVote.bid == bid["id"])


async def test_the_imported_process_with_an_underpriced_bid(database: None) -> None:
    """UNDERPRICED_BID over another city's OCDS data (the external dataset): 安康's bid in
    MXCG-2026-034 trips every abnormally-low trigger; no other imported bid is flagged."""
    flags = (
        await RiskFlag.select()
        .where((RiskFlag.rule == "UNDERPRICED_BID") & (RiskFlag.dataset == "external"))
        .output(load_json=True)
    )
    (flag,) = flags
    assert flag["subject_type"] == "bid" and flag["ocid"] == f"{EXT}2026-034"
    assert flag["subject_id"] == f"{EXT}2026-034/bids/details/0"
    evidence = flag["evidence"]
    assert evidence["amount"] == 118_000 and evidence["tender_value"] == 300_000
    assert evidence["reasons"] == ["below_mean_of_others", "lowest_below_second", "below_ceiling"]
    assert evidence["bids_compared"] == 3 and evidence["not_judged"] == []
    assert evidence["awarded"] is False


async def _first_period(reference: str) -> tuple[dict, Period]:
    contract = await Contract.select().where(Contract.reference == reference).first()
    assert contract is not None
    periods = contract_periods(
        contract["starts_on"],
        contract["ends_on"],
        contract["reporting_frequency"],
        get_policy().reports.due_days_after_period,
    )
    return contract, periods[0]


async def test_a_filed_request_cited_and_an_unfiled_one(database: None) -> None:
    contract, first = await _first_period("HT-2026-007")
    (request,) = await WorkRequest.select().where(WorkRequest.contract == contract["id"])
    assert request["status"] == WorkRequestStatus.accepted
    assert request["department"] == contract["department"]
    # The out-of-contract line of the first period's report cites it, within its hours.
    (line,) = await ActivityLine.select().where(
        ActivityLine.id.is_in(
            WorkRequestCitation.select(WorkRequestCitation.activity_line).where(
                WorkRequestCitation.work_request == request["id"]
            )
        )
    )
    report = await ServiceReport.select().where(ServiceReport.id == line["report"]).first()
    assert report is not None and report["period"] == first.label
    assert report["status"] == ReportStatus.submitted
    assert line["out_of_scope"] and line["requested_by_department"] == request["department"]
    assert 0 < line["staff_minutes"] <= request["hours"] * 60
    assert request["filed_at"] < request["answered_at"] < report["submitted_at"]
    # UNFILED_REQUEST is against the street office for period -2 (asked without filing), never
    # for the period whose request was filed and cited.
    flagged = {
        row["period"]
        for row in await RiskFlag.select(RiskFlag.period).where(
            (RiskFlag.rule == "UNFILED_REQUEST")
            & (RiskFlag.subject_type == "buyer")
            & (RiskFlag.subject_id == str(contract["department"]))
        )
    }
    assert flagged and first.label not in flagged


async def test_a_sealed_spot_check_of_one_period(database: None) -> None:
    contract, first = await _first_period("HT-2026-007")
    (seed,) = await SpotCheckSeed.select().where(
        (SpotCheckSeed.contract == contract["id"]) & (SpotCheckSeed.period == first.label)
    )
    revealed = bytes.fromhex(seed["revealed_seed"])
    assert matches_commitment(revealed, seed["commitment"])
    report = await submitted_report(contract["id"], first.label)
    assert report is not None and seed["report"] == report["id"]
    # Committed before the period's report was submitted, revealed by its submission.
    assert seed["committed_at"] < seed["revealed_at"] == report["submitted_at"]
    units = [
        unit_key(line["line_no"], unit["code"])
        for line in report["lines"]
        for unit in line["units"]
    ]
    assert len(units) == 40
    policy = get_policy().spotchecks
    size = sample_size(
        len(units),
        share_percent=policy.sample_percent,
        minimum=policy.minimum_sample,
        maximum=policy.maximum_sample,
    )
    tasks = await VerificationTask.select().where(VerificationTask.seed == seed["id"])
    # Anyone redoes the draw from the revealed seed and the report's units.
    drawn = [f"{t['line_no']}:{t['code']}" for t in sorted(tasks, key=lambda t: t["draw_no"])]
    assert drawn == draw_sample(revealed, units, size) and len(tasks) == size > 0
    committee = await User.select(User.id).where(User.username == "committee").first()
    assert committee is not None
    assert all(t["status"] == TaskStatus.confirmed for t in tasks)
    assert all(t["decided_by"] == committee["id"] for t in tasks)
    assert all(t["decided_at"] > report["submitted_at"] for t in tasks)


async def test_each_case_is_where_the_docs_say(client: AsyncTestClient, database: None) -> None:
    """docs/risk.md, "Issue 13's cases": the page and login of each."""
    tender = await Tender.select(Tender.id).where(Tender.reference == "ZB-2026-004").first()
    assert tender is not None
    won = (await _bids("ZB-2026-004"))[TONGXIN]
    await login(client, "buyer3")  # 新塘街道, the buying department
    page = await client.get(f"/tenders/{tender['id']}/evaluation")
    assert page.status_code == 200
    assert f'data-testid="explanation-{won["id"]}" data-state="given"' in page.text
    assert "3,372.00" in page.text  # the gap of line 2
    contract, first = await _first_period("HT-2026-007")
    await login(client, "org")  # 心连心, the contractor
    report = await client.get(f"/contracts/{contract['id']}/reports/{first.label}")
    assert report.status_code == 200 and 'data-testid="cites"' in report.text
    await login(client, "committee")  # 海滨's committee
    checks = await client.get(f"/contracts/{contract['id']}/spotchecks")
    assert checks.status_code == 200 and first.label in checks.text


async def test_the_imported_contract_amended_beyond_the_limit(database: None) -> None:
    """AMENDMENT_CREEP over the external data's /contracts: 卫健局's contract with 安康 grew
    16% by its amendment (planted); its contract with 启航 grew 7% (clean)."""
    flags = (
        await RiskFlag.select()
        .where((RiskFlag.rule == "AMENDMENT_CREEP") & (RiskFlag.dataset == "external"))
        .output(load_json=True)
    )
    (flag,) = flags
    assert (flag["subject_type"], flag["subject_id"], flag["ocid"]) == (
        "contract",
        f"{EXT}2026-035/contracts/0",
        f"{EXT}2026-035",
    )
    evidence = flag["evidence"]
    assert (evidence["original_value"], evidence["current_value"]) == (480_000, 556_800)
    assert evidence["cumulative_percent"] == 16 and evidence["amendments"] == 1
    assert evidence["reasons"] == ["over_limit"]

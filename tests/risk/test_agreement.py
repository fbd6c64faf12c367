"""The full scan and the incremental path agree. A procurement runs through the platform's own
API — publish, bids, opening, award, contract, amendment, a late report, a survey closed
early, a committee evaluation, settlement — and each event runs its rules. Then a full scan
must change nothing, and a scan from scratch must find exactly the same flags. The same holds
for cardinal's bid-stage rules over the platform's OCDS projection."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from procure import clock
from procure.bids.tables import Bid
from procure.calendar import local_today
from procure.contracts.tables import ContractScopeLine
from procure.departments.tables import Department
from procure.performance.tables import PerformanceScore
from procure.reports.periods import contract_periods
from procure.risk.engine import scan
from procure.risk.tables import RiskFlag, RiskFlagEvent
from procure.surveys.services import survey_answer, survey_tokens_issue
from tests.conftest import Clock, bearer
from tests.contracts.helpers import amend, settle, sign_both
from tests.risk.conftest import BID_STAGE, HAIBIN
from tests.surveys.conftest import actor, all_answers
from tests.tenders.conftest import (
    award,
    bid_payload,
    committee_decides,
    confirm_report,
    publish,
    seat_committee,
    tender_payload,
)

Key = tuple[str, str, str, str]


async def snapshot(subjects: set[tuple[str, str]]) -> dict[Key, dict[str, Any]]:
    """The flags of these subjects: identity → what a reader sees of them."""
    rows = await RiskFlag.select().where(RiskFlag.dataset == "platform").output(load_json=True)
    return {
        (row["rule"], row["subject_type"], row["subject_id"], row["period"]): {
            "severity": row["severity"],
            "status": row["status"],
            "evidence": row["evidence"],
            "department": row["department"],
            "organization": row["organization"],
        }
        for row in rows
        if (row["subject_type"], row["subject_id"]) in subjects
    }


async def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def test_a_full_scan_finds_what_the_events_found(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    buyer, org, org2, org3 = [await bearer(u) for u in ("buyer", "org", "org2", "org3")]
    committee = await bearer("committee")

    # A tender whose evidence of needs covers only one of its two communities.
    payload = await tender_payload(
        evaluation_method="lowest_price",
        criteria=[{"code": "price", "name": "价格", "kind": "price", "weight": 100}],
        need_evidence=[
            {"kind": "committee_request", "summary": "居委会来函", "community_code": HAIBIN}
        ],
    )
    tender_id = (await ok(await client.post("/api/v1/tenders", json=payload, headers=buyer), 201))[
        "id"
    ]
    await ok(await publish(client, buyer, tender_id))
    for headers, total in ((org, 24_000_000), (org2, 25_000_000), (org3, 11_000_000)):
        await ok(
            await client.put(
                f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(total), headers=headers
            ),
            201,
        )

    # Opening, the abnormally low bid explained and accepted, the award to it.
    moving_clock.advance(days=13)
    members = await seat_committee(client, tender_id, buyer)
    await ok(await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer))
    low = await Bid.select(Bid.id).where((Bid.tender == tender_id) & (Bid.total_fen == 11_000_000))
    low_id = low[0]["id"]
    await ok(
        await client.post(
            f"/api/v1/bids/{low_id}/explanation",
            json={"explanation": "使用自有场地与志愿者,成本较低。"},
            headers=org3,
        )
    )
    await committee_decides(
        client, f"{low_id}/explanation/decision", {"accept": True, "reason": ""}, members
    )
    await confirm_report(client, tender_id, members)
    await award(client, tender_id, buyer)

    # The contract, from today for 100 days, signed by both parties, then amended by 9%.
    await moving_clock.past_standstill(tender_id)
    start = local_today()
    contract = await ok(
        await client.post(
            f"/api/v1/tenders/{tender_id}/contract",
            json={
                "starts_on": start.isoformat(),
                "ends_on": (start + timedelta(days=99)).isoformat(),
                # Only 海滨's committee judges the service below, and a period is settled once
                # every community's committee and residents have judged it.
                "communities": [HAIBIN],
                "payments": [
                    {"due_on": (start + timedelta(days=5)).isoformat(), "amount_fen": 5_000_000},
                    {
                        "due_on": (start + timedelta(days=95)).isoformat(),
                        "amount_fen": 6_000_000,
                        "performance_linked": True,
                    },
                ],
            },
            headers=buyer,
        ),
        201,
    )
    contract_id = contract["id"]
    base = f"/api/v1/contracts/{contract_id}"
    await sign_both(client, contract_id)
    # The platform refuses an amendment over 10% or outside the tender (政府采购法 第四十九条),
    # so what it records stays within the law: 9% more of the tender's first line.
    await amend(
        client,
        contract_id,
        {
            "reason": "应街道要求增加服务量",
            "lines": [{"line_no": 1, "quantity_delta": 9, "unit_price_fen": 110_000}],
        },
    )

    # The first period's report, two days late: nothing delivered, half the hours spent on
    # a campaign the buyer asked for, three ad-hoc submissions.
    first = contract_periods(start, start + timedelta(days=99), "monthly", 10)[0]
    moving_clock.advance(days=(first.due_on - local_today()).days + 2)
    lines = (
        await ContractScopeLine.select(ContractScopeLine.id)
        .where(ContractScopeLine.contract == contract_id)
        .order_by(ContractScopeLine.line_no)
    )
    department = await Department.select(Department.id).where(Department.code == "D-MZJ")
    report = {
        "summary": "本期主要配合街道中心工作。",
        "outcome_self_score": 90,
        "lines": [
            {"scope_line_id": lines[0]["id"], "description": "窗口服务", "staff_hours": "10"},
            {
                "out_of_scope": True,
                "out_of_scope_kind": "campaign",
                "requested_by_department_id": department[0]["id"],
                "requested_by_person": "区民政局 王科长",
                "description": "创文入户宣传",
                "staff_hours": "10",
                "submissions": 3,
            },
        ],
    }
    await ok(await client.put(f"{base}/reports/{first.label}/draft", json=report, headers=org3))
    await ok(await client.post(f"{base}/reports/{first.label}/submit", json={}, headers=org3))

    # Residents: 11 of 40 codes answered, all 5s, within the hour; the round closed early.
    survey = await ok(
        await client.post(
            "/api/v1/surveys/rounds",
            json={
                "contract_id": contract_id,
                "period": first.label,
                "closes_at": (clock.now() + timedelta(days=3)).isoformat(),
            },
            headers=committee,
        ),
        201,
    )
    round_id = survey["id"]
    issued = await survey_tokens_issue(actor=await actor("committee"), round_id=round_id, count=40)
    form = await all_answers(round_id, [5] * 5)
    for token in issued.tokens[:11]:
        await survey_answer(token=token, form=form)
    await ok(await client.post(f"/api/v1/surveys/rounds/{round_id}/close", headers=committee))

    # The committee scores it 20; the buyer settles the period (failing: the instalment held).
    rubric = (await ok(await client.get("/api/v1/rubrics", headers=buyer)))[0]
    scores = [{"criterion": c["code"], "score": 20} for c in rubric["criteria"]]
    await ok(
        await client.put(
            f"{base}/evaluations/{first.label}",
            json={"rubric_id": rubric["id"], "scores": scores},
            headers=committee,
        )
    )
    await ok(
        await client.post(f"{base}/evaluations/{first.label}/submit", json={}, headers=committee)
    )
    await settle(client, contract_id, first.label)
    settled = (
        await PerformanceScore.select(PerformanceScore.grade)
        .where(
            (PerformanceScore.contract == contract_id) & (PerformanceScore.period == first.label)
        )
        .first()
    )
    assert settled is not None and settled["grade"] == "failing"

    bids = await Bid.select(Bid.id).where(Bid.tender == tender_id)
    subjects = {
        ("tender", str(tender_id)),
        ("contract", str(contract_id)),
        ("buyer", str(department[0]["id"])),
        ("survey_round", str(round_id)),
        *(("bid", str(b["id"])) for b in bids),
    }
    incremental = await snapshot(subjects)
    firing = {key[0] for key, flag in incremental.items() if flag["status"] == "open"}
    assert firing >= {
        "DEMAND_MISMATCH",
        "UNDERPRICED_BID",
        "LATE_REPORT",
        "SCOPE_DRIFT",
        "INTERNALIZATION",
        "REPORTING_BURDEN",
        "SURVEY_ANOMALY",
        "SATISFACTION_GAP",
        "LOW_PRICE_LOW_QUALITY",
    }
    # What the platform itself records can no longer creep past Art. 49 (AMENDMENT_CREEP has
    # its own tests on recorded data, tests/risk/test_contract_rules.py).
    assert "AMENDMENT_CREEP" not in firing
    low_flag = incremental[("UNDERPRICED_BID", "bid", str(low_id), "")]
    assert low_flag["severity"] == "high" and low_flag["evidence"]["awarded"] is True

    # A full scan now changes nothing on these subjects.
    await scan()
    assert await snapshot(subjects) == incremental

    # And a scan from scratch finds the same open flags.
    ids = [
        row["id"]
        for row in await RiskFlag.select(RiskFlag.id, RiskFlag.subject_type, RiskFlag.subject_id)
        if (row["subject_type"], row["subject_id"]) in subjects
    ]
    await RiskFlagEvent.delete().where(RiskFlagEvent.flag.is_in(ids))
    await RiskFlag.delete().where(RiskFlag.id.is_in(ids))
    await scan()
    fresh = await snapshot(subjects)
    assert fresh == {key: flag for key, flag in incremental.items() if flag["status"] == "open"}


async def bid_stage_flags() -> dict[Key, dict[str, Any]]:
    """Every flag of cardinal's rules on the platform's dataset: identity → what a reader sees."""
    rows = (
        await RiskFlag.select()
        .where((RiskFlag.dataset == "platform") & RiskFlag.rule.is_in(sorted(BID_STAGE)))
        .output(load_json=True)
    )
    return {
        (row["rule"], row["subject_type"], row["subject_id"], row["period"]): {
            "severity": row["severity"],
            "status": row["status"],
            "evidence": row["evidence"],
            "ocid": row["ocid"],
            "department": row["department"],
            "organization": row["organization"],
        }
        for row in rows
    }


async def test_the_bid_stage_rules_agree_too(client: AsyncTestClient, moving_clock: Clock) -> None:
    """Publish, bids, opening, a disqualification, the award: cardinal's rules run on the
    events over the platform's projection; a full scan then finds exactly the same flags."""
    await scan()  # every flag up to date before the events
    buyer, org, org2, org3 = [await bearer(u) for u in ("buyer", "org", "org2", "org3")]
    payload = await tender_payload(  # 12 days for a 竞争性磋商: R003
        evaluation_method="lowest_price",
        criteria=[{"code": "price", "name": "价格", "kind": "price", "weight": 100}],
    )
    tender_id = (await ok(await client.post("/api/v1/tenders", json=payload, headers=buyer), 201))[
        "id"
    ]
    await ok(await publish(client, buyer, tender_id))
    # Two bids at one price (R028); the lowest, org3's, will be disqualified (R036).
    for headers, total in ((org, 21_300_000), (org2, 21_300_000), (org3, 19_800_000)):
        await ok(
            await client.put(
                f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(total), headers=headers
            ),
            201,
        )
    moving_clock.advance(days=13)
    members = await seat_committee(client, tender_id, buyer)
    await ok(await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer))
    lowest = await Bid.select(Bid.id).where(
        (Bid.tender == tender_id) & (Bid.total_fen == 19_800_000)
    )
    await committee_decides(
        client,
        f"{lowest[0]['id']}/disqualify",
        {"reason": "未按要求提供社会工作者职业资格证书"},
        members,
    )
    await confirm_report(client, tender_id, members)
    await award(client, tender_id, buyer)

    incremental = await bid_stage_flags()
    on_tender = {
        key[0]
        for key, flag in incremental.items()
        if key[1:3] == ("tender", str(tender_id)) and flag["status"] == "open"
    }
    assert on_tender >= {"R003", "R028", "R036"}

    # A full scan now changes nothing …
    await scan()
    assert await bid_stage_flags() == incremental

    # … and a scan from scratch finds the same open flags.
    ids = [
        row["id"]
        for row in await RiskFlag.select(RiskFlag.id).where(
            (RiskFlag.dataset == "platform") & RiskFlag.rule.is_in(sorted(BID_STAGE))
        )
    ]
    await RiskFlagEvent.delete().where(RiskFlagEvent.flag.is_in(ids or [0]))
    await RiskFlag.delete().where(RiskFlag.id.is_in(ids or [0]))
    await scan()
    assert await bid_stage_flags() == {
        key: flag for key, flag in incremental.items() if flag["status"] == "open"
    }

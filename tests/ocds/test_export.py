"""What the export publishes, and when: sealed bids, drafts, methods, money, contracts."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from procure import clock
from procure.contracts.tables import Contract, Payment, PaymentStatus
from procure.ocds import export
from procure.ocds.export import METHODS, amount
from procure.organizations.tables import Organization
from procure.performance.tables import PerformanceScore
from procure.reports.tables import ReportStatus, ServiceReport
from procure.security.tables import User
from procure.settings import get_settings
from procure.tenders.states import ProcurementMethod
from procure.tenders.tables import Tender
from tests.conftest import Clock, bearer
from tests.ocds.conftest import contracted_process, schema_errors
from tests.tenders.conftest import bid_payload, publish, tender_payload


def ocid(reference: str) -> str:
    return f"{get_settings().ocid_prefix}-{reference}"


async def reference_of(tender_id: int) -> str:
    row = await Tender.select(Tender.reference).where(Tender.id == tender_id).first()
    assert row is not None
    return str(row["reference"])


async def record(reference: str) -> dict[str, Any]:
    records = await export.records(ocids=[ocid(reference)])
    assert len(records) == 1, reference
    return records[0]


async def organization(username: str) -> dict[str, Any]:
    user = await User.select(User.organization).where(User.username == username).first()
    assert user is not None
    row = (
        await Organization.select(Organization.name, Organization.credit_code)
        .where(Organization.id == user["organization"])
        .first()
    )
    assert row is not None
    return row


# -- money ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (1, "0.01"),
        (10, "0.1"),
        (29, "0.29"),  # 0.29 is not a double: the division must not happen in floating point
        (22_440_000, "224400"),
        (12_345_678_901, "123456789.01"),
        (-1_050, "-10.5"),
        (999_999_999_999_999, "9999999999999.99"),
    ],
)
def test_fen_become_exact_yuan(fen: int, text: str) -> None:
    assert json.dumps(amount(fen)) == text


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_every_amount_round_trips_through_json(fen: int) -> None:
    assert Decimal(json.dumps(amount(fen))) * 100 == fen


def test_amounts_too_long_for_a_json_number_are_refused() -> None:
    with pytest.raises(ValueError, match="too many digits"):
        amount(10**17 + 1)


async def test_demo_amounts_are_the_yuan_of_the_tables(database: None) -> None:
    row = await Tender.select(Tender.ceiling_fen).where(Tender.reference == "ZB-2026-006").first()
    assert row is not None
    compiled = (await record("ZB-2026-006"))["compiledRelease"]
    assert compiled["tender"]["value"] == {
        "amount": amount(row["ceiling_fen"]),
        "currency": "CNY",
    }
    assert Decimal(str(compiled["tender"]["value"]["amount"])) * 100 == row["ceiling_fen"]


# -- methods ----------------------------------------------------------------------------------


def test_every_method_maps_to_an_ocds_method() -> None:
    assert set(METHODS) == set(ProcurementMethod)
    assert {code for code, _ in METHODS.values()} <= {"open", "selective", "limited", "direct"}
    assert METHODS[ProcurementMethod.open_tender] == ("open", "公开招标")
    assert METHODS[ProcurementMethod.competitive_consultation] == ("selective", "竞争性磋商")
    assert METHODS[ProcurementMethod.single_source] == ("direct", "单一来源")


@pytest.mark.parametrize(
    ("reference", "method", "details", "criteria"),
    [
        ("ZB-2026-006", "open", "公开招标", "ratedCriteria"),
        ("ZB-2026-035", "selective", "竞争性磋商", "ratedCriteria"),
        ("ZB-2026-004", "selective", "竞争性谈判", "priceOnly"),
        ("ZB-2025-031", "open", "项目申请制/公益创投", "ratedCriteria"),
    ],
)
async def test_demo_tenders_carry_their_method(
    database: None, reference: str, method: str, details: str, criteria: str
) -> None:
    tender = (await record(reference))["compiledRelease"]["tender"]
    assert tender["procurementMethod"] == method
    assert tender["procurementMethodDetails"] == details
    assert tender["awardCriteria"] == criteria


# -- what is published ------------------------------------------------------------------------


async def test_drafts_are_not_exported(client: AsyncTestClient) -> None:
    buyer = await bearer("buyer")
    created = await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    assert created.status_code == 201, created.text
    draft = await reference_of(created.json()["id"])
    everything = await export.releases()
    ocids = {release["ocid"] for release in everything}
    assert ocid(draft) not in ocids
    assert ocid("ZB-2026-042") not in ocids  # the demo's draft
    assert ocid("ZB-2026-041") in ocids  # a published one
    assert await export.records(ocids=[ocid(draft)]) == []


async def test_bids_stay_sealed_until_the_deadline(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    buyer = await bearer("buyer")
    created = await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    tender_id = created.json()["id"]
    published = await publish(client, buyer, tender_id)
    assert published.status_code == 200, published.text
    totals = {"org": 24_123_456, "org2": 25_654_321}
    for username, total in totals.items():
        response = await client.put(
            f"/api/v1/tenders/{tender_id}/bid",
            json=bid_payload(total),
            headers=await bearer(username),
        )
        assert response.status_code == 201, response.text
    the_ocid = ocid(await reference_of(tender_id))
    bidders = [await organization(username) for username in totals]

    before = await export.record_package(uri="https://example.org/r.json", ocids=[the_ocid])
    text = json.dumps(before, ensure_ascii=False)
    assert [r["tag"] for r in before["records"][0]["releases"]] == [["planning", "tender"]]
    for bidder in bidders:
        assert bidder["name"] not in text and bidder["credit_code"] not in text
    for total in totals.values():
        assert json.dumps(amount(total)) not in text
    assert '"bids"' not in text and "tenderer" not in text

    moving_clock.advance(days=13)  # past the submission deadline
    after = (await record(await reference_of(tender_id)))["compiledRelease"]
    details = after["bids"]["details"]
    assert sorted(bid["value"]["amount"] for bid in details) == [
        amount(total) for total in sorted(totals.values())
    ]
    assert {bid["tenderers"][0]["name"] for bid in details} == {b["name"] for b in bidders}
    assert {bid["status"] for bid in details} == {"pending"}  # opened, not yet evaluated
    assert after["tender"]["numberOfTenderers"] == 2
    tenderers = {p["id"] for p in after["parties"] if "tenderer" in p["roles"]}
    assert tenderers == {f"CN-USCC-{b['credit_code']}" for b in bidders}
    assert after["bids"]["statistics"][0] == {
        "id": "bids",
        "measure": "bids",
        "value": 2,
        "date": after["tender"]["tenderPeriod"]["endDate"],
    }


async def test_no_personal_data_leaves_the_platform(database: None) -> None:
    text = json.dumps(
        await export.record_package(uri="https://example.org/r.json"), ensure_ascii=False
    )
    people = await Organization.select(Organization.contact_person, Organization.phone)
    assert people
    for row in people:
        assert row["contact_person"] not in text and row["phone"] not in text


async def test_a_process_from_notice_to_implementation(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    process = await contracted_process(client, moving_clock)
    contract_id = process["contract_id"]
    value = process["value_fen"]
    # What the platform records later: a payment made, a service report, a settled period.
    paid_at = clock.now()
    await Payment.update({Payment.status: PaymentStatus.paid, Payment.paid_at: paid_at}).where(
        (Payment.contract == contract_id) & (Payment.seq == 1)
    )
    contract = await Contract.select(Contract.starts_on).where(Contract.id == contract_id).first()
    assert contract is not None
    period = contract["starts_on"].strftime("%Y-%m")
    submitted = paid_at + timedelta(days=1)
    for version, status in ((1, ReportStatus.superseded), (2, ReportStatus.submitted)):
        await ServiceReport.insert(
            ServiceReport(
                contract=contract_id,
                period=period,
                version=version,
                status=status,
                due_on=contract["starts_on"] + timedelta(days=40),
                summary="居民张三的个案记录",  # never published: nothing reads a report's text
                submitted_at=submitted + timedelta(days=version - 1),
            )
        )
    await PerformanceScore.insert(
        PerformanceScore(
            contract=contract_id,
            period=period,
            score_hundredths=5_950,
            grade="failing",
            recommendation="withhold",
            settled_at=submitted + timedelta(days=5),
        )
    )

    result = await record(await reference_of(process["tender_id"]))
    tags = [release["tag"] for release in result["releases"]]
    assert tags == [
        ["planning", "tender"],
        ["tenderUpdate"],
        ["award"],
        ["contract"],
        ["contractAmendment"],
        ["implementation"],
        ["implementation"],
        ["implementation"],
    ]
    ids = [release["id"] for release in result["releases"]]
    assert len(set(ids)) == len(ids)
    assert ids == [
        r["id"] for r in (await record(await reference_of(process["tender_id"])))["releases"]
    ]

    compiled = result["compiledRelease"]
    assert compiled["tender"]["status"] == "complete"
    [award] = compiled["awards"]
    assert award["status"] == "active" and award["value"]["amount"] == amount(value)
    winner = {p["id"]: p for p in compiled["parties"]}[award["suppliers"][0]["id"]]
    assert winner["roles"] == ["tenderer", "supplier", "payee"]
    buyer = compiled["parties"][0]
    assert buyer["roles"] == ["buyer", "procuringEntity", "payer"]
    assert buyer["identifier"]["scheme"] == "PROCURE-DEPT"
    assert winner["identifier"]["scheme"] == "CN-USCC"

    [contract_out] = compiled["contracts"]
    assert contract_out["id"] == process["contract_reference"]
    assert contract_out["awardID"] == award["id"] and contract_out["status"] == "active"
    delta = 10 * 12_345 + 3 * 801
    assert contract_out["value"]["amount"] == amount(value + delta)
    [amendment] = contract_out["amendments"]
    assert amendment["rationale"] == "新增服务对象"
    assert amendment["amendsReleaseID"] == ids[3] and amendment["releaseID"] == ids[4]
    assert amendment["description"].startswith("第1项")
    assert "单价123.45元" in amendment["description"] and "新增" in amendment["description"]
    assert amendment["description"].endswith("合同金额+1,258.53元")
    items = {item["id"]: item for item in contract_out["items"]}
    added = items["amendment-1-2"]
    assert added["classification"] == {
        "scheme": "PROCURE-CATALOG",
        "id": process["added_item_code"],
        "description": added["classification"]["description"],
    }
    assert added["quantity"] == 3 and added["unit"]["value"]["amount"] == 8.01

    implementation = contract_out["implementation"]
    [transaction] = implementation["transactions"]
    assert transaction["value"]["amount"] == amount(value // 2)
    assert transaction["payer"]["id"] == buyer["id"] and transaction["payee"]["id"] == winner["id"]
    milestones = {m["id"]: m for m in implementation["milestones"]}
    assert milestones["milestone-1"]["type"] == "delivery"
    assert milestones["milestone-1"]["status"] == "scheduled"
    report = milestones[f"report-{period}"]
    assert report["type"] == "reporting" and report["status"] == "met"
    assert report["dateMet"] < report["dateModified"]  # first submitted, then corrected
    assessment = milestones[f"performance-{period}"]
    assert assessment["status"] == "notMet" and "59.50" in assessment["description"]
    assert "张三" not in json.dumps(result, ensure_ascii=False)
    assert (
        schema_errors(
            {**export.package_metadata("https://example.org/r.json"), "records": [result]},
            "record-package-schema.json",
        )
        == []
    )


async def test_a_payment_recorded_through_the_platform_is_a_transaction(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    process = await contracted_process(client, moving_clock)
    contract_id = process["contract_id"]
    detail = (await client.get(f"/api/v1/contracts/{contract_id}", headers=process["buyer"])).json()
    first = detail["payments"][0]
    paid_on = clock.now().date()
    requested = await client.post(
        f"/api/v1/contracts/{contract_id}/payments/1/record",
        json={
            "paid_on": paid_on.isoformat(),
            "amount_fen": first["amount_due_fen"],
            "voucher_no": "PZ-OCDS-1",
        },
        headers=process["buyer"],
    )
    assert requested.status_code == 202, requested.text
    approved = await client.post(
        f"/api/v1/approvals/{requested.json()['approval_id']}/approve",
        json={},
        headers=await bearer("approver"),
    )
    assert approved.status_code == 200, approved.text

    result = await record(await reference_of(process["tender_id"]))
    [contract] = result["compiledRelease"]["contracts"]
    [transaction] = contract["implementation"]["transactions"]
    assert transaction["id"] == "payment-1"
    assert transaction["value"]["amount"] == amount(first["amount_due_fen"])
    assert transaction["date"].startswith(paid_on.isoformat())
    assert (
        schema_errors(
            {**export.package_metadata("https://example.org/r.json"), "records": [result]},
            "record-package-schema.json",
        )
        == []
    )


async def test_a_correction_is_a_tender_amendment_and_the_original_stays(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    """A 更正公告 changes the tender row; OCDS keeps the notice as first published in the tender
    release and the correction as a tenderAmendment release amending it."""
    from tests.tenders.test_amendments import amend, published_tender

    buyer = await bearer("buyer")
    tender_id = await published_tender(client, buyer, days=30)
    first = (await client.get(f"/api/v1/tenders/{tender_id}")).json()
    moving_clock.advance(days=1)
    await amend(client, buyer, tender_id, description="更正后的服务要求：增加夜间巡访。")
    result = await record(await reference_of(tender_id))
    releases = result["releases"]
    assert [r["tag"] for r in releases] == [["planning", "tender"], ["tenderAmendment"]]
    assert releases[0]["tender"]["description"] == first["description"]
    compiled = result["compiledRelease"]["tender"]
    assert compiled["description"] == "更正后的服务要求：增加夜间巡访。"
    correction = compiled["amendments"][-1]
    assert correction["rationale"].startswith("更正公告第1号")
    assert "采购需求" in correction["description"]
    assert correction["amendsReleaseID"] == releases[0]["id"]
    assert (
        schema_errors(
            {**export.package_metadata("https://example.org/r.json"), "records": [result]},
            "record-package-schema.json",
        )
        == []
    )


async def test_a_confirmed_acceptance_is_a_delivery_milestone(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    """履约验收 (政府采购法实施条例 第四十五条) in OCDS: a delivery milestone with the result and
    the requirements' verdicts, met or not met; a draft stays out."""
    from procure.acceptance.tables import Acceptance, AcceptanceItem, AcceptanceStatus
    from procure.contracts.tables import ContractScopeLine
    from tests.acceptance.helpers import passed_final_acceptance

    process = await contracted_process(client, moving_clock)
    contract_id = process["contract_id"]
    failed = await passed_final_acceptance(contract_id, AcceptanceStatus.failed)
    passed = await passed_final_acceptance(contract_id)
    draft = await Acceptance.insert(
        Acceptance(
            contract=contract_id,
            stage="",
            final=True,
            attempt=3,
            status="draft",
            result="",
            accepted_on=clock.now().date(),
        )
    )
    lines = await ContractScopeLine.select(ContractScopeLine.id, ContractScopeLine.line_no).where(
        ContractScopeLine.contract == contract_id
    )
    for verdict, acceptance in (("not_met", failed), ("met", passed)):
        for line in lines:
            await AcceptanceItem.insert(
                AcceptanceItem(
                    acceptance=acceptance,
                    scope_line=line["id"],
                    line_no=line["line_no"],
                    result=verdict,
                )
            )
    result = await record(await reference_of(process["tender_id"]))
    [contract] = result["compiledRelease"]["contracts"]
    milestones = {
        m["id"]: m
        for m in contract["implementation"]["milestones"]
        if m["id"].startswith("acceptance-")
    }
    assert {m["type"] for m in milestones.values()} == {"delivery"}
    assert set(milestones) == {f"acceptance-{failed}", f"acceptance-{passed}"}
    assert f"acceptance-{draft[0]['id']}" not in milestones
    ok, not_ok = milestones[f"acceptance-{passed}"], milestones[f"acceptance-{failed}"]
    assert ok["status"] == "met" and "dateMet" in ok and "合格" in ok["description"]
    assert f"符合 {len(lines)}" in ok["description"]
    assert not_ok["status"] == "notMet" and "dateMet" not in not_ok
    assert f"不符合 {len(lines)}" in not_ok["description"]
    assert (
        schema_errors(
            {**export.package_metadata("https://example.org/r.json"), "records": [result]},
            "record-package-schema.json",
        )
        == []
    )

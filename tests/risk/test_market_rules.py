"""CONCENTRATION and DEMAND_MISMATCH: fire, stay quiet, and the exact thresholds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from procure.risk.registry import SubjectType
from tests.risk.conftest import (
    HAIBIN,
    QIMINGXING,
    TONGXIN,
    XINLIANXIN,
    YUGANG,
    amend,
    evaluate,
    local,
    make_contract,
    make_department,
    make_tender,
)

SIGNED = local(date(2031, 3, 1)).astimezone(UTC)


async def buyer_with(*holdings: tuple[str, int], **contract: object) -> int:
    department = await make_department()
    for organization, value in holdings:
        await make_contract(
            department=department,
            organization=organization,
            value_fen=value,
            signed_at=contract.get("signed_at", SIGNED),  # type: ignore[arg-type]
            status=str(contract.get("status", "active")),
        )
    return department


async def concentration(department: int, **overrides: object) -> list:
    return await evaluate("CONCENTRATION", {SubjectType.buyer: [department]}, **overrides)


async def test_one_organization_over_forty_percent_of_a_year(database: None) -> None:
    buyer = await buyer_with((XINLIANXIN, 401), (QIMINGXING, 300), (TONGXIN, 300))
    (finding,) = await concentration(buyer)
    assert (finding.subject_id, finding.period) == (str(buyer), "2031")
    evidence = finding.evidence
    assert (evidence["total_value_fen"], evidence["contracts"]) == (1001, 3)
    (dominant,) = evidence["organizations"]
    assert dominant["share_percent"] == 40.06 and dominant["value_fen"] == 401
    assert finding.organization_id == dominant["organization"]["id"]
    assert finding.department_id == buyer


async def test_exactly_forty_percent_does_not_fire(database: None) -> None:
    buyer = await buyer_with((XINLIANXIN, 400), (QIMINGXING, 300), (TONGXIN, 300))
    assert await concentration(buyer) == []
    assert len(await concentration(buyer, share_percent=39)) == 1


async def test_amendments_count_in_the_value(database: None) -> None:
    department = await make_department()
    first = await make_contract(
        department=department, organization=XINLIANXIN, value_fen=400, signed_at=SIGNED
    )
    for organization in (QIMINGXING, TONGXIN):
        await make_contract(
            department=department, organization=organization, value_fen=300, signed_at=SIGNED
        )
    assert await concentration(department) == []
    await amend(first["id"], delta_fen=10, scope_line=first["lines"][0])
    (finding,) = await concentration(department)
    assert finding.evidence["organizations"][0]["value_fen"] == 410


async def test_too_few_contracts_or_drafts_are_not_judged(database: None) -> None:
    two = await buyer_with((XINLIANXIN, 600), (QIMINGXING, 400))
    assert await concentration(two) == []
    assert len(await concentration(two, min_contracts=2)) == 1
    drafts = await buyer_with((XINLIANXIN, 600), (QIMINGXING, 400), (TONGXIN, 1), status="draft")
    assert await concentration(drafts, min_contracts=1) == []


async def test_the_year_is_the_local_year_of_signing(database: None) -> None:
    new_year = datetime(2031, 1, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    buyer = await buyer_with((XINLIANXIN, 500), signed_at=new_year)
    for organization in (QIMINGXING, TONGXIN):
        await make_contract(
            department=buyer, organization=organization, value_fen=250, signed_at=SIGNED
        )
    (finding,) = await concentration(buyer)
    assert finding.period == "2031" and finding.evidence["contracts"] == 3


async def mismatch(**tender: object) -> list:
    made = await make_tender(**tender)  # type: ignore[arg-type]
    return await evaluate("DEMAND_MISMATCH", {SubjectType.tender: [made["id"]]})


async def test_a_tender_without_evidence_for_a_community_fires(database: None) -> None:
    (finding,) = await mismatch(evidence=[("committee_request", HAIBIN)])
    assert [c["code"] for c in finding.evidence["communities_without_evidence"]] == [YUGANG]
    assert finding.evidence["evidence_recorded"] == [
        {"kind": "committee_request", "community": HAIBIN}
    ]
    (none,) = await mismatch(evidence=[])
    assert len(none.evidence["communities_without_evidence"]) == 2


async def test_evidence_for_every_community_does_not_fire(database: None) -> None:
    assert await mismatch(evidence=[("resident_survey", None)]) == []
    both = [("consultation_minutes", HAIBIN), ("resident_survey", YUGANG)]
    assert await mismatch(evidence=both) == []


async def test_a_draft_is_not_judged_until_published(database: None) -> None:
    assert await mismatch(evidence=[], published=False) == []


async def test_only_accepted_kinds_of_evidence_count(database: None) -> None:
    made = await make_tender(evidence=[("committee_request", None)])
    findings = await evaluate(
        "DEMAND_MISMATCH", {SubjectType.tender: [made["id"]]}, accepted_kinds=["resident_survey"]
    )
    assert len(findings) == 1

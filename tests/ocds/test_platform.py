"""The "platform" dataset: the platform's own tenders as OCDS rows for cardinal's bid-stage rules.
Sealed bids never reach it; opened bids do, with their amounts; findings on it are named by the
platform's own tender and organization ids."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar.testing import AsyncTestClient

from procure.ocds.dataset import dataset_processes
from procure.ocds.platform import platform_dataset_refresh
from procure.ocds.tables import OcdsBid, OcdsParty, OcdsProcess
from procure.organizations.tables import Organization
from procure.risk.engine import on_event, scan
from procure.risk.jobs import catch_up
from procure.risk.registry import SubjectType, Trigger
from procure.risk.tables import RiskFlag
from procure.settings import get_settings
from procure.tenders.tables import Tender
from tests.conftest import Clock, bearer
from tests.risk.conftest import QIMINGXING, TONGXIN, XINLIANXIN
from tests.tenders.conftest import bid_payload, publish, tender_payload


async def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def projected(ocid: str) -> dict[str, Any]:
    row = await OcdsProcess.select().where(
        (OcdsProcess.dataset == "platform") & (OcdsProcess.ocid == ocid)
    )
    assert len(row) == 1, ocid
    return row[0]


async def organization_ids(*credit_codes: str) -> dict[str, int]:
    rows = await Organization.select(Organization.id, Organization.credit_code).where(
        Organization.credit_code.is_in(list(credit_codes))
    )
    return {row["credit_code"]: row["id"] for row in rows}


async def test_opened_bids_reach_the_projection_and_findings_name_the_platform_s_subjects(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    buyer, org, org2, org3 = [await bearer(u) for u in ("buyer", "org", "org2", "org3")]
    payload = await tender_payload(
        evaluation_method="lowest_price",
        criteria=[{"code": "price", "name": "价格", "kind": "price", "weight": 100}],
    )
    created = await ok(await client.post("/api/v1/tenders", json=payload, headers=buyer), 201)
    tender_id = created["id"]
    await ok(await publish(client, buyer, tender_id))
    # Two bidders at exactly the same price: cardinal's R028.
    for headers, total in ((org, 23_456_700), (org2, 23_456_700), (org3, 25_100_000)):
        await ok(
            await client.put(
                f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(total), headers=headers
            ),
            201,
        )
    tender = await Tender.select(Tender.reference, Tender.department).where(Tender.id == tender_id)
    ocid = f"{get_settings().ocid_prefix}-{tender[0]['reference']}"

    # Still accepting bids: the process is there, its bids are not, nor who sent them.
    await platform_dataset_refresh()
    process = await projected(ocid)
    assert await OcdsBid.count().where(OcdsBid.process == process["id"]) == 0
    parties = await OcdsParty.select(OcdsParty.roles).where(OcdsParty.process == process["id"])
    assert parties and all("tenderer" not in str(party["roles"]) for party in parties)
    assert "234567" not in process["compiled_release"]
    await scan(rules=["R028"])
    assert not await RiskFlag.exists().where((RiskFlag.rule == "R028") & (RiskFlag.ocid == ocid))

    # The deadline passes; opening the bids (through the API) refreshes the projection.
    moving_clock.advance(days=13)
    await ok(await client.get(f"/api/v1/tenders/{tender_id}/opening"))
    process = await projected(ocid)
    (read,) = await dataset_processes("platform", ocids=[ocid], bids=True)
    assert read.number_of_tenderers == 3
    assert sorted((bid.amount, bid.currency) for bid in read.bids) == [
        (234_567.0, "CNY"),
        (234_567.0, "CNY"),
        (251_000.0, "CNY"),
    ]
    amounts = await OcdsBid.select(OcdsBid.amount).where(OcdsBid.process == process["id"])
    assert sorted(Decimal(row["amount"]) for row in amounts) == [
        Decimal(234567),
        Decimal(234567),
        Decimal(251000),
    ]

    # The findings: the tender by its id, with its ocid and department …
    flags = (
        await RiskFlag.select()
        .where((RiskFlag.rule == "R028") & (RiskFlag.dataset == "platform"))
        .output(load_json=True)
    )
    (on_tender,) = [f for f in flags if f["subject_type"] == "tender" and f["ocid"] == ocid]
    assert on_tender["subject_id"] == str(tender_id)
    assert on_tender["department"] == tender[0]["department"]
    assert on_tender["status"] == "open"
    # … the two bidders at one price by their organization ids (cardinal's Tenderer group).
    ids = await organization_ids(XINLIANXIN, QIMINGXING, TONGXIN)
    on_bidders = {
        f["subject_id"]: f
        for f in flags
        if f["subject_type"] == "organization" and ocid in f["evidence"]["ocids"]
    }
    assert set(on_bidders) == {str(ids[XINLIANXIN]), str(ids[QIMINGXING])}
    for organization_id, flag in on_bidders.items():
        assert flag["organization"] == int(organization_id)


async def platform_rows(*ocids: str) -> dict[str, dict[str, Any]]:
    rows = await OcdsProcess.select(
        OcdsProcess.id, OcdsProcess.ocid, OcdsProcess.content_hash, OcdsProcess.compiled_release
    ).where((OcdsProcess.dataset == "platform") & OcdsProcess.ocid.is_in(list(ocids)))
    return {row["ocid"]: row for row in rows}


async def test_a_refresh_rewrites_only_what_changed_and_an_event_only_its_own_tenders(
    client: AsyncTestClient,
) -> None:
    buyer = await bearer("buyer")
    ids, ocids = [], []
    for _ in range(2):
        created = await ok(
            await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer), 201
        )
        await ok(await publish(client, buyer, created["id"]))
        ids.append(created["id"])
        reference = (await Tender.select(Tender.reference).where(Tender.id == created["id"]))[0]
        ocids.append(f"{get_settings().ocid_prefix}-{reference['reference']}")
    await platform_dataset_refresh()
    before = await platform_rows(*ocids)
    assert set(before) == set(ocids) and all(row["content_hash"] for row in before.values())

    # Nothing changed: nothing is rewritten, not even the rows' ids.
    assert await platform_dataset_refresh() == 0
    assert await platform_rows(*ocids) == before

    # Both tenders change, but an event names only the first: only its process is rewritten.
    await Tender.update({Tender.title: "社区服务（修订）"}).where(Tender.id.is_in(ids))
    await on_event(Trigger.tender_published, {SubjectType.tender: [ids[0]]})
    after_event = await platform_rows(*ocids)
    assert after_event[ocids[0]]["id"] != before[ocids[0]]["id"]
    assert "社区服务（修订）" in after_event[ocids[0]]["compiled_release"]
    assert after_event[ocids[1]] == before[ocids[1]]

    # A full scan reads the projection as it stands: the other one is not rewritten by it.
    await scan(rules=["R003"])
    assert await platform_rows(*ocids) == after_event

    # The catch-up job brings the other one up to date, and only it.
    assert await catch_up() == 1
    after_scan = await platform_rows(*ocids)
    assert after_scan[ocids[0]] == after_event[ocids[0]]
    assert "社区服务（修订）" in after_scan[ocids[1]]["compiled_release"]
    assert after_scan[ocids[1]]["content_hash"] != before[ocids[1]]["content_hash"]

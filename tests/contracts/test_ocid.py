"""Tenders and contracts carry their OCDS ocid, the id the open-data API knows them by."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from procure.settings import get_settings
from tests.tenders.conftest import tender_payload


async def test_tenders_and_contracts_carry_their_ocid(
    client: AsyncTestClient, as_user: Any
) -> None:
    prefix = get_settings().ocid_prefix
    tenders = (await client.get("/api/v1/tenders", params={"per_page": 5})).json()
    assert tenders and all(t["ocid"] == f"{prefix}-{t['reference']}" for t in tenders)
    one = (await client.get(f"/api/v1/tenders/{tenders[0]['id']}")).json()
    assert one["ocid"] == tenders[0]["ocid"]
    release = await client.get(f"/api/v1/ocds/releases/{one['ocid']}")
    assert release.status_code == 200, release.text[:300]
    # A draft is in no open data: no ocid yet.
    buyer = await as_user("buyer")
    draft = await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    assert draft.status_code == 201 and draft.json()["ocid"] is None
    # A contract from a tender carries the process's ocid; one without a tender, none.
    auditor = await as_user("auditor")
    contracts = (
        await client.get("/api/v1/contracts", params={"per_page": 100}, headers=auditor)
    ).json()
    details = [
        (await client.get(f"/api/v1/contracts/{c['id']}", headers=auditor)).json()
        for c in contracts
    ]
    with_tender = [d for d in details if d["tender_reference"]]
    assert with_tender
    for detail in details:
        reference = detail["tender_reference"]
        assert detail["ocid"] == (f"{prefix}-{reference}" if reference else None)

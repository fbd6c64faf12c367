"""A tender with three bids, published for the committee tests."""

from __future__ import annotations

from typing import Any

from tests.tenders.conftest import bid_payload, tender_payload


async def tender_with_bids(client: Any, as_user: Any, **overrides: Any) -> int:
    """A published tender (deadline in 12 days) with bids from org, org2 and org3."""
    buyer = await as_user("buyer")
    created = await client.post(
        "/api/v1/tenders", json=await tender_payload(**overrides), headers=buyer
    )
    assert created.status_code == 201, created.text
    tender_id = int(created.json()["id"])
    published = await client.post(f"/api/v1/tenders/{tender_id}/publish", json={}, headers=buyer)
    if published.status_code == 202:  # publishing by maker–checker: the approver approves
        approved = await client.post(
            f"/api/v1/approvals/{published.json()['approval_id']}/approve",
            headers=await as_user("approver"),
        )
        assert approved.status_code == 200, approved.text
    else:
        assert published.status_code == 200, published.text
    for n, who in enumerate(("org", "org2", "org3")):
        response = await client.put(
            f"/api/v1/tenders/{tender_id}/bid",
            json=bid_payload(24_000_000 + n * 1_000_000),
            headers=await as_user(who),
        )
        assert response.status_code == 201, response.text
    return tender_id

"""An organization's own bid through the API: its id, version, status and receipt hash, for
the explanation and for checking the receipt; never another organization's bid."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from procure.bids.tables import Bid
from tests.tenders.conftest import bid_payload, tender_with_bids


async def test_each_organization_sees_only_its_own_bid(
    client: AsyncTestClient, as_user: Any
) -> None:
    tender_id = await tender_with_bids(client, as_user, ("org", "org2"))
    rows = {
        row["organization"]: row
        for row in await Bid.select(Bid.id, Bid.organization, Bid.version).where(
            Bid.tender == tender_id
        )
    }
    seen = {}
    for who in ("org", "org2"):
        headers = await as_user(who)
        one = await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=headers)
        listed = await client.get(f"/api/v1/tenders/{tender_id}/bids/mine", headers=headers)
        assert one.status_code == 200 and listed.status_code == 200
        assert listed.json() == [one.json()]
        seen[who] = one.json()
    assert seen["org"]["id"] != seen["org2"]["id"]
    assert {bid["id"] for bid in seen.values()} == {row["id"] for row in rows.values()}
    for bid in seen.values():
        assert bid["status"] == "submitted" and bid["version"] == 1
        assert bid["explanation_requested"] is False and len(bid["content_sha256"]) == 64

    # A new version keeps the id; the version counts up.
    org = await as_user("org")
    again = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(24_000_000), headers=org
    )
    assert again.status_code == 201
    mine = (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=org)).json()
    assert mine["id"] == seen["org"]["id"] and mine["version"] == 2
    assert mine["content_sha256"] == again.json()["content_sha256"]

    # An organization without a bid: an empty list, 404 for the single one.
    org3 = await as_user("org3")
    assert (await client.get(f"/api/v1/tenders/{tender_id}/bids/mine", headers=org3)).json() == []
    none = await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=org3)
    assert none.status_code == 404
    # Other roles and anonymous callers have no own bid to read.
    buyer = await client.get(
        f"/api/v1/tenders/{tender_id}/bids/mine", headers=await as_user("buyer")
    )
    assert buyer.status_code == 403
    anonymous = await client.get(f"/api/v1/tenders/{tender_id}/bids/mine")
    assert anonymous.status_code == 401

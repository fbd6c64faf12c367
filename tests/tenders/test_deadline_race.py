"""Bids racing the deadline: every bid that reached the server before it is opened, every one
after it is refused, and nothing acknowledged is lost — on the real clock, under concurrency."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from litestar.testing import AsyncTestClient

from procure import clock
from procure.bids.jobs import open_due
from tests.tenders.conftest import bid_payload, publish, tender_payload


async def test_concurrent_bids_at_the_deadline(client: AsyncTestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    buyer, approver = await as_user("buyer"), await as_user("approver")
    bidders = {name: await as_user(name) for name in ("org", "org2", "org3")}
    now = clock.now()
    payload = await tender_payload(
        # Publishing takes two requests now (the handler's, the approver's): a little more time
        # before the clarification deadline, which the approval checks is still ahead.
        clarification_deadline=(now + timedelta(seconds=2)).isoformat(),
        submission_deadline=(now + timedelta(seconds=4)).isoformat(),
    )
    tender_id = (await client.post("/api/v1/tenders", json=payload, headers=buyer)).json()["id"]
    published = await publish(client, buyer, tender_id, justification="并发测试", approver=approver)
    assert published.status_code == 200
    deadline = datetime.fromisoformat(published.json()["submission_deadline"])

    accepted: dict[str, list[dict]] = {name: [] for name in bidders}
    refused: list[str] = []

    async def keep_bidding(name: str, headers: dict[str, str]) -> None:
        price = 20_000_000
        while clock.now() < deadline + timedelta(seconds=1):
            price += 100
            response = await client.put(
                f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(price), headers=headers
            )
            if response.status_code == 201:
                accepted[name].append(response.json() | {"price": price})
            else:
                assert response.status_code == 409, response.text
                refused.append(response.json()["detail"])
            await asyncio.sleep(0.02)

    await asyncio.gather(*(keep_bidding(name, headers) for name, headers in bidders.items()))

    assert refused, "some bids must have arrived after the deadline"
    assert all("bids closed" in detail for detail in refused)
    for receipts in accepted.values():
        assert receipts and all(
            datetime.fromisoformat(r["received_at"]) < deadline for r in receipts
        )
    assert await open_due() >= 1  # the worker's opening job, seconds after the deadline
    opening = (await client.get(f"/api/v1/tenders/{tender_id}/opening")).json()
    assert opening["bid_count"] == len(bidders)
    opened_prices = sorted(b["total_fen"] for b in opening["bids"])
    assert opened_prices == sorted(
        max(receipts, key=lambda r: r["version"])["price"] for receipts in accepted.values()
    )
    for name, headers in bidders.items():
        mine = (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=headers)).json()
        last = max(accepted[name], key=lambda r: r["version"])
        assert (
            mine["content_sha256"] == last["content_sha256"] and mine["version"] == last["version"]
        )

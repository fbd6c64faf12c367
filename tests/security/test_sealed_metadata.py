"""Sealed means sealed for metadata too: until a tender's bids are opened nobody — auditors and
administrators included — learns from the audit log who bid, on which tender or how often; and a
draft tender is its department's alone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.bids.services import open_due_bids
from tests.conftest import Clock, login
from tests.tenders.conftest import bid_payload, cancel, tender_payload
from tests.tenders.test_amendments import amend, published_tender

OVERSIGHT = ("auditor", "admin")


async def events_since(client: AsyncTestClient, headers: dict[str, str], seq: int) -> list[Any]:
    events = (await client.get("/api/v1/audit/events?per_page=100", headers=headers)).json()
    return [e for e in events if e["seq"] > seq]


async def last_seq(client: AsyncTestClient, headers: dict[str, str]) -> int:
    return int(
        (await client.get("/api/v1/audit/events?per_page=1", headers=headers)).json()[0]["seq"]
    )


def bid_events(events: list[Any]) -> list[Any]:
    return [e for e in events if e["subject_type"] == "bid"]


def assert_sealed(events: list[Any]) -> None:
    assert events
    for event in events:
        assert event["actor_label"] == "(sealed)" and event["subject_id"] == "(sealed)"
        assert event["data"] == {} and event["hash"] == "(sealed)"
    assert "organization" not in json.dumps(events)


async def test_bid_events_stay_sealed_past_a_deadline_a_correction_moved(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer, org, org2 = [await as_user(u) for u in ("buyer", "org", "org2")]
    readers = {who: await as_user(who) for who in OVERSIGHT}
    tender_id = await published_tender(client, buyer, days=12)
    before = await last_seq(client, readers["auditor"])
    for who, total in ((org, 25_000_000), (org, 24_000_000), (org2, 26_000_000)):
        response = await client.put(
            f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(total), headers=who
        )
        assert response.status_code == 201, response.text
    assert (
        await client.delete(f"/api/v1/tenders/{tender_id}/bid", headers=org2)
    ).status_code == 204
    moving_clock.advance(days=2)
    await amend(client, buyer, tender_id, description="服务对象扩大至独居与空巢长者。")
    moving_clock.advance(days=11)  # past the first deadline, before the one the correction set
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["status"] == "tendering"
    for who, headers in readers.items():
        sealed = bid_events(await events_since(client, headers, before))
        assert len(sealed) == 4, who
        assert_sealed(sealed)
    # The auditor's start page shows the same.
    await login(client, "auditor")
    page = (await client.get("/auditor")).text
    assert "org (organization)</td>\n      <td><code>bid." not in page
    assert page.count('<td translate="no">(sealed)</td>') >= 4

    # The opening unseals them: who bid, on which tender, which version.
    moving_clock.advance(days=10)  # and the worker's opening job runs
    status = (await client.get(f"/api/v1/tenders/{tender_id}")).json()["status"]
    assert status == "unsuccessful"  # org's bid was not re-confirmed after the correction
    opened = bid_events(await events_since(client, readers["admin"], before))
    assert [e["actor_label"] for e in reversed(opened)] == [
        "org (organization)",
        "org (organization)",
        "org2 (organization)",
        "org2 (organization)",
    ]
    assert {e["data"]["tender"] for e in opened} == {tender_id}
    assert all(len(e["hash"]) == 64 for e in opened)


async def test_bids_on_a_tender_cancelled_before_its_deadline_stay_sealed(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer, org3 = await as_user("buyer"), await as_user("org3")
    auditor = await as_user("auditor")
    tender_id = await published_tender(client, buyer, days=12)
    before = await last_seq(client, auditor)
    response = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(25_000_000), headers=org3
    )
    assert response.status_code == 201
    assert (await cancel(client, "buyer", tender_id, "需求变更")).json()["status"] == "cancelled"
    moving_clock.advance(days=20)
    assert not await open_due_bids(tender_id)  # a cancelled tender's bids are never opened
    assert_sealed(bid_events(await events_since(client, auditor, before)))


async def test_sealed_events_between_the_deadline_and_the_opening(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    """Past the deadline, until the opening job has run (开标中), still sealed."""
    buyer, org4 = await as_user("buyer"), await as_user("org4")
    admin = await as_user("admin")
    tender_id = await published_tender(client, buyer, days=12)
    before = await last_seq(client, admin)
    await client.put(f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(25_000_000), headers=org4)
    moving_clock.advance(days=13, worker=False)
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["status"] == "opening"
    assert_sealed(bid_events(await events_since(client, admin, before)))


@pytest.mark.parametrize(
    ("reader", "sees"),
    [
        ("buyer", True),  # the department's handler
        ("approver", True),  # the department's approver
        ("buyer2", False),  # another department
        ("auditor", False),
        ("admin", False),
        ("regulator", False),
        ("org", False),
        (None, False),
    ],
)
async def test_a_draft_is_its_departments_alone(
    client: AsyncTestClient, as_user: Any, reader: str | None, sees: bool
) -> None:
    buyer = await as_user("buyer")
    payload = await tender_payload(title="草稿：仅本部门可见的项目")
    draft = (await client.post("/api/v1/tenders", json=payload, headers=buyer)).json()
    headers = await as_user(reader) if reader else {}
    detail = await client.get(f"/api/v1/tenders/{draft['id']}", headers=headers)
    assert detail.status_code == (200 if sees else 404)
    listed = await client.get("/api/v1/tenders?per_page=100", headers=headers)
    assert any(t["id"] == draft["id"] for t in listed.json()) is sees
    notice = await client.get(
        f"/api/v1/tenders/{draft['id']}/documents/tender-notice", headers=headers
    )
    assert notice.status_code == (200 if sees else 404)
    if reader:
        await login(client, reader)
        page = await client.get(f"/tenders/{draft['id']}")
        assert page.status_code == (200 if sees else 404)

"""Every transition and every bad input of the tender and bid services, with its exact error."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure import clock
from procure.organizations.tables import Debarment, Organization, Qualification
from procure.security.services import user_create
from procure.security.tables import Role
from tests.conftest import Clock, bearer
from tests.tenders.conftest import bid_payload, cancel, publish, tender_payload


async def draft(client: AsyncTestClient, headers: dict[str, str], **overrides: Any) -> int:
    response = await client.post(
        "/api/v1/tenders", json=await tender_payload(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def published(client: AsyncTestClient, headers: dict[str, str], **overrides: Any) -> int:
    tender_id = await draft(client, headers, **overrides)
    response = await publish(client, headers, tender_id)
    assert response.status_code == 200, response.text
    return tender_id


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {
                "criteria": [
                    {"code": "price", "name": "价格", "kind": "price", "weight": 20},
                    {"code": "T1", "name": "方案", "kind": "technical", "weight": 70},
                ]
            },
            "criteria",
            "weights must sum to 100, got 90",
        ),
        (
            {
                "criteria": [
                    {"code": "price", "name": "价格", "kind": "price", "weight": 5},
                    {"code": "T1", "name": "方案", "kind": "technical", "weight": 95},
                ]
            },
            "criteria",
            "the price weight must be between 10 and 30",
        ),
        ({"evaluation_method": "lowest_price"}, "criteria", "最低评标价法 evaluates price alone"),
        (
            {"lines": [{"item_code": "NO-SUCH-ITEM", "quantity": 1}]},
            "lines[0].item_code",
            "no active catalog item 'NO-SUCH-ITEM'",
        ),
        ({"communities": ["000000000000"]}, "communities", "no community '000000000000'"),
    ],
)
async def test_bad_tenders_are_refused_with_the_reason(
    client: AsyncTestClient,
    as_user,
    overrides: dict[str, Any],
    field: str,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    response = await client.post(
        "/api/v1/tenders", json=await tender_payload(**overrides), headers=await as_user("buyer")
    )
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert message in response.json()["detail"]


async def test_deadlines_must_be_in_order(client: AsyncTestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    payload = await tender_payload(
        clarification_deadline=(now + timedelta(days=5)).isoformat(),
        submission_deadline=(now + timedelta(days=4)).isoformat(),
    )
    response = await client.post("/api/v1/tenders", json=payload, headers=await as_user("buyer"))
    assert response.status_code == 400 and response.json()["field"] == "submission_deadline"


async def test_a_short_period_needs_a_recorded_justification(
    client: AsyncTestClient, as_user
) -> None:  # type: ignore[no-untyped-def]
    buyer = await as_user("buyer")
    now = clock.now()
    tender_id = await draft(
        client,
        buyer,
        method="open_tender",
        clarification_deadline=(now + timedelta(days=2)).isoformat(),
        submission_deadline=(now + timedelta(days=15)).isoformat(),
    )
    refused = await client.post(f"/api/v1/tenders/{tender_id}/publish", json={}, headers=buyer)
    assert refused.status_code == 400
    detail = refused.json()["detail"]
    assert "at least 20 days for open_tender (政府采购法 第三十五条)" in detail
    assert "short_period_justification" in detail
    accepted = await publish(client, buyer, tender_id, justification="防汛应急服务")
    assert accepted.status_code == 200
    assert accepted.json()["short_period_justification"] == "防汛应急服务"


async def test_transitions_are_enforced(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    buyer, other = await as_user("buyer"), await as_user("buyer2")
    tender_id = await published(client, buyer)
    again = await client.post(f"/api/v1/tenders/{tender_id}/publish", json={}, headers=buyer)
    assert again.status_code == 409
    edit = await client.put(
        f"/api/v1/tenders/{tender_id}", json=await tender_payload(), headers=buyer
    )
    assert edit.status_code == 409
    for path in ("publish", "cancel"):
        stranger = await client.post(
            f"/api/v1/tenders/{tender_id}/{path}", json={"reason": "x"}, headers=other
        )
        assert stranger.status_code == 404  # another department's tender does not exist for them
    assert (
        await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    ).status_code == 409
    no_reason = await client.post(
        f"/api/v1/tenders/{tender_id}/cancel", json={"reason": ""}, headers=buyer
    )
    assert no_reason.status_code == 400
    cancelled = await cancel(client, buyer, tender_id, "预算调整")
    assert (
        cancelled.json()["status"] == "cancelled"
        and cancelled.json()["cancel_reason"] == "预算调整"
    )
    assert (
        await client.post(
            f"/api/v1/tenders/{tender_id}/cancel", json={"reason": "再次"}, headers=buyer
        )
    ).status_code == 409


async def test_a_clock_only_transition_needs_no_write(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    buyer = await as_user("buyer")
    tender_id = await published(client, buyer)
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["status"] == "published"
    moving_clock.advance(days=4)
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["status"] == "tendering"
    late_question = await client.post(
        f"/api/v1/tenders/{tender_id}/clarifications",
        json={"question": "?"},
        headers=await as_user("org"),
    )
    assert (
        late_question.status_code == 409
        and "clarification period is over" in late_question.json()["detail"]
    )


@pytest.mark.parametrize(
    ("bid", "field", "message"),
    [
        (
            bid_payload(30_000_001),
            "total_fen",
            "300,000.01 元 exceeds the budget ceiling of 300,000.00 元",
        ),
        (
            {**bid_payload(20_000_000), "total_fen": 20_000_100},
            "lines",
            "the line prices add up to 200,000.00 元, not the total 200,001.00 元",
        ),
        (
            {**bid_payload(20_000_000), "lines": [{"line_no": 1, "price_fen": 20_000_000}]},
            "lines",
            "price every scope line once: expected lines 1, 2, got 1",
        ),
        (
            {
                **bid_payload(20_000_000),
                "lines": [{"line_no": 1, "price_fen": 1}, {"line_no": 1, "price_fen": 1}],
            },
            "lines",
            "each scope line may be priced once",
        ),
        (
            {
                **bid_payload(20_000_000),
                "attachments": [
                    {
                        "filename": "x.exe",
                        "content_type": "application/x-msdownload",
                        "content_base64": "TVo=",
                    }
                ],
            },
            "attachments[0].content_type",
            "is not accepted; use PDF, Word, Excel, PNG or JPEG",
        ),
    ],
)
async def test_bad_bids_are_refused_with_the_reason(
    client: AsyncTestClient,
    as_user,
    moving_clock: Clock,
    bid: dict[str, Any],
    field: str,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    tender_id = await published(client, await as_user("buyer"))
    response = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid, headers=await as_user("org")
    )
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field and message in response.json()["detail"]
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["bid_count"] == 0


async def test_late_bids_and_withdrawals_are_refused(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    org = await as_user("org")
    tender_id = await published(client, await as_user("buyer"))
    assert (
        await client.put(
            f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(20_000_000), headers=org
        )
    ).status_code == 201
    moving_clock.advance(days=12, seconds=1)
    late = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(19_000_000), headers=org
    )
    assert late.status_code == 409 and "bids closed" in late.json()["detail"]
    assert (await client.delete(f"/api/v1/tenders/{tender_id}/bid", headers=org)).status_code == 409
    opened = (await client.get(f"/api/v1/tenders/{tender_id}/opening")).json()
    assert [b["total_fen"] for b in opened["bids"]] == [20_000_000]  # the late one changed nothing


async def test_too_few_bids_make_the_tender_unsuccessful(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    tender_id = await published(
        client,
        await as_user("buyer"),
        method="open_tender",
        clarification_deadline=(now + timedelta(days=5)).isoformat(),
        submission_deadline=(now + timedelta(days=21)).isoformat(),
    )
    await client.put(
        f"/api/v1/tenders/{tender_id}/bid",
        json=bid_payload(20_000_000),
        headers=await as_user("org"),
    )
    moving_clock.advance(days=22)
    detail = (await client.get(f"/api/v1/tenders/{tender_id}")).json()
    assert detail["status"] == "unsuccessful"  # open tenders need 3 valid bids (policy.toml)


async def organization_user(name_fragment: str, username: str) -> dict[str, str]:
    org = (
        await Organization.select(Organization.id)
        .where(Organization.name.like(f"%{name_fragment}%"))
        .first()
    )
    assert org is not None, name_fragment
    await user_create(
        actor=None,
        username=username,
        display_name=username,
        password="a-long-password",
        role=Role.organization,
        organization_id=org["id"],
    )
    return await bearer(username)


async def test_a_debarred_organization_cannot_bid(client: AsyncTestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    debarred = await Debarment.select(Debarment.organization.name.as_alias("name")).first()
    assert debarred is not None
    headers = await organization_user(debarred["name"], "debarred-bidder")
    tender_id = await published(client, await as_user("buyer"))
    response = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(20_000_000), headers=headers
    )
    assert response.status_code == 409 and "cannot bid" in response.json()["detail"]
    page = await client.get(f"/tenders/{tender_id}", headers=headers)
    assert 'data-testid="bid-obstacles"' in page.text and 'data-testid="bid-form"' not in page.text


async def test_an_organization_with_an_expired_qualification_cannot_bid(
    client: AsyncTestClient, as_user
) -> None:  # type: ignore[no-untyped-def]
    expired = (
        await Qualification.select(Qualification.organization.name.as_alias("name"))
        .where(Qualification.required.eq(True) & (Qualification.expires_on < clock.now().date()))
        .first()
    )
    assert expired is not None
    headers = await organization_user(expired["name"], "expired-bidder")
    tender_id = await published(client, await as_user("buyer"))
    response = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(20_000_000), headers=headers
    )
    assert response.status_code == 409 and "cannot bid" in response.json()["detail"]


async def test_nobody_reads_a_bid_before_the_deadline(client: AsyncTestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    tender_id = await published(client, await as_user("buyer"))
    await client.put(
        f"/api/v1/tenders/{tender_id}/bid",
        json=bid_payload(23_456_700),
        headers=await as_user("org"),
    )
    for username in ("buyer", "admin", "auditor", "org2", "committee"):
        headers = await as_user(username)
        for path in ("", "/opening", "/evaluation", "/bid"):
            response = await client.get(f"/api/v1/tenders/{tender_id}{path}", headers=headers)
            assert "23456700" not in response.text and "234,567" not in response.text, (
                username,
                path,
            )
        page = await client.get(f"/tenders/{tender_id}", headers=headers)
        assert "234,567" not in page.text
    own = (
        await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=await as_user("org"))
    ).json()
    assert own["total_fen"] is None  # even the bidder's own price stays sealed on the server


async def test_an_organization_never_reads_a_competitors_bid(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    tender_id = await published(client, await as_user("buyer"))
    await client.put(
        f"/api/v1/tenders/{tender_id}/bid",
        json=bid_payload(21_000_000),
        headers=await as_user("org"),
    )
    await client.put(
        f"/api/v1/tenders/{tender_id}/bid",
        json=bid_payload(22_000_000),
        headers=await as_user("org2"),
    )
    moving_clock.advance(days=13)
    org2 = await as_user("org2")
    assert (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=org2)).json()[
        "total_fen"
    ] == 22_000_000
    assert (
        await client.get(f"/api/v1/tenders/{tender_id}/evaluation", headers=org2)
    ).status_code == 403
    proposal = "以社区为本的助餐与探访方案"
    for path in ("", "/opening", "/bid"):
        assert (
            proposal
            not in (await client.get(f"/api/v1/tenders/{tender_id}{path}", headers=org2)).text
        )

"""The whole procurement story through the API: draft → publish → clarify → sealed bids →
deadline → opening → the committee drawn and seated → explanation of a low bid decided by the
committee → independent scores → the report confirmed → award (handler and approver)."""

from __future__ import annotations

import hashlib
import json

from litestar.testing import AsyncTestClient

from procure.bids.sealing import canonical_bytes
from procure.bids.tables import Bid
from tests.conftest import Clock
from tests.tenders.conftest import (
    award,
    bid_payload,
    confirm_report,
    publish,
    seat_committee,
    tender_payload,
)


async def test_the_whole_story(client: AsyncTestClient, as_user, moving_clock: Clock) -> None:  # type: ignore[no-untyped-def]
    buyer = await as_user("buyer")
    org, org2, org3 = await as_user("org"), await as_user("org2"), await as_user("org3")

    created = await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    assert created.status_code == 201, created.text
    tender = created.json()
    tender_id = tender["id"]
    assert tender["status"] == "draft" and tender["reference"].startswith("CG-")
    assert (
        await client.get(f"/api/v1/tenders/{tender_id}")
    ).status_code == 404  # drafts are not public

    published = await publish(client, buyer, tender_id)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["status"] == "published"

    # Clarification: the answer goes to everyone, the asker to nobody.
    asked = await client.post(
        f"/api/v1/tenders/{tender_id}/clarifications", json={"question": "可否分包?"}, headers=org
    )
    assert asked.status_code == 201
    assert (await client.get(f"/api/v1/tenders/{tender_id}", headers=org2)).json()[
        "clarifications"
    ] == []
    answered = await client.post(
        f"/api/v1/clarifications/{asked.json()['id']}/answer",
        json={"answer": "不得分包。"},
        headers=buyer,
    )
    assert answered.status_code == 200
    seen_by_other = (await client.get(f"/api/v1/tenders/{tender_id}", headers=org2)).json()[
        "clarifications"
    ]
    assert [c["answer"] for c in seen_by_other] == ["不得分包。"]
    assert seen_by_other[0]["asked_by_me"] is False
    assert "organization" not in json.dumps(seen_by_other)

    # Sealed bids; org replaces its bid, org2 withdraws and comes back.
    moving_clock.advance(days=4)
    auditor = await as_user("auditor")
    before_bids = (await client.get("/api/v1/audit/events?limit=1", headers=auditor)).json()[0][
        "seq"
    ]
    receipts = {}
    for who, total in ((org, 28_000_000), (org2, 27_000_000), (org3, 10_000_000)):
        response = await client.put(
            f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(total), headers=who
        )
        assert response.status_code == 201, response.text
        receipts[who["authorization"]] = response.json()
    replaced = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(26_000_000), headers=org
    )
    assert replaced.json()["version"] == 2
    receipts[org["authorization"]] = replaced.json()
    assert (
        await client.delete(f"/api/v1/tenders/{tender_id}/bid", headers=org2)
    ).status_code == 204
    assert (await client.get(f"/api/v1/tenders/{tender_id}", headers=buyer)).json()[
        "bid_count"
    ] == 2
    again = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(27_000_000), headers=org2
    )
    receipts[org2["authorization"]] = again.json()

    # Before the deadline: a count, nothing else, for everyone.
    for who in (buyer, await as_user("admin"), await as_user("auditor"), org2, {}):
        detail = (await client.get(f"/api/v1/tenders/{tender_id}", headers=who)).json()
        assert detail["bid_count"] == 3 and detail["status"] == "tendering"
        assert "26000000" not in json.dumps(detail)
        assert (
            await client.get(f"/api/v1/tenders/{tender_id}/opening", headers=who)
        ).status_code == 409
    assert (await client.get(f"/api/v1/tenders/{tender_id}/evaluation", headers=buyer)).json()[
        "bids"
    ] == []
    events = (
        await client.get("/api/v1/audit/events?limit=100", headers=await as_user("auditor"))
    ).json()
    sealed = [e for e in events if e["action"] == "bid.submitted" and e["seq"] > before_bids]
    assert len(sealed) == 5 and all(
        e["actor_label"] == "(sealed)" and e["data"] == {} for e in sealed
    )
    assert all(
        b["sealed_content"] and b["total_fen"] is None
        for b in await Bid.select().where(Bid.tender == tender_id)
    )

    # The deadline passes by itself: late bids are refused, the bids open on the next look.
    moving_clock.advance(days=9)
    late = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(20_000_000), headers=org
    )
    assert (
        late.status_code == 409
        and "bids closed at the submission deadline" in late.json()["detail"]
    )
    opening = (await client.get(f"/api/v1/tenders/{tender_id}/opening")).json()
    assert opening["bid_count"] == 3
    assert sorted(b["total_fen"] for b in opening["bids"]) == [10_000_000, 26_000_000, 27_000_000]
    mine = (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=org)).json()
    expected_hash = receipts[org["authorization"]]["content_sha256"]
    assert mine["content_sha256"] == expected_hash and mine["total_fen"] == 26_000_000

    # The committee: the department's approver represents the buyer beside two drawn experts
    # (87号令 Art. 47); buyer2 works for another department and cannot.
    composition = {"size": 3, "buyer_representatives": ["buyer2"]}
    refused = await client.put(
        f"/api/v1/tenders/{tender_id}/committee", json=composition, headers=buyer
    )
    assert refused.status_code == 400 and refused.json()["field"] == "buyer_representatives"
    members = await seat_committee(
        client, tender_id, buyer, {"size": 3, "buyer_representatives": ["approver"]}
    )
    assert len(members) == 3
    representative = members["approver"]
    first, second = (m for name, m in members.items() if name != "approver")

    # Evaluation: org3's price is below 50% of the mean of the others, so it must explain.
    started = await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    assert started.status_code == 200, started.text
    statuses = {b["organization_name"]: b["status"] for b in started.json()["bids"]}
    assert sorted(statuses.values()) == ["explanation_requested", "valid", "valid"]
    low = next(b for b in started.json()["bids"] if b["status"] == "explanation_requested")
    assert (
        await client.post(f"/api/v1/tenders/{tender_id}/award", json={}, headers=buyer)
    ).status_code == 409
    # The organization finds its bid's id, and the request to explain, in its own bid.
    own_low = (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=org3)).json()
    assert own_low["id"] == low["bid_id"] and own_low["explanation_requested"] is True
    assert own_low["explanation_due_at"] is not None
    explained = await client.post(
        f"/api/v1/bids/{own_low['id']}/explanation",
        json={"explanation": "志愿者承担大部分服务"},
        headers=org3,
    )
    assert explained.status_code == 200
    # The committee decides by majority; the buyer (not a member) has no vote.
    decision = {"accept": False, "reason": "无法证明能按质履约"}
    url = f"/api/v1/bids/{low['bid_id']}/explanation/decision"
    assert (await client.post(url, json=decision, headers=buyer)).status_code == 404
    assert (await client.post(url, json=decision, headers=first)).status_code == 200
    assert (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=org3)).json()[
        "status"
    ] == "explanation_requested"
    assert (await client.post(url, json=decision, headers=second)).status_code == 200
    assert (await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=org3)).json()[
        "status"
    ] == "disqualified"

    # Independent scoring: each member sees only their own scores until all are in.
    valid = [b["bid_id"] for b in started.json()["bids"] if b["status"] == "valid"]
    for bid_id, (t1, t2) in zip(valid, ((90, 80), (70, 60)), strict=True):
        scored = await client.put(
            f"/api/v1/tenders/{tender_id}/evaluation/scores",
            json={"bid_id": bid_id, "scores": {"T1": t1, "T2": t2}},
            headers=first,
        )
        assert scored.status_code == 200, scored.text
    view = (
        await client.get(f"/api/v1/tenders/{tender_id}/evaluation", headers=representative)
    ).json()
    assert (
        view["my_scores"] == {}
        and view["complete"] is False
        and all(b["rank"] is None for b in view["bids"])
    )
    for member in (representative, second):
        for bid_id in valid:
            await client.put(
                f"/api/v1/tenders/{tender_id}/evaluation/scores",
                json={"bid_id": bid_id, "scores": {"T1": 80, "T2": 70}},
                headers=member,
            )
    view = (await client.get(f"/api/v1/tenders/{tender_id}/evaluation", headers=second)).json()
    assert view["complete"] is True
    ranked = sorted((b for b in view["bids"] if b["rank"]), key=lambda b: b["rank"])
    assert [b["total_fen"] for b in ranked] == [26_000_000, 27_000_000]
    assert ranked[0]["price_score"] == "20.00"  # the base price scores the full weight

    # No award before every member has confirmed the report; then handler and approver.
    assert (
        await client.post(f"/api/v1/tenders/{tender_id}/award", json={}, headers=buyer)
    ).status_code == 409
    await confirm_report(client, tender_id, members)
    await award(client, tender_id, buyer)
    final = (await client.get(f"/api/v1/tenders/{tender_id}")).json()
    assert final["status"] == "awarded" and final["standstill_ends_at"] is not None


def test_receipt_is_the_hash_of_the_canonical_content() -> None:
    content = {"b": 1, "a": "社区"}
    assert (
        hashlib.sha256(canonical_bytes(content)).hexdigest()
        == hashlib.sha256('{"a":"社区","b":1}'.encode()).hexdigest()
    )

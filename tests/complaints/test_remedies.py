"""Each remedy path of 财政部令第94号 through the API: an upheld challenge and its corrective step,
a rejected one, a late filing, an unanswered challenge that opens the complaint, admissibility,
the complaint's decision and its publication, and a suspension that stops the contract."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from procure.audit.events import AuditAction
from tests.complaints.helpers import (
    accept,
    answer,
    awarded,
    challenge,
    complained,
    filed,
    suspend,
)
from tests.concurrency import audit_count
from tests.conftest import Clock
from tests.contracts.test_contracts import contract_payload


async def create_contract(client: AsyncTestClient, who) -> object:  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/v1/tenders/{who.tender_id}/contract",
        json=contract_payload(who.value_fen),
        headers=who.buyer,
    )


async def test_an_upheld_challenge_holds_the_contract_until_its_step_is_taken(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    challenge_id = await filed(client, who)
    mine = (await client.get(f"/api/v1/challenges/{challenge_id}", headers=who.loser)).json()
    assert mine["status"] == "filed" and mine["party"] is True
    assert mine["answer_deadline"]["days"] == 7 and mine["answer_deadline"]["unit"] == "working"
    assert "第十三条" in mine["answer_deadline"]["basis"]
    assert mine["filing_deadline"]["name"] == "challenge"
    # The other bidder sees nothing before the answer.
    early = await client.get(f"/api/v1/challenges/{challenge_id}", headers=who.winner)
    assert early.status_code == 404

    moving_clock.advance(days=12)  # past the standstill: the challenge still holds the contract
    held = await create_contract(client, who)
    assert held.status_code == 409 and "awaits the buyer's written answer" in held.text

    refused = await answer(client, who, challenge_id, "upheld")
    assert refused.status_code == 400 and refused.json()["field"] == "corrective_step"
    upheld = await answer(client, who, challenge_id, "upheld", "re_evaluate")
    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["status"] == "upheld" and upheld.json()["answered_late"] is True
    assert await audit_count(AuditAction.challenge_upheld, "challenge", challenge_id) == 1

    # The answer reaches the other bidder, without the challenger or its grounds.
    seen = await client.get(f"/api/v1/challenges/{challenge_id}", headers=who.winner)
    assert seen.status_code == 200
    assert seen.json()["answer"].startswith("经复核") and seen.json()["grounds"] is None
    assert seen.json()["organization_name"] is None
    listed = await client.get(f"/api/v1/challenges?tender_id={who.tender_id}", headers=who.winner)
    assert [c["id"] for c in listed.json()] == [challenge_id]

    still = await create_contract(client, who)
    assert still.status_code == 409 and "corrective step" in still.text
    corrected = await client.post(
        f"/api/v1/challenges/{challenge_id}/correction",
        json={"note": "评审委员会已重新评审，结果维持。"},
        headers=who.buyer,
    )
    assert corrected.status_code == 200 and corrected.json()["status"] == "corrected"
    created = await create_contract(client, who)
    assert created.status_code == 201, created.text


async def test_a_rejected_challenge_then_a_complaint_decided_and_published(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    challenge_id = await filed(client, who)
    rejected = await answer(client, who, challenge_id, "rejected")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["corrective_step"] == ""
    assert rejected.json()["answered_late"] is False

    complaint_id = await complained(client, who, challenge_id)
    complaint = (await client.get(f"/api/v1/complaints/{complaint_id}", headers=who.loser)).json()
    assert complaint["admissibility_deadline"]["days"] == 5
    assert complaint["decision_deadline"]["days"] == 30
    assert "第二十六条" in complaint["decision_deadline"]["basis"]
    twice = await client.post(
        f"/api/v1/challenges/{challenge_id}/complaint", json={"grounds": "再次"}, headers=who.loser
    )
    assert twice.status_code == 409

    moving_clock.advance(days=12)
    held = await create_contract(client, who)
    assert held.status_code == 409 and "finance department's decision" in held.text

    early = await client.post(
        f"/api/v1/complaints/{complaint_id}/decision",
        json={"outcome": "rejected", "public_text": "驳回。"},
        headers=who.regulator,
    )
    assert early.status_code == 409  # admissibility comes first
    await accept(client, who, complaint_id)
    decided = await client.post(
        f"/api/v1/complaints/{complaint_id}/decision",
        json={"outcome": "rejected", "public_text": "经审查，投诉事项缺乏事实依据，驳回投诉。"},
        headers=who.regulator,
    )
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"

    public = await client.get("/api/v1/complaints/decisions")
    assert complaint_id in [d["id"] for d in public.json()]
    page = await client.get(f"/disclosure/complaints/{complaint_id}")
    assert page.status_code == 200 and "驳回投诉" in page.text
    assert "对质疑答复不满意" not in page.text  # the grounds are not published
    listing = await client.get("/disclosure/complaints")
    assert f'data-complaint="{complaint_id}"' in listing.text
    tender_page = await client.get(f"/disclosure/tenders/{who.tender_id}")
    assert 'data-testid="tender-decisions"' in tender_page.text

    created = await create_contract(client, who)
    assert created.status_code == 201, created.text


async def test_a_late_challenge_is_refused_with_its_deadline_and_rule(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    moving_clock.advance(days=15)
    late = await challenge(client, who)
    assert late.status_code == 409
    detail = late.json()["detail"]
    assert "ended on 20" in detail and "7 工作日" in detail and "财政部令第94号 第十条" in detail
    # The documents' period ran from the publication, long before.
    assert (await challenge(client, who, "documents")).status_code == 409


async def test_an_unanswered_challenge_opens_the_complaint(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    challenge_id = await filed(client, who, "process")
    too_soon = await client.post(
        f"/api/v1/challenges/{challenge_id}/complaint",
        json={"grounds": "未答复"},
        headers=who.loser,
    )
    assert too_soon.status_code == 409 and "the buyer may answer until" in too_soon.text
    moving_clock.advance(days=12)
    view = (await client.get(f"/api/v1/challenges/{challenge_id}", headers=who.loser)).json()
    assert view["overdue"] is True and view["may_complain"] is True
    assert view["status"] == "filed"  # a read never writes
    complaint_id = await complained(client, who, challenge_id)
    refused = await client.post(
        f"/api/v1/complaints/{complaint_id}/admissibility",
        json={"accept": False},
        headers=who.regulator,
    )
    assert refused.status_code == 400 and refused.json()["field"] == "reason"
    not_accepted = await client.post(
        f"/api/v1/complaints/{complaint_id}/admissibility",
        json={"accept": False, "reason": "投诉事项未经质疑。"},
        headers=who.regulator,
    )
    assert not_accepted.status_code == 200 and not_accepted.json()["status"] == "not_accepted"
    decision = await client.post(
        f"/api/v1/complaints/{complaint_id}/decision",
        json={"outcome": "upheld", "public_text": "……"},
        headers=who.regulator,
    )
    assert decision.status_code == 409


async def test_a_complaint_after_its_period_is_refused(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    challenge_id = await filed(client, who)
    assert (await answer(client, who, challenge_id, "rejected")).status_code == 200
    moving_clock.advance(days=45)  # 7 + 15 working days are long gone
    late = await client.post(
        f"/api/v1/challenges/{challenge_id}/complaint", json={"grounds": "迟到"}, headers=who.loser
    )
    assert late.status_code == 409
    assert "the complaint period ended on" in late.text and "第十七条" in late.text


async def test_a_suspension_stops_the_contract_and_its_signature_until_lifted(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    # A challenge about the process does not hold the contract by itself …
    challenge_id = await filed(client, who, "process")
    assert (await answer(client, who, challenge_id, "rejected")).status_code == 200
    complaint_id = await complained(client, who, challenge_id)
    # … a suspension does.
    suspended = await suspend(client, who, complaint_id)
    assert suspended["suspended"] is True
    running = suspended["suspensions"][0]
    again = await client.post(
        f"/api/v1/complaints/{complaint_id}/suspension",
        json={"reason": "再次"},
        headers=who.regulator,
    )
    assert again.status_code == 409
    moving_clock.advance(days=12)
    held = await create_contract(client, who)
    assert held.status_code == 409 and "suspended this procurement" in held.text
    page = await client.get(f"/tenders/{who.tender_id}", headers=who.winner)
    assert 'data-testid="suspended"' in page.text

    lifted = await client.post(
        f"/api/v1/suspensions/{running['id']}/lift",
        json={"reason": "投诉已作出处理"},
        headers=who.regulator,
    )
    assert lifted.status_code == 200, lifted.text
    created = await create_contract(client, who)
    assert created.status_code == 201, created.text
    contract_id = created.json()["id"]

    # A second suspension stops the signatures of the draft.
    await suspend(client, who, complaint_id)
    sign = await client.post(f"/api/v1/contracts/{contract_id}/sign", headers=who.buyer)
    assert sign.status_code == 409 and "suspended" in sign.text
    own = await client.post(
        f"/api/v1/contracts/{contract_id}/organization/sign", headers=who.winner
    )
    assert own.status_code == 409 and "suspended" in own.text


async def test_a_suspension_ends_by_itself_after_thirty_days(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    challenge_id = await filed(client, who, "process")
    assert (await answer(client, who, challenge_id, "rejected")).status_code == 200
    complaint_id = await complained(client, who, challenge_id)
    too_long = await client.post(
        f"/api/v1/complaints/{complaint_id}/suspension",
        json={"reason": "暂停", "until": "2099-01-01"},
        headers=who.regulator,
    )
    assert too_long.status_code == 400 and too_long.json()["field"] == "until"
    first = (await suspend(client, who, complaint_id))["suspensions"][0]
    moving_clock.advance(days=33)
    view = (await client.get(f"/api/v1/complaints/{complaint_id}", headers=who.regulator)).json()
    assert view["suspended"] is False  # the clock ended it; nothing was written
    assert view["suspensions"][0]["status"] == "in_force"
    created = await create_contract(client, who)
    assert created.status_code == 201, created.text
    ended = await client.post(
        f"/api/v1/suspensions/{first['id']}/lift", json={"reason": "x"}, headers=who.regulator
    )
    assert ended.status_code == 409

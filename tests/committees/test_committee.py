"""The evaluation committee through the API: composition, the draw's window and record, 回避
declarations that replace a conflicted member, who sees what, and the award that follows the
committee's report."""

from __future__ import annotations

from datetime import date, timedelta

from litestar.testing import AsyncTestClient

from procure.catalog.tables import CategoryCode
from procure.committees.draw import draw_order
from procure.committees.tables import (
    CommitteeMember,
    EvaluationCommittee,
    Expert,
    ExpertCategory,
    ExpertRelationship,
    MemberStatus,
)
from procure.departments.tables import Department
from procure.organizations.tables import Organization
from procure.security.tables import Role, User
from tests.committees.conftest import tender_with_bids
from tests.conftest import Clock, bearer, login
from tests.tenders.conftest import (
    award,
    confirm_report,
    declare,
    member_headers,
    seat_committee,
    tender_payload,
)


async def _committee(tender_id: int) -> dict:
    row = await EvaluationCommittee.select().where(EvaluationCommittee.tender == tender_id).first()
    assert row is not None
    return row


async def test_composition_is_checked_and_only_a_handler_sets_it(
    client: AsyncTestClient, as_user
) -> None:  # type: ignore[no-untyped-def]
    buyer = await as_user("buyer")
    created = await client.post(
        "/api/v1/tenders", json=await tender_payload(method="open_tender"), headers=buyer
    )
    tender_id = created.json()["id"]  # a draft: the composition is set before the draw
    url = f"/api/v1/tenders/{tender_id}/committee"
    cases = [
        ({"size": 3}, "size", "at least 5 members"),
        ({"size": 6}, "size", "odd number"),
        (
            {"size": 5, "buyer_representatives": ["buyer", "approver"]},
            "buyer_representatives",
            "at most 1 buyer",
        ),
        ({"size": 5, "buyer_representatives": ["buyer2"]}, "buyer_representatives", "department"),
    ]
    for body, field, message in cases:
        refused = await client.put(url, json=body, headers=buyer)
        assert refused.status_code == 400, refused.text
        assert refused.json()["field"] == field and message in refused.json()["detail"]
    # The approver holds no handler's duty; another department's buyer does not see the tender.
    assert (
        await client.put(url, json={"size": 5}, headers=await as_user("approver"))
    ).status_code == 403
    assert (
        await client.put(url, json={"size": 5}, headers=await as_user("buyer2"))
    ).status_code == 404
    for role in ("org", "expert"):
        assert (
            await client.put(url, json={"size": 5}, headers=await as_user(role))
        ).status_code in (403, 404)
    composed = await client.put(
        url, json={"size": 7, "buyer_representatives": ["approver"]}, headers=buyer
    )
    assert composed.status_code == 200, composed.text
    assert composed.json()["size"] == 7 and composed.json()["status"] == "planned"
    assert [m["kind"] for m in composed.json()["members"]] == ["buyer_representative"]


async def test_the_draw_waits_for_its_window_and_can_be_reproduced(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    tender_id = await tender_with_bids(client, as_user)
    buyer = await as_user("buyer")
    url = f"/api/v1/tenders/{tender_id}/committee/draw"
    early = await client.post(url, headers=buyer)
    assert early.status_code == 409 and "198" in early.json()["detail"]
    moving_clock.advance(days=10, hours=1)  # within 48 hours of the deadline
    assert (await client.post(url, headers=await as_user("approver"))).status_code == 403
    drawn = await client.post(url, headers=buyer)
    assert drawn.status_code == 200, drawn.text
    result = drawn.json()
    assert len(result["seats"]) == 3 and len(result["alternates"]) == 2
    again = await client.post(url, headers=buyer)
    assert again.status_code == 409
    late_compose = await client.put(
        f"/api/v1/tenders/{tender_id}/committee", json={"size": 5}, headers=buyer
    )
    assert late_compose.status_code == 409

    # Before the award the department sees its committee's state but not the experts' names,
    # and the public sees no draw record; oversight reads the record at any time.
    seen = (await client.get(f"/api/v1/tenders/{tender_id}/committee", headers=buyer)).json()
    assert [m["name"] for m in seen["members"]] == ["#1", "#2", "#3", "#4", "#5"]
    assert (await client.get(url)).status_code == 404
    record = await client.get(url, headers=await as_user("regulator"))
    assert record.status_code == 200, record.text
    record = record.json()
    reproduced = draw_order(
        record["seed"], record["candidates"], record["expert_seats"], record["alternates"]
    )
    assert reproduced.seats == result["seats"] and reproduced.alternates == result["alternates"]
    assert [d["expert"] for d in record["drawn"]] == result["seats"] + result["alternates"]
    committee = await _committee(tender_id)
    assert len(committee["seed"]) == 64 and committee["drawn_by"] is not None


async def test_buyer_staff_never_sit_as_experts_on_their_own_department(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    department = await Department.select().where(Department.code == "D-MZJ").first()
    assert department is not None
    user = await User.insert(
        User(
            username="staff-expert",
            display_name="民政局职工专家",
            password_hash="x",
            role=Role.expert,
        )
    )
    expert = await Expert.insert(
        Expert(
            code="T-STAFF-1",
            name="民政局职工专家",
            district=department["district"],
            user=user[0]["id"],
            employer="滨海区民政局",
            employer_department=department["id"],
            active_from=date(2020, 1, 1),
        )
    )
    expert_id = expert[0]["id"]
    for category in CategoryCode:
        await ExpertCategory.insert(ExpertCategory(expert=expert_id, category=category))
    try:
        tender_id = await tender_with_bids(client, as_user)
        moving_clock.advance(days=11)
        drawn = await client.post(
            f"/api/v1/tenders/{tender_id}/committee/draw", headers=await as_user("buyer")
        )
        assert drawn.status_code == 200, drawn.text
        committee = (
            await EvaluationCommittee.select()
            .where(EvaluationCommittee.tender == tender_id)
            .output(load_json=True)
            .first()
        )
        assert committee is not None
        assert {"expert": expert_id, "reason": "department_staff"} in committee["excluded"]
        assert expert_id not in committee["candidates"]
    finally:
        await Expert.delete().where(Expert.id == expert_id)
        await User.delete().where(User.id == user[0]["id"])


async def test_declarations_replace_a_conflicted_member_who_never_sees_a_bid(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    tender_id = await tender_with_bids(client, as_user)
    buyer = await as_user("buyer")
    moving_clock.advance(days=11)
    assert (
        await client.post(f"/api/v1/tenders/{tender_id}/committee/draw", headers=buyer)
    ).status_code == 200
    drawn = await member_headers(tender_id, MemberStatus.drawn)
    (first_name, first), (second_name, second), (_third_name, third) = drawn.items()

    # Before the deadline: no bidder is listed and nobody declares.
    view = (await client.get(f"/api/v1/tenders/{tender_id}/committee", headers=first)).json()
    assert view["me"]["status"] == "drawn" and view["bidders"] == []
    early = await client.post(
        f"/api/v1/tenders/{tender_id}/committee/declaration",
        json={"declarations": []},
        headers=first,
    )
    assert early.status_code == 409

    # An expert who is not on the committee finds nothing.
    outsider = await bearer(
        next(
            row["username"]
            for row in await User.select(User.username).where(User.role == Role.expert)
            if row["username"] not in drawn
        )
    )
    for path in ("committee", "evaluation"):
        assert (
            await client.get(f"/api/v1/tenders/{tender_id}/{path}", headers=outsider)
        ).status_code == 404

    moving_clock.advance(days=2)
    view = (await client.get(f"/api/v1/tenders/{tender_id}/committee", headers=first)).json()
    names = {b["name"] for b in view["bidders"]}
    assert len(names) == 3 and "total_fen" not in str(view["bidders"])
    incomplete = await client.post(
        f"/api/v1/tenders/{tender_id}/committee/declaration",
        json={
            "declarations": view["bidders"][:1]
            and [{"organization_id": view["bidders"][0]["organization_id"], "conflict": False}]
        },
        headers=first,
    )
    assert incomplete.status_code == 400 and incomplete.json()["field"] == "declarations"

    # The first declares a conflict and steps aside; the first alternate takes the seat.
    org = (
        await Organization.select(Organization.id)
        .where(Organization.id.is_in([b["organization_id"] for b in view["bidders"]]))
        .first()
    )
    assert org is not None
    assert await declare(client, tender_id, first, frozenset({org["id"]})) == "replaced"
    # The second declares none, but the registry knows they worked for a bidder last year.
    second_expert = (
        await CommitteeMember.select(CommitteeMember.expert)
        .where(
            (CommitteeMember.committee.tender == tender_id)
            & (CommitteeMember.user.username == second_name)
        )
        .first()
    )
    assert second_expert is not None
    relationship = await ExpertRelationship.insert(
        ExpertRelationship(
            expert=second_expert["expert"],
            organization=view["bidders"][1]["organization_id"],
            kind="employment",
            started_on=date(2020, 1, 1),
            ended_on=date.today() - timedelta(days=365),
        )
    )
    try:
        assert await declare(client, tender_id, second) == "replaced"
    finally:
        await ExpertRelationship.delete().where(ExpertRelationship.id == relationship[0]["id"])
    assert await declare(client, tender_id, third) == "seated"

    # A seated member sees no bid while seats are still declaring.
    waiting = await client.get(f"/api/v1/tenders/{tender_id}/evaluation", headers=third)
    assert waiting.status_code == 409 and "回避" in waiting.json()["detail"]
    promoted = await member_headers(tender_id, MemberStatus.drawn)
    assert len(promoted) == 2 and not set(promoted) & {first_name, second_name}
    for member in promoted.values():
        assert await declare(client, tender_id, member) == "seated"
    assert (await _committee(tender_id))["status"] == "seated"
    replaced = (
        await CommitteeMember.select(
            CommitteeMember.status, CommitteeMember.replaced_reason, CommitteeMember.replaced_by
        )
        .where(
            (CommitteeMember.committee.tender == tender_id)
            & (CommitteeMember.status == MemberStatus.replaced)
        )
        .order_by(CommitteeMember.position)
    )
    assert [r["replaced_reason"].split(":")[0] for r in replaced] == [
        "declared",
        "registry (employment)",
    ]
    assert all(r["replaced_by"] for r in replaced)

    # The conflicted members never see a bid, through the API or the pages.
    assert (
        await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    ).status_code == 200
    for member in (first, second):
        assert (
            await client.get(f"/api/v1/tenders/{tender_id}/evaluation", headers=member)
        ).status_code == 404
    assert (
        await client.get(f"/api/v1/tenders/{tender_id}/evaluation", headers=third)
    ).status_code == 200
    await login(client, first_name)
    page = await client.get(f"/tenders/{tender_id}/evaluation")
    assert page.status_code == 404


async def test_the_award_follows_the_committees_report_through_an_approver(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    tender_id = await tender_with_bids(
        client,
        as_user,
        evaluation_method="lowest_price",
        criteria=[{"code": "price", "name": "价格", "kind": "price", "weight": 100}],
    )
    buyer = await as_user("buyer")
    moving_clock.advance(days=13)
    early = await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    assert early.status_code == 409 and "not seated" in early.json()["detail"]
    members = await seat_committee(client, tender_id, buyer)
    started = await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    assert started.status_code == 200
    bids = sorted(started.json()["bids"], key=lambda b: b["total_fen"])
    before = await client.post(f"/api/v1/tenders/{tender_id}/award", json={}, headers=buyer)
    assert before.status_code == 409 and "confirm" in before.json()["detail"]
    await confirm_report(client, tender_id, members)
    assert (await _committee(tender_id))["status"] == "reported"
    second = await client.post(
        f"/api/v1/tenders/{tender_id}/award", json={"bid_id": bids[1]["bid_id"]}, headers=buyer
    )
    assert second.status_code == 400 and "Art. 64" in second.json()["detail"]
    # The approver is not a handler: it cannot propose; the handler cannot approve its own.
    assert (
        await client.post(
            f"/api/v1/tenders/{tender_id}/award", json={}, headers=await as_user("approver")
        )
    ).status_code == 403
    requested = await client.post(f"/api/v1/tenders/{tender_id}/award", json={}, headers=buyer)
    assert requested.status_code == 202
    approval_id = requested.json()["approval_id"]
    assert (
        await client.post(f"/api/v1/approvals/{approval_id}/approve", headers=buyer)
    ).status_code == 403
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["status"] == "evaluation"
    approved = await client.post(
        f"/api/v1/approvals/{approval_id}/approve", headers=await as_user("approver")
    )
    assert approved.status_code == 200, approved.text
    assert (await client.get(f"/api/v1/tenders/{tender_id}")).json()["status"] == "awarded"
    result = await client.get(f"/api/v1/tenders/{tender_id}/result", headers=await as_user("org"))
    assert result.json()["won"] is True  # org bid the lowest price

    # With the award the draw is public, and the committee's names with it.
    record = await client.get(f"/api/v1/tenders/{tender_id}/committee/draw")
    assert record.status_code == 200
    assert all(d["name"] and not d["name"].startswith("#") for d in record.json()["drawn"])
    seen = (await client.get(f"/api/v1/tenders/{tender_id}/committee", headers=buyer)).json()
    assert not any(m["name"].startswith("#") for m in seen["members"])
    assert award  # the shared helper does the same two steps


async def test_a_supplementary_draw_fills_a_seat_when_no_alternate_is_left(
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    tender_id = await tender_with_bids(client, as_user)
    buyer = await as_user("buyer")
    moving_clock.advance(days=13)
    url = f"/api/v1/tenders/{tender_id}/committee"
    assert (await client.post(f"{url}/draw", headers=buyer)).status_code == 200
    early = await client.post(f"{url}/supplement", headers=buyer)
    assert early.status_code == 409 and "no seat is empty" in early.json()["detail"]
    bidder = (
        await client.get(url, headers=next(iter((await member_headers(tender_id)).values())))
    ).json()["bidders"][0]["organization_id"]
    stepped_aside = []
    for _ in range(3):  # three seats step aside; two alternates take two of them
        name, member = next(iter((await member_headers(tender_id, MemberStatus.drawn)).items()))
        assert await declare(client, tender_id, member, frozenset({bidder})) == "replaced"
        stepped_aside.append(name)
    assert len(await member_headers(tender_id, MemberStatus.drawn)) == 2
    assert len(await member_headers(tender_id, MemberStatus.alternate)) == 0
    supplemented = await client.post(f"{url}/supplement", headers=buyer)
    assert supplemented.status_code == 200, supplemented.text
    (new_expert,) = supplemented.json()["seats"]
    for member in (await member_headers(tender_id, MemberStatus.drawn)).values():
        assert await declare(client, tender_id, member) == "seated"
    assert (await _committee(tender_id))["status"] == "seated"
    record = (await client.get(f"{url}/draw", headers=await as_user("regulator"))).json()
    (supplement,) = record["supplements"]
    assert draw_order(supplement["seed"], supplement["candidates"], 1, 0).seats == [new_expert]
    assert not set(supplement["candidates"]) & {d["expert"] for d in record["drawn"][:-1]}

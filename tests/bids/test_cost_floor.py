"""The district cost floor: its arithmetic, the staffing and cost plan sealed with a bid, and a
single bid below the floor sent to the explanation step (issue 13)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.bids.costfloor import (
    FloorLine,
    FloorRates,
    LinePlan,
    StaffRole,
    below_floor,
    line_floor_fen,
    volunteer_hours_allowed,
)
from procure.bids.tables import Bid, BidCostPlan, BidStaffRole
from procure.policy import get_policy, load_policy
from procure.settings import ConfigurationError
from tests.conftest import Clock, login
from tests.tenders.conftest import (
    bid_payload,
    member_headers,
    publish,
    seat_committee,
    tender_payload,
)

RATES = FloorRates(
    minimum_hourly_wage_fen=2370,
    contribution_percent=Decimal(30),
    volunteer_share_max_percent=20,
    labour_norm_hours={"VISIT": Decimal(1), "HALF": Decimal("0.5")},
)
#: The gap per line of a bid one fen below the floor of 50 home visits (line 2).
ONE_FEN_BELOW = [
    {
        "line_no": 2,
        "price_fen": 154_049,
        "floor_fen": 154_050,
        "gap_fen": 1,
        "norm_hours": "50",
        "planned_hours": None,
        "reasons": ["price_below_floor"],
    }
]
SOCIAL_WORKER = StaffRole(
    "社工", headcount=2, hours=25, hourly_wage_fen=3000, social_insurance_fen=45_000
)


def line(
    price_fen: int, *, item: str = "VISIT", quantity: int = 50, plan: LinePlan | None = None
) -> FloorLine:
    return FloorLine(line_no=1, item_code=item, quantity=quantity, price_fen=price_fen, plan=plan)


def test_the_floor_is_norm_hours_at_minimum_wage_with_contributions_plus_materials() -> None:
    # 50 visits × 1 h × 23.70 元 × 1.30 = 1 540.50 元; materials add as declared.
    assert line_floor_fen(line(0), RATES) == 154_050
    plan = LinePlan((SOCIAL_WORKER,), materials_fen=10_000, volunteer_hours=0)
    assert line_floor_fen(line(0, plan=plan), RATES) == 164_050
    # Half-fen results round half up; an item without a norm has only its materials as floor.
    assert line_floor_fen(line(0, item="HALF", quantity=1), RATES) == 1541  # 1 540.5 fen
    assert line_floor_fen(line(0, item="NONE"), RATES) == 0


def test_at_the_floor_passes_one_fen_below_is_below_with_its_gap() -> None:
    assert below_floor([line(154_050)], RATES) == []
    [gap] = below_floor([line(154_049)], RATES)
    assert (gap.line_no, gap.floor_fen, gap.gap_fen, gap.reasons) == (
        1,
        154_050,
        1,
        ("price_below_floor",),
    )


def test_a_plan_that_cannot_staff_the_norm_or_pay_the_minimum_is_below() -> None:
    enough = LinePlan((SOCIAL_WORKER,), materials_fen=0, volunteer_hours=0)  # 50 paid hours
    assert below_floor([line(200_000, plan=enough)], RATES) == []
    # Volunteers count toward the hours: 40 paid + 10 volunteer hours staff the 50 visits.
    short = LinePlan((StaffRole("社工", 2, 20, 3000, 36_000),), materials_fen=0, volunteer_hours=10)
    assert below_floor([line(200_000, plan=short)], RATES) == []
    thinner = LinePlan(
        (StaffRole("社工", 2, 20, 3000, 36_000),), materials_fen=0, volunteer_hours=9
    )
    [gap] = below_floor([line(200_000, plan=thinner)], RATES)
    assert gap.reasons == ("hours_below_norm",) and gap.gap_fen == 0 and gap.planned_hours == 40
    underpaid = LinePlan(
        (StaffRole("护理员", 1, 50, 2369, 50_000),), materials_fen=0, volunteer_hours=0
    )
    assert below_floor([line(200_000, plan=underpaid)], RATES)[0].reasons == ("wage_below_minimum",)
    # Contributions: 30% of 2 × 25 h × 30.00 元 = 450.00 元 exactly passes, a fen less does not.
    uninsured = LinePlan(
        (StaffRole("社工", 2, 25, 3000, 44_999),), materials_fen=0, volunteer_hours=0
    )
    assert below_floor([line(200_000, plan=uninsured)], RATES)[0].reasons == (
        "contributions_below_statutory",
    )


def test_volunteers_are_capped_at_their_share_of_staff_hours() -> None:
    # 40 paid + 10 volunteer hours: volunteers carry 20% — the cap; 11 would be above it.
    assert volunteer_hours_allowed(LinePlan((StaffRole("社工", 2, 20, 3000, 0),), 0, 10), 20)
    assert not volunteer_hours_allowed(LinePlan((StaffRole("社工", 2, 20, 3000, 0),), 0, 11), 20)


async def _single_bid_tender(client: AsyncTestClient, as_user: Any, body: dict[str, Any]) -> Any:
    """A published 项目申请制 tender (one valid bid suffices) with one bid from org."""
    buyer = await as_user("buyer")
    created = await client.post(
        "/api/v1/tenders",
        json=await tender_payload(method="project_application"),
        headers=buyer,
    )
    assert created.status_code == 201, created.text
    tender_id = created.json()["id"]
    assert (await publish(client, buyer, tender_id)).status_code == 200
    submitted = await client.put(
        f"/api/v1/tenders/{tender_id}/bid", json=body, headers=await as_user("org")
    )
    return tender_id, submitted


def _bid_with_line_two_at(price_fen: int) -> dict[str, Any]:
    """Line 1 (no labour norm) well priced; line 2 = 50 home visits (C-APPR-002, 1 h each)."""
    body = bid_payload(20_000_000 + price_fen)
    body["lines"] = [
        {"line_no": 1, "price_fen": 20_000_000},
        {"line_no": 2, "price_fen": price_fen},
    ]
    return body


def test_the_district_policy_sets_the_home_visit_norm() -> None:
    floor = get_policy().procurement.cost_floor
    assert floor.labour_norm_hours["C-APPR-002"] == 1
    assert (floor.minimum_hourly_wage_fen, floor.contribution_percent) == (2370, 30)


@pytest.mark.parametrize(
    ("line_two_fen", "status"),
    [(154_050, "valid"), (154_049, "explanation_requested")],
)
async def test_a_single_bid_below_the_floor_is_sent_to_explanation(  # type: ignore[no-untyped-def]
    client: AsyncTestClient, as_user, moving_clock: Clock, line_two_fen: int, status: str
) -> None:
    tender_id, submitted = await _single_bid_tender(
        client, as_user, _bid_with_line_two_at(line_two_fen)
    )
    assert submitted.status_code == 201, submitted.text
    moving_clock.advance(days=13)
    buyer = await as_user("buyer")
    await seat_committee(client, tender_id, buyer)
    started = await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    assert started.status_code == 200, started.text
    assert [b["status"] for b in started.json()["bids"]] == [status]
    events = (
        await client.get("/api/v1/audit/events?limit=50", headers=await as_user("auditor"))
    ).json()
    requested = [e for e in events if e["action"] == "bid.explanation_requested"]
    if status == "valid":
        assert requested == []
        return
    own = await client.get(f"/api/v1/tenders/{tender_id}/bid", headers=await as_user("org"))
    assert own.json()["cost_floor"] == ONE_FEN_BELOW
    # The bidder asked to explain sees its gap per line on the tender's page.
    await login(client, "org")
    page = (await client.get(f"/tenders/{tender_id}")).text
    assert 'data-testid="cost-floor-gaps"' in page and "低于本区成本底线" in page
    assert "1,540.50" in page and "1,540.49" in page and "0.01" in page
    [event] = requested
    assert event["data"]["reasons"] == ["below_cost_floor"]
    assert event["data"]["evidence"]["cost_floor"] == ONE_FEN_BELOW


async def test_the_plan_is_sealed_until_opening_then_stored_and_judged(  # type: ignore[no-untyped-def]
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:
    body = _bid_with_line_two_at(300_000)
    body["cost_plan"] = [
        {"line_no": 1, "roles": [], "materials_fen": 0, "volunteer_hours": 0},
        {
            "line_no": 2,
            "roles": [
                {
                    "role": "社工",
                    "headcount": 2,
                    "hours": 20,
                    "hourly_wage_fen": 3000,
                    "social_insurance_fen": 36_000,
                }
            ],
            "materials_fen": 5_000,
            "volunteer_hours": 5,
        },
    ]
    tender_id, submitted = await _single_bid_tender(client, as_user, body)
    assert submitted.status_code == 201, submitted.text
    plans = BidCostPlan.bid_line._.bid._.tender == tender_id
    roles_of_tender = BidStaffRole.cost_plan._.bid_line._.bid._.tender == tender_id
    assert await BidCostPlan.count().where(plans) == 0
    assert await BidStaffRole.count().where(roles_of_tender) == 0
    moving_clock.advance(days=13)
    buyer = await as_user("buyer")
    await seat_committee(client, tender_id, buyer)
    started = await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    assert started.status_code == 200, started.text
    roles = await BidStaffRole.select(
        BidStaffRole.role, BidStaffRole.headcount, BidStaffRole.hours
    ).where(roles_of_tender)
    assert roles == [{"role": "社工", "headcount": 2, "hours": 20}]
    assert sorted(p["materials_fen"] for p in await BidCostPlan.select().where(plans)) == [0, 5_000]
    # 40 paid + 5 volunteer hours cannot staff 50 visits, though the price clears the floor.
    [bid] = await Bid.select(Bid.id, Bid.status).where(Bid.tender == tender_id)
    assert bid["status"] == "explanation_requested"
    # The committee reads the opened plan and the gap beside the explanation it votes on.
    await login(client, next(iter(await member_headers(tender_id))))
    page = (await client.get(f"/tenders/{tender_id}/evaluation")).text
    assert f'data-testid="plan-{bid["id"]}"' in page and "社工" in page
    assert 'data-testid="cost-floor-gaps"' in page and "计划工时低于工时定额" in page


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (
            [{"line_no": 2, "roles": [], "materials_fen": 0, "volunteer_hours": 0}],
            "give one staffing and cost plan per scope line: expected lines 1, 2, got 2",
        ),
        (
            [
                {"line_no": 1, "roles": [], "materials_fen": 0, "volunteer_hours": 0},
                {
                    "line_no": 2,
                    "roles": [
                        {
                            "role": "社工",
                            "headcount": 2,
                            "hours": 20,
                            "hourly_wage_fen": 3000,
                            "social_insurance_fen": 36_000,
                        }
                    ],
                    "materials_fen": 0,
                    "volunteer_hours": 11,
                },
            ],
            "line 2: volunteers may carry at most 20% of the line's staff hours; declare fewer "
            "volunteer hours or more paid hours",
        ),
    ],
)
async def test_a_plan_is_checked_before_it_is_sealed(  # type: ignore[no-untyped-def]
    client: AsyncTestClient, as_user, plan: list[dict[str, Any]], message: str
) -> None:
    body = _bid_with_line_two_at(300_000) | {"cost_plan": plan}
    _tender_id, refused = await _single_bid_tender(client, as_user, body)
    assert refused.status_code == 400, refused.text
    assert (refused.json()["field"], refused.json()["detail"]) == ("cost_plan", message)


async def test_the_bid_form_takes_the_plan_and_refuses_it_beside_its_field(  # type: ignore[no-untyped-def]
    client: AsyncTestClient, as_user, moving_clock: Clock
) -> None:
    buyer = await as_user("buyer")
    created = await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    tender_id = created.json()["id"]
    await publish(client, buyer, tender_id)
    await login(client, "org")
    token = {"_csrf_token": client.cookies["csrftoken"]}
    page = await client.get(f"/tenders/{tender_id}")
    assert 'data-testid="cost-plan"' in page.text and 'id="plan_2_volunteer_hours"' in page.text
    bid = {
        "line_1": "9万",
        "line_2": "6万",
        "total": "15万",
        "technical_proposal": "服务方案",
        "staffing_plan": "社工3名",
    }
    plan = {
        f"plan_{n}_{key}": value
        for n in (1, 2)
        for key, value in {
            "role": "社工",
            "headcount": "2",
            "hours": "40",
            "wage": "30",
            "insurance": "720",
            "materials": "100",
            "volunteer_hours": "20",
        }.items()
    }
    half = {k: v for k, v in plan.items() if k.startswith("plan_1_")}
    refused = await client.post(f"/tenders/{tender_id}/bid", data=bid | token | half)
    assert refused.status_code == 400 and 'href="#plan_2_role"' in refused.text
    assert 'value="720"' in refused.text  # the typed plan is kept
    # 20 volunteer hours beside 80 paid: exactly the 20% cap. 21 is over it.
    over = await client.post(
        f"/tenders/{tender_id}/bid", data=bid | token | plan | {"plan_1_volunteer_hours": "21"}
    )
    assert over.status_code == 400 and 'href="#plan_1_role"' in over.text
    assert "志愿者工时不得超过该行人员工时的 20%" in over.text
    sent = await client.post(
        f"/tenders/{tender_id}/bid", data=bid | token | plan, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text
    moving_clock.advance(days=13)
    assert (await client.get(f"/api/v1/tenders/{tender_id}/opening")).status_code == 200
    roles = await BidStaffRole.select(
        BidStaffRole.hourly_wage_fen, BidStaffRole.social_insurance_fen
    ).where(BidStaffRole.cost_plan._.bid_line._.bid._.tender == tender_id)
    assert roles == [{"hourly_wage_fen": 3000, "social_insurance_fen": 72_000}] * 2


def test_a_norm_of_no_hours_is_refused_when_the_policy_loads(tmp_path: Path) -> None:
    override = tmp_path / "policy.toml"
    override.write_text('[procurement.cost_floor.labour_norm_hours]\n"C-APPR-002" = 0\n')
    with pytest.raises(ConfigurationError, match="labour norms must be positive hours"):
        load_policy(override)

"""bidding_obstacles(): what the bids area asks before it accepts a bid."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from procure.calendar import local_today
from procure.errors import NotFound
from procure.organizations.schemas import QualificationIn
from procure.organizations.selectors import Obstacle, bidding_obstacles, can_bid
from procure.organizations.services import debarment_impose, qualification_add
from procure.organizations.tables import Debarment, Qualification, QualificationKind
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.security.tables import User
from tests.organizations.conftest import actor, organization_named, registered

pytestmark = pytest.mark.usefixtures("database")


async def clean_organization() -> int:
    """A new organization holding a current registration certificate, so nothing blocks it."""
    organization_id = await registered()
    await Qualification.insert(
        Qualification(
            organization=organization_id,
            kind=QualificationKind.registration_certificate,
            document_no="滨民非证字第9001号",
            issued_on=date(2024, 1, 1),
            expires_on=date(2029, 12, 31),
            required=True,
        )
    )
    return organization_id


async def debarred_until(organization_id: int, ends_on: date, days: int = 30) -> None:
    await debarment_impose(
        actor=await actor("regulator"),
        organization_id=organization_id,
        starts_on=ends_on - timedelta(days=days),
        ends_on=ends_on,
        reason="提供虚假材料",
        appeal_note="放弃陈述、申辩",
    )


async def test_the_demo_organization_of_org_may_bid() -> None:
    user = await user_by_username("org")
    assert user is not None
    assert await bidding_obstacles(user["organization"], on=local_today()) == []
    assert await can_bid(user["organization"], on=local_today()) is True


async def test_the_debarred_demo_organization_is_told_why() -> None:
    organization_id = await organization_named("惠邻社区服务")
    debarment = await Debarment.select().where(Debarment.organization == organization_id).first()
    assert debarment is not None
    obstacles = await bidding_obstacles(organization_id, on=local_today())
    start, end = debarment["starts_on"].isoformat(), debarment["ends_on"].isoformat()
    assert obstacles == [
        Obstacle(
            code="debarred",
            message_zh=f"禁止参与政府购买服务活动（{start} 至 {end} 前）：{debarment['reason']}",
            message_en="debarred from government purchase of services from "
            f"{start} until {end}: {debarment['reason']}",
            details={
                "debarment_id": debarment["id"],
                "starts_on": start,
                "ends_on": end,
                "reason": debarment["reason"],
            },
        )
    ]
    assert await can_bid(organization_id, on=local_today()) is False


async def test_the_demo_organization_with_an_expired_certificate_is_told_which() -> None:
    organization_id = await organization_named("阳光家庭")
    obstacles = await bidding_obstacles(organization_id, on=local_today())
    assert [(o.code, o.details) for o in obstacles] == [
        (
            "qualification_expired",
            {"kind": "registration_certificate", "expires_on": "2025-07-07"},
        )
    ]
    assert obstacles[0].message_zh == "必备资质已过期：登记证书（2025-07-07 到期）"
    assert obstacles[0].message_en == (
        "required qualification expired: registration certificate (expired on 2025-07-07)"
    )


@pytest.mark.parametrize(
    ("on", "codes"),
    [(date(2025, 7, 7), []), (date(2025, 7, 8), ["qualification_expired"])],
    ids=["last-valid-day", "day-after"],
)
async def test_a_qualification_is_valid_through_its_expiry_day(on: date, codes: list) -> None:
    organization_id = await organization_named("阳光家庭")
    assert [o.code for o in await bidding_obstacles(organization_id, on=on)] == codes


async def test_a_debarment_that_ended_yesterday_blocks_nothing() -> None:
    organization_id = await clean_organization()
    await debarred_until(organization_id, ends_on=local_today() - timedelta(days=1))
    assert await bidding_obstacles(organization_id, on=local_today()) == []


@pytest.mark.parametrize(
    ("offset", "codes"),
    [(0, []), (-1, ["debarred"]), (-30, ["debarred"]), (-31, [])],
    ids=["ends-on-the-day", "its-last-day", "its-first-day", "day-before-it-starts"],
)
async def test_the_debarment_period_includes_starts_on_and_excludes_ends_on(
    offset: int, codes: list
) -> None:
    organization_id = await clean_organization()
    await debarred_until(organization_id, ends_on=local_today(), days=30)
    on = local_today() + timedelta(days=offset)
    assert [o.code for o in await bidding_obstacles(organization_id, on=on)] == codes


async def test_an_organization_without_a_registration_certificate_may_not_bid() -> None:
    organization_id = await registered()
    obstacles = await bidding_obstacles(organization_id, on=local_today())
    assert [(o.code, o.details) for o in obstacles] == [
        ("qualification_missing", {"kind": "registration_certificate"})
    ]
    assert obstacles[0].message_en == "required qualification missing: registration certificate"


async def test_a_renewed_certificate_replaces_the_expired_one() -> None:
    organization_id = await registered()
    for issued, expires in ((date(2019, 1, 1), date(2024, 1, 1)), (date(2024, 1, 2), None)):
        await Qualification.insert(
            Qualification(
                organization=organization_id,
                kind=QualificationKind.registration_certificate,
                document_no="滨民非证字第9002号",
                issued_on=issued,
                expires_on=expires,
                required=True,
            )
        )
    assert await bidding_obstacles(organization_id, on=local_today()) == []
    # Before the renewal was issued only the old certificate counted.
    assert [o.code for o in await bidding_obstacles(organization_id, on=date(2024, 1, 1))] == []
    assert [o.code for o in await bidding_obstacles(organization_id, on=date(2023, 1, 1))] == []


async def test_a_required_flag_is_honoured_and_an_optional_expiry_is_not() -> None:
    organization_id = await clean_organization()
    organization_user = await own_user(organization_id)
    for kind, required in (
        (QualificationKind.elderly_care_license, True),
        (QualificationKind.tax_exemption, False),
    ):
        await qualification_add(
            actor=organization_user,
            organization_id=organization_id,
            data=QualificationIn(
                kind=kind,
                document_no="X-1",
                issued_on=date(2020, 1, 1),
                expires_on=date(2021, 1, 1),
                required=required,
            ),
        )
    obstacles = await bidding_obstacles(organization_id, on=local_today())
    assert [(o.code, o.details["kind"]) for o in obstacles] == [
        ("qualification_expired", "elderly_care_license")
    ]


async def test_debarment_and_expiry_are_both_reported() -> None:
    organization_id = await registered()
    await Qualification.insert(
        Qualification(
            organization=organization_id,
            kind=QualificationKind.registration_certificate,
            document_no="滨民非证字第9003号",
            issued_on=date(2019, 1, 1),
            expires_on=date(2024, 1, 1),
            required=True,
        )
    )
    await debarred_until(organization_id, ends_on=local_today() + timedelta(days=10))
    codes = [o.code for o in await bidding_obstacles(organization_id, on=local_today())]
    assert codes == ["debarred", "qualification_expired"]


async def test_an_unknown_organization_is_not_found() -> None:
    with pytest.raises(NotFound):
        await bidding_obstacles(987654, on=local_today())


async def own_user(organization_id: int) -> Actor:
    row = await User.select(User.username).where(User.organization == organization_id).first()
    assert row is not None
    return await actor(row["username"])

"""What the committee draw asks of the pool: who is eligible, who has a conflict with a bidder,
who works for the buying department. Each test owns its district and experts."""

from __future__ import annotations

from datetime import date

from procure.committees.pool_selectors import (
    conflicts,
    department_staff,
    eligible_experts,
    years_before,
)
from procure.committees.tables import Expert, ExpertCategory, ExpertRelationship
from procure.departments.tables import Department
from procure.organizations.tables import Organization
from tests.committees.pool_helpers import QIMINGXING, XINLIANXIN, own_district

ON = date(2026, 6, 15)


async def add_expert(district: int, code: str, *categories: str, **values: object) -> int:
    rows = await Expert.insert(
        Expert(
            code=code,
            name=f"专家{code}",
            district=district,
            active_from=values.pop("active_from", date(2024, 1, 1)),
            **values,
        )
    )
    expert_id = int(rows[0]["id"])
    await ExpertCategory.insert(
        *(ExpertCategory(expert=expert_id, category=c, specialty=f"{c}方向") for c in categories)
    )
    return expert_id


async def organization_id(credit_code: str) -> int:
    row = (
        await Organization.select(Organization.id)
        .where(Organization.credit_code == credit_code)
        .first()
    )
    assert row is not None
    return int(row["id"])


async def test_eligible_experts_are_active_that_day_in_the_category_by_code(
    database: None,
) -> None:
    district = await own_district("T-SEL-1")
    later = await add_expert(district, "T-SEL-B", "care")
    first = await add_expert(district, "T-SEL-A", "care", "capacity")
    await add_expert(district, "T-SEL-C", "technology")
    await add_expert(district, "T-SEL-D", "care", active_until=date(2026, 6, 14))
    await add_expert(district, "T-SEL-E", "care", active_from=date(2026, 6, 16))
    last_day = await add_expert(district, "T-SEL-F", "care", active_until=ON)
    found = await eligible_experts(district_id=district, category="care", on=ON)
    assert [e["id"] for e in found] == [first, later, last_day]
    assert found[0]["code"] == "T-SEL-A" and found[0]["specialty"] == "care方向"
    assert await eligible_experts(district_id=district, category="approval", on=ON) == []
    other = await own_district("T-SEL-2")
    assert await eligible_experts(district_id=other, category="care", on=ON) == []


async def test_conflicts_come_from_the_employer_and_the_last_three_years(
    database: None,
) -> None:
    district = await own_district("T-SEL-3")
    xin, qi = await organization_id(XINLIANXIN), await organization_id(QIMINGXING)
    employed = await add_expert(district, "T-CON-A", "care", employer_organization=xin)
    former = await add_expert(district, "T-CON-B", "care")
    long_ago = await add_expert(district, "T-CON-C", "care")
    relative = await add_expert(district, "T-CON-D", "care")
    clean = await add_expert(district, "T-CON-E", "care")
    future = await add_expert(district, "T-CON-F", "care")
    await ExpertRelationship.insert(
        # ended exactly three years before: still inside the look-back
        ExpertRelationship(
            expert=former, organization=qi, kind="employment", ended_on=date(2023, 6, 15)
        ),
        ExpertRelationship(
            expert=former, organization=xin, kind="directorship", started_on=date(2025, 1, 1)
        ),
        # ended the day before the look-back began: no longer a conflict
        ExpertRelationship(
            expert=long_ago, organization=qi, kind="employment", ended_on=date(2023, 6, 14)
        ),
        ExpertRelationship(expert=relative, organization=qi, kind="family"),
        # starts after the day: not yet a relationship
        ExpertRelationship(
            expert=future, organization=qi, kind="other", started_on=date(2026, 7, 1)
        ),
    )
    experts = [employed, former, long_ago, relative, clean, future]
    found = await conflicts(experts, [xin, qi], ON)
    assert sorted(found) == sorted([employed, former, relative])
    assert [(c["organization_id"], c["kind"]) for c in found[employed]] == [(xin, "employer")]
    assert [(c["organization_id"], c["kind"]) for c in found[former]] == [
        (qi, "employment"),
        (xin, "directorship"),
    ]
    assert [(c["organization_id"], c["kind"]) for c in found[relative]] == [(qi, "family")]
    assert "财库〔2016〕198号 第十六条" in found[former][0]["reason"]
    assert found[relative][0]["reason_zh"].startswith("与该供应商的法定代表人或者负责人")
    # Only the bidders asked about count.
    assert await conflicts(experts, [qi], ON) == {
        former: [found[former][0]],
        relative: found[relative],
    }
    assert await conflicts([], [qi], ON) == {}


async def test_department_staff_are_the_experts_employed_by_the_buying_department(
    database: None,
) -> None:
    district = await own_district("T-SEL-4")
    mzj = await Department.select(Department.id).where(Department.code == "D-MZJ").first()
    hwjd = await Department.select(Department.id).where(Department.code == "D-HWJD").first()
    staff = await add_expert(district, "T-DEP-A", "care", employer_department=mzj["id"])
    other = await add_expert(district, "T-DEP-B", "care", employer_department=hwjd["id"])
    outside = await add_expert(district, "T-DEP-C", "care")
    assert await department_staff([staff, other, outside], mzj["id"]) == {staff}
    assert await department_staff([], mzj["id"]) == set()


def test_three_years_before_a_leap_day() -> None:
    assert years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)
    assert years_before(ON, 3) == date(2023, 6, 15)


async def test_the_demo_pool_can_seat_seven_experts_in_every_category(database: None) -> None:
    """At least 7 eligible experts in each category once the planted conflicts and the buying
    department's staff are set aside, so a 7-member committee can always be drawn."""
    expert = await Expert.select(Expert.district).where(Expert.code == "ZJ-001").first()
    organizations = [row["id"] for row in await Organization.select(Organization.id)]
    mzj = await Department.select(Department.id).where(Department.code == "D-MZJ").first()
    today = date.today()
    for category in ("approval", "care", "mutual_aid", "capacity", "technology"):
        eligible = await eligible_experts(
            district_id=expert["district"], category=category, on=today
        )
        ids = [e["id"] for e in eligible if e["code"].startswith("ZJ-")]
        excluded = set(await conflicts(ids, organizations, today))
        excluded |= await department_staff(ids, mzj["id"])
        assert len(set(ids) - excluded) >= 7, category

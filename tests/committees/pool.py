"""A test pool of experts with sign-in accounts, for drawing committees until the demo's own
pool (from the expert-pool import) is large enough by itself."""

from __future__ import annotations

from datetime import date

from procure.catalog.tables import CategoryCode
from procure.committees.tables import Expert, ExpertCategory
from procure.demo import DEMO_PASSWORD
from procure.geography.tables import District
from procure.security.passwords import hash_password_async
from procure.security.tables import Role, User

#: Enough for the largest committee (7) and its two alternates, in every category.
PER_CATEGORY = 9


async def ensure_test_pool() -> int:
    """Top each category of each district up to PER_CATEGORY experts who can sign in;
    returns how many experts were added."""
    password_hash: str | None = None
    added = 0
    for district in await District.select(District.id, District.code):
        for category in CategoryCode:
            have = await Expert.count().where(
                (Expert.district == district["id"])
                & Expert.user.is_not_null()
                & Expert.id.is_in(
                    ExpertCategory.select(ExpertCategory.expert).where(
                        ExpertCategory.category == category
                    )
                )
            )
            for n in range(have + 1, PER_CATEGORY + 1):
                password_hash = password_hash or await hash_password_async(DEMO_PASSWORD)
                username = f"pool-{district['code']}-{category}-{n}".lower()
                users = await User.insert(
                    User(
                        username=username,
                        display_name=f"测试专家{category}{n}",
                        password_hash=password_hash,
                        role=Role.expert,
                    )
                )
                experts = await Expert.insert(
                    Expert(
                        code=f"T{district['code']}-{category}-{n}"[:32],
                        name=f"测试专家{category}{n}",
                        district=district["id"],
                        user=users[0]["id"],
                        employer="滨海大学社会工作学院",
                        active_from=date(2020, 1, 1),
                    )
                )
                await ExpertCategory.insert(
                    ExpertCategory(expert=experts[0]["id"], category=category)
                )
                added += 1
    return added

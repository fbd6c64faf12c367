"""The random draw of experts (随机抽取), reproducible by anyone from its published record.

``draw_order`` is the whole algorithm: every candidate's key is SHA-256 of ``seed:expert_id``
(hex, UTF-8), and candidates are taken in ascending key order. Given the published seed and
candidate list, anyone — in any language — gets the same seats and alternates. The queries
below decide who the candidates are (and who was excluded, and why) and which experts must
step aside for a bidder.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from procure.catalog.tables import CategoryCode
from procure.committees.pool_selectors import conflicts
from procure.committees.tables import Expert, ExpertCategory
from procure.tenders.tables import ScopeLine

ALGORITHM = "sha256(seed:expert_id) ascending"


def new_seed() -> str:
    return secrets.token_hex(32)


def draw_key(seed: str, expert_id: int) -> str:
    return hashlib.sha256(f"{seed}:{expert_id}".encode()).hexdigest()


@dataclass(frozen=True)
class DrawResult:
    seats: list[int]
    alternates: list[int]


def draw_order(seed: str, candidates: Sequence[int], seats: int, alternates: int) -> DrawResult:
    """The experts drawn from ``candidates``: the first ``seats`` by key, then the alternates."""
    if seats > len(candidates):
        raise ValueError(f"{len(candidates)} candidates cannot fill {seats} seats")
    ordered = sorted(dict.fromkeys(candidates), key=lambda expert: draw_key(seed, expert))
    return DrawResult(ordered[:seats], ordered[seats : seats + alternates])


class Exclusion:
    """Why an expert of the category was not a candidate."""

    inactive = "inactive"  # outside the expert's active period (聘期)
    no_account = "no_account"  # cannot sign in to declare and score
    department_staff = "department_staff"  # works for the buying department (87号令 Art. 48)


async def tender_category(tender_id: int) -> CategoryCode:
    """The tender's category: that of most of its scope lines (the first line's on a tie)."""
    rows = (
        await ScopeLine.select(
            ScopeLine.line_no, ScopeLine.catalog_item._.category._.code.as_alias("category")
        )
        .where(ScopeLine.tender == tender_id)
        .order_by(ScopeLine.line_no)
    )
    if not rows:
        raise ValueError(f"tender {tender_id} has no scope lines")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["category"]] = counts.get(row["category"], 0) + 1
    best = max(counts.values())
    return CategoryCode(next(row["category"] for row in rows if counts[row["category"]] == best))


async def candidates_for(
    *, district_id: int, category: str, department_id: int, on: date
) -> tuple[list[int], list[dict[str, Any]]]:
    """The eligible experts of the district and category (ids ascending) and the excluded."""
    rows = (
        await Expert.select(
            Expert.id,
            Expert.user,
            Expert.employer_department,
            Expert.active_from,
            Expert.active_until,
        )
        .where(
            (Expert.district == district_id)
            & Expert.id.is_in(
                ExpertCategory.select(ExpertCategory.expert).where(
                    ExpertCategory.category == category
                )
            )
        )
        .order_by(Expert.id)
    )
    candidates: list[int] = []
    excluded: list[dict[str, Any]] = []
    for row in rows:
        reason = None
        if row["active_from"] > on or (row["active_until"] and row["active_until"] < on):
            reason = Exclusion.inactive
        elif row["employer_department"] == department_id:
            reason = Exclusion.department_staff
        elif row["user"] is None:
            reason = Exclusion.no_account
        if reason:
            excluded.append({"expert": row["id"], "reason": reason})
        else:
            candidates.append(row["id"])
    return candidates, excluded


async def registry_conflicts(
    expert_id: int, organization_ids: Iterable[int], *, on: date
) -> dict[int, str]:
    """The bidders the registry says this expert must step aside for, with the first reason's
    kind (the pool's ``conflicts``: employer, or a relationship within the policy's years)."""
    found = await conflicts([expert_id], organization_ids, on)
    reasons: dict[int, str] = {}
    for conflict in found.get(expert_id, []):
        reasons.setdefault(conflict["organization_id"], conflict["kind"])
    return reasons

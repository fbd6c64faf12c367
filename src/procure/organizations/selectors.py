"""Reads about organizations."""

from __future__ import annotations

from datetime import date

from procure.organizations.tables import Debarment, Organization


async def debarred_ids(on: date | None = None) -> set[int]:
    day = on or date.today()
    rows = await Debarment.select(Debarment.organization).where(
        (Debarment.starts_on <= day) & (Debarment.ends_on > day)
    )
    return {row["organization"] for row in rows}


async def registry() -> list[dict]:
    rows = await Organization.select(
        Organization.id,
        Organization.credit_code,
        Organization.name,
        Organization.registration_type,
        Organization.founded_on,
        Organization.certified_social_workers,
        Organization.credit_rating,
    ).order_by(Organization.name)
    debarred = await debarred_ids()
    return [{**row, "debarred": row["id"] in debarred} for row in rows]

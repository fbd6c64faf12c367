"""Helpers for the organization tests: fresh valid credit codes, registrations, actors."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from procure.organizations.credit_code import check_character
from procure.organizations.schemas import RegistrationIn
from procure.organizations.services import organization_register
from procure.organizations.tables import Organization
from procure.security.actors import Actor
from procure.security.selectors import user_by_username

PASSWORD = "registration-pass-2026"
# Every run starts from a fresh database, so a serial keeps codes and usernames unique.
_serial = itertools.count(1)


def credit_code(prefix: str = "52") -> str:
    """A valid GB 32100-2015 code that no other test uses: authority and type, then a serial."""
    first17 = f"{prefix}440319MA{next(_serial):07d}"
    return first17 + check_character(first17)


def registration(**overrides: Any) -> dict[str, Any]:
    serial = next(_serial)
    body: dict[str, Any] = {
        "name": f"滨海区测试社会工作服务中心{serial}",
        "short_name": "测试社工",
        "credit_code": credit_code(),
        "registration_type": "social_service_agency",
        "founded_on": "2019-05-04",
        "certified_social_workers": 6,
        "address": "滨海区海湾街道海滨路1号",
        "contact_person": "王测试",
        "phone": "0755-27000000",
        "username": f"registered{serial}",
        "display_name": "王测试(总干事)",
        "password": PASSWORD,
    }
    return {**body, **overrides}


async def actor(username: str) -> Actor:
    row = await user_by_username(username)
    assert row is not None
    return Actor.from_row(row)


async def organization_named(name_part: str) -> int:
    row = (
        await Organization.select(Organization.id)
        .where(Organization.name.like(f"%{name_part}%"))
        .first()
    )
    assert row is not None, name_part
    return row["id"]


async def registered(**overrides: Any) -> int:
    """A freshly registered organization (no qualifications yet); returns its id."""
    organization_id, _ = await organization_register(
        actor=None, data=RegistrationIn(**registration(**overrides))
    )
    return organization_id


def iso(day: date) -> str:
    return day.isoformat()

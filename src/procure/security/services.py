"""Writes about users, logins and API tokens; each records its audit event in its transaction."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.db import transaction
from procure.errors import InvalidInput, NotFound
from procure.i18n import LOCALES, N_
from procure.security.actors import Actor
from procure.security.passwords import (
    check_password,
    hash_password_async,
    verify_password_async,
)
from procure.security.selectors import actor_by_id, token_digest, user_by_username
from procure.security.tables import ApiToken, Role, User

TOKEN_PREFIX = "prc_"


ACTS_FOR = {
    Role.buyer: "department",
    Role.organization: "organization",
    Role.committee: "community",
    # A resident monitor verifies spot-checks in the community whose committee registered it.
    Role.monitor: "community",
    # The finance department's supervisors act for their department too (app_user_acts_for).
    Role.regulator: "department",
}
#: Why a role's link is missing or not allowed, one catalog message per link.
MUST_ACT_FOR = {
    "department": N_("a %(role)s user must act for a department"),
    "organization": N_("a %(role)s user must act for an organization"),
    "community": N_("a %(role)s user must act for a community"),
}
CANNOT_ACT_FOR = {
    "department": N_("a %(role)s user cannot act for a department"),
    "organization": N_("a %(role)s user cannot act for an organization"),
    "community": N_("a %(role)s user cannot act for a community"),
}


async def user_create(
    *,
    actor: Actor | None,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    department_id: int | None = None,
    organization_id: int | None = None,
    community_id: int | None = None,
    is_handler: bool = False,
    is_approver: bool = False,
) -> int:
    username = username.strip()
    if not username or len(username) > 60:
        raise InvalidInput("username", N_("must be 1–60 characters"))
    check_password(password, username=username, names=[display_name])
    links = {
        "department": department_id,
        "organization": organization_id,
        "community": community_id,
    }
    needed = ACTS_FOR.get(role)
    for field, value in links.items():
        if field == needed and value is None:
            raise InvalidInput(field, MUST_ACT_FOR[field], role=role)
        if field != needed and value is not None:
            raise InvalidInput(field, CANNOT_ACT_FOR[field], role=role)
    if role is not Role.buyer and (is_handler or is_approver):
        raise InvalidInput(
            "role", N_("only a buying department's staff hold a handler's or approver's duty")
        )
    password_hash = await hash_password_async(password)
    async with transaction():
        if await User.exists().where(User.username == username):
            raise InvalidInput("username", N_("%(username)r is already taken"), username=username)
        rows = await User.insert(
            User(
                username=username,
                display_name=display_name or username,
                password_hash=password_hash,
                role=role,
                department=department_id,
                organization=organization_id,
                community=community_id,
                is_handler=is_handler,
                is_approver=is_approver,
            )
        )
        user_id = rows[0]["id"]
        await record(
            actor=actor,
            action=AuditAction.user_created,
            subject_type="user",
            subject_id=user_id,
            data={"username": username, "role": str(role), **{k: v for k, v in links.items() if v}},
        )
    return user_id


async def user_update(
    *,
    actor: Actor | None,
    user_id: int,
    display_name: str,
    role: Role,
    department_id: int | None = None,
    community_id: int | None = None,
    is_handler: bool = False,
    is_approver: bool = False,
) -> None:
    """Change who a user is and acts for (not an organization's account, not the password); the
    database's checks keep role and body consistent."""
    changes = {
        "display_name": display_name,
        "role": str(role),
        "department": department_id,
        "community": community_id,
        "is_handler": is_handler,
        "is_approver": is_approver,
    }
    async with transaction():
        updated = (
            await User.update(
                {
                    User.display_name: display_name,
                    User.role: role,
                    User.department: department_id,
                    User.community: community_id,
                    User.is_handler: is_handler,
                    User.is_approver: is_approver,
                }
            )
            .where((User.id == user_id) & User.organization.is_null())
            .returning(User.id)
        )
        if not updated:
            raise NotFound(N_("no user %(id)s outside an organization"), id=user_id)
        await record(
            actor=actor,
            action=AuditAction.user_updated,
            subject_type="user",
            subject_id=user_id,
            data=changes,
        )


async def authenticate(*, username: str, password: str) -> Actor | None:
    """Check a password; record the login or the failed attempt."""
    row = await user_by_username(username.strip())
    ok = await verify_password_async(row["password_hash"] if row else None, password)
    actor = await actor_by_id(row["id"]) if ok and row else None
    async with transaction():
        if actor is None:
            await record(
                actor=None,
                action=AuditAction.user_login_failed,
                subject_type="user",
                subject_id=row["id"] if row else "-",
                data={"username": username[:60]},
            )
            return None
        await User.update({User.last_login_at: datetime.now(UTC)}).where(User.id == actor.id)
        await record(
            actor=actor, action=AuditAction.user_login, subject_type="user", subject_id=actor.id
        )
    return actor


async def api_token_create(*, actor: Actor, name: str, valid_days: int | None = 90) -> str:
    """Issue a token for machine clients; only its SHA-256 is stored, the token is shown once."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("name", N_("must be 1–100 characters"))
    if valid_days is not None and not 1 <= valid_days <= 366:
        raise InvalidInput("valid_days", N_("must be between 1 and 366"))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(days=valid_days) if valid_days else None
    async with transaction():
        rows = await ApiToken.insert(
            ApiToken(
                user=actor.id, name=name, token_sha256=token_digest(token), expires_at=expires_at
            )
        )
        await record(
            actor=actor,
            action=AuditAction.api_token_created,
            subject_type="api_token",
            subject_id=rows[0]["id"],
            data={"name": name},
        )
    return token


async def api_token_revoke(*, actor: Actor, token_id: int) -> None:
    async with transaction():
        revoked = (
            await ApiToken.update({ApiToken.revoked_at: datetime.now(UTC)})
            .where(
                (ApiToken.id == token_id)
                & (ApiToken.user == actor.id)
                & ApiToken.revoked_at.is_null()
            )
            .returning(ApiToken.id)
        )
        if not revoked:
            raise NotFound(N_("no active token %(id)s of yours"), id=token_id)
        await record(
            actor=actor,
            action=AuditAction.api_token_revoked,
            subject_type="api_token",
            subject_id=token_id,
        )


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def user_contact_update(*, actor: Actor, email: str, locale: str) -> None:
    """A user's own e-mail address ("" for none) and language ("" for the default, zh-CN), as
    notifications use them."""
    email = email.strip()
    if email and (len(email) > 254 or not EMAIL_PATTERN.match(email)):
        raise InvalidInput("email", N_("must be an e-mail address such as name@example.cn"))
    if locale not in ("", *LOCALES):
        raise InvalidInput("locale", N_("must be one of the offered languages"))
    async with transaction():
        await User.update({User.email: email, User.locale: locale}).where(User.id == actor.id)
        await record(
            actor=actor,
            action=AuditAction.user_updated,
            subject_type="user",
            subject_id=actor.id,
            data={"email": bool(email), "locale": locale},
        )

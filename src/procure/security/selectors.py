"""Reads about users and tokens."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from procure.db.pagination import Page, PageRequest, Sorting, SortRequest, contains, paginate
from procure.errors import InvalidInput, NotFound
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.tables import ApiToken, Role, User

ACTOR_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.role,
    User.department,
    User.organization,
    User.community,
    User.is_handler,
    User.is_approver,
)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def actor_by_id(user_id: int) -> Actor | None:
    row = (
        await User.select(*ACTOR_COLUMNS)
        .where(
            (User.id == user_id) & (User.is_active == True)  # noqa: E712
        )
        .first()
    )
    return Actor.from_row(row) if row else None


async def token_actor(token: str) -> tuple[int, Actor] | None:
    """The id of an unexpired, unrevoked API token and the active user behind it."""
    now = datetime.now(UTC)
    row = (
        await ApiToken.select(ApiToken.id, ApiToken.user, ApiToken.expires_at)
        .where((ApiToken.token_sha256 == token_digest(token)) & ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None or (row["expires_at"] is not None and row["expires_at"] <= now):
        return None
    actor = await actor_by_id(row["user"])
    return (row["id"], actor) if actor is not None else None


async def user_by_username(username: str) -> dict | None:
    return await User.select().where(User.username == username).first()


async def list_tokens(actor: Actor) -> list[dict]:
    return (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.name,
            ApiToken.created_at,
            ApiToken.expires_at,
            ApiToken.revoked_at,
            ApiToken.last_used_at,
        )
        .where(ApiToken.user == actor.id)
        .order_by(ApiToken.id)
    )


USER_COLUMNS = (*ACTOR_COLUMNS, User.is_active, User.created_at, User.last_login_at)


#: The columns the administrator's user list sorts by (``?sort=``); in the order they were made
#: unless asked.
USER_SORTING = Sorting(
    columns={
        "id": User.id,
        "username": User.username,
        "name": User.display_name,
        "role": User.role,
        "last_login": User.last_login_at,
    },
    default=SortRequest("id"),
    tiebreak=User.id,
)


async def user_page(
    paging: PageRequest, *, order: SortRequest | None = None, role: str = "", q: str = ""
) -> Page[dict[str, Any]]:
    """One page of the users in the order they were made (or ``order``), filtered in SQL by
    role and a word of the username or name."""
    where: Any = User.id.is_not_null()
    if role.strip():
        try:
            where &= User.role == Role(role.strip())
        except ValueError:
            raise InvalidInput(
                "role",
                N_("%(given)r is not a role (use %(choices)s)"),
                given=role,
                choices=[str(known) for known in Role],  # identifiers: what the query takes
            ) from None
    if q.strip():
        where &= contains(q.strip(), User.username, User.display_name)
    query = USER_SORTING.apply(
        User.select(*USER_COLUMNS).where(where), order or USER_SORTING.default
    )
    return await paginate(query, User.count().where(where), paging)


async def user_row(user_id: int) -> dict[str, Any]:
    row = await User.select(*USER_COLUMNS).where(User.id == user_id).first()
    if row is None:
        raise NotFound(N_("user %(id)s not found"), id=user_id)
    return row

"""The authentication and user API under /api/v1."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from litestar.utils.scope.state import ScopeState

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.db import transaction
from procure.db.pagination import PAGING, PageRequest, paged
from procure.security import services
from procure.security.actors import Actor
from procure.security.guards import current_actor
from procure.security.middleware import SESSION_USER_KEY
from procure.security.policy import Action
from procure.security.schemas import (
    ActorOut,
    CsrfOut,
    LoginIn,
    TokenCreateIn,
    TokenInfo,
    TokenOut,
    UserCreateIn,
    UserOut,
)
from procure.security.selectors import list_tokens, user_page, user_row
from procure.security.sessions import ROTATE
from procure.security.tables import Role

START_PAGES = {
    Role.buyer: "/buyer",
    Role.organization: "/organization",
    Role.committee: "/committee",
    Role.auditor: "/auditor",
    Role.admin: "/admin",
    Role.regulator: "/regulator",
    Role.expert: "/expert",
    Role.monitor: "/monitor",
}


def actor_out(actor: Actor) -> ActorOut:
    return ActorOut(
        id=actor.id,
        username=actor.username,
        display_name=actor.display_name,
        role=actor.role,
        department_id=actor.department_id,
        organization_id=actor.organization_id,
        community_id=actor.community_id,
        start_page=START_PAGES[actor.role],
    )


async def sign_in(request: Request[Any, Any, Any], username: str, password: str) -> Actor:
    actor = await services.authenticate(username=username, password=password)
    if actor is None:
        raise NotAuthorizedException("wrong username or password")
    request.set_session({SESSION_USER_KEY: actor.id, ROTATE: True})
    return actor


async def sign_out(request: Request[Any, Any, Any]) -> None:
    actor = current_actor(request)
    if actor is not None and request.scope.get("auth") == "session":
        async with transaction():
            await record(
                actor=actor,
                action=AuditAction.user_logout,
                subject_type="user",
                subject_id=actor.id,
            )
    request.clear_session()


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @get("/csrf", opt={"action": Action.public_read})
    async def csrf(self, request: Request[Any, Any, Any]) -> CsrfOut:
        """The CSRF token that cookie-session clients send back in the x-csrftoken header."""
        token = ScopeState.from_scope(request.scope).csrf_token
        return CsrfOut(csrf_token=token if isinstance(token, str) else "")

    @post("/login", status_code=HTTP_200_OK, opt={"action": Action.session_login})
    async def login(self, request: Request[Any, Any, Any], data: JSONBody[LoginIn]) -> ActorOut:
        """Start a cookie session (send the CSRF token like any other unsafe request)."""
        return actor_out(await sign_in(request, data.username, data.password))

    @post("/logout", status_code=HTTP_204_NO_CONTENT, opt={"action": Action.session_logout})
    async def logout(self, request: Request[Any, Any, Any]) -> None:
        await sign_out(request)

    @get("/me", opt={"action": Action.account_read})
    async def me(self, request: Request[Actor, Any, Any]) -> ActorOut:
        return actor_out(request.user)

    @post(
        "/tokens",
        status_code=HTTP_201_CREATED,
        opt={"action": Action.session_login, "exclude_from_csrf": True},
    )
    async def create_token(self, data: JSONBody[TokenCreateIn]) -> TokenOut:
        """Exchange a username and password for an API token (no cookie, so no CSRF)."""
        actor = await services.authenticate(username=data.username, password=data.password)
        if actor is None:
            raise NotAuthorizedException("wrong username or password")
        token = await services.api_token_create(
            actor=actor, name=data.name, valid_days=data.valid_days
        )
        return TokenOut(token=token)

    @get("/tokens", opt={"action": Action.api_token_manage})
    async def tokens(self, request: Request[Actor, Any, Any]) -> list[TokenInfo]:
        return [TokenInfo(**row) for row in await list_tokens(request.user)]

    @delete("/tokens/{token_id:int}", opt={"action": Action.api_token_manage})
    async def revoke_token(
        self, request: Request[Actor, Any, Any], token_id: FromPath[int]
    ) -> None:
        await services.api_token_revoke(actor=request.user, token_id=token_id)


def _user_out(row: dict) -> UserOut:
    return UserOut(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        department_id=row["department"],
        organization_id=row["organization"],
        community_id=row["community"],
        is_active=row["is_active"],
    )


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]

    @get("/", opt={"action": Action.user_manage}, dependencies=PAGING)
    async def list_users(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        role: FromQuery[str] = "",
        q: FromQuery[str] = "",
    ) -> Response[list[UserOut]]:
        """The users in the order they were made. Filters: ``role``, ``q`` (a word of the
        username or name); pages: ``page``, ``per_page`` (≤ 100), with ``X-Total-Count`` and
        ``Link`` headers."""
        page = await user_page(paging, role=role, q=q)
        return paged(request, page.map(_user_out))

    @post("/", opt={"action": Action.user_manage})
    async def create_user(
        self, request: Request[Actor, Any, Any], data: JSONBody[UserCreateIn]
    ) -> UserOut:
        user_id = await services.user_create(actor=request.user, **data.model_dump())
        return _user_out(await user_row(user_id))

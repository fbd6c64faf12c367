"""Authentication: an API token (Authorization: Bearer …) or the session cookie; anonymous
requests pass with no user and meet the policy guard. CSRF applies to cookie sessions only."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import Receive, Scope, Send

from procure.security.selectors import actor_by_id, actor_by_token

SESSION_USER_KEY = "user_id"


def bearer_token(headers: Any) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        if token := bearer_token(connection.headers):
            actor = await actor_by_token(token)
            if actor is None:
                raise NotAuthorizedException("the API token is invalid, expired or revoked")
            return AuthenticationResult(user=actor, auth="token")
        session = connection.scope.get("session")
        user_id = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
        actor = await actor_by_id(user_id) if isinstance(user_id, int) else None
        return AuthenticationResult(user=actor, auth="session" if actor else None)


class SessionCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF middleware, skipped for token-authenticated requests: a browser never
    attaches an Authorization header on its own, so such a request cannot be forged."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("auth") == "token":
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

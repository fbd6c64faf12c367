"""Authentication: an API token (Authorization: Bearer …) or the session cookie; anonymous
requests pass with no user and meet the policy guard. CSRF applies to cookie sessions only; its
cookie, like the session's, is Secure and ``__Host-`` prefixed over https."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from procure.security.selectors import actor_by_id, token_actor
from procure.security.sessions import HOST_PREFIX
from procure.security.token_use import TOKEN_USE_STORE, note_token_use

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
            found = await token_actor(token)
            if found is None:
                raise NotAuthorizedException("the API token is invalid, expired or revoked")
            token_id, token_user = found
            await note_token_use(connection.app.stores.get(TOKEN_USE_STORE), token_id)
            return AuthenticationResult(user=token_user, auth="token")
        session = connection.scope.get("session")
        user_id = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
        actor = await actor_by_id(user_id) if isinstance(user_id, int) else None
        return AuthenticationResult(user=actor, auth="session" if actor else None)


class SessionCSRFMiddleware:
    """Litestar's CSRF middleware, skipped for token-authenticated requests: a browser never
    attaches an Authorization header on its own, so such a request cannot be forged. Over
    https the token's cookie is Secure and named ``__Host-csrftoken``."""

    def __init__(self, app: ASGIApp, config: CSRFConfig) -> None:
        self.app = app
        self.plain = CSRFMiddleware(app, config)
        secure = replace(
            config,
            cookie_name=HOST_PREFIX + config.cookie_name,
            cookie_secure=True,
            cookie_path="/",
            cookie_domain=None,
        )
        self.secure = CSRFMiddleware(app, secure)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("auth") == "token":
            await self.app(scope, receive, send)
            return
        middleware = self.secure if scope.get("scheme") == "https" else self.plain
        await middleware(scope, receive, send)

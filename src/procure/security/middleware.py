"""Authentication: an API token (Authorization: Bearer …) or the session cookie; anonymous
requests pass with no user and meet the policy guard. CSRF applies to cookie sessions only; its
cookie, like the session's, is Secure and ``__Host-`` prefixed over https."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Headers
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from procure.security.selectors import actor_by_id, token_actor
from procure.security.sessions import HOST_PREFIX, SESSION_COOKIE
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


def is_cookieless_json(scope: Scope) -> bool:
    """An API request with a JSON body that carries no session cookie: a machine client's
    (registration, sign-in), which the CSRF check lets through. Such a request has no
    ambient credential for a forger to borrow: it acts as anonymous, as its sender could act
    directly. And no other site can make a browser send it: a cross-origin request with
    ``Content-Type: application/json`` needs a CORS preflight, which this app never grants
    (it sets no CORS headers), while the bodies a plain HTML form can send (form-encoded,
    multipart, text/plain) still meet the check. A request with the session cookie always
    meets it, whatever its body."""
    if not scope["path"].startswith("/api/"):
        return False
    headers = Headers.from_scope(scope)
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        return False
    names = {part.partition("=")[0].strip() for part in headers.get("cookie", "").split(";")}
    return not names & {SESSION_COOKIE, HOST_PREFIX + SESSION_COOKIE}


class SessionCSRFMiddleware:
    """Litestar's CSRF middleware, skipped for token-authenticated requests: a browser never
    attaches an Authorization header on its own, so such a request cannot be forged; and for
    JSON API requests without a session cookie (``is_cookieless_json``). Over https the
    token's cookie is Secure and named ``__Host-csrftoken``."""

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
        if scope["type"] == "http" and (scope.get("auth") == "token" or is_cookieless_json(scope)):
            await self.app(scope, receive, send)
            return
        middleware = self.secure if scope.get("scheme") == "https" else self.plain
        await middleware(scope, receive, send)

"""The global guard: every route's declared action against the policy table."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from procure.security.actors import Actor
from procure.security.policy import POLICY, Action


def current_actor(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    return connection.scope.get("user")  # type: ignore[return-value]


def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    action = handler.opt.get("action")
    if not isinstance(action, Action):
        # Fail closed: a route that forgot to declare its action serves nobody.
        raise PermissionDeniedException("this route has no entry in the authorization policy")
    actor = current_actor(connection)
    if (actor.role if actor else None) in POLICY[action]:
        return
    if actor is None:
        raise NotAuthorizedException("sign in to continue")
    raise PermissionDeniedException(f"role {actor.role} may not perform {action}")

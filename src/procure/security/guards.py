"""The global guard: every route's declared action against the policy table."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from procure.security.actors import Actor
from procure.security.policy import Action, is_allowed


def current_actor(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    actor = connection.scope.get("user")
    return actor if isinstance(actor, Actor) else None


def is_preflight(handler: BaseRouteHandler) -> bool:
    """Litestar's generated OPTIONS handlers only list a path's methods; they answer everyone."""
    return getattr(handler, "http_methods", None) == {"OPTIONS"}


def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    if is_preflight(handler):
        return
    action = handler.opt.get("action")
    if not isinstance(action, Action):
        # Fail closed: a route that forgot to declare its action serves nobody.
        raise PermissionDeniedException("this route has no entry in the authorization policy")
    actor = current_actor(connection)
    if is_allowed(action, actor):
        return
    if actor is None:
        raise NotAuthorizedException("sign in to continue")
    raise PermissionDeniedException(f"role {actor.role} may not perform {action}")

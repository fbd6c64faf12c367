"""Who may set a district up: administrators only (the route policy says so too; the service
checks again, so the command line and the pages share one rule)."""

from __future__ import annotations

from litestar.exceptions import PermissionDeniedException

from procure.security.actors import Actor
from procure.security.policy import Action, is_allowed


def require_setup_admin(actor: Actor) -> None:
    if not is_allowed(Action.district_setup, actor):
        raise PermissionDeniedException("only administrators set up a district")

"""Who may act on a tender's evaluation committee."""

from __future__ import annotations

from typing import Any

from procure.approvals.services import require_handler
from procure.errors import NotFound
from procure.i18n import N_
from procure.security.actors import Actor
from procure.tenders.tables import Tender


async def handled_tender(actor: Actor, tender_id: int) -> dict[str, Any]:
    """The tender, if the actor is a handler (经办) of its department: the handler sets the
    committee's composition and starts the draw. Another department's tender does not exist."""
    tender = await Tender.select().where(Tender.id == tender_id).first()
    if tender is None:
        raise NotFound(N_("tender %(id)s not found"), id=tender_id)
    require_handler(actor, tender["department"])
    return tender

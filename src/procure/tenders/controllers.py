"""The tender API under /api/v1/tenders."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath

from procure.security.guards import current_actor
from procure.security.policy import Action
from procure.tenders.schemas import TenderDetail, TenderSummary
from procure.tenders.selectors import tender_detail, visible_tenders


class TenderController(Controller):
    path = "/api/v1/tenders"
    tags = ["tenders"]

    @get("/", opt={"action": Action.tender_read})
    async def list_tenders(self, request: Request[Any, Any, Any]) -> list[TenderSummary]:
        """Published tenders for everyone; a buyer also sees its department's drafts."""
        return [TenderSummary(**row) for row in await visible_tenders(current_actor(request))]

    @get("/{tender_id:int}", opt={"action": Action.tender_read})
    async def get_tender(
        self, request: Request[Any, Any, Any], tender_id: FromPath[int]
    ) -> TenderDetail:
        return TenderDetail(**await tender_detail(current_actor(request), tender_id))

"""The public page of the audit log's signed checkpoints (信息公开 · 审计日志检查点)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template

from procure.audit.checkpoint_selectors import checkpoint_page, public_keys
from procure.db.pagination import PAGING, PageRequest
from procure.security.policy import Action


class CheckpointPages(Controller):
    path = "/disclosure/audit"
    include_in_schema = False

    @get("/", opt={"action": Action.disclosure_read}, dependencies=PAGING)
    async def checkpoints(self, paging: NamedDependency[PageRequest]) -> Template:
        return Template(
            "audit/checkpoints.html",
            context={"checkpoints": await checkpoint_page(paging), "public_keys": public_keys()},
        )

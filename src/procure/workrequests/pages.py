"""The public page of the internalization firewall: the 社区事务准入 list and each department's
monthly burden index (信息公开)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

from procure.policy import get_policy
from procure.security.policy import Action
from procure.workrequests.selectors import burden_index


class WorkRequestPages(Controller):
    path = "/disclosure/work-requests"
    include_in_schema = False

    @get("/", opt={"action": Action.disclosure_read})
    async def firewall(self) -> Template:
        policy = get_policy().workrequests
        return Template(
            "workrequests/disclosure.html",
            context={
                "admissible": policy.admissible,
                "max_hours": policy.max_hours,
                "burden": await burden_index(),
            },
        )

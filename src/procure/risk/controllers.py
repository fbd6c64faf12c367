"""The risk-flag API: scoped lists with filters, statistics, a flag with its evidence and
history, and the steps of its life (explain, resolve, dismiss, reopen)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from procure.db.pagination import page_headers
from procure.errors import InvalidInput, NotFound
from procure.i18n import N_
from procure.jobs.selectors import event_of_kind
from procure.risk import services
from procure.risk.guards import allowed_transitions, is_conduct_flag
from procure.risk.jobs import SCAN_REQUESTED
from procure.risk.schemas import (
    CountOut,
    DecisionIn,
    ExplainIn,
    FlagDetail,
    FlagPage,
    FlagStatistics,
    FlagSummary,
    MonthCount,
    ScanIn,
    ScanJob,
)
from procure.risk.selectors import (
    FlagFilters,
    flag_counts,
    flag_detail,
    flag_page,
    flag_paging,
    flag_trend,
)
from procure.security.actors import Actor
from procure.security.policy import Action


def _id(field: str, text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(field, N_("must be a department or organization id (a whole number)"))
    return int(text)


async def provide_filters(
    rule: FromQuery[str] = "",
    severity: FromQuery[str] = "",
    status: FromQuery[str] = "",
    department: FromQuery[str] = "",
    organization: FromQuery[str] = "",
    period: FromQuery[str] = "",
    dataset: FromQuery[str] = "",
) -> FlagFilters:
    """The filters from the query string; a form's empty choice means "any"."""
    return FlagFilters(
        rule=rule.strip(),
        severity=severity.strip(),
        status=status.strip(),
        department=_id("department", department.strip()),
        organization=_id("organization", organization.strip()),
        period=period.strip(),
        dataset=dataset.strip(),
    )


FILTERS = {"filters": Provide(provide_filters)}
# A handler parameter that receives the filters.
Filters = NamedDependency[FlagFilters]


async def detail_out(actor: Actor, flag_id: int) -> FlagDetail:
    flag = await flag_detail(actor, flag_id)
    steps = [str(step) for step in allowed_transitions(actor, flag)]
    return FlagDetail.of(flag, allowed_transitions=steps, conduct=is_conduct_flag(flag))


async def scan_job(job_id: int) -> ScanJob:
    row = await event_of_kind(job_id, SCAN_REQUESTED)
    if row is None:
        raise NotFound(N_("no risk scan %(id)s"), id=job_id)
    return ScanJob(job_id=row.pop("id"), **row)


class RiskFlagController(Controller):
    path = "/api/v1/risk"
    tags = ["risk"]

    @post("/scans", status_code=HTTP_202_ACCEPTED, opt={"action": Action.risk_scan})
    async def start_scan(
        self, request: Request[Actor, Any, Any], data: JSONBody[ScanIn]
    ) -> Response[ScanJob]:
        """Queue a full risk scan (every enabled rule, or ``rules``) for the worker and answer
        at once with its job; the request never runs the scan. While a scan waits or runs,
        asking again answers that job (``Location`` says where to follow it)."""
        job_id, _ = await services.scan_request(actor=request.user, rules=data.rules)
        return Response(
            await scan_job(job_id),
            status_code=HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/risk/scans/{job_id}"},
        )

    @get("/scans/{job_id:int}", opt={"action": Action.risk_scan})
    async def scan_status(self, job_id: FromPath[int]) -> ScanJob:
        """A queued scan's progress: pending, queued, running, done or failed (its error)."""
        return await scan_job(job_id)

    dependencies = FILTERS

    @get("/flags", opt={"action": Action.risk_read})
    async def list_flags(
        self,
        request: Request[Actor, Any, Any],
        filters: Filters,
        page: FromQuery[str | None] = None,
        per_page: FromQuery[str | None] = None,
    ) -> Response[FlagPage]:
        """The flags you may see, newest first, filtered by ``rule``, ``severity``, ``status``,
        ``department``, ``organization`` (ids), ``period`` (a year selects all its periods)
        and ``dataset``; pages: ``page``, ``per_page`` (≤ 500)."""
        result = await flag_page(request.user, filters, flag_paging(page, per_page))
        body = FlagPage(items=[FlagSummary.of(row) for row in result.items], **result.fields())
        return Response(body, headers=page_headers(request, result))

    @get("/statistics", opt={"action": Action.risk_read})
    async def statistics(
        self, request: Request[Actor, Any, Any], filters: Filters
    ) -> FlagStatistics:
        """The dashboard's counts (by rule, severity, status, buyer, organization, period,
        dataset) and the flags first seen per month, with the same filters as the list."""
        counts = await flag_counts(request.user, filters)
        return FlagStatistics(
            total=sum(row["count"] for row in counts["severity"]),
            **{f"by_{name}": [CountOut(**row) for row in rows] for name, rows in counts.items()},
            trend=[MonthCount(**row) for row in await flag_trend(request.user, filters)],
        )

    @get("/flags/{flag_id:int}", opt={"action": Action.risk_read})
    async def get_flag(
        self, request: Request[Actor, Any, Any], flag_id: FromPath[int]
    ) -> FlagDetail:
        return await detail_out(request.user, flag_id)

    @post("/flags/{flag_id:int}/explain", status_code=200, opt={"action": Action.risk_explain})
    async def explain(
        self,
        request: Request[Actor, Any, Any],
        flag_id: FromPath[int],
        data: JSONBody[ExplainIn],
    ) -> FlagDetail:
        """The organization or the buying department involved explains an open flag."""
        await services.flag_explain(
            actor=request.user, flag_id=flag_id, explanation=data.explanation
        )
        return await detail_out(request.user, flag_id)

    @post("/flags/{flag_id:int}/resolve", status_code=200, opt={"action": Action.risk_decide})
    async def resolve(
        self,
        request: Request[Actor, Any, Any],
        flag_id: FromPath[int],
        data: JSONBody[DecisionIn],
    ) -> FlagDetail:
        """The regulator resolves an open or explained flag; so may the buying department
        involved, unless the flag is about its own conduct (then it answers 403)."""
        await services.flag_resolve(actor=request.user, flag_id=flag_id, reason=data.reason)
        return await detail_out(request.user, flag_id)

    @post("/flags/{flag_id:int}/dismiss", status_code=200, opt={"action": Action.risk_decide})
    async def dismiss(
        self,
        request: Request[Actor, Any, Any],
        flag_id: FromPath[int],
        data: JSONBody[DecisionIn],
    ) -> FlagDetail:
        """As resolve: the regulator, or the buying department involved unless the flag is
        about its own conduct, dismisses an open or explained flag as unfounded."""
        await services.flag_dismiss(actor=request.user, flag_id=flag_id, reason=data.reason)
        return await detail_out(request.user, flag_id)

    @post("/flags/{flag_id:int}/reopen", status_code=200, opt={"action": Action.risk_reopen})
    async def reopen(
        self,
        request: Request[Actor, Any, Any],
        flag_id: FromPath[int],
        data: JSONBody[DecisionIn],
    ) -> FlagDetail:
        """The regulator or an auditor reopens a dismissed flag, saying why."""
        await services.flag_reopen(actor=request.user, flag_id=flag_id, reason=data.reason)
        return await detail_out(request.user, flag_id)

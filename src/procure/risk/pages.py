"""Risk pages: the dashboard (counts, trend, filters, a page of flags, exports) and a flag's
page (its evidence, policy version, history and the steps the viewer may take) — thin, over
the same selectors and services as the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import anyio
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from procure import i18n
from procure.db.pagination import SortRequest
from procure.errors import Conflict, InvalidInput
from procure.pdf.controllers import attachment
from procure.risk import evidence, services
from procure.risk.controllers import FILTERS, Filters
from procure.risk.exports import ExportFormat, write_flags
from procure.risk.guards import allowed_transitions, is_conduct_flag
from procure.risk.labels import label, rule_name
from procure.risk.selectors import (
    FLAG_SORTING,
    FlagFilters,
    flag_counts,
    flag_detail,
    flag_page,
    flag_paging,
    flag_trend,
    flags_for_export,
)
from procure.risk.services import MAX_NOTE
from procure.risk.states import NOTE_FIELD, Transition
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.settings import get_settings
from procure.web.notices import done_url
from procure.web.templating import request_locale

DASHBOARD = "/risk"


def flag_url(flag_id: int) -> str:
    return f"{DASHBOARD}/flags/{flag_id}"


def risk_labels(locale: str) -> dict[str, Any]:
    """Functions the risk templates call to name rules and values in the page's language."""
    return {
        "rule_label": lambda code: rule_name(code, locale),
        "flag_label": lambda kind, value: label(locale, kind, value),
    }


async def _dashboard(
    actor: Actor, filters: FlagFilters, page: int, locale: str, order: SortRequest
) -> dict[str, Any]:
    counts = await flag_counts(actor, filters)
    # The filters' choices come from every flag the viewer may see, not only the filtered.
    choices = await flag_counts(actor, FlagFilters()) if filters.active else counts
    trend = await flag_trend(actor, filters)
    periods = [row["key"] for row in choices["period"]]
    return {
        "filters": filters,
        "counts": counts,
        "choices": choices,
        # A year selects every period of it (2026 → 2026-03, 2026Q1 …).
        "years": sorted({p[:4] for p in periods if p[:4].isdigit()}, reverse=True),
        "total": sum(row["count"] for row in counts["severity"]),
        "trend": trend,
        "trend_bars": [(row["month"], row["count"]) for row in trend],
        "trend_maximum": max([row["count"] for row in trend] + [1]),
        "flags": await flag_page(actor, filters, flag_paging(page), order),
        "order": order,
        **risk_labels(locale),
    }


async def _flag_page(
    request: Request[Actor, Any, Any], flag_id: int, *, status_code: int = 200, **context: Any
) -> Template:
    locale = request_locale(request)
    flag = await flag_detail(request.user, flag_id)
    return Template(
        "risk/flag.html",
        context={
            "flag": flag,
            "evidence": evidence.items(flag["evidence"], locale),
            "steps": allowed_transitions(request.user, flag),
            "conduct": is_conduct_flag(flag),
            **risk_labels(locale),
            **context,
        },
        status_code=status_code,
    )


class RiskPages(Controller):
    include_in_schema = False
    dependencies = FILTERS

    @get(DASHBOARD, opt={"action": Action.risk_read})
    async def dashboard(
        self,
        request: Request[Actor, Any, Any],
        filters: Filters,
        page: FromQuery[int] = 1,
        sort: FromQuery[str] = "",
        direction: Annotated[str, QueryParameter(name="dir")] = "",
    ) -> Template | Redirect:
        order = FLAG_SORTING.request(sort, direction)
        if "" in request.query_params.values():
            # The filter form sends its "any" choices empty: keep the address short.
            query = filters.query(page=page if page > 1 else None, sort=sort, dir=direction)
            target = f"{DASHBOARD}?{query}" if query else DASHBOARD
            return Redirect(target, status_code=HTTP_303_SEE_OTHER)
        context = await _dashboard(request.user, filters, page, request_locale(request), order)
        return Template("risk/dashboard.html", context=context)

    @get(f"{DASHBOARD}/export.csv", opt={"action": Action.risk_read})
    async def export_csv(
        self, request: Request[Actor, Any, Any], filters: Filters
    ) -> Response[bytes]:
        return await _export(request, filters, ExportFormat.csv)

    @get(f"{DASHBOARD}/export.xlsx", opt={"action": Action.risk_read})
    async def export_xlsx(
        self, request: Request[Actor, Any, Any], filters: Filters
    ) -> Response[bytes]:
        return await _export(request, filters, ExportFormat.xlsx)

    @get(f"{DASHBOARD}/flags/{{flag_id:int}}", opt={"action": Action.risk_read})
    async def flag(self, request: Request[Actor, Any, Any], flag_id: FromPath[int]) -> Template:
        return await _flag_page(request, flag_id)

    @post(f"{DASHBOARD}/flags/{{flag_id:int}}/explain", opt={"action": Action.risk_explain})
    async def explain(
        self, request: Request[Actor, Any, Any], flag_id: FromPath[int]
    ) -> Template | Redirect:
        return await _step(request, flag_id, Transition.explain)

    @post(f"{DASHBOARD}/flags/{{flag_id:int}}/resolve", opt={"action": Action.risk_decide})
    async def resolve(
        self, request: Request[Actor, Any, Any], flag_id: FromPath[int]
    ) -> Template | Redirect:
        return await _step(request, flag_id, Transition.resolve)

    @post(f"{DASHBOARD}/flags/{{flag_id:int}}/dismiss", opt={"action": Action.risk_decide})
    async def dismiss(
        self, request: Request[Actor, Any, Any], flag_id: FromPath[int]
    ) -> Template | Redirect:
        return await _step(request, flag_id, Transition.dismiss)

    @post(f"{DASHBOARD}/flags/{{flag_id:int}}/reopen", opt={"action": Action.risk_reopen})
    async def reopen(
        self, request: Request[Actor, Any, Any], flag_id: FromPath[int]
    ) -> Template | Redirect:
        return await _step(request, flag_id, Transition.reopen)


async def _step(
    request: Request[Actor, Any, Any], flag_id: int, transition: Transition
) -> Template | Redirect:
    """One step from the flag page's form; a refusal shows the page again with the reason and
    what was typed."""
    form = await request.form()
    note = str(form.get(NOTE_FIELD[transition], ""))
    try:
        await services.flag_step(
            actor=request.user, flag_id=flag_id, transition=transition, text=note
        )
    except (InvalidInput, Conflict) as error:
        gettext = i18n.translations(request_locale(request)).gettext
        if isinstance(error, Conflict):
            message = gettext("The flag has moved on meanwhile; here it is as it is now.")
        elif note.strip():
            message = gettext("Please keep it under %(max)s characters.") % {"max": MAX_NOTE}
        else:
            message = gettext("Please say why: this field cannot be empty.")
        return await _flag_page(
            request,
            flag_id,
            status_code=HTTP_409_CONFLICT if isinstance(error, Conflict) else HTTP_400_BAD_REQUEST,
            error=message,
            error_step=transition,
            typed=note,
        )
    done = {
        Transition.explain: "flag_explained",
        Transition.resolve: "flag_resolved",
        Transition.dismiss: "flag_dismissed",
        Transition.reopen: "flag_reopened",
    }[transition]
    return Redirect(done_url(flag_url(flag_id), done), status_code=HTTP_303_SEE_OTHER)


async def _export(
    request: Request[Actor, Any, Any], filters: Filters, export_format: ExportFormat
) -> Response[bytes]:
    locale = request_locale(request)
    rows = await flags_for_export(request.user, filters)
    content = await anyio.to_thread.run_sync(write_flags, export_format, rows, locale)
    today = datetime.now(ZoneInfo(get_settings().timezone)).strftime("%Y%m%d")
    name = i18n.translations(locale).gettext("Risk flags")
    return Response(
        content,
        media_type=export_format.media_type,
        headers={
            "content-disposition": attachment(
                f"{name}-{today}.{export_format}", f"risk-flags-{today}.{export_format}"
            )
        },
    )

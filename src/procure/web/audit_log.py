"""The auditor's audit log page (/audit): search, filters by actor, action, subject and time,
paged and sorted in SQL, and the filtered events exported as CSV (streamed) or Excel. Sealed
bid events read "(sealed)" until their tender's bids are opened, as everywhere
(procure.audit.selectors)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream, Template
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from procure import i18n
from procure.audit.selectors import EVENT_SORTING, event_page, events_for_export
from procure.db.pagination import PAGING, PageRequest, SortRequest
from procure.errors import InvalidInput
from procure.pdf.controllers import attachment
from procure.security.policy import Action
from procure.settings import get_settings
from procure.web.labels import AUDIT_ACTIONS, SUBJECT_TYPES, choices, label
from procure.web.templating import request_locale

AUDIT_LOG = "/audit"
#: The most rows an Excel export holds (a CSV export streams any number).
XLSX_MAX_ROWS = 50_000
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NOT_A_DAY = i18n.N_("must be a date written as 2026-01-31, not %(value)s")
TOO_MANY = i18n.N_(
    "selects %(count)s events, more than an Excel export holds (%(limit)s): narrow the filters "
    "or export CSV"
)


@dataclass(frozen=True)
class LogFilters:
    """The filters as the query gives them (kept as typed, to refill the form)."""

    q: str = ""
    actor: str = ""
    action: str = ""
    subject_type: str = ""
    subject_id: str = ""
    since: str = ""
    until: str = ""

    def day(self, field: str) -> date | None:
        value = getattr(self, field).strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(field, NOT_A_DAY, value=repr(value)) from None

    def selecting(self, locale: str) -> dict[str, Any]:
        """The keyword arguments of event_page; a search also finds the actions whose label
        (in the reader's language) contains it."""
        q = self.q.strip()
        matched = [
            code
            for code in AUDIT_ACTIONS
            if q and q.lower() in label(locale, "audit_action", code).lower()
        ]
        return {
            "q": q,
            "q_actions": matched,
            "actor": self.actor,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "since": self.day("since"),
            "until": self.day("until"),
        }


async def provide_filters(
    q: FromQuery[str] = "",
    actor: FromQuery[str] = "",
    action: FromQuery[str] = "",
    subject_type: FromQuery[str] = "",
    subject_id: FromQuery[str] = "",
    since: FromQuery[str] = "",
    until: FromQuery[str] = "",
) -> LogFilters:
    return LogFilters(q, actor, action, subject_type, subject_id, since, until)


async def provide_order(
    sort: FromQuery[str] = "", direction: Annotated[str, QueryParameter(name="dir")] = ""
) -> SortRequest:
    return EVENT_SORTING.request(sort, direction)


DEPENDENCIES = {
    **PAGING,
    "filters": Provide(provide_filters),
    "order": Provide(provide_order),
}


def headers(locale: str) -> list[str]:
    translations = i18n.translations(locale)
    return [
        translations.gettext(text)
        for text in (
            i18n.N_("No."),
            i18n.N_("Time"),
            i18n.N_("Actor"),
            i18n.N_("Action"),
            i18n.N_("Action code"),
            i18n.N_("Subject"),
            i18n.N_("Subject ID"),
            i18n.N_("Details"),
            i18n.N_("Hash"),
        )
    ]


def export_row(event: dict[str, Any], locale: str) -> list[Any]:
    occurred = event["occurred_at"]
    if isinstance(occurred, datetime):
        occurred = i18n.local_time(occurred, get_settings().timezone, "%Y-%m-%d %H:%M:%S")
    return [
        event["seq"],
        occurred,
        event["actor_label"],
        label(locale, "audit_action", event["action"]),
        event["action"],
        label(locale, "subject_type", event["subject_type"]),
        event["subject_id"],
        json.dumps(event["data"], ensure_ascii=False, sort_keys=True, default=str),
        event["hash"],
    ]


def _defused(value: object) -> object:
    """A spreadsheet reads a cell starting with = + - @ as a formula: such text is quoted."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) else value


def _csv_line(values: list[Any]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow([_defused(v) for v in values])
    return buffer.getvalue().encode("utf-8")


def _xlsx(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def text(value: str, font: Font | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text stays text: never a formula
        if font is not None:
            cell.font = font
        return cell

    sheet.append([text(value, bold) for value in header])
    for row in rows:
        sheet.append([text(value) if isinstance(value, str) else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _file_name(locale: str, extension: str) -> str:
    today = datetime.now(ZoneInfo(get_settings().timezone)).strftime("%Y%m%d")
    name = i18n.translations(locale).gettext("Audit log")
    return attachment(f"{name}-{today}.{extension}", f"audit-log-{today}.{extension}")


class AuditLogPages(Controller):
    path = AUDIT_LOG
    include_in_schema = False

    @get("/", opt={"action": Action.audit_read}, dependencies=DEPENDENCIES)
    async def log(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        filters: NamedDependency[LogFilters],
        order: NamedDependency[SortRequest],
    ) -> Template:
        locale = request_locale(request)
        page = await event_page(paging, order=order, **filters.selecting(locale))
        return Template(
            "audit/log.html",
            context={
                "page": page,
                "filters": filters,
                "order": order,
                "actions": choices(locale, "audit_action"),
                "subject_types": sorted(SUBJECT_TYPES),
                "query": request.url.query,
            },
        )

    @get("/export.csv", opt={"action": Action.audit_read}, dependencies=DEPENDENCIES)
    async def export_csv(
        self,
        request: Request[Any, Any, Any],
        filters: NamedDependency[LogFilters],
        order: NamedDependency[SortRequest],
    ) -> Stream:
        """The filtered events, read from the database a batch at a time as they are sent."""
        locale = request_locale(request)
        selecting = filters.selecting(locale)

        async def lines() -> AsyncIterator[bytes]:
            # The BOM is how Excel knows a CSV is UTF-8; without it Chinese opens as mojibake.
            yield "\ufeff".encode() + _csv_line(headers(locale))
            async for batch in events_for_export(order, **selecting):
                yield b"".join(_csv_line(export_row(event, locale)) for event in batch)

        return Stream(
            lines(),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": _file_name(locale, "csv")},
        )

    @get("/export.xlsx", opt={"action": Action.audit_read}, dependencies=DEPENDENCIES)
    async def export_xlsx(
        self,
        request: Request[Any, Any, Any],
        filters: NamedDependency[LogFilters],
        order: NamedDependency[SortRequest],
    ) -> Response[bytes]:
        locale = request_locale(request)
        selecting = filters.selecting(locale)
        first = await event_page(PageRequest(1, 1), order=order, **selecting)
        if first.total > XLSX_MAX_ROWS:
            raise InvalidInput("since", TOO_MANY, count=first.total, limit=XLSX_MAX_ROWS)
        rows = [
            export_row(event, locale)
            async for batch in events_for_export(order, **selecting)
            for event in batch
        ]
        title = i18n.translations(locale).gettext("Audit log")
        content = await anyio.to_thread.run_sync(_xlsx, title, headers(locale), rows)
        return Response(
            content,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"content-disposition": _file_name(locale, "xlsx")},
        )

"""Service report pages: a contract's period table for everyone who may read it, and the
organization's report form — thin, over the same services as the API."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from procure import i18n
from procure.calendar import local_today
from procure.contracts.tables import ContractStatus
from procure.i18n import yuan_to_fen
from procure.policy import get_policy
from procure.reports import services
from procure.reports.files import TYPE_NAMES, UPLOAD_BODY_LIMIT
from procure.reports.rules import (
    LINE_FILE_WITHOUT_LINE,
    LINE_NOT_HOURS,
    LINE_NOT_WHOLE,
    LINE_NOT_YUAN,
    LINE_SCOPE_MISSING,
    LINE_UNIT_KIND,
    MAX_LINES,
    SELF_SCORE_RANGE,
    ReportConflict,
    ReportInvalid,
)
from procure.reports.schemas import ActivityLineIn, ReportIn, UnitIn
from procure.reports.selectors import (
    PERIOD_SORTING,
    form_choices,
    is_reporting_organization,
    report_calendar,
    report_detail,
)
from procure.reports.services import FileForDraft, attachment_check
from procure.reports.tables import OutOfScopeKind, ReportStatus, UnitKind
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.web.notices import done_url
from procure.web.templating import request_locale

BLANK_ROWS = 6  # the form always offers at least this many activity lines
OUT_OF_CONTRACT = "out"  # the scope select's value for 合同外事项
ROW_FIELDS = (
    "scope",
    "kind",
    "department",
    "person",
    "description",
    "quantity",
    "beneficiaries",
    "hours",
    "spend",
    "submissions",
    "unit_kind",
    "units",
    "request",
)
# What makes a row filled: the selects that always hold a value do not count.
ROW_CONTENT = (
    "scope",
    "person",
    "description",
    "quantity",
    "beneficiaries",
    "hours",
    "spend",
    "submissions",
    "units",
)
KINDS = frozenset(kind.value for kind in OutOfScopeKind)
UNIT_KINDS = frozenset(kind.value for kind in UnitKind)
#: The form's units: codes apart by spaces or commas; one of another kind than the row's
#: says its kind first (``session:S-0501``), which a code (no colon) cannot be mistaken for.
UNIT_SEPARATORS = re.compile(r"[\s,，、;；]+")


@dataclass
class ReportForm:
    """The form as the browser posts it: one dict of strings per row, amounts in yuan."""

    summary: str = ""
    outcome_self_score: str = ""
    corrects_version: str = ""
    rows: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, report: dict[str, Any] | None, *, corrects: int | None = None) -> ReportForm:
        """A version's content as the form shows it (empty for a period without a report)."""
        if report is None:
            return cls(rows=padded([]))
        rows = [
            {
                "scope": OUT_OF_CONTRACT if line["out_of_scope"] else str(line["scope_line_id"]),
                "kind": line["out_of_scope_kind"] if line["out_of_scope"] else "",
                "department": str(line["requested_by_department_id"] or ""),
                "person": line["requested_by_person"],
                "description": line["description"],
                "quantity": str(line["quantity"]),
                "beneficiaries": str(line["beneficiaries"]),
                "hours": str(line["staff_hours"]),
                "spend": str(Decimal(line["spend_fen"]) / 100),
                "submissions": str(line["submissions"]) if line["submissions"] else "",
                **_units_field(line["units"]),
                "request": str(line.get("work_request_id") or ""),
            }
            for line in report["lines"]
        ]
        score = report["outcome_self_score"]
        return cls(
            summary=report["summary"],
            outcome_self_score="" if score is None else str(score),
            corrects_version=str(corrects or ""),
            rows=padded(rows),
        )

    @classmethod
    def posted(cls, form: FormMultiDict) -> ReportForm:
        count = min(_whole(form.get("row_count", "")) or BLANK_ROWS, MAX_LINES)
        rows = [
            {name: str(form.get(f"line-{n}-{name}", "")).strip() for name in ROW_FIELDS}
            for n in range(1, count + 1)
        ]
        return cls(
            summary=str(form.get("summary", "")),
            outcome_self_score=str(form.get("outcome_self_score", "")).strip(),
            corrects_version=str(form.get("corrects_version", "")).strip(),
            rows=rows,
        )


def _units_field(units: list[dict[str, Any]]) -> dict[str, str]:
    """A line's units as the row's kind (the most common) and its codes, the others prefixed."""
    kinds = [unit["kind"] for unit in units]
    row_kind = max(set(kinds), key=kinds.count) if kinds else UnitKind.household_visit
    tokens = [u["code"] if u["kind"] == row_kind else f"{u['kind']}:{u['code']}" for u in units]
    return {"unit_kind": str(row_kind), "units": " ".join(tokens)}


def _units(n: int, row: dict[str, str]) -> list[UnitIn]:
    row_kind = row["unit_kind"] if row["unit_kind"] in UNIT_KINDS else UnitKind.household_visit
    units = []
    for token in UNIT_SEPARATORS.split(row["units"]):
        if not token:
            continue
        kind, _, code = token.rpartition(":")
        if kind and kind not in UNIT_KINDS:
            raise ReportInvalid.on_line(n, "units", LINE_UNIT_KIND, code=token)
        units.append(UnitIn(kind=UnitKind(kind or row_kind), code=code))
    return units


def padded(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    blanks = max(BLANK_ROWS - len(rows), 2)
    return rows + [dict.fromkeys(ROW_FIELDS, "") for _ in range(blanks)]


def _whole(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _is_filled(row: dict[str, str]) -> bool:
    return any(row[name] for name in ROW_CONTENT)


def _line(n: int, row: dict[str, str]) -> ActivityLineIn:
    """Row n of the form as an activity line; the kind and requester count only for
    out-of-contract work, which the scope select decides."""
    out = row["scope"] == OUT_OF_CONTRACT
    scope_line_id = None
    if not out and row["scope"]:
        scope_line_id = _whole(row["scope"])
        if scope_line_id is None:
            raise ReportInvalid.on_line(n, "scope_line_id", LINE_SCOPE_MISSING)
    counts: dict[str, int] = {}
    for name in ("quantity", "beneficiaries", "submissions"):
        value = _whole(row[name] or "0")
        if value is None:
            raise ReportInvalid.on_line(n, name, LINE_NOT_WHOLE)
        counts[name] = value
    submissions = counts.pop("submissions")
    try:
        hours = Decimal(row["hours"] or "0")
    except InvalidOperation:
        raise ReportInvalid.on_line(n, "staff_hours", LINE_NOT_HOURS) from None
    try:
        spend_fen = yuan_to_fen(row["spend"] or "0")
    except (ArithmeticError, ValueError):
        raise ReportInvalid.on_line(n, "spend_fen", LINE_NOT_YUAN) from None
    return ActivityLineIn(
        scope_line_id=scope_line_id,
        out_of_scope=out,
        out_of_scope_kind=OutOfScopeKind(row["kind"])
        if out and row["kind"] in KINDS
        else OutOfScopeKind.none,
        requested_by_department_id=_whole(row["department"]) if out else None,
        requested_by_person=row["person"] if out else "",
        submissions=submissions if out else 0,
        description=row["description"],
        staff_hours=hours,
        spend_fen=spend_fen,
        quantity=counts["quantity"],
        beneficiaries=counts["beneficiaries"],
        units=_units(n, row),
        work_request_id=_whole(row["request"]) if out and row["request"] else None,
    )


def _files(form: FormMultiDict, name: str) -> list[UploadFile]:
    return [f for f in form.getall(name, []) if isinstance(f, UploadFile) and f.filename]


async def report_from_form(
    posted: ReportForm, form: FormMultiDict
) -> tuple[ReportIn, list[FileForDraft], list[int]]:
    """The report, its files, and for each line the form row it came from (blank rows are
    skipped, so line 2 may be row 3: refusals name the row the person sees)."""
    lines: list[ActivityLineIn] = []
    rows_used: list[int] = []
    files: list[tuple[UploadFile, int | None]] = []
    for n, row in enumerate(posted.rows, start=1):
        uploads = _files(form, f"line-{n}-files")
        if not _is_filled(row):
            if uploads:
                raise ReportInvalid.on_line(n, "files", LINE_FILE_WITHOUT_LINE)
            continue
        lines.append(_line(n, row))
        rows_used.append(n)
        files += [(upload, len(lines)) for upload in uploads]
    files += [(upload, None) for upload in _files(form, "files")]
    score = None
    if posted.outcome_self_score:
        score = _whole(posted.outcome_self_score)
        if score is None:
            raise ReportInvalid("outcome_self_score", SELF_SCORE_RANGE)
    data = ReportIn(
        summary=posted.summary,
        outcome_self_score=score,
        lines=lines,
        corrects_version=_whole(posted.corrects_version),
    )
    checked = [(attachment_check(f.filename, await f.read()), n) for f, n in files]
    return data, checked, rows_used


def report_url(contract_id: int, period: str) -> str:
    return f"/contracts/{contract_id}/reports/{period}"


class ReportPages(Controller):
    include_in_schema = False

    @get("/contracts/{contract_id:int}/reports", opt={"action": Action.report_read})
    async def periods_page(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        sort: FromQuery[str] = "",
        direction: Annotated[str, QueryParameter(name="dir")] = "",
    ) -> Template:
        order = PERIOD_SORTING.request(sort, direction)
        calendar = await report_calendar(request.user, contract_id, order=order)
        return Template(
            "reports/periods.html",
            context={
                **calendar,
                "order": order,
                "can_write": _can_write(request.user, calendar["contract"]),
                "due_days": get_policy().reports.due_days_after_period,
            },
        )

    @get("/contracts/{contract_id:int}/reports/{period:str}", opt={"action": Action.report_read})
    async def report_page(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        period: FromPath[str],
        version: FromQuery[int | None] = None,
        correct: FromQuery[bool] = False,
        saved: FromQuery[str] = "",
    ) -> Template:
        detail = await report_detail(request.user, contract_id, period, version=version)
        report = detail["report"]
        form = None
        editable = version is None and _may_edit(request.user, detail)
        if editable and (report is None or report["status"] == ReportStatus.draft):
            form = ReportForm.of(report)
        elif editable and correct:  # a correction starts from the submitted version
            form = ReportForm.of(report, corrects=report["version"])
        return await _page(
            detail, form=form, saved=saved, may_correct=bool(editable and form is None and report)
        )

    @post(
        "/contracts/{contract_id:int}/reports/{period:str}",
        opt={"action": Action.report_submit},
        request_max_body_size=UPLOAD_BODY_LIMIT,
    )
    async def save(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], period: FromPath[str]
    ) -> Template | Redirect:
        form = await request.form()
        detail = await report_detail(request.user, contract_id, period)
        posted = ReportForm.posted(form)
        submit = form.get("action") == "submit"
        rows_used: list[int] = []
        try:
            data, files, rows_used = await report_from_form(posted, form)
            write = services.report_submit if submit else services.report_save_draft
            await write(
                actor=request.user, contract_id=contract_id, period=period, data=data, files=files
            )
        except (ReportInvalid, ReportConflict) as error:
            return await _refused(request, detail, posted, error, rows_used)
        outcome = "report_submitted" if submit else "report_draft"
        return Redirect(
            done_url(report_url(contract_id, period), outcome), status_code=HTTP_303_SEE_OTHER
        )


def _can_write(actor: Actor, contract: dict[str, Any]) -> bool:
    return (
        is_reporting_organization(actor, contract) and contract["status"] == ContractStatus.active
    )


def _may_edit(actor: Actor, detail: dict[str, Any]) -> bool:
    return _can_write(actor, detail["contract"]) and local_today() >= detail["period"]["starts_on"]


async def _page(
    detail: dict[str, Any],
    *,
    form: ReportForm | None,
    status_code: int = 200,
    **context: Any,
) -> Template:
    policy = get_policy().reports
    return Template(
        "reports/report.html",
        context={
            **detail,
            **await form_choices(detail["contract_id"]),
            "form": form,
            "kinds": [k for k in OutOfScopeKind if k != OutOfScopeKind.none],
            "unit_kinds": list(UnitKind),
            "out_of_contract": OUT_OF_CONTRACT,
            "today": local_today(),
            "attachment_types": ", ".join(TYPE_NAMES[t] for t in policy.allowed_attachment_types),
            "max_mb": policy.max_attachment_mb,
            **context,
        },
        status_code=status_code,
    )


async def _refused(
    request: Request[Actor, Any, Any],
    detail: dict[str, Any],
    posted: ReportForm,
    error: ReportInvalid | ReportConflict,
    rows_used: list[int],
) -> Template:
    """The form again, as it was posted, with the reason; a line number becomes the row's."""
    error_row = None
    if isinstance(error, ReportInvalid) and error.line is not None:
        error_row = rows_used[error.line - 1] if rows_used else error.line
        error.params["n"] = error_row
    gettext = i18n.translations(request_locale(request)).gettext
    if len(posted.rows) < BLANK_ROWS:
        posted.rows = padded(posted.rows)
    return await _page(
        detail,
        form=posted,
        status_code=HTTP_400_BAD_REQUEST if isinstance(error, ReportInvalid) else HTTP_409_CONFLICT,
        error=error.text(gettext),
        error_field=getattr(error, "field", None),
        error_row=error_row,
    )

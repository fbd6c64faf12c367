"""What makes a service report valid, and the refusals, each naming its field and, for an
activity line, its line number.

Messages are English msgids marked with ``N_`` and translated where they are shown (pages);
``%(name)s`` placeholders keep the values out of the msgid.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from procure.errors import Conflict, InvalidInput
from procure.i18n import N_
from procure.reports.schemas import ActivityLineIn, ReportIn
from procure.reports.tables import OutOfScopeKind

MAX_LINES = 200
MAX_SUMMARY = 20_000
MAX_DESCRIPTION = 2_000
MAX_PERSON = 100  # activity_line.requested_by_person is a Varchar(100)
MAX_COUNT = 1_000_000_000  # quantities and minutes are 32-bit integers
MAX_HOURS = Decimal(10_000_000)
MAX_SPEND_FEN = 100_000_000_000  # 10亿元: far above any period's spend
HUNDREDTHS = Decimal("0.01")
MAX_UNITS = 1_000  # verifiable units of one line
#: A unit's code: letters first, so a phone or ID number is never taken for one.
UNIT_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,31}")

#: Out-of-contract work that a department assigns must name that department.
NEEDS_DEPARTMENT = frozenset(
    {OutOfScopeKind.administrative, OutOfScopeKind.campaign, OutOfScopeKind.seconded_staff}
)

LINE_SCOPE_MISSING = N_(
    "line %(n)s: choose the scope line of this contract it delivers, "
    "or mark it as out-of-contract work"
)
LINE_SCOPE_FOREIGN = N_("line %(n)s: scope line %(id)s is not part of contract %(reference)s")
LINE_KIND_WITHIN = N_("line %(n)s: work within the contract has no out-of-contract kind")
LINE_REQUESTER_WITHIN = N_("line %(n)s: only out-of-contract work names who requested it")
LINE_SUBMISSIONS_WITHIN = N_(
    "line %(n)s: only out-of-contract work records the submissions a department demanded"
)
LINE_SCOPE_OUTSIDE = N_("line %(n)s: out-of-contract work is not tied to a scope line")
LINE_KIND_MISSING = N_(
    "line %(n)s: say what kind of out-of-contract work this is: "
    "administrative, campaign, seconded staff or other"
)
LINE_DEPARTMENT_MISSING = N_("line %(n)s: name the department that requested this work")
LINE_DEPARTMENT_UNKNOWN = N_("line %(n)s: department %(id)s does not exist")
LINE_PERSON_MISSING = N_("line %(n)s: name the person who requested this work")
LINE_DESCRIPTION_MISSING = N_("line %(n)s: describe the activity")
LINE_TOO_LONG = N_("line %(n)s: must be at most %(max)s characters")
LINE_NEGATIVE = N_("line %(n)s: must not be negative")
LINE_TOO_LARGE = N_("line %(n)s: must be at most %(max)s")
LINE_HOURS_DECIMALS = N_("line %(n)s: staff hours take at most 2 decimals")
LINE_NOT_WHOLE = N_("line %(n)s: must be a whole number")
LINE_NOT_YUAN = N_("line %(n)s: must be an amount in yuan with at most two decimals")
LINE_NOT_HOURS = N_("line %(n)s: must be a number of hours, e.g. 2.5")
LINE_FILE_WITHOUT_LINE = N_("line %(n)s: a file needs a filled line")
LINE_UNIT_CODE = N_(
    "line %(n)s: unit code %(code)s must start with a letter and hold at most 32 letters, "
    "digits, '-', '_' or '.': use the code of your own records, never a name or a number "
    "that identifies a person"
)
LINE_UNIT_KIND = N_(
    "line %(n)s: %(code)s: a unit's kind is household_visit, session or beneficiary_group"
)
LINE_UNIT_TWICE = N_("line %(n)s: unit code %(code)s is listed twice")
LINE_TOO_MANY_UNITS = N_("line %(n)s: a line lists at most %(max)s units")
LINE_NOT_IN_DRAFT = N_("the draft has no line %(n)s")
LINE_REQUEST_WITHIN = N_(
    "line %(n)s: only out-of-contract work cites a work request; this line is within the contract"
)
LINE_REQUEST_UNKNOWN = N_("line %(n)s: work request %(id)s is not one of contract %(reference)s")
LINE_REQUEST_NOT_ACCEPTED = N_(
    "line %(n)s: work request %(id)s is %(status)s; only an accepted request can be cited"
)
LINE_REQUEST_DEPARTMENT = N_(
    "line %(n)s: work request %(id)s was filed by %(department)s, not by the department the "
    "line names"
)
TOO_MANY_LINES = N_("a report has at most %(max)s activity lines")
TOO_LONG = N_("must be at most %(max)s characters")
SELF_SCORE_RANGE = N_("must be a whole number from 0 to 100")
SUMMARY_MISSING = N_("write a summary before submitting")
NOTHING_TO_CORRECT = N_("period %(period)s has no submitted report to correct")

CONTRACT_NOT_ACTIVE = N_(
    "contract %(reference)s is not in force: reports are written only while it is active"
)
PERIOD_NOT_BEGUN = N_("period %(period)s has not begun: it starts on %(starts_on)s")
REPORT_LOCKED = N_(
    "version %(version)s of period %(period)s is submitted and locked: "
    "a correction is a new version (corrects_version %(version)s)"
)
CORRECTION_STALE = N_(
    "version %(given)s cannot be corrected: the latest version of period %(period)s is %(latest)s"
)
NOTHING_TO_SUBMIT = N_("period %(period)s has no draft to submit: save one first")
NO_DRAFT_FOR_FILE = N_("save a draft of period %(period)s before attaching files")

NO_FILE = N_("no file was uploaded: send it in the form field file")
FILE_TYPE_REFUSED = N_("%(name)s: only these types can be attached: %(choices)s")
FILE_EMPTY = N_("%(name)s is empty")
FILE_TOO_LARGE = N_("%(name)s is larger than %(max)s MB")
FILE_CONTENT_MISMATCH = N_("%(name)s is not a %(kind)s file: its content does not match its name")


def _text(msgid: str, params: dict[str, Any], gettext: Any = str) -> str:
    template = gettext(msgid)
    return template % params if params else template


class ReportInvalid(InvalidInput):
    """Bad report input (400), as a msgid with its values so a page can show it translated."""

    def __init__(self, field: str, msgid: str, *, line: int | None = None, **params: Any) -> None:
        self.msgid = msgid
        self.line = line
        self.params = {"n": line, **params} if line is not None else params
        super().__init__(field, _text(msgid, self.params))

    @classmethod
    def on_line(cls, n: int, name: str, msgid: str, **params: Any) -> ReportInvalid:
        """Line ``n`` as people count (the message says "line 1" for the first); the field
        path indexes the request's ``lines`` array from 0, as every API path does."""
        return cls(f"lines[{n - 1}].{name}", msgid, line=n, **params)

    def text(self, gettext: Any = str) -> str:
        return _text(self.msgid, self.params, gettext)


class ReportConflict(Conflict):
    """The report's state does not allow this (409): locked, not begun, contract not active."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params
        super().__init__(_text(msgid, params))

    def text(self, gettext: Any = str) -> str:
        return _text(self.msgid, self.params, gettext)


def hours_to_minutes(hours: Decimal) -> int | None:
    """Staff hours as whole minutes (0.01 h is 36 s, so rounded to the nearest minute), or
    None when the hours have more than two decimals."""
    if not hours.is_finite() or hours != hours.quantize(HUNDREDTHS):
        return None
    return int((hours * 60).to_integral_value(rounding=ROUND_HALF_UP))


def minutes_to_hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(HUNDREDTHS, rounding=ROUND_HALF_UP)


def check_report(data: ReportIn) -> None:
    if len(data.summary) > MAX_SUMMARY:
        raise ReportInvalid("summary", TOO_LONG, max=MAX_SUMMARY)
    score = data.outcome_self_score
    if score is not None and not 0 <= score <= 100:
        raise ReportInvalid("outcome_self_score", SELF_SCORE_RANGE)
    if len(data.lines) > MAX_LINES:
        raise ReportInvalid("lines", TOO_MANY_LINES, max=MAX_LINES)


def _check_relation(
    n: int, line: ActivityLineIn, scope_line_ids: Collection[int], reference: str
) -> None:
    """Within the contract (tied to one of its scope lines) or out-of-contract work with its
    kind and who asked for it: the two halves of the table's CHECK, with reasons."""
    if not line.out_of_scope:
        if line.scope_line_id is None:
            raise ReportInvalid.on_line(n, "scope_line_id", LINE_SCOPE_MISSING)
        if line.scope_line_id not in scope_line_ids:
            raise ReportInvalid.on_line(
                n, "scope_line_id", LINE_SCOPE_FOREIGN, id=line.scope_line_id, reference=reference
            )
        if line.out_of_scope_kind != OutOfScopeKind.none:
            raise ReportInvalid.on_line(n, "out_of_scope_kind", LINE_KIND_WITHIN)
        if line.requested_by_department_id is not None:
            raise ReportInvalid.on_line(n, "requested_by_department_id", LINE_REQUESTER_WITHIN)
        if line.requested_by_person.strip():
            raise ReportInvalid.on_line(n, "requested_by_person", LINE_REQUESTER_WITHIN)
        if line.submissions:
            raise ReportInvalid.on_line(n, "submissions", LINE_SUBMISSIONS_WITHIN)
        return
    if line.scope_line_id is not None:
        raise ReportInvalid.on_line(n, "scope_line_id", LINE_SCOPE_OUTSIDE)
    if line.out_of_scope_kind == OutOfScopeKind.none:
        raise ReportInvalid.on_line(n, "out_of_scope_kind", LINE_KIND_MISSING)


def _check_requester(n: int, line: ActivityLineIn, department_ids: Collection[int]) -> None:
    department = line.requested_by_department_id
    if department is None and line.out_of_scope_kind in NEEDS_DEPARTMENT:
        raise ReportInvalid.on_line(n, "requested_by_department_id", LINE_DEPARTMENT_MISSING)
    if department is not None and department not in department_ids:
        raise ReportInvalid.on_line(
            n, "requested_by_department_id", LINE_DEPARTMENT_UNKNOWN, id=department
        )
    person = line.requested_by_person.strip()
    if not person:
        raise ReportInvalid.on_line(n, "requested_by_person", LINE_PERSON_MISSING)
    if len(person) > MAX_PERSON:
        raise ReportInvalid.on_line(n, "requested_by_person", LINE_TOO_LONG, max=MAX_PERSON)


def _amount(n: int, name: str, value: int, maximum: int) -> int:
    if value < 0:
        raise ReportInvalid.on_line(n, name, LINE_NEGATIVE)
    if value > maximum:
        raise ReportInvalid.on_line(n, name, LINE_TOO_LARGE, max=maximum)
    return value


def _staff_minutes(n: int, hours: Decimal) -> int:
    if hours.is_finite() and hours < 0:
        raise ReportInvalid.on_line(n, "staff_hours", LINE_NEGATIVE)
    minutes = hours_to_minutes(hours)
    if minutes is None:
        raise ReportInvalid.on_line(n, "staff_hours", LINE_HOURS_DECIMALS)
    if hours > MAX_HOURS:
        raise ReportInvalid.on_line(n, "staff_hours", LINE_TOO_LARGE, max=MAX_HOURS)
    return minutes


def check_lines(
    lines: Sequence[ActivityLineIn],
    *,
    scope_line_ids: Collection[int],
    department_ids: Collection[int],
    reference: str,
) -> list[dict[str, Any]]:
    """The activity lines as activity_line values, numbered from 1 in the order given; the
    first bad line is refused with its number and field."""
    rows = []
    for n, line in enumerate(lines, start=1):
        _check_relation(n, line, scope_line_ids, reference)
        if line.out_of_scope:
            _check_requester(n, line, department_ids)
        description = line.description.strip()
        if not description:
            raise ReportInvalid.on_line(n, "description", LINE_DESCRIPTION_MISSING)
        if len(description) > MAX_DESCRIPTION:
            raise ReportInvalid.on_line(n, "description", LINE_TOO_LONG, max=MAX_DESCRIPTION)
        rows.append(
            {
                "scope_line": line.scope_line_id,
                "out_of_scope": line.out_of_scope,
                "out_of_scope_kind": line.out_of_scope_kind,
                "requested_by_department": line.requested_by_department_id,
                "requested_by_person": line.requested_by_person.strip(),
                "description": description,
                "quantity": _amount(n, "quantity", line.quantity, MAX_COUNT),
                "beneficiaries": _amount(n, "beneficiaries", line.beneficiaries, MAX_COUNT),
                "staff_minutes": _staff_minutes(n, line.staff_hours),
                "spend_fen": _amount(n, "spend_fen", line.spend_fen, MAX_SPEND_FEN),
                "submissions": _amount(n, "submissions", line.submissions, MAX_COUNT),
                "units": _units(n, line),
            }
        )
    return rows


def _units(n: int, line: ActivityLineIn) -> list[dict[str, Any]]:
    """The line's verifiable units as activity_unit values, codes checked and distinct."""
    if len(line.units) > MAX_UNITS:
        raise ReportInvalid.on_line(n, "units", LINE_TOO_MANY_UNITS, max=MAX_UNITS)
    seen: set[str] = set()
    units = []
    for unit in line.units:
        code = unit.code.strip()
        if not UNIT_CODE.fullmatch(code):
            raise ReportInvalid.on_line(n, "units", LINE_UNIT_CODE, code=code)
        if code in seen:
            raise ReportInvalid.on_line(n, "units", LINE_UNIT_TWICE, code=code)
        seen.add(code)
        units.append({"kind": unit.kind, "code": code})
    return units

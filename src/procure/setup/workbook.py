"""The district setup workbook (.xlsx): its sheets and columns in Chinese and English, reading its
rows into plain records with every problem found in the cells, and writing the empty template.

Pure functions on bytes and cells; ``services`` checks the records against each other and the
database and decides what changes. Problems name the sheet, the row as the spreadsheet numbers it
and the column, and are translated where they are shown.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import PurePath
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from procure import i18n
from procure.catalog.files import (
    EMPTY_FILE,
    FILE_TOO_LARGE,
    MAX_BYTES,
    MAX_UNPACKED_BYTES,
    ROWS_REFUSED,
)
from procure.errors import InvalidInput
from procure.i18n import N_

MAX_ROWS_PER_SHEET = 20_000

NOT_XLSX = N_("%(name)s cannot be read as an Excel .xlsx file (save .xls or .csv files as .xlsx)")
NO_SHEET = N_("the workbook has no sheet named %(names)s")
UNKNOWN_HEADER = N_("unknown column %(value)s: use %(expected)s")
HEADER_TWICE = N_("the column %(value)s appears twice")
MISSING_HEADER = N_("the column %(value)s is missing from the first row")
TOO_MANY_ROWS = N_("the sheet has more than %(max)s rows: split the workbook")
MUST_NOT_BE_EMPTY = N_("must not be empty")
TOO_LONG = N_("must be at most %(max)s characters")
CONTROL_CHARACTERS = N_("must not contain control characters or line breaks")
NOT_A_COUNT = N_("%(value)s is not a whole number of 0 or more")


@dataclass(frozen=True)
class Field:
    key: str
    zh: str
    en: str
    width: int
    required: bool = False

    def header(self, locale: str) -> str:
        return self.en if locale == "en" else self.zh


@dataclass(frozen=True)
class Sheet:
    key: str
    zh: str
    en: str
    fields: tuple[Field, ...]
    required: bool = False

    def name(self, locale: str) -> str:
        return self.en if locale == "en" else self.zh

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


DIVISIONS = Sheet(
    "divisions",
    "区划",
    "Divisions",
    (
        Field("code", "统计用区划代码", "Division code", 16, required=True),
        Field("name", "名称", "Name", 24, required=True),
        Field("parent", "上级代码", "Parent code", 16),
        Field("population", "人口", "Population", 10),
        Field("households", "户数", "Households", 10),
    ),
    required=True,
)
DEPARTMENTS = Sheet(
    "departments",
    "部门",
    "Departments",
    (
        Field("code", "部门编码", "Code", 14, required=True),
        Field("name", "名称", "Name", 28, required=True),
        Field("level", "级别", "Level", 10, required=True),
        Field("sub_district", "所属街道代码", "Sub-district code", 16),
    ),
)
COMMITTEES = Sheet(
    "committees",
    "居委会",
    "Committees",
    (
        Field("community", "社区代码", "Community code", 16, required=True),
        Field("name", "居委会名称", "Committee name", 28, required=True),
    ),
)
USERS = Sheet(
    "users",
    "用户",
    "Users",
    (
        Field("username", "登录账号", "Username", 16, required=True),
        Field("name", "姓名", "Name", 24, required=True),
        Field("role", "角色", "Role", 12, required=True),
        Field("unit", "所属单位代码", "Unit code", 16),
        Field("duties", "职责", "Duties", 10),
        Field("password", "初始密码", "Initial password", 18),
    ),
)
SHEETS: tuple[Sheet, ...] = (DIVISIONS, DEPARTMENTS, COMMITTEES, USERS)

#: The example rows of the template beyond each column's own example: the district above, one
#: street and one community under it, so the template reads as a small valid district.
TEMPLATE_ROWS: dict[str, list[list[str]]] = {
    "divisions": [
        ["440399000000", "滨江区", "", "", ""],
        ["440399001000", "江湾街道", "440399000000", "", ""],
        ["440399001001", "江湾社区", "440399001000", "8200", "3100"],
    ],
    "departments": [
        ["BJ-MZJ", "滨江区民政局", "区级", ""],
        ["BJ-JWJD", "滨江区江湾街道办事处", "街道级", "440399001000"],
    ],
    "committees": [["440399001001", "江湾社区居民委员会"]],
    "users": [
        ["bj-buyer", "王敏(区民政局采购专员)", "采购人", "BJ-MZJ", "经办", ""],
        ["bj-jiangwan", "周桂兰(江湾社区居委会主任)", "居委会", "440399001001", "", ""],
    ],
}


@dataclass(frozen=True)
class SheetProblem:
    """One reason the workbook is refused: the sheet, the row (None for the sheet as a whole),
    the column's key, an English msgid and its values."""

    sheet: str
    row: int | None
    column: str | None
    message: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)

    def text(self, gettext: Callable[[str], str] = str) -> str:
        template = gettext(self.message)
        return template % self.params if self.params else template

    def described(self, locale: str, gettext: Callable[[str], str] = str) -> dict[str, Any]:
        """The problem in the words of ``locale``: sheet name, row, column header, why."""
        sheet = SHEET_OF.get(self.sheet)
        column = ""
        if sheet is not None and self.column is not None:
            column = sheet.field(self.column).header(locale)
        return {
            "sheet": sheet.name(locale) if sheet else "",
            "row": self.row,
            "column": column,
            "message": self.text(gettext),
        }


SHEET_OF = {sheet.key: sheet for sheet in SHEETS}


class WorkbookRejected(InvalidInput):
    """The workbook is refused for the problems listed; nothing changed."""

    def __init__(self, problems: Sequence[SheetProblem]) -> None:
        self.problems = tuple(sorted(problems, key=_problem_order))
        first = self.problems[0]
        super().__init__("file", first.text())
        # The catalog message and its values (one may be called ``field``), for a page.
        self.template, self.variables = first.message, dict(first.params)

    def summary(self, locale: str) -> str:
        """ "Nothing was imported: N row(s) have errors" in ``locale``."""
        rows = {(p.sheet, p.row) for p in self.problems}
        return i18n.gettext(locale, ROWS_REFUSED, count=len(rows))

    def described(self, locale: str) -> list[dict[str, Any]]:
        """Every problem with its sheet, row, column and reason in ``locale``."""
        gettext = i18n.translations(locale).gettext
        return [problem.described(locale, gettext) for problem in self.problems]


def _problem_order(problem: SheetProblem) -> tuple[int, int, int]:
    sheet = SHEET_OF.get(problem.sheet)
    sheet_index = SHEETS.index(sheet) if sheet else -1
    column_index = -1
    if sheet is not None and problem.column is not None:
        column_index = [f.key for f in sheet.fields].index(problem.column)
    return sheet_index, problem.row or 0, column_index


@dataclass(frozen=True)
class SheetRow:
    """One non-blank row: its number as the spreadsheet shows it and its cells as text by key."""

    number: int
    cells: dict[str, str]


def _normalized(value: object) -> str:
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return re.sub(r"\s+", "", text).casefold()


def cell_text(value: object) -> str:
    """A cell as text. Codes typed into Excel often become numbers (440399001001.0): a whole
    number reads back as its digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)


def read_workbook(filename: str, content: bytes) -> dict[str, list[SheetRow]]:
    """Each known sheet's rows by sheet key (an absent optional sheet has none); raises
    WorkbookRejected with every problem of the file's shape (sheets, headers)."""
    if not content:
        raise WorkbookRejected([SheetProblem("", None, None, EMPTY_FILE)])
    if len(content) > MAX_BYTES:
        raise WorkbookRejected(
            [SheetProblem("", None, None, FILE_TOO_LARGE, {"max": MAX_BYTES // (1024 * 1024)})]
        )
    not_xlsx = SheetProblem("", None, None, NOT_XLSX, {"name": PurePath(filename).name})
    if PurePath(filename).suffix.lower() != ".xlsx":
        raise WorkbookRejected([not_xlsx])
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise WorkbookRejected([not_xlsx])
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except WorkbookRejected:
        raise
    except Exception as error:  # openpyxl raises many kinds of errors on a broken file
        raise WorkbookRejected([not_xlsx]) from error
    try:
        by_name = {_normalized(ws.title): ws for ws in workbook.worksheets}
        problems: list[SheetProblem] = []
        read: dict[str, list[SheetRow]] = {}
        for sheet in SHEETS:
            worksheet = by_name.get(_normalized(sheet.zh)) or by_name.get(_normalized(sheet.en))
            if worksheet is None:
                if sheet.required:
                    names = f"{sheet.zh} / {sheet.en}"
                    problems.append(SheetProblem(sheet.key, None, None, NO_SHEET, {"names": names}))
                read[sheet.key] = []
                continue
            rows, sheet_problems = _sheet_rows(sheet, worksheet.iter_rows(values_only=True))
            read[sheet.key] = rows
            problems.extend(sheet_problems)
    finally:
        workbook.close()
    if problems:
        raise WorkbookRejected(problems)
    return read


def _sheet_rows(
    sheet: Sheet, records: Iterator[Sequence[object]]
) -> tuple[list[SheetRow], list[SheetProblem]]:
    header = next(records, ())
    keys, problems = _header(sheet, header)
    if problems:
        return [], problems
    rows: list[SheetRow] = []
    for number, values in enumerate(records, start=2):
        cells = {key: cell_text(values[i]) if i < len(values) else "" for i, key in keys.items()}
        if not any(cells.values()):
            continue
        if number > MAX_ROWS_PER_SHEET + 1:
            return [], [
                SheetProblem(sheet.key, None, None, TOO_MANY_ROWS, {"max": MAX_ROWS_PER_SHEET})
            ]
        rows.append(SheetRow(number, cells))
    return rows, []


def _header(sheet: Sheet, values: Sequence[object]) -> tuple[dict[int, str], list[SheetProblem]]:
    """Column index → field key; each header in Chinese or English, in any order."""
    key_of = {}
    for field in sheet.fields:
        key_of[_normalized(field.zh)] = field.key
        key_of[_normalized(field.en)] = field.key
    keys: dict[int, str] = {}
    problems = []
    expected = "、".join(f"{f.zh} ({f.en})" for f in sheet.fields)
    for index, value in enumerate(values):
        text = _normalized(value)
        if not text:
            continue
        key = key_of.get(text)
        if key is None:
            params = {"value": str(value).strip(), "expected": expected}
            problems.append(SheetProblem(sheet.key, 1, None, UNKNOWN_HEADER, params))
        elif key in keys.values():
            problems.append(SheetProblem(sheet.key, 1, key, HEADER_TWICE, {"value": str(value)}))
        else:
            keys[index] = key
    for field in sheet.fields:
        if field.required and field.key not in keys.values():
            problems.append(
                SheetProblem(sheet.key, 1, field.key, MISSING_HEADER, {"value": field.zh})
            )
    return keys, problems


def text_problem(sheet: Sheet, row: SheetRow, key: str, max_length: int) -> SheetProblem | None:
    """The problem of one text cell, if any: empty when required, too long, control characters."""
    value = row.cells.get(key, "")
    if not value:
        if sheet.field(key).required:
            return SheetProblem(sheet.key, row.number, key, MUST_NOT_BE_EMPTY)
        return None
    if len(value) > max_length:
        return SheetProblem(sheet.key, row.number, key, TOO_LONG, {"max": max_length})
    if has_control_characters(value):
        return SheetProblem(sheet.key, row.number, key, CONTROL_CHARACTERS)
    return None


def count_cell(sheet: Sheet, row: SheetRow, key: str) -> tuple[int | None, SheetProblem | None]:
    """A whole number of 0 or more, None when blank."""
    value = row.cells.get(key, "")
    if not value:
        return None, None
    if not re.fullmatch(r"\d{1,9}", value):
        return None, SheetProblem(sheet.key, row.number, key, NOT_A_COUNT, {"value": value})
    return int(value), None


def template_workbook() -> bytes:
    """The empty workbook: every sheet with its headers (Chinese) and example rows."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for sheet in SHEETS:
        worksheet = workbook.create_sheet(sheet.zh)
        for number, field in enumerate(sheet.fields, start=1):
            worksheet.column_dimensions[get_column_letter(number)].width = field.width
            worksheet.cell(row=1, column=number, value=field.zh).font = bold
        worksheet.freeze_panes = "A2"
        for row_number, values in enumerate(TEMPLATE_ROWS[sheet.key], start=2):
            for number, value in enumerate(values, start=1):
                if value:
                    # Codes stay text: as numbers Excel would show 4.40399E+11.
                    cell = worksheet.cell(row=row_number, column=number, value=value)
                    cell.data_type = "s"
                    cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

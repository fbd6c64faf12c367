"""The expert pool as a spreadsheet (.xlsx or .csv): one row per expert, Chinese headers.

Pure functions on cells; ``pool`` decides what a file changes. The sheet reader and writer are the
catalog's (``catalog.files``), so both imports refuse a broken file with the same words. A file
written here reads back as the same pool.

Two cells hold lists, one entry per line or separated by ；/; :
- 评审类别 (categories): ``类别[:专业]``, the category by code or Chinese name, e.g.
  ``care:养老服务；capacity``;
- 关联关系 (relationships): ``统一社会信用代码:关系:开始日期:结束日期``, dates optional, e.g.
  ``52440319MJL018363J:employment:2021-03-01:2024-06-30``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from procure.catalog.files import Column, FileFormat, SheetRow, read_rows, write_table
from procure.catalog.rules import Problem, cell_text
from procure.committees.pool_schemas import CategoryIn, ExpertIn, RelationshipIn
from procure.committees.tables import RelationshipKind
from procure.i18n import N_

SHEET_TITLE = "评审专家库"

COLUMNS: tuple[Column, ...] = (
    Column("code", "专家编号", 12),
    Column("name", "姓名", 10),
    Column("employer", "工作单位", 30),
    Column("employer_credit_code", "工作单位统一社会信用代码", 22),
    Column("employer_department_code", "所在采购部门编码", 14),
    Column("categories", "评审类别", 30),
    Column("active_from", "聘期开始", 12),
    Column("active_until", "聘期结束", 12),
    Column("username", "登录账号", 12),
    Column("relationships", "关联关系", 56),
)
HEADER_OF = {column.field: column.header for column in COLUMNS}

#: The Chinese words for each kind of relationship; files may use either these or the codes.
KIND_NAMES_ZH: dict[RelationshipKind, str] = {
    RelationshipKind.employment: "劳动关系",
    RelationshipKind.directorship: "董事监事",
    RelationshipKind.family: "亲属关系",
    RelationshipKind.other: "其他利害关系",
}

ENTRY_SEPARATOR = re.compile(r"\r\n|\r|\n|；|;")
PART_SEPARATOR = re.compile(r"[:：]")
DATE_TEXT = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")

NOT_A_DATE = N_("%(value)s is not a date: write it as 2024-01-31")
RELATIONSHIP_SHAPE = N_(
    "relationship %(n)s (%(value)s) must read credit code:kind[:started on[:ended on]]"
)
RELATIONSHIP_DATE = N_("relationship %(n)s: %(value)s is not a date: write it as 2024-01-31")
CATEGORY_SHAPE = N_("category %(n)s (%(value)s) must read category[:specialty]")


def parse_date(value: object) -> date | None:
    """A date as a cell holds it (an Excel date, 2024-01-31, 2024/1/31, 2024年1月31日); None
    when it is none of these. Blank cells are the caller's business."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = DATE_TEXT.fullmatch(cell_text(value).strip())
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _entries(value: object) -> list[str]:
    pieces = (piece.strip() for piece in ENTRY_SEPARATOR.split(cell_text(value)))
    return [piece for piece in pieces if piece]


def _categories(
    value: object, category_names: Mapping[str, str]
) -> tuple[list[CategoryIn], list[Problem]]:
    by_name = {name: code for code, name in category_names.items()}
    categories, problems = [], []
    for n, entry in enumerate(_entries(value), start=1):
        parts = [part.strip() for part in PART_SEPARATOR.split(entry, maxsplit=1)]
        if not parts[0]:
            problems.append(Problem("categories", CATEGORY_SHAPE, {"n": n, "value": entry}))
            continue
        category = by_name.get(parts[0], parts[0])
        categories.append(CategoryIn(category=category, specialty=parts[1] if parts[1:] else ""))
    return categories, problems


def _kind(text: str) -> str:
    by_name = {name: kind.value for kind, name in KIND_NAMES_ZH.items()}
    return by_name.get(text, text)


def _relationships(value: object) -> tuple[list[RelationshipIn], list[Problem]]:
    relationships, problems = [], []
    for n, entry in enumerate(_entries(value), start=1):
        parts = [part.strip() for part in PART_SEPARATOR.split(entry)]
        if len(parts) < 2 or len(parts) > 4 or not parts[0] or not parts[1]:
            problems.append(Problem("relationships", RELATIONSHIP_SHAPE, {"n": n, "value": entry}))
            continue
        dates: list[date | None] = []
        for text in [*parts[2:], "", ""][:2]:
            day = parse_date(text) if text else None
            if text and day is None:
                problems.append(
                    Problem("relationships", RELATIONSHIP_DATE, {"n": n, "value": text})
                )
            dates.append(day)
        relationships.append(
            RelationshipIn(
                credit_code=parts[0].upper(),
                kind=_kind(parts[1]),
                started_on=dates[0],
                ended_on=dates[1],
            )
        )
    return relationships, problems


def expert_from_cells(
    cells: Mapping[str, object], category_names: Mapping[str, str]
) -> tuple[ExpertIn, list[Problem]]:
    """An expert from a row's cells, with the problems of reading them (not yet of checking
    them against the registry: that is ``pool.check_expert``). A date that cannot be read is
    left empty and reported once."""
    problems: list[Problem] = []
    dates: dict[str, date | None] = {}
    for name in ("active_from", "active_until"):
        raw = cells.get(name)
        dates[name] = parse_date(raw) if cell_text(raw).strip() else None
        if dates[name] is None and cell_text(raw).strip():
            problems.append(Problem(name, NOT_A_DATE, {"value": cell_text(raw).strip()}))
    categories, category_problems = _categories(cells.get("categories"), category_names)
    relationships, relationship_problems = _relationships(cells.get("relationships"))
    expert = ExpertIn(
        code=cell_text(cells.get("code")),
        name=cell_text(cells.get("name")),
        employer=cell_text(cells.get("employer")),
        employer_credit_code=cell_text(cells.get("employer_credit_code")).upper(),
        employer_department_code=cell_text(cells.get("employer_department_code")),
        categories=categories,
        active_from=dates["active_from"],
        active_until=dates["active_until"],
        username=cell_text(cells.get("username")),
        relationships=relationships,
    )
    return expert, problems + category_problems + relationship_problems


def read_experts(
    filename: str, content: bytes, category_names: Mapping[str, str]
) -> list[tuple[SheetRow, ExpertIn, list[Problem]]]:
    """Each row of the file as an expert with its reading problems (row and column set);
    raises Rejected when the file as a whole is unusable."""
    read = []
    for row in read_rows(filename, content, COLUMNS):
        expert, problems = expert_from_cells(row.cells, category_names)
        read.append((row, expert, [p.at(row.number, HEADER_OF[p.field]) for p in problems]))
    return read


# -- writing ------------------------------------------------------------------------------------


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _cells(expert: Mapping[str, Any], category_names: Mapping[str, str]) -> list[object]:
    categories = "；".join(
        category_names.get(c["category"], c["category"])
        + (f":{c['specialty']}" if c["specialty"] else "")
        for c in expert["categories"]
    )
    relationships = "；".join(
        ":".join(
            [
                r["credit_code"],
                KIND_NAMES_ZH[RelationshipKind(r["kind"])],
                _day(r["started_on"]),
                _day(r["ended_on"]),
            ]
        ).rstrip(":")
        for r in expert["relationships"]
    )
    values = [
        expert["code"],
        expert["name"],
        expert["employer"],
        expert["employer_credit_code"] or "",
        expert["employer_department_code"] or "",
        categories,
        _day(expert["active_from"]),
        _day(expert["active_until"]),
        expert["username"] or "",
        relationships,
    ]
    return [value or None for value in values]


def write_experts(
    file_format: FileFormat,
    experts: Iterable[Mapping[str, Any]],
    category_names: Mapping[str, str],
) -> bytes:
    """The pool as a file that ``read_experts`` reads back as the same experts. ``experts`` are
    ``pool_selectors.experts_for_export`` rows."""
    rows = [_cells(expert, category_names) for expert in experts]
    return write_table(file_format, rows, COLUMNS, SHEET_TITLE)


def problem_order(problems: Sequence[Problem]) -> list[Problem]:
    """Problems by row, then in the sheet's column order."""
    order = {column.header: index for index, column in enumerate(COLUMNS)}
    return sorted(problems, key=lambda p: (p.row or 0, order.get(p.column or "", 0)))

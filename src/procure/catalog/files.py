"""The catalog as a spreadsheet: reading and writing .xlsx and .csv files with Chinese headers.

Pure functions on bytes; the services decide what a file changes. Both formats have the same
columns, and a file written here reads back as the same items.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from procure.catalog.rules import (
    N_,
    NO,
    UNIT_NAMES_ZH,
    YES,
    Problem,
    Rejected,
    fen_to_yuan,
    item_from_text,
)
from procure.catalog.schemas import CatalogItemIn
from procure.catalog.tables import Unit

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
# A 5 MB .xlsx can inflate to gigabytes of XML; refuse to unpack more than this.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
SHEET_TITLE = "购买服务目录"

NO_FILE = N_("no file was uploaded: send the spreadsheet in the form field %(field)s")
EMPTY_FILE = N_("the file is empty")
FILE_TOO_LARGE = N_("the file is larger than %(max)s MB: split it into smaller files")
WRONG_TYPE = N_("%(name)s: only .xlsx and .csv files can be imported (save .xls files as .xlsx)")
NOT_XLSX = N_("%(name)s cannot be read as an Excel .xlsx file")
NOT_UTF8 = N_("%(name)s is not UTF-8 text: save it in Excel as “CSV UTF-8”, or upload the .xlsx")
NOT_CSV = N_("%(name)s cannot be read as CSV: %(reason)s")
WRONG_HEADERS = N_(
    "the first row must name the columns %(expected)s (missing: %(missing)s; "
    "not recognized: %(unexpected)s)"
)
NO_ROWS = N_("the file has no rows below the header")
TOO_MANY_ROWS = N_("the file has more than %(max)s rows below the header: split it")
DUPLICATE_CODE = N_("the code %(code)s is also in row %(row)s")
ROWS_REFUSED = N_("nothing was imported: %(count)s row(s) have errors")


class FileFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"

    @property
    def media_type(self) -> str:
        if self is FileFormat.xlsx:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return "text/csv"  # Litestar adds "; charset=utf-8"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    width: int


COLUMNS: tuple[Column, ...] = (
    Column("code", "编码", 14),
    Column("category", "类别", 10),
    Column("name", "名称", 32),
    Column("target_group", "服务对象", 32),
    Column("unit", "计量单位", 10),
    Column("ref_price_min_fen", "参考单价下限(元)", 16),
    Column("ref_price_max_fen", "参考单价上限(元)", 16),
    Column("outcome_indicators", "绩效指标", 48),
    Column("active", "启用", 6),
)
HEADER_OF = {column.field: column.header for column in COLUMNS}


@dataclass(frozen=True)
class SheetRow:
    """One non-blank row: its number as the spreadsheet shows it and its cells by field."""

    number: int
    cells: dict[str, object]


def _normalized_header(value: object) -> str:
    # People retype headers with full-width parentheses or stray spaces; both mean the same.
    text = "" if value is None else str(value)
    return re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")")


# A cell starting with one of these is a formula to Excel (CSV injection); written with a
# leading apostrophe it is text, and the reader takes the apostrophe off again.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


# -- reading ------------------------------------------------------------------------------------


def format_of(filename: str) -> FileFormat:
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    if suffix not in FileFormat.__members__:
        raise Rejected.one("file", WRONG_TYPE, name=filename)
    return FileFormat(suffix)


def read_rows(filename: str, content: bytes, columns: Sequence[Column] = COLUMNS) -> list[SheetRow]:
    """The data rows of an uploaded file; raises Rejected when the file as a whole is unusable.

    ``columns`` are the sheet's columns (the catalog's unless another area's sheet is read)."""
    if not content:
        raise Rejected.one("file", EMPTY_FILE)
    if len(content) > MAX_BYTES:
        raise Rejected.one("file", FILE_TOO_LARGE, max=MAX_BYTES // (1024 * 1024))
    if format_of(filename) is FileFormat.xlsx:
        try:
            return _table(_xlsx_values(content), columns)
        except Rejected:
            raise
        except Exception as error:  # openpyxl raises many kinds of errors on a broken file
            raise Rejected.one("file", NOT_XLSX, name=filename) from error
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Rejected.one("file", NOT_UTF8, name=filename) from error
    try:
        records = csv.reader(io.StringIO(text, newline=""))
        return _table(([_restored(cell) for cell in record] for record in records), columns)
    except csv.Error as error:
        raise Rejected.one("file", NOT_CSV, name=filename, reason=str(error)) from error


def _xlsx_values(content: bytes) -> Iterator[Sequence[object]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise ValueError("the archive inflates beyond the limit")
    # read_only streams the sheet instead of building every cell; data_only gives the values
    # Excel last computed rather than formulas.
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def _restored(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def _is_blank(values: Iterable[object]) -> bool:
    return all(value is None or str(value).strip() == "" for value in values)


def _table(records: Iterable[Sequence[object]], columns: Sequence[Column]) -> list[SheetRow]:
    """Header in row 1, data below; row numbers count blank rows as the spreadsheet does."""
    lines = iter(records)
    fields = _header(next(lines, ()), columns)
    rows = []
    for number, values in enumerate(lines, start=2):
        if _is_blank(values):
            continue
        if number > MAX_ROWS + 1:
            raise Rejected.one("file", TOO_MANY_ROWS, max=f"{MAX_ROWS:,}")
        cells = {field: values[i] if i < len(values) else None for i, field in fields.items()}
        rows.append(SheetRow(number, cells))
    if not rows:
        raise Rejected.one("file", NO_ROWS)
    return rows


def _header(values: Sequence[object], columns: Sequence[Column]) -> dict[int, str]:
    """Column index → field; every column exactly once, in any order; blank headers ignored."""
    field_of_header = {_normalized_header(column.header): column.field for column in columns}
    fields: dict[int, str] = {}
    unexpected = []
    for index, value in enumerate(values):
        header = _normalized_header(value)
        if not header:
            continue
        field = field_of_header.get(header)
        if field is None or field in fields.values():
            unexpected.append(str(value).strip())
        else:
            fields[index] = field
    missing = [column.header for column in columns if column.field not in fields.values()]
    if missing or unexpected:
        raise Rejected.one(
            "file",
            WRONG_HEADERS,
            expected=", ".join(column.header for column in columns),
            missing=", ".join(missing) or "—",
            unexpected=", ".join(unexpected) or "—",
        )
    return fields


def items_from_rows(
    rows: Sequence[SheetRow], categories: Mapping[str, str]
) -> tuple[list[tuple[int, CatalogItemIn]], list[Problem]]:
    """The items of the rows and every problem of every row (row number, column, reason)."""
    items: list[tuple[int, CatalogItemIn]] = []
    problems: list[Problem] = []
    first_row_of: dict[str, int] = {}
    for row in rows:
        item, row_problems = item_from_text(row.cells, categories)
        problems.extend(p.at(row.number, HEADER_OF[p.field]) for p in row_problems)
        if item is None:
            continue
        if item.code in first_row_of:
            problems.append(
                Problem(
                    "code",
                    DUPLICATE_CODE,
                    {"code": item.code, "row": first_row_of[item.code]},
                    row=row.number,
                    column=HEADER_OF["code"],
                )
            )
            continue
        first_row_of[item.code] = row.number
        items.append((row.number, item))
    return items, problems


# -- writing ------------------------------------------------------------------------------------


def _defused(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _cells(item: CatalogItemIn, categories: Mapping[str, str]) -> list[object]:
    return [
        item.code,
        categories.get(item.category, item.category),
        item.name,
        item.target_group,
        UNIT_NAMES_ZH.get(Unit(item.unit), item.unit),
        fen_to_yuan(item.ref_price_min_fen),
        fen_to_yuan(item.ref_price_max_fen),
        "\n".join(item.outcome_indicators),
        YES if item.active else NO,
    ]


def write_file(
    file_format: FileFormat, items: Iterable[CatalogItemIn], categories: Mapping[str, str]
) -> bytes:
    return write_table(
        file_format, [_cells(item, categories) for item in items], COLUMNS, SHEET_TITLE
    )


def write_table(
    file_format: FileFormat, rows: list[list[object]], columns: Sequence[Column], title: str
) -> bytes:
    """Rows under a header of the columns, as .xlsx (one sheet named ``title``) or CSV."""
    if file_format is FileFormat.xlsx:
        return _xlsx(rows, columns, title)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(column.header for column in columns)
    writer.writerows([_defused(c) if isinstance(c, str) else c for c in row] for row in rows)
    # The BOM is how Excel knows a CSV is UTF-8; without it Chinese opens as mojibake.
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[list[object]], columns: Sequence[Column], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_xlsx_cell(sheet, column.header, font=bold) for column in columns])
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value, alignment=wrap) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(
    sheet: object, value: object, font: Font | None = None, alignment: Alignment | None = None
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Text stays text: openpyxl would store "=…" as a formula.
        cell.data_type = "s"
        if alignment is not None and "\n" in value:
            cell.alignment = alignment  # shows the indicators one per line
    else:
        cell.number_format = "0.00"
    if font is not None:
        cell.font = font
    return cell

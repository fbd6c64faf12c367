"""Risk flags as a spreadsheet (.csv with a BOM, or .xlsx): one row per flag, headers and
labels in the reader's language, the evidence as JSON. Pure functions on rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from procure import i18n
from procure.i18n import N_
from procure.risk.labels import label, rule_name
from procure.settings import get_settings

# A cell starting with one of these is a formula to Excel; a quote keeps it text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"

    @property
    def media_type(self) -> str:
        if self is ExportFormat.xlsx:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return "text/csv"


Cell = Callable[[dict[str, Any], str], object]


def _time(name: str) -> Cell:
    zone = get_settings().timezone
    return lambda row, _: i18n.local_time(row[name], zone)


# (header msgid, width in characters, the cell of a row in a locale)
COLUMNS: tuple[tuple[str, int, Cell], ...] = (
    (N_("Flag number"), 8, lambda row, _: row["id"]),
    (N_("Rule code"), 14, lambda row, _: row["rule"]),
    (N_("Rule"), 28, lambda row, locale: rule_name(row["rule"], locale)),
    (N_("Severity"), 8, lambda row, locale: label(locale, "severity", row["severity"])),
    (N_("Status"), 8, lambda row, locale: label(locale, "status", row["status"])),
    (N_("Dataset"), 12, lambda row, locale: label(locale, "dataset", row["dataset"])),
    (N_("Subject type"), 10, lambda row, locale: label(locale, "subject", row["subject_type"])),
    (N_("Subject number"), 14, lambda row, _: row["subject_id"]),
    (N_("Subject"), 20, lambda row, _: row["subject_label"]),
    ("OCID", 28, lambda row, _: row["ocid"]),
    (N_("Period"), 10, lambda row, _: row["period"]),
    (N_("Buyer"), 24, lambda row, _: row["department_name"] or ""),
    (N_("Organization"), 28, lambda row, _: row["organization_name"] or ""),
    (N_("First seen"), 17, _time("first_seen_at")),
    (N_("Last seen"), 17, _time("last_seen_at")),
    (N_("Policy version"), 14, lambda row, _: row["policy_version"]),
    (
        N_("Evidence"),
        60,
        lambda row, _: json.dumps(row["evidence"], ensure_ascii=False, sort_keys=True),
    ),
)


def headers(locale: str) -> list[str]:
    gettext = i18n.translations(locale).gettext
    return [gettext(header) for header, _, _ in COLUMNS]


def table(rows: Iterable[dict[str, Any]], locale: str) -> list[list[object]]:
    return [[cell(row, locale) for _, _, cell in COLUMNS] for row in rows]


def _defused(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) else value


def write_flags(export_format: ExportFormat, rows: Iterable[dict[str, Any]], locale: str) -> bytes:
    body = table(rows, locale)
    if export_format is ExportFormat.xlsx:
        title = i18n.translations(locale).gettext("Risk flags")
        return _xlsx(title, headers(locale), body)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers(locale))
    writer.writerows([_defused(value) for value in row] for row in body)
    # The BOM is how Excel knows a CSV is UTF-8; without it Chinese opens as mojibake.
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(title: str, header: list[str], body: list[list[object]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for index, (_, width, _) in enumerate(COLUMNS):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_text(sheet, value, font=bold) for value in header])
    for row in body:
        sheet.append([_text(sheet, value) if isinstance(value, str) else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text(sheet: object, value: str, font: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # text stays text: openpyxl would store "=…" as a formula
    if font is not None:
        cell.font = font
    return cell

"""Shared test data for the catalog tests: items, spreadsheets in memory, the categories."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from procure.catalog.files import HEADER_OF

CATEGORY_NAMES = {
    "approval": "审批类",
    "care": "关照类",
    "mutual_aid": "互助类",
    "capacity": "能力类",
    "technology": "技术类",
}
HEADERS = list(HEADER_OF.values())


def item_json(code: str, **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "category": "care",
        "name": "社区助浴服务",
        "target_group": "失能半失能老人",
        "unit": "hour",
        "ref_price_min_fen": 4000,
        "ref_price_max_fen": 7050,
        "outcome_indicators": ["服务满意度不低于90%", "服务记录完整率100%"],
        "active": True,
        **overrides,
    }


def csv_bytes(rows: list[list[Any]], header: list[str] | None = None, bom: bool = True) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS if header is None else header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    """A workbook made the way Excel users make one: a plain sheet, numbers as numbers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS if header is None else header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

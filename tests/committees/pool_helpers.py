"""Shared test data for the expert pool tests: spreadsheets in memory, experts as the API takes
them, a district of the tests' own."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from procure.committees.pool_files import COLUMNS
from procure.geography.tables import District

HEADERS = [column.header for column in COLUMNS]
XINLIANXIN = "52440319MJL018363J"  # 心连心社工, a demo organization
QIMINGXING = "52440319MJL27405XP"  # 启明星社工


def row(code: str, **cells: Any) -> list[Any]:
    """One sheet row in the columns' order; unnamed cells hold a valid expert."""
    values = {
        "code": code,
        "name": "测试专家",
        "employer": "滨海大学",
        "employer_credit_code": "",
        "employer_department_code": "",
        "categories": "care:养老服务",
        "active_from": "2024-01-01",
        "active_until": "",
        "username": "",
        "relationships": "",
        **cells,
    }
    return [values[column.field] for column in COLUMNS]


def csv_bytes(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS if header is None else header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def expert_json(code: str, **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "测试专家",
        "employer": "滨海大学",
        "categories": [{"category": "care", "specialty": "养老服务"}],
        "active_from": "2024-01-01",
        **overrides,
    }


async def own_district(code: str) -> int:
    """A district of the test's own, so counts do not depend on other tests."""
    found = await District.select(District.id).where(District.code == code).first()
    if found is not None:
        return int(found["id"])
    rows = await District.insert(District(code=code, name=f"测试区{code}"))
    return int(rows[0]["id"])

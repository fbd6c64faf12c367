"""Setup workbooks built in the tests with openpyxl: a small valid district of its own per test
(codes under a prefix the test chooses), and helpers to spoil or rename its cells."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

Sheets = dict[str, list[list[Any]]]


def district(prefix: str) -> Sheets:
    """A district ``prefix``000000 with two streets, four communities (one a village), three
    departments, one committee renamed and five users. Department codes and usernames carry
    the prefix, so districts of different tests never share a natural key."""
    d, east, west = f"{prefix}000000", f"{prefix}001000", f"{prefix}002000"
    return {
        "区划": [
            ["统计用区划代码", "名称", "上级代码", "人口", "户数"],
            [d, f"测试区{prefix}", "", "", ""],
            [east, "东街道", d, "", ""],
            [west, "西镇", "", "", ""],
            [f"{prefix}001001", "东一社区", east, 5000, 1800],
            [f"{prefix}001002", "东二社区", east, "", ""],
            # Excel turns a code typed in a cell into a number; it reads back as its digits.
            [float(f"{prefix}002001"), "西一社区", west, 3000, 1000],
            [f"{prefix}002201", "西山村", west, 900, 300],
        ],
        "部门": [
            ["部门编码", "名称", "级别", "所属街道代码"],
            [f"T{prefix}-MZJ", "测试区民政局", "区级", ""],
            [f"T{prefix}-DJD", "东街道办事处", "街道级", east],
            [f"T{prefix}-CZJ", "测试区财政局", "district", ""],
        ],
        "居委会": [
            ["社区代码", "居委会名称"],
            [f"{prefix}001001", "东一社区居民委员会(新)"],
        ],
        "用户": [
            ["登录账号", "姓名", "角色", "所属单位代码", "职责", "初始密码"],
            [f"u{prefix}-buyer", "王敏", "采购人", f"T{prefix}-MZJ", "经办", "a-long-password-1"],
            [f"u{prefix}-approver", "赵立新", "采购人", f"T{prefix}-MZJ", "审批", ""],
            [f"u{prefix}-regulator", "钱卫东", "财政监管", f"T{prefix}-CZJ", "", ""],
            [f"u{prefix}-committee", "周桂兰", "居委会", f"{prefix}001001", "", ""],
            [f"u{prefix}-auditor", "郑国华", "auditor", "", "", ""],
        ],
    }


def xlsx(sheets: Sheets) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([None if value == "" else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def in_english(sheets: Sheets) -> Sheets:
    """The same workbook with English sheet names and headers."""
    names = {"区划": "Divisions", "部门": "Departments", "居委会": "Committees", "用户": "Users"}
    headers = {
        "统计用区划代码": "Division code",
        "名称": "Name",
        "上级代码": "Parent code",
        "人口": "Population",
        "户数": "Households",
        "部门编码": "Code",
        "级别": "Level",
        "所属街道代码": "Sub-district code",
        "社区代码": "Community code",
        "居委会名称": "Committee name",
        "登录账号": "Username",
        "姓名": "Name",
        "角色": "Role",
        "所属单位代码": "Unit code",
        "职责": "Duties",
        "初始密码": "Initial password",
    }
    return {
        names[title]: [[headers[h] for h in rows[0]], *rows[1:]] for title, rows in sheets.items()
    }

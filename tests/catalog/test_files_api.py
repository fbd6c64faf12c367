"""Import and export through the API: both formats, all or nothing, and the round trip."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook

from procure.audit.tables import AuditEvent
from procure.catalog.files import MAX_BYTES
from tests.catalog.helpers import HEADERS, csv_bytes, item_json, xlsx_bytes
from tests.conftest import csrf_headers, login

ITEMS = "/api/v1/catalog/items"
IMPORT = "/api/v1/catalog/import"
EXPORT = "/api/v1/catalog/export"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def upload(client: AsyncTestClient, filename: str, content: bytes):  # type: ignore[no-untyped-def]
    await login(client, "buyer")
    return await client.post(
        IMPORT, files={"file": (filename, content)}, headers=csrf_headers(client)
    )


async def catalog(client: AsyncTestClient) -> dict[str, dict]:
    """The whole catalog, page after page (the API pages by 100 at most)."""
    items: list[dict] = []
    page = 1
    while True:
        params = {"include_inactive": "true", "per_page": "100", "page": str(page)}
        answer = await client.get(ITEMS, params=params)
        items += answer.json()
        if 'rel="next"' not in answer.headers["link"]:
            return {item["code"]: item for item in items}
        page += 1


async def test_an_xlsx_file_adds_new_items_and_updates_known_ones(client: AsyncTestClient) -> None:
    rows = [
        [
            "T-XLSX-001",
            "关照类",
            "助浴服务",
            "失能老人",
            "小时",
            45.5,
            80,
            "满意度不低于90%\n无投诉",
            "是",
        ],
        ["T-XLSX-002", "capacity", "社区骨干培训", "", "session", "1,000", "2000.00", "", "否"],
    ]
    response = await upload(client, "目录.xlsx", xlsx_bytes(rows))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "created": ["T-XLSX-001", "T-XLSX-002"],
        "updated": [],
        "unchanged": 0,
    }
    items = await catalog(client)
    first = items["T-XLSX-001"]
    assert (first["category"], first["unit"]) == ("care", "hour")
    assert (first["ref_price_min_fen"], first["ref_price_max_fen"]) == (4550, 8000)
    assert first["outcome_indicators"] == ["满意度不低于90%", "无投诉"]
    assert items["T-XLSX-002"]["active"] is False
    assert items["T-XLSX-002"]["ref_price_min_fen"] == 100000

    rows[1][8] = "是"
    again = await upload(client, "目录.xlsx", xlsx_bytes(rows))
    assert again.json() == {"created": [], "updated": ["T-XLSX-002"], "unchanged": 1}
    assert (await catalog(client))["T-XLSX-002"]["active"] is True


async def test_a_csv_file_with_a_bom_imports(client: AsyncTestClient) -> None:
    rows = [
        [
            "T-CSV-001",
            "互助类",
            "邻里互助小组",
            "居民",
            "项目",
            "5000",
            "20000",
            "小组数不少于3个；活动不少于12次",
            "",
        ]
    ]
    for bom in (True, False):
        response = await upload(client, "目录.csv", csv_bytes(rows, bom=bom))
        assert response.status_code == 200, response.text
    item = (await catalog(client))["T-CSV-001"]
    assert (item["category"], item["unit"], item["active"]) == ("mutual_aid", "project", True)
    assert item["outcome_indicators"] == ["小组数不少于3个", "活动不少于12次"]


async def test_one_bad_row_and_nothing_changes(client: AsyncTestClient) -> None:
    before = await catalog(client)
    known = before["C-CARE-001"]
    rows = [
        ["T-AON-001", "care", "好的一行", "", "hour", "40", "70", "", "是"],
        ["C-CARE-001", "care", "改了名字", "", "hour", "40", "70", "", "是"],
        ["T-AON-002", "养老类", "坏的一行", "", "hour", "80", "70", "", "是"],
        [],
        ["bad code", "care", "", "", "分钟", "40.123", "70", "", "也许"],
    ]
    response = await upload(client, "目录.csv", csv_bytes(rows))
    assert response.status_code == 400
    answer = response.json()
    assert (answer["field"], answer["detail"]) == (
        "file",
        "nothing was imported: 2 row(s) have errors",
    )
    assert [(e["row"], e["column"], e["message"]) for e in answer["errors"]] == [
        (
            4,
            "类别",
            "unknown category 养老类: use one of approval (审批类), care (关照类), "
            "mutual_aid (互助类), capacity (能力类), technology (技术类)",
        ),
        (4, "参考单价上限(元)", "must not be less than the lower limit"),
        (6, "编码", "must be 3–32 characters: uppercase letters A–Z, digits and hyphens"),
        (6, "名称", "must not be empty"),
        (
            6,
            "计量单位",
            "unknown unit 分钟: use one of hour (小时), session (次), household (户), "
            "person (人), month (月), project (项目), event (场)",
        ),
        (6, "参考单价下限(元)", "must be an amount in yuan with at most two decimals, e.g. 45.50"),
        (6, "启用", "must be 是 or 否"),
    ]
    after = await catalog(client)
    assert after == before
    assert after["C-CARE-001"]["name"] == known["name"]


async def test_a_unit_change_of_an_item_in_use_is_a_row_error(client: AsyncTestClient) -> None:
    used = (await catalog(client))["C-CARE-003"]
    other_unit = "月" if used["unit"] != "month" else "小时"
    rows = [["C-CARE-003", "care", used["name"], "", other_unit, "1", "2", "", "是"]]
    answer = (await upload(client, "目录.csv", csv_bytes(rows))).json()
    assert answer["errors"] == [
        {
            "row": 2,
            "column": "计量单位",
            "field": "unit",
            "message": "cannot change once tenders or contracts use this item: create a new item",
        }
    ]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("目录.csv", b"", "the file is empty"),
        (
            "目录.xlsx",
            b"PK\x03\x04 not really a zip",
            "目录.xlsx cannot be read as an Excel .xlsx file",
        ),
        (
            "目录.csv",
            "编码,类别\n".encode("gb18030"),
            "目录.csv is not UTF-8 text: save it in Excel as “CSV UTF-8”, or upload the .xlsx",
        ),
        (
            "目录.csv",
            csv_bytes([["T-X", "care"]], header=["编码", "类别"]),
            "the first row must name the columns 编码, 类别, 名称, 服务对象, 计量单位, "
            "参考单价下限(元), 参考单价上限(元), 绩效指标, 启用 (missing: 名称, 服务对象, "
            "计量单位, 参考单价下限(元), 参考单价上限(元), 绩效指标, 启用; not recognized: —)",
        ),
        (
            "目录.csv",
            b"x" * (MAX_BYTES + 1),
            "the file is larger than 5 MB: split it into smaller files",
        ),
        (
            "目录.pdf",
            b"%PDF",
            "目录.pdf: only .xlsx and .csv files can be imported (save .xls files as .xlsx)",
        ),
    ],
)
async def test_an_unusable_file_gets_a_clear_error(
    client: AsyncTestClient, filename: str, content: bytes, message: str
) -> None:
    response = await upload(client, filename, content)
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["detail"]) == ("file", message)


async def test_duplicate_codes_in_a_file_are_refused(client: AsyncTestClient) -> None:
    row = ["T-DUP-001", "care", "重复", "", "hour", "1", "2", "", "是"]
    answer = (await upload(client, "目录.csv", csv_bytes([row, row]))).json()
    assert [(e["row"], e["column"], e["message"]) for e in answer["errors"]] == [
        (3, "编码", "the code T-DUP-001 is also in row 2")
    ]
    assert "T-DUP-001" not in await catalog(client)


async def test_an_import_without_a_file_says_so(client: AsyncTestClient) -> None:
    await login(client, "buyer")
    response = await client.post(IMPORT, files={"other": (None, "x")}, headers=csrf_headers(client))
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "no file was uploaded: send the spreadsheet in the form field file"
    )


async def test_an_organization_cannot_import(client: AsyncTestClient) -> None:
    await login(client, "org")
    rows = [["T-ORG-001", "care", "x", "", "hour", "1", "2", "", "是"]]
    response = await client.post(
        IMPORT, files={"file": ("目录.csv", csv_bytes(rows))}, headers=csrf_headers(client)
    )
    assert response.status_code == 403
    assert "T-ORG-001" not in await catalog(client)


async def test_the_export_is_a_named_download(client: AsyncTestClient) -> None:
    xlsx = await client.get(EXPORT)
    assert xlsx.headers["content-type"] == XLSX_TYPE
    disposition = xlsx.headers["content-disposition"]
    assert re.fullmatch(
        r"attachment; filename=\"service-catalog-\d{8}\.xlsx\"; filename\*=UTF-8''\S+", disposition
    )
    assert re.fullmatch(r"购买服务目录-\d{8}\.xlsx", unquote(disposition.split("''")[1]))
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
    assert next(sheet.iter_rows(values_only=True)) == tuple(HEADERS)
    csv = await client.get(EXPORT, params={"format": "csv"})
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.content.startswith("\ufeff编码,类别,名称".encode())
    assert "C-CARE-001,关照类,居家养老上门服务" in csv.content.decode("utf-8-sig")
    assert (await client.get(EXPORT, params={"format": "xls"})).status_code == 400


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
async def test_export_then_import_changes_nothing(
    client: AsyncTestClient, file_format: str
) -> None:
    await login(client, "buyer")
    tricky = item_json(
        f"T-RT-{file_format.upper()}",
        name='=1+1, "引号", 逗号',
        target_group="-老人",
        outcome_indicators=["@满意度", "'记录'"],
        ref_price_min_fen=1,
        active=False,
    )
    created = await client.post(ITEMS, json=tricky, headers=csrf_headers(client))
    assert created.status_code == 201
    before = await catalog(client)
    exported = await client.get(EXPORT, params={"format": file_format})
    imports = AuditEvent.count().where(AuditEvent.action == "catalog.imported")
    events = await imports
    response = await upload(client, f"目录.{file_format}", exported.content)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": [], "updated": [], "unchanged": len(before)}
    assert await catalog(client) == before
    assert await AuditEvent.count().where(AuditEvent.action == "catalog.imported") == events + 1

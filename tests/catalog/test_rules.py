"""The catalog's rules and its spreadsheet format, without a database."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from openpyxl import load_workbook

from procure.catalog.files import (
    MAX_BYTES,
    MAX_ROWS,
    FileFormat,
    items_from_rows,
    read_rows,
    write_file,
)
from procure.catalog.rules import MAX_PRICE_FEN, Rejected, check_item, item_from_text
from procure.catalog.schemas import CatalogItemIn
from procure.catalog.tables import CategoryCode, Unit
from tests.catalog.helpers import CATEGORY_NAMES, HEADERS, csv_bytes, item_json, xlsx_bytes

CATEGORY_CHOICES = (
    "approval (审批类), care (关照类), mutual_aid (互助类), capacity (能力类), technology (技术类)"
)
CODE = "must be 3–32 characters: uppercase letters A–Z, digits and hyphens"
UNIT_CHOICES = (
    "hour (小时), session (次), household (户), person (人), month (月), project (项目), event (场)"
)


def problems_of(**overrides: Any) -> list[tuple[str, str]]:
    item = CatalogItemIn(**{**item_json("C-TEST-001"), **overrides})
    return [(p.field, p.text()) for p in check_item(item, CATEGORY_NAMES)]


def test_a_valid_item_has_no_problems() -> None:
    assert problems_of() == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "c-care-1"}, "code", CODE),
        ({"code": "AB"}, "code", CODE),
        ({"code": "A" * 33}, "code", CODE),
        ({"code": "C_CARE"}, "code", CODE),
        ({"code": "  "}, "code", "must not be empty"),
        (
            {"category": "elderly"},
            "category",
            f"unknown category elderly: use one of {CATEGORY_CHOICES}",
        ),
        ({"unit": "minute"}, "unit", f"unknown unit minute: use one of {UNIT_CHOICES}"),
        ({"unit": "小时"}, "unit", f"unknown unit 小时: use one of {UNIT_CHOICES}"),
        ({"name": " \u3000 "}, "name", "must not be empty"),
        ({"name": "名" * 201}, "name", "must be at most 200 characters"),
        ({"name": "助浴\x07"}, "name", "must not contain control characters or line breaks"),
        (
            {"target_group": "老人\n儿童"},
            "target_group",
            "must not contain control characters or line breaks",
        ),
        ({"ref_price_min_fen": -1}, "ref_price_min_fen", "must not be negative"),
        (
            {"ref_price_max_fen": MAX_PRICE_FEN + 1},
            "ref_price_max_fen",
            "must be at most 100,000,000 yuan",
        ),
        ({"ref_price_min_fen": 7051}, "ref_price_max_fen", "must not be less than the lower limit"),
        ({"outcome_indicators": ["满意度", " "]}, "outcome_indicators", "indicator 2 is empty"),
        (
            {"outcome_indicators": ["满意度；完整率"]},
            "outcome_indicators",
            "indicator 1 must not contain ；, which separates indicators",
        ),
        (
            {"outcome_indicators": ["a\nb"]},
            "outcome_indicators",
            "indicator 1 must not contain control characters or line breaks",
        ),
        (
            {"outcome_indicators": ["x" * 501]},
            "outcome_indicators",
            "indicator 1 is longer than 500 characters",
        ),
        ({"outcome_indicators": ["x"] * 21}, "outcome_indicators", "at most 20 indicators"),
    ],
)
def test_each_rule_names_its_field_and_reason(
    overrides: dict[str, Any], field: str, message: str
) -> None:
    assert problems_of(**overrides) == [(field, message)]


def test_every_problem_of_an_item_is_reported_at_once() -> None:
    assert problems_of(code="x", name="", ref_price_min_fen=-5) == [
        ("code", CODE),
        ("name", "must not be empty"),
        ("ref_price_min_fen", "must not be negative"),
    ]


def test_people_write_values_in_chinese_and_yuan() -> None:
    values = {
        "code": "C-TEST-002",
        "category": "关照类",
        "name": "助餐服务",
        "target_group": "",
        "unit": "次",
        "ref_price_min_fen": "1,200.5",
        "ref_price_max_fen": 1300,
        "outcome_indicators": "满意度不低于90%；\n送餐准时率不低于95%\n",
        "active": "否",
    }
    item, problems = item_from_text(values, CATEGORY_NAMES)
    assert problems == []
    assert item == CatalogItemIn(
        code="C-TEST-002",
        category="care",
        name="助餐服务",
        unit="session",
        ref_price_min_fen=120050,
        ref_price_max_fen=130000,
        outcome_indicators=["满意度不低于90%", "送餐准时率不低于95%"],
        active=False,
    )


@pytest.mark.parametrize("amount", ["abc", "45.505", "NaN", "Infinity", "45元", True, 0.1 + 0.2])
def test_an_amount_that_is_not_yuan_is_refused(amount: object) -> None:
    values = {**item_json("C-TEST-003"), "ref_price_min_fen": amount, "ref_price_max_fen": "70"}
    item, problems = item_from_text(values, CATEGORY_NAMES)
    assert item is None
    assert [(p.field, p.text()) for p in problems] == [
        ("ref_price_min_fen", "must be an amount in yuan with at most two decimals, e.g. 45.50")
    ]


def test_unreadable_cells_do_not_hide_the_other_problems() -> None:
    values = {
        "code": "bad code",
        "category": "养老类",
        "name": "",
        "unit": "分钟",
        "ref_price_min_fen": "",
        "ref_price_max_fen": "七十",
        "active": "启用",
    }
    _, problems = item_from_text(values, CATEGORY_NAMES)
    assert [(p.field, p.text()) for p in problems] == [
        ("code", CODE),
        ("category", f"unknown category 养老类: use one of {CATEGORY_CHOICES}"),
        ("name", "must not be empty"),
        ("unit", f"unknown unit 分钟: use one of {UNIT_CHOICES}"),
        ("ref_price_min_fen", "must not be empty"),
        ("ref_price_max_fen", "must be an amount in yuan with at most two decimals, e.g. 45.50"),
        ("active", "must be 是 or 否"),
    ]


# -- the file format ----------------------------------------------------------------------------


def refusal(filename: str, content: bytes) -> str:
    with pytest.raises(Rejected) as caught:
        read_rows(filename, content)
    assert caught.value.field == "file"
    return caught.value.message


GOOD_ROW = ["C-TEST-010", "care", "助浴", "老人", "hour", "40", "70", "满意度", "是"]


def test_headers_may_come_in_any_order_with_full_width_parentheses() -> None:
    header = [h.replace("(", "（").replace(")", "）") for h in reversed(HEADERS)]
    rows = read_rows("目录.csv", csv_bytes([list(reversed(GOOD_ROW))], header=header))
    items, problems = items_from_rows(rows, CATEGORY_NAMES)
    assert problems == []
    assert items[0][1].ref_price_max_fen == 7000


def test_blank_rows_are_skipped_but_still_counted() -> None:
    rows = read_rows("目录.csv", csv_bytes([[], ["", ""], GOOD_ROW]))
    assert [row.number for row in rows] == [4]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("目录.csv", b"", "the file is empty"),
        (
            "目录.csv",
            b"x" * (MAX_BYTES + 1),
            "the file is larger than 5 MB: split it into smaller files",
        ),
        (
            "目录.xls",
            b"\xd0\xcf\x11\xe0",
            "目录.xls: only .xlsx and .csv files can be imported (save .xls files as .xlsx)",
        ),
        (
            "目录",
            b"a,b",
            "目录: only .xlsx and .csv files can be imported (save .xls files as .xlsx)",
        ),
        ("目录.xlsx", csv_bytes([GOOD_ROW]), "目录.xlsx cannot be read as an Excel .xlsx file"),
        (
            "目录.csv",
            "编码,类别\n".encode("gbk"),
            "目录.csv is not UTF-8 text: save it in Excel as “CSV UTF-8”, or upload the .xlsx",
        ),
        ("目录.csv", csv_bytes([]), "the file has no rows below the header"),
        ("目录.csv", csv_bytes([[], [" "]]), "the file has no rows below the header"),
        ("目录.xlsx", xlsx_bytes([]), "the file has no rows below the header"),
    ],
)
def test_unusable_files_are_refused_as_a_whole(filename: str, content: bytes, message: str) -> None:
    assert refusal(filename, content) == message


def test_wrong_headers_say_what_is_missing_and_what_is_not_recognized() -> None:
    header = [*HEADERS[:4], "单位", *HEADERS[5:], "名称"]
    assert refusal("目录.csv", csv_bytes([GOOD_ROW], header=header)) == (
        "the first row must name the columns 编码, 类别, 名称, 服务对象, 计量单位, "
        "参考单价下限(元), 参考单价上限(元), 绩效指标, 启用 "
        "(missing: 计量单位; not recognized: 单位, 名称)"
    )
    assert "missing: 编码, 类别" in refusal("目录.xlsx", xlsx_bytes([GOOD_ROW], header=[]))


def test_more_than_5000_rows_are_refused() -> None:
    rows = [[f"C-T-{n}", *GOOD_ROW[1:]] for n in range(MAX_ROWS)]
    assert len(read_rows("目录.csv", csv_bytes(rows))) == MAX_ROWS
    assert refusal("目录.csv", csv_bytes([*rows, GOOD_ROW])) == (
        "the file has more than 5,000 rows below the header: split it"
    )


def test_an_xlsx_that_would_inflate_beyond_the_limit_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (101 * 1024 * 1024))
    assert (
        refusal("目录.xlsx", buffer.getvalue()) == "目录.xlsx cannot be read as an Excel .xlsx file"
    )


def test_a_code_twice_in_one_file_is_reported_at_the_second_row() -> None:
    rows = read_rows("目录.csv", csv_bytes([GOOD_ROW, GOOD_ROW]))
    items, problems = items_from_rows(rows, CATEGORY_NAMES)
    assert len(items) == 1
    assert [(p.row, p.column, p.text()) for p in problems] == [
        (3, "编码", "the code C-TEST-010 is also in row 2")
    ]


def test_cells_that_excel_would_run_as_formulas_are_written_as_text() -> None:
    item = CatalogItemIn(**item_json("-C-TEST-011", name='=HYPERLINK("http://x")'))
    text = write_file(FileFormat.csv, [item], CATEGORY_NAMES).decode("utf-8-sig")
    assert '\'-C-TEST-011,关照类,"\'=HYPERLINK(""http://x"")"' in text
    workbook = load_workbook(io.BytesIO(write_file(FileFormat.xlsx, [item], CATEGORY_NAMES)))
    cell = workbook.worksheets[0]["C2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


def test_csv_is_written_with_a_bom_and_chinese_headers() -> None:
    content = write_file(FileFormat.csv, [CatalogItemIn(**item_json("C-TEST-012"))], CATEGORY_NAMES)
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").splitlines()[0] == ",".join(HEADERS)


# -- any valid item survives a file -------------------------------------------------------------

text_strategy = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff；"),
    max_size=60,
)


@st.composite
def valid_items(draw: st.DrawFn) -> CatalogItemIn:
    low, high = sorted(draw(st.lists(st.integers(0, MAX_PRICE_FEN), min_size=2, max_size=2)))
    item = CatalogItemIn(
        code=draw(st.from_regex(r"[A-Z0-9-]{3,32}", fullmatch=True)),
        category=draw(st.sampled_from(CategoryCode)).value,
        name=draw(text_strategy),
        target_group=draw(text_strategy),
        unit=draw(st.sampled_from(Unit)).value,
        ref_price_min_fen=low,
        ref_price_max_fen=high,
        outcome_indicators=draw(st.lists(text_strategy, max_size=5)),
        active=draw(st.booleans()),
    )
    assume(check_item(item, CATEGORY_NAMES) == [])
    return item


@pytest.mark.parametrize("file_format", list(FileFormat))
@given(item=valid_items())
def test_any_valid_item_written_to_a_file_reads_back_equal(
    file_format: FileFormat, item: CatalogItemIn
) -> None:
    content = write_file(file_format, [item], CATEGORY_NAMES)
    items, problems = items_from_rows(read_rows(f"目录.{file_format}", content), CATEGORY_NAMES)
    assert problems == []
    assert [read for _, read in items] == [item]

"""Import and export of the expert pool through the API: both formats, all or nothing with every
bad row reported, re-import by code, and the round trip."""

from __future__ import annotations

import io
import re
from datetime import date
from urllib.parse import unquote

import pytest
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook

from procure.audit.tables import AuditEvent
from procure.committees.tables import Expert
from procure.security.tables import User
from tests.committees.pool_helpers import (
    HEADERS,
    QIMINGXING,
    XINLIANXIN,
    csv_bytes,
    own_district,
    row,
    xlsx_bytes,
)

IMPORT = "/api/v1/experts/import"
EXPORT = "/api/v1/experts/export"
EXPERTS = "/api/v1/experts"


async def upload(
    client: AsyncTestClient,
    headers: dict[str, str],
    filename: str,
    content: bytes,
    district: str = "",
):  # type: ignore[no-untyped-def]
    params = {"district": district} if district else {}
    return await client.post(
        IMPORT, files={"file": (filename, content)}, headers=headers, params=params
    )


async def expert(client: AsyncTestClient, headers: dict[str, str], code: str) -> dict:
    found = await Expert.select(Expert.id).where(Expert.code == code).first()
    assert found is not None, code
    response = await client.get(f"{EXPERTS}/{found['id']}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def imports() -> int:
    return await AuditEvent.count().where(AuditEvent.action == "expert_pool.imported")


async def test_an_xlsx_file_adds_experts_with_categories_links_and_relationships(
    client: AsyncTestClient, as_user
) -> None:
    headers = await as_user("regulator")
    rows = [
        row(
            "T-X-001",
            name="林晓",
            employer="滨海区心连心社会工作服务中心",
            employer_credit_code=XINLIANXIN,
            categories="关照类:养老服务；capacity",
            active_from=date(2024, 3, 1),
            active_until="2027/12/31",
            relationships=f"{QIMINGXING}:directorship:2023-01-01\n{XINLIANXIN}:劳动关系:2020-01-01:2024-06-30",
        ),
        row("T-X-002", employer="滨海区民政局", employer_department_code="D-MZJ"),
    ]
    before = await imports()
    response = await upload(client, headers, "专家库.xlsx", xlsx_bytes(rows))
    assert response.status_code == 200, response.text
    assert response.json() == {"created": ["T-X-001", "T-X-002"], "updated": [], "unchanged": 0}
    assert await imports() == before + 1
    first = await expert(client, headers, "T-X-001")
    assert first["categories"] == [
        {"category": "care", "specialty": "养老服务"},
        {"category": "capacity", "specialty": ""},
    ]
    assert (first["active_from"], first["active_until"]) == ("2024-03-01", "2027-12-31")
    assert first["employer_credit_code"] == XINLIANXIN
    assert [
        (r["credit_code"], r["kind"], r["started_on"], r["ended_on"])
        for r in first["relationships"]
    ] == [
        (QIMINGXING, "directorship", "2023-01-01", None),
        (XINLIANXIN, "employment", "2020-01-01", "2024-06-30"),
    ]
    second = await expert(client, headers, "T-X-002")
    assert second["employer_department_code"] == "D-MZJ"


async def test_a_csv_file_imports_and_links_an_expert_account(
    client: AsyncTestClient, as_user
) -> None:
    await User.insert(
        User(
            username="t-pool-expert", display_name="测试专家账号", password_hash="x", role="expert"
        )
    )
    headers = await as_user("admin")  # admin corrects data errors, naming the district
    await own_district("T-OTHER-3")  # with two districts, the administrator must name one
    unnamed = await upload(client, headers, "专家库.csv", csv_bytes([row("T-C-001")]))
    assert unnamed.status_code == 400
    assert unnamed.json()["detail"] == (
        "name the district whose pool this changes (its code, e.g. 440319)"
    )
    rows = [row("T-C-001", username="expert"), row("T-C-002", username="t-pool-expert")]
    response = await upload(client, headers, "专家库.csv", csv_bytes(rows), district="440319")
    assert response.status_code == 400  # the account expert belongs to the demo's ZJ-001
    assert [(e["row"], e["column"], e["message"]) for e in response.json()["errors"]] == [
        (2, "登录账号", "the account expert already belongs to expert ZJ-001")
    ]
    rows = [row("T-C-001"), row("T-C-002", username="t-pool-expert")]
    response = await upload(client, headers, "专家库.csv", csv_bytes(rows), district="440319")
    assert response.status_code == 200, response.text
    assert response.json()["created"] == ["T-C-001", "T-C-002"]
    assert (await expert(client, headers, "T-C-002"))["username"] == "t-pool-expert"
    rows.append(row("T-C-003", username="t-pool-expert"))
    twice = await upload(client, headers, "专家库.csv", csv_bytes(rows), district="440319")
    assert [(e["row"], e["column"], e["message"]) for e in twice.json()["errors"]] == [
        (4, "登录账号", "the account t-pool-expert already belongs to expert T-C-002")
    ]
    await User.insert(
        User(
            username="t-pool-expert2",
            display_name="测试专家账号2",
            password_hash="x",
            role="expert",
        )
    )
    rows = [row("T-C-004", username="t-pool-expert2"), row("T-C-005", username="t-pool-expert2")]
    twice = await upload(client, headers, "专家库.csv", csv_bytes(rows), district="440319")
    assert [(e["row"], e["column"], e["message"]) for e in twice.json()["errors"]] == [
        (3, "登录账号", "the account t-pool-expert2 is also in row 2")
    ]


async def test_every_bad_row_is_reported_and_nothing_is_written(
    client: AsyncTestClient, as_user
) -> None:
    headers = await as_user("regulator")
    rows = [
        row("T-BAD-001"),  # good, but not written: all or nothing
        row("T-BAD-002", categories="养老类"),
        row("T-BAD-003", employer_credit_code="52440319MJL000000X"),
        row("T-BAD-004", active_from="2024-13-01", active_until="明年"),
        row("T-BAD-005", active_from="2025-01-01", active_until="2024-12-31"),
        row("T-BAD-006", relationships="52440319MJL000000X:employment:2024-01-01"),
        row("T-BAD-007", relationships=f"{XINLIANXIN}:friendship；{XINLIANXIN}:employment:昨天"),
        row("T-BAD-001"),
        row("bad code", name="", categories="", employer_department_code="D-NONE"),
        row("T-BAD-010", username="buyer"),
        row("T-BAD-011", username="nobody-here"),
        row("ZJ-001"),  # a demo expert: allowed (an update), so no error here
    ]
    before = await imports()
    response = await upload(client, headers, "专家库.csv", csv_bytes(rows))
    assert response.status_code == 400
    answer = response.json()
    assert (answer["field"], answer["detail"]) == (
        "file",
        "nothing was imported: 10 row(s) have errors",
    )
    assert [(e["row"], e["column"], e["message"]) for e in answer["errors"]] == [
        (
            3,
            "评审类别",
            "unknown category 养老类: use one of approval (审批类), care (关照类), "
            "mutual_aid (互助类), capacity (能力类), technology (技术类)",
        ),
        (
            4,
            "工作单位统一社会信用代码",
            "no organization with the credit code 52440319MJL000000X in the registry: "
            "register it first",
        ),
        (5, "聘期开始", "2024-13-01 is not a date: write it as 2024-01-31"),
        (5, "聘期结束", "明年 is not a date: write it as 2024-01-31"),
        (6, "聘期结束", "must not be before the start of the term"),
        (
            7,
            "关联关系",
            "relationship 1: no organization with the credit code 52440319MJL000000X in the "
            "registry",
        ),
        (8, "关联关系", "relationship 2: 昨天 is not a date: write it as 2024-01-31"),
        (9, "专家编号", "the code T-BAD-001 is also in row 2"),
        (10, "专家编号", "must be 3–32 characters: uppercase letters A–Z, digits and hyphens"),
        (10, "姓名", "must not be empty"),
        (10, "所在采购部门编码", "no buying department with the code D-NONE"),
        (10, "评审类别", "name at least one category of the service catalog"),
        (11, "登录账号", "the account buyer has the role buyer, not expert"),
        (
            12,
            "登录账号",
            "no account named nobody-here: create the expert's account first",
        ),
    ]
    assert await Expert.count().where(Expert.code.like("T-BAD-%")) == 0
    assert await imports() == before


async def test_an_unknown_relationship_kind_is_a_row_error(
    client: AsyncTestClient, as_user
) -> None:
    headers = await as_user("regulator")
    rows = [row("T-KIND-001", relationships=f"{XINLIANXIN}:friendship:2024-01-01")]
    answer = (await upload(client, headers, "专家库.csv", csv_bytes(rows))).json()
    assert [(e["row"], e["column"], e["message"]) for e in answer["errors"]] == [
        (
            2,
            "关联关系",
            "relationship 1: unknown kind friendship: use one of employment (劳动关系), "
            "directorship (董事监事), family (亲属关系), other (其他利害关系)",
        )
    ]


async def test_reimport_updates_by_code_and_keeps_what_is_unchanged(
    client: AsyncTestClient, as_user
) -> None:
    headers = await as_user("regulator")
    rows = [
        row("T-RE-001", relationships=f"{XINLIANXIN}:employment:2022-01-01"),
        row("T-RE-002"),
    ]
    assert (await upload(client, headers, "a.csv", csv_bytes(rows))).status_code == 200
    first = await expert(client, headers, "T-RE-001")
    rows[0] = row(
        "T-RE-001",
        name="改名专家",
        categories="technology",
        relationships=f"{XINLIANXIN}:employment:2022-01-01:2025-05-31",
    )
    response = await upload(client, headers, "a.csv", csv_bytes(rows))
    assert response.json() == {"created": [], "updated": ["T-RE-001"], "unchanged": 1}
    again = await expert(client, headers, "T-RE-001")
    assert again["id"] == first["id"]
    assert again["name"] == "改名专家"
    assert again["categories"] == [{"category": "technology", "specialty": ""}]
    # The same relationship (organization, kind, start) keeps its row; only its end changed.
    assert [r["id"] for r in again["relationships"]] == [r["id"] for r in first["relationships"]]
    assert again["relationships"][0]["ended_on"] == "2025-05-31"
    assert await Expert.count().where(Expert.code.like("T-RE-%")) == 2
    rows[0] = row("T-RE-001", name="改名专家", categories="technology")
    assert (await upload(client, headers, "a.csv", csv_bytes(rows))).json()["updated"] == [
        "T-RE-001"
    ]
    assert (await expert(client, headers, "T-RE-001"))["relationships"] == []


async def test_a_code_of_another_districts_pool_is_refused(
    client: AsyncTestClient, as_user
) -> None:
    other = await own_district("T-OTHER-1")
    await Expert.insert(
        Expert(code="T-ELSE-001", name="外区专家", district=other, active_from=date(2024, 1, 1))
    )
    headers = await as_user("regulator")
    answer = (await upload(client, headers, "a.csv", csv_bytes([row("T-ELSE-001")]))).json()
    assert [(e["row"], e["column"], e["message"]) for e in answer["errors"]] == [
        (2, "专家编号", "T-ELSE-001 belongs to the pool of another district")
    ]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("专家库.csv", b"", "the file is empty"),
        (
            "专家库.csv",
            csv_bytes([["T-H-001"]], header=["专家编号"]),
            "the first row must name the columns "
            + ", ".join(HEADERS)
            + " (missing: "
            + ", ".join(HEADERS[1:])
            + "; not recognized: —)",
        ),
        (
            "专家库.xls",
            b"\xd0\xcf",
            "专家库.xls: only .xlsx and .csv files can be imported (save .xls files as .xlsx)",
        ),
    ],
)
async def test_an_unusable_file_gets_a_clear_error(
    client: AsyncTestClient, as_user, filename: str, content: bytes, message: str
) -> None:
    response = await upload(client, await as_user("regulator"), filename, content)
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["detail"]) == ("file", message)


async def test_the_export_is_a_named_download(client: AsyncTestClient, as_user) -> None:
    headers = await as_user("regulator")
    xlsx = await client.get(EXPORT, headers=headers)
    assert xlsx.status_code == 200
    disposition = xlsx.headers["content-disposition"]
    assert re.fullmatch(
        r"attachment; filename=\"expert-pool-\d{8}\.xlsx\"; filename\*=UTF-8''\S+", disposition
    )
    assert re.fullmatch(r"评审专家库-\d{8}\.xlsx", unquote(disposition.split("''")[1]))
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
    assert next(sheet.iter_rows(values_only=True)) == tuple(HEADERS)
    text = (await client.get(EXPORT, params={"format": "csv"}, headers=headers)).content.decode(
        "utf-8-sig"
    )
    assert "ZJ-001,许文静,滨海大学社会工作系,,,关照类:老年社会工作；能力类:社工督导" in text
    assert "52440319MJL018363J:劳动关系:" in text  # ZJ-003's planted relationship


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
async def test_export_then_import_changes_nothing(
    client: AsyncTestClient, as_user, file_format: str
) -> None:
    headers = await as_user("regulator")
    tricky = row(
        f"T-RT-{file_format.upper()}",
        name="=1+1",
        employer='-"引号", 逗号',
        categories="care:养老服务；technology",
        active_until="2029-06-30",
        username="",
        relationships=f"{XINLIANXIN}:family；{QIMINGXING}:other:2023-02-01:2024-02-01",
    )
    assert (await upload(client, headers, "a.csv", csv_bytes([tricky]))).status_code == 200
    exported = await client.get(EXPORT, params={"format": file_format}, headers=headers)
    before = await imports()
    response = await upload(client, headers, f"专家库.{file_format}", exported.content)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["updated"]) == ([], [])
    demo = await Expert.select(Expert.district).where(Expert.code == "ZJ-001").first()
    assert result["unchanged"] == await Expert.count().where(Expert.district == demo["district"])
    assert await imports() == before + 1
    assert (await expert(client, headers, f"T-RT-{file_format.upper()}"))["name"] == "=1+1"

"""procure setup import: a good workbook sets up its district exactly; bad rows are refused with
their sheet, row, column and reason, and nothing is written; a re-import updates, never
duplicates."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from procure.audit.tables import AuditEvent
from procure.departments.tables import Department
from procure.errors import InvalidInput
from procure.geography.tables import Community, District, SubDistrict
from procure.security.passwords import verify_password
from procure.security.tables import User
from procure.setup.selectors import setup_page
from procure.setup.services import read_setup, setup_import
from procure.setup.workbook import WorkbookRejected, template_workbook
from procure.web import labels
from tests.setup.workbooks import district, in_english, xlsx

pytestmark = pytest.mark.usefixtures("database")


async def imported(sheets: dict[str, list[list[Any]]], name: str = "setup.xlsx") -> Any:
    return await setup_import(actor=None, filename=name, content=xlsx(sheets))


async def refused(sheets: dict[str, list[list[Any]]]) -> WorkbookRejected:
    with pytest.raises(WorkbookRejected) as caught:
        await imported(sheets)
    return caught.value


async def rows_of(prefix: str) -> dict[str, int]:
    """How many rows of each kind carry the prefix's codes and usernames."""
    return {
        "districts": await District.count().where(District.code.like(f"{prefix}%")),
        "sub_districts": await SubDistrict.count().where(SubDistrict.code.like(f"{prefix}%")),
        "communities": await Community.count().where(Community.code.like(f"{prefix}%")),
        "departments": await Department.count().where(Department.code.like(f"T{prefix}-%")),
        "users": await User.count().where(User.username.like(f"u{prefix}-%")),
    }


def counts(result: Any) -> dict[str, tuple[int, int, int]]:
    return {k: (c.created, c.updated, c.unchanged) for k, c in result.counts.items()}


async def test_a_good_workbook_sets_up_the_whole_district() -> None:
    result = await imported(district("450101"))
    assert (result.district_code, result.district_name) == ("450101000000", "测试区450101")
    assert counts(result) == {
        "districts": (1, 0, 0),
        "sub_districts": (2, 0, 0),
        "communities": (4, 0, 0),
        "committees": (4, 0, 0),
        "departments": (3, 0, 0),
        "users": (5, 0, 0),
    }
    assert await rows_of("450101") == {
        "districts": 1,
        "sub_districts": 2,
        "communities": 4,
        "departments": 3,
        "users": 5,
    }
    committees = dict(
        (r["code"], (r["committee_name"], r["population"], r["sub_district.code"]))
        for r in await Community.select(
            Community.code,
            Community.committee_name,
            Community.population,
            Community.sub_district.code,
        ).where(Community.code.like("450101%"))
    )
    assert committees == {
        "450101001001": ("东一社区居民委员会(新)", 5000, "450101001000"),
        "450101001002": ("东二社区居民委员会", 0, "450101001000"),
        "450101002001": ("西一社区居民委员会", 3000, "450101002000"),
        # Codes 200–399 under a town are villages (村民委员会).
        "450101002201": ("西山村村民委员会", 900, "450101002000"),
    }
    street = (
        await Department.select(Department.level, Department.sub_district.code)
        .where(Department.code == "T450101-DJD")
        .first()
    )
    assert street == {"level": "sub_district", "sub_district.code": "450101001000"}
    users = {
        r["username"]: r
        for r in await User.select(
            User.username,
            User.role,
            User.department.code,
            User.community.code,
            User.is_handler,
            User.is_approver,
            User.password_hash,
        ).where(User.username.like("u450101-%"))
    }
    buyer = users["u450101-buyer"]
    assert (buyer["role"], buyer["department.code"], buyer["is_handler"]) == (
        "buyer",
        "T450101-MZJ",
        True,
    )
    assert verify_password(buyer["password_hash"], "a-long-password-1")
    assert users["u450101-approver"]["is_approver"] is True
    assert users["u450101-regulator"]["department.code"] == "T450101-CZJ"
    assert users["u450101-committee"]["community.code"] == "450101001001"
    assert users["u450101-auditor"]["department.code"] is None
    # The four accounts without a password in the file get one, reported once.
    generated = {p.username: p.password for p in result.passwords}
    assert set(generated) == {
        "u450101-approver",
        "u450101-regulator",
        "u450101-committee",
        "u450101-auditor",
    }
    for username, password in generated.items():
        assert len(password) >= 10
        assert verify_password(users[username]["password_hash"], password)
    district_id = (await District.select(District.id).where(District.code == "450101000000"))[0]
    event = (
        await AuditEvent.select(AuditEvent.data)
        .where(
            (AuditEvent.action == "district_setup.imported")
            & (AuditEvent.subject_id == str(district_id["id"]))
        )
        .first()
    )
    assert event is not None and "a-long-password" not in str(event)
    assert "u450101-approver" in str(event) and generated["u450101-approver"] not in str(event)


async def test_english_sheet_names_and_headers_are_read_too() -> None:
    result = await imported(in_english(district("450102")))
    assert counts(result)["users"] == (5, 0, 0)
    assert (await rows_of("450102"))["communities"] == 4


async def test_re_importing_updates_and_never_duplicates() -> None:
    sheets = district("450103")
    await imported(sheets)
    again = await imported(sheets)
    assert all(
        c == (0, 0, n) for c, n in zip(counts(again).values(), (1, 2, 4, 1, 3, 5), strict=True)
    ), counts(again)
    assert again.passwords == []
    before = await User.select(User.password_hash).where(User.username == "u450103-buyer").first()
    assert before is not None
    sheets["区划"][4][1] = "东一社区(更名)"
    sheets["居委会"][1][1] = "东一社区居委会"
    sheets["部门"][1][1] = "测试区民政局(新)"
    sheets["用户"][1][2:6] = ["采购人", "T450103-MZJ", "经办；审批", "another-password-9"]
    changed = await imported(sheets)
    assert counts(changed)["communities"] == (0, 1, 3)
    assert counts(changed)["committees"] == (0, 1, 0)
    assert counts(changed)["departments"] == (0, 1, 2)
    assert counts(changed)["users"] == (0, 1, 4)
    assert await rows_of("450103") == {
        "districts": 1,
        "sub_districts": 2,
        "communities": 4,
        "departments": 3,
        "users": 5,
    }
    buyer = (
        await User.select(User.is_handler, User.is_approver, User.password_hash)
        .where(User.username == "u450103-buyer")
        .first()
    )
    # The duties change; the password a user may have changed since is never reset.
    assert buyer == {"is_handler": True, "is_approver": True, **before}


def spoiled(prefix: str) -> dict[str, list[list[Any]]]:
    sheets = district(prefix)
    sheets["区划"][2][0] = f"{prefix}00100"  # 11 digits
    sheets["区划"][5][2] = f"{prefix}002000"  # a community of 东街道 says its parent is 西镇
    sheets["部门"][2][1] = ""  # a required cell left empty
    sheets["用户"][2][2] = "主任"  # no such role
    sheets["用户"][3][0] = f"u{prefix}-buyer"  # the first row's username again
    return sheets


async def test_bad_rows_are_each_named_and_nothing_is_written() -> None:
    rejected = await refused(spoiled("450104"))
    found = {(p["sheet"], p["row"], p["column"]): p["message"] for p in rejected.described("zh-CN")}
    assert found[("区划", 3, "统计用区划代码")].startswith("45010400100 不是统计用区划代码")
    assert (
        "450104001002 不以其上级 450104002000 的前缀 450104002 开头"
        in found[("区划", 6, "上级代码")]
    )
    assert found[("部门", 3, "名称")] == "不能为空"
    assert found[("用户", 3, "角色")].startswith("未知角色 主任")
    assert found[("用户", 4, "登录账号")] == "登录账号 u450104-buyer 与第 2 行重复"
    # Without its street's row, 东一社区 has no street either: also said, on its own row.
    assert "没有街道或乡镇 450104001000" in found[("区划", 5, "统计用区划代码")]
    assert rejected.summary("zh-CN") == "未导入任何数据：有 6 行存在错误"
    assert await rows_of("450104") == dict.fromkeys(
        ("districts", "sub_districts", "communities", "departments", "users"), 0
    )


async def test_the_same_errors_in_english_on_request() -> None:
    rejected = await refused(spoiled("450105"))
    found = {(p["sheet"], p["row"], p["column"]): p["message"] for p in rejected.described("en")}
    assert found[("Divisions", 3, "Division code")].startswith(
        "45010500100 is not a statistical division code"
    )
    assert found[("Users", 4, "Username")] == "the username u450105-buyer is also in row 2"
    assert found[("Departments", 3, "Name")] == "must not be empty"


async def test_rows_checked_against_each_other_and_the_database() -> None:
    sheets = district("450106")
    sheets["区划"][2][0] = "450199001000"  # a street of another district's prefix
    sheets["区划"][2][2] = ""
    sheets["区划"].append(["450106003001", "孤儿社区", "", "", ""])  # its street is nowhere
    sheets["部门"].append(["D-MZJ", "冒名民政局", "区级", ""])  # the demo district's department
    sheets["部门"].append(["T450106-XJD", "西街道办", "街道级", "450106009000"])
    sheets["居委会"].append(["450106009009", "无名居委会"])
    sheets["用户"].append(["u450106-c2", "某", "居委会", "450106009009", "", ""])
    sheets["用户"].append(["buyer", "冒名", "采购人", "T450106-MZJ", "", ""])  # a demo account
    sheets["用户"].append(["u450106-x", "某", "审计", "T450106-MZJ", "经办", "short"])
    found = {
        (p["sheet"], p["row"], p["column"]): p["message"]
        for p in (await refused(sheets)).described("zh-CN")
    }
    assert "不在区 450106000000 之下" in found[("区划", 3, "统计用区划代码")]
    assert "没有街道或乡镇 450106003000" in found[("区划", 9, "统计用区划代码")]
    assert found[("部门", 5, "部门编码")] == "D-MZJ 已属于另一个区"
    assert found[("部门", 6, "所属街道代码")] == "本区没有街道或乡镇 450106009000"
    assert found[("居委会", 3, "社区代码")] == "本区没有社区 450106009009"
    assert found[("用户", 7, "所属单位代码")] == "本区没有社区 450106009009"
    assert found[("用户", 8, "登录账号")] == "账号 buyer 代表另一个区"
    assert ("用户", 9, "所属单位代码") in found and ("用户", 9, "职责") in found
    assert ("用户", 9, "初始密码") in found
    assert (await rows_of("450106"))["districts"] == 0


async def test_a_workbook_without_its_district_or_with_wrong_headers() -> None:
    sheets = district("450107")
    sheets["区划"] = [sheets["区划"][0], *sheets["区划"][2:]]
    sheets["用户"][0][2] = "岗位"
    found = {
        (p["sheet"], p["row"], p["column"]): p["message"]
        for p in (await refused(sheets)).described("zh-CN")
    }
    assert ("用户", 1, "") in found and "未知列 岗位" in found[("用户", 1, "")]
    assert ("用户", 1, "角色") in found
    no_sheet = await refused({"部门": district("450107")["部门"]})
    assert "工作簿中没有名为 区划 / Divisions 的工作表" in no_sheet.described("zh-CN")[0]["message"]
    with pytest.raises(WorkbookRejected):
        await setup_import(actor=None, filename="setup.xlsx", content=b"not a zip")


def test_the_committed_example_is_the_template_and_reads_clean() -> None:
    example = Path(__file__).parents[2] / "fixtures" / "setup" / "district-example.xlsx"
    committed = read_setup(example.name, example.read_bytes())
    fresh = read_setup("template.xlsx", template_workbook())
    assert committed.problems == [] and committed == fresh
    assert committed.district is not None and committed.district.code == "440399000000"


async def test_imports_racing_for_the_same_new_district_create_it_once() -> None:
    sheets = district("450108")
    results = await asyncio.gather(*(imported(sheets) for _ in range(4)))
    created = sorted(r.counts["users"].created for r in results)
    assert created == [0, 0, 0, 5]
    assert await rows_of("450108") == {
        "districts": 1,
        "sub_districts": 2,
        "communities": 4,
        "departments": 3,
        "users": 5,
    }


async def test_a_refused_workbook_and_a_bad_list_read_in_chinese(database: None) -> None:
    """The refusal carries its catalog message: a page says it in the reader's language, the
    API in English."""
    with pytest.raises(WorkbookRejected) as empty:
        await setup_import(actor=None, filename="设置.xlsx", content=b"")
    assert empty.value.message == "the file is empty"
    assert labels.message("zh-CN", empty.value.template, empty.value.variables) == "文件为空"
    with pytest.raises(InvalidInput) as unknown:
        await setup_page(district_code="", kind="nonsense")
    assert unknown.value.message == (
        "must be one of sub_districts, communities, committees, departments, users"
    )
    said = labels.message("zh-CN", unknown.value.template, unknown.value.variables)
    assert said == "须为以下之一：sub_districts、communities、committees、departments、users"

"""The public firewall page: the 社区事务准入 list in both languages and the burden index,
whose figures equal their definition on the test's own department."""

from __future__ import annotations

import re
from decimal import Decimal

from litestar.testing import AsyncTestClient

from procure.calendar import local_today
from procure.i18n import LANG_COOKIE
from procure.workrequests.selectors import burden_index
from tests.risk.conftest import make_contract, outside, submit_report, within
from tests.workrequests.conftest import filed


async def test_the_admissible_list_is_published_in_both_languages(
    client: AsyncTestClient, database: None
) -> None:
    zh = await client.get("/disclosure/work-requests")
    assert zh.status_code == 200, zh.text
    assert "协助开展社区需求调查" in zh.text and "月度负担指数" in zh.text
    client.cookies.set(LANG_COOKIE, "en")
    en = await client.get("/disclosure/work-requests")
    client.cookies.delete(LANG_COOKIE)
    assert "Helping with a community needs survey" in en.text
    assert "Monthly burden index" in en.text
    api = await client.get("/api/v1/work-requests/admissible")
    assert "community_survey" in [kind["code"] for kind in api.json()]


def cell(html: str, department: int, period: str, field: str) -> str:
    row = re.search(
        rf'<tr data-department="{department}" data-period="{period}">(.*?)</tr>', html, re.S
    )
    assert row is not None, (department, period)
    value = re.search(rf'data-field="{field}">([^<]*)<', row.group(1))
    assert value is not None
    return value.group(1).strip()


async def test_the_burden_index_equals_its_definition(
    client: AsyncTestClient, database: None
) -> None:
    month = local_today().strftime("%Y-%m")
    first = await make_contract()
    second = await make_contract(department=first["department"])
    unasked = await make_contract(department=first["department"])
    # Staff hours reported this month: 40 h + 2 h on the contracts asked; 100 h on one not asked.
    await submit_report(
        first["id"], month, [within(first["lines"][0], 5, 2400), outside(minutes=0)]
    )
    await submit_report(second["id"], month, [within(second["lines"][0], 1, 120)])
    await submit_report(unasked["id"], month, [within(unasked["lines"][0], 9, 6000)])
    await submit_report(first["id"], "2020-01", [within(first["lines"][0], 1, 600)])
    for contract, hours in ((first, 3), (first, 4), (second, 2)):
        await filed(contract, hours=hours)
    requests, hours, staff_hours = 3, 3 + 4 + 2, Decimal(40 + 2)
    share = (Decimal(hours) * 100 / staff_hours).quantize(Decimal("0.01"))
    (row,) = await burden_index(first["department"])
    assert (row["period"], row["requests"], row["hours"], row["staff_minutes"]) == (
        month,
        requests,
        hours,
        42 * 60,
    )
    assert row["share_percent"] == share == Decimal("21.43")
    page = (await client.get("/disclosure/work-requests")).text
    assert cell(page, first["department"], month, "requests") == "3"
    assert cell(page, first["department"], month, "hours") == "9"
    assert cell(page, first["department"], month, "share") == "21.43%"


async def test_without_reported_hours_the_share_is_not_given(
    client: AsyncTestClient, database: None
) -> None:
    contract = await make_contract()
    await filed(contract, hours=6)
    (row,) = await burden_index(contract["department"])
    assert (row["requests"], row["hours"], row["share_percent"]) == (1, 6, None)
    page = (await client.get("/disclosure/work-requests")).text
    assert cell(page, contract["department"], row["period"], "share") == "—"

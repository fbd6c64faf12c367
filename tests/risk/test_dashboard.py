"""Who sees which flags, the dashboard's counts, trend and filters, the flag page's evidence,
and the CSV and Excel exports."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook

from procure import clock
from procure.risk import evidence, labels
from procure.risk.registry import RULES, Rule, Stage, SubjectType
from procure.risk.tables import FlagStatus, Severity
from tests.conftest import login
from tests.risk.flag_helpers import (
    HT_007,
    HT_011,
    HWJD,
    MZJ,
    QIMINGXING,
    XINLIANXIN,
    XTJD,
    Flags,
    contract,
    department_id,
    organization_id,
    underpriced_evidence,
)

Headers = Callable[[str], Awaitable[dict[str, str]]]


async def listed(
    client: AsyncTestClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/risk/flags", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


async def ids(client: AsyncTestClient, headers: dict[str, str], **params: Any) -> set[int]:
    return {row["id"] for row in await listed(client, headers, per_page=500, **params)}


async def district(flags: Flags) -> dict[str, int]:
    """A small district of flags in this test's dataset, one per kind of party."""
    return {
        # 心连心 (org) for 海湾街道 (buyer2), on a contract covering 海滨 (committee), 渔港.
        "hwjd_xinlianxin": await flags.on_contract(
            HT_007, evidence=underpriced_evidence(7), period="2026-03"
        ),
        # 启明星 (org2) for the 民政局 (buyer), covering 渔港 (committee2).
        "mzj_qimingxing": await flags.on_contract(
            HT_011, rule="LATE_REPORT", severity=Severity.medium, period="2026-02"
        ),
        # A department alone: a buyer-level indicator.
        "xtjd_only": await flags.add(
            rule="REPORTING_BURDEN",
            subject_type="buyer",
            subject_id="D-XTJD",
            severity=Severity.low,
            department=await department_id(XTJD),
            period="2025Q4",
        ),
        # An organization alone: concentration of awards.
        "qimingxing_only": await flags.add(
            rule="CONCENTRATION",
            subject_type="organization",
            subject_id=str(await organization_id(QIMINGXING)),
            organization=await organization_id(QIMINGXING),
            period="2026",
        ),
        # Imported data: no party on the platform.
        "external": await flags.add(
            rule="R018", subject_type="tender", subject_id="ocds-213czf-0001", ocid="ocds-213czf-1"
        ),
    }


EVERY_FLAG = {"hwjd_xinlianxin", "mzj_qimingxing", "xtjd_only", "qimingxing_only", "external"}


# ---- who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "visible"),
    [
        (
            "auditor",
            {"hwjd_xinlianxin", "mzj_qimingxing", "xtjd_only", "qimingxing_only", "external"},
        ),
        (
            "admin",
            {"hwjd_xinlianxin", "mzj_qimingxing", "xtjd_only", "qimingxing_only", "external"},
        ),
        ("buyer", {"mzj_qimingxing"}),
        ("buyer2", {"hwjd_xinlianxin"}),
        ("buyer3", {"xtjd_only"}),
        ("org", {"hwjd_xinlianxin"}),
        ("org2", {"mzj_qimingxing", "qimingxing_only"}),
        ("org3", set()),
        # Committees see the platform's own contract flags only (see the next test).
        ("committee", set()),
    ],
)
async def test_each_role_sees_the_flags_that_involve_it(
    client: AsyncTestClient, as_user: Headers, flags: Flags, username: str, visible: set[str]
) -> None:
    made = await district(flags)
    headers = await as_user(username)
    assert await ids(client, headers, dataset=flags.tag) == {made[name] for name in visible}
    for name, flag_id in made.items():
        detail = await client.get(f"/api/v1/risk/flags/{flag_id}", headers=headers)
        assert detail.status_code == (200 if name in visible else 404), (username, name)
        page = await client.get(f"/risk/flags/{flag_id}", headers=headers)
        assert page.status_code == (200 if name in visible else 404), (username, name)


async def test_a_committee_sees_the_flags_on_contracts_serving_its_community(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    on_007 = await flags.on_contract(HT_007, dataset="platform")  # 海滨 and 渔港
    on_011 = await flags.on_contract(HT_011, dataset="platform", rule="UNDER_DELIVERY")  # 渔港 …
    # Not contracts: a tender of the same department, and an external "contract" whose id
    # happens to equal a platform contract's.
    tender_flag = await flags.add(
        dataset="platform",
        rule="R024",
        subject_type="tender",
        subject_id="1",
        department=await department_id(HWJD),
    )
    external = await flags.add(subject_type="contract", subject_id=str(await _id_of(HT_007)))
    mine = {on_007, on_011, tender_flag, external}

    async def seen(username: str) -> set[int]:
        # This test's flags only: the platform's carry its tag as their period, the external
        # one as its dataset (the suite raises many more flags on the same contracts).
        headers = await as_user(username)
        tagged = await ids(client, headers, period=flags.tag)
        return (tagged | await ids(client, headers, dataset=flags.tag)) & mine

    assert await seen("committee") == {on_007}
    assert await seen("committee2") == {on_007, on_011}
    committee = await as_user("committee")
    for hidden in (on_011, tender_flag, external):
        answer = await client.get(f"/api/v1/risk/flags/{hidden}", headers=committee)
        assert answer.status_code == 404


async def _id_of(reference: str) -> int:
    return int((await contract(reference))["id"])


async def test_anonymous_visitors_see_nothing(client: AsyncTestClient, flags: Flags) -> None:
    flag_id = await flags.on_contract(HT_007)
    assert (await client.get("/api/v1/risk/flags")).status_code == 401
    assert (await client.get(f"/api/v1/risk/flags/{flag_id}")).status_code == 401
    assert (await client.get("/api/v1/risk/statistics")).status_code == 401
    for path in ("/risk", f"/risk/flags/{flag_id}", "/risk/export.csv", "/risk/export.xlsx"):
        page = await client.get(path, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == f"/login?next={path}"
    assert 'href="/risk"' not in (await client.get("/")).text


async def test_an_unknown_flag_answers_404(client: AsyncTestClient, as_user: Headers) -> None:
    answer = await client.get("/api/v1/risk/flags/987654", headers=await as_user("auditor"))
    assert answer.status_code == 404


@pytest.mark.parametrize("username", ["buyer", "org", "committee", "auditor", "admin"])
async def test_every_signed_in_role_has_the_dashboard_in_its_menu(
    client: AsyncTestClient, username: str
) -> None:
    await login(client, username)
    start = await client.get("/")
    assert start.status_code == 200 and 'href="/risk"' in start.text
    dashboard = await client.get("/risk")
    assert dashboard.status_code == 200 and "风险预警" in dashboard.text


# ---- filters, pages, counts, trend -------------------------------------------------------------


async def test_the_filters_narrow_the_list(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    made = await district(flags)
    explained = await flags.on_contract(HT_007, rule="SCOPE_DRIFT", status=FlagStatus.explained)
    auditor = await as_user("auditor")

    async def only(**params: Any) -> set[int]:
        return await ids(client, auditor, dataset=flags.tag, **params)

    assert await only(rule="LATE_REPORT") == {made["mzj_qimingxing"]}
    assert await only(severity="low") == {made["xtjd_only"]}
    assert await only(status="explained") == {explained}
    assert await only(department=await department_id(MZJ)) == {made["mzj_qimingxing"]}
    assert await only(organization=await organization_id(XINLIANXIN)) == {
        made["hwjd_xinlianxin"],
        explained,
    }
    assert await only(period="2026-03") == {made["hwjd_xinlianxin"]}
    # A year selects every period in it: months, quarters and the year itself.
    assert await only(period="2026") == {
        made["hwjd_xinlianxin"],
        made["mzj_qimingxing"],
        made["qimingxing_only"],
    }
    assert await only(period="2025") == {made["xtjd_only"]}
    assert await only(rule="UNDERPRICED_BID", severity="high", period="2026-03") == {
        made["hwjd_xinlianxin"]
    }
    assert await ids(client, auditor, dataset="no-such-dataset") == set()
    # A buyer's filter cannot reach outside its scope.
    buyer = await as_user("buyer")
    assert (
        await ids(client, buyer, dataset=flags.tag, department=await department_id(HWJD)) == set()
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"severity": "critical"}, "severity"),
        ({"status": "closed"}, "status"),
        ({"department": "民政局"}, "department"),
        ({"organization": "-1"}, "organization"),
        ({"period": "2026%"}, "period"),
        ({"page": "0"}, "page"),
        ({"per_page": "501"}, "per_page"),
    ],
)
async def test_bad_filters_are_refused_naming_the_field(
    client: AsyncTestClient, as_user: Headers, params: dict[str, str], field: str
) -> None:
    answer = await client.get("/api/v1/risk/flags", params=params, headers=await as_user("auditor"))
    assert answer.status_code == 400
    assert answer.json()["field"] == field


async def test_the_list_is_paginated_newest_first(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    made = [
        await flags.add(subject_id=str(n), first_seen_at=datetime(2026, 1, n, tzinfo=UTC))
        for n in range(1, 6)
    ]
    auditor = await as_user("auditor")
    pages = [
        (
            await client.get(
                "/api/v1/risk/flags",
                params={"dataset": flags.tag, "per_page": 2, "page": n},
                headers=auditor,
            )
        ).json()
        for n in (1, 2, 3)
    ]
    assert [p["total"] for p in pages] == [5, 5, 5] and pages[0]["pages"] == 3
    assert [[row["id"] for row in p["items"]] for p in pages] == [
        [made[4], made[3]],
        [made[2], made[1]],
        [made[0]],
    ]


async def test_statistics_count_by_every_dimension(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    made = await district(flags)
    await flags.add(  # the bid behind the contract flag, by the same parties
        subject_type="bid",
        subject_id="99",
        department=await department_id(HWJD),
        organization=await organization_id(XINLIANXIN),
        period="2026-03",
    )
    answer = await client.get(
        "/api/v1/risk/statistics", params={"dataset": flags.tag}, headers=await as_user("auditor")
    )
    assert answer.status_code == 200
    stats = answer.json()
    assert stats["total"] == len(made) + 1

    def counts(name: str) -> dict[Any, int]:
        return {row["key"]: row["count"] for row in stats[f"by_{name}"]}

    assert counts("rule") == {
        "UNDERPRICED_BID": 2,
        "LATE_REPORT": 1,
        "REPORTING_BURDEN": 1,
        "CONCENTRATION": 1,
        "R018": 1,
    }
    assert stats["by_rule"][0]["key"] == "UNDERPRICED_BID"  # the largest first
    assert counts("severity") == {"high": 4, "medium": 1, "low": 1}
    assert counts("status") == {"open": 6, "explained": 0, "resolved": 0, "dismissed": 0}
    assert counts("department") == {
        await department_id(HWJD): 2,
        await department_id(MZJ): 1,
        await department_id(XTJD): 1,
        None: 2,
    }
    names = {row["key"]: row["name"] for row in stats["by_department"]}
    assert names[await department_id(HWJD)] == HWJD
    assert counts("organization")[await organization_id(QIMINGXING)] == 2
    assert counts("period") == {"2026-03": 2, "2026-02": 1, "2025Q4": 1, "2026": 1, "": 1}
    assert counts("dataset") == {flags.tag: 6}
    # A buyer's statistics count only its own flags.
    mine = await client.get(
        "/api/v1/risk/statistics", params={"dataset": flags.tag}, headers=await as_user("buyer2")
    )
    assert mine.json()["total"] == 2


async def test_the_trend_counts_flags_first_seen_per_local_month(
    client: AsyncTestClient,
    as_user: Headers,
    flags: Flags,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 5, 10, tzinfo=UTC))
    for n, seen in enumerate(
        [
            datetime(2026, 1, 15, 3, 0, tzinfo=UTC),
            # 20:00 UTC on 31 January is already 1 February in Asia/Shanghai.
            datetime(2026, 1, 31, 20, 0, tzinfo=UTC),
            datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
            datetime(2026, 3, 20, 9, 0, tzinfo=UTC),
        ]
    ):
        await flags.add(subject_id=str(n), first_seen_at=seen)
    answer = await client.get(
        "/api/v1/risk/statistics", params={"dataset": flags.tag}, headers=await as_user("auditor")
    )
    assert answer.json()["trend"] == [
        {"month": "2026-01", "count": 1},
        {"month": "2026-02", "count": 1},
        {"month": "2026-03", "count": 2},
        {"month": "2026-04", "count": 0},
        {"month": "2026-05", "count": 0},
    ]


# ---- the pages ---------------------------------------------------------------------------------


async def test_the_dashboard_shows_counts_names_and_keeps_the_filters(
    client: AsyncTestClient, flags: Flags, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def evaluate(_: Any) -> list[Any]:
        return []

    labels.rule_of("LATE_REPORT")  # the real rules register first; the test's name wins
    monkeypatch.setitem(
        RULES,
        "LATE_REPORT",
        Rule(
            code="LATE_REPORT",
            name_zh="服务报告逾期",
            name_en="Late service report",
            subject=SubjectType.contract,
            severity=Severity.medium,
            stage=Stage.oversight,
            evaluate=evaluate,
        ),
    )
    monkeypatch.delitem(RULES, "SCOPE_DRIFT", raising=False)
    made = await district(flags)
    drift = await flags.on_contract(HT_007, rule="SCOPE_DRIFT", period="2026-03")
    await login(client, "auditor")

    page = await client.get("/risk", params={"dataset": flags.tag})
    assert page.status_code == 200
    assert "服务报告逾期" in page.text  # a registered rule by its name
    assert 'data-rule="SCOPE_DRIFT"' in page.text  # an unregistered one by its code
    assert '<b data-testid="total">6</b>' in page.text
    assert "<svg" in page.text and "2026-03" in page.text  # the trend chart

    filtered = await client.get(
        "/risk", params={"dataset": flags.tag, "rule": "UNDERPRICED_BID", "period": "2026"}
    )
    text = filtered.text
    assert f'data-flag-id="{made["hwjd_xinlianxin"]}"' in text
    assert f'data-flag-id="{drift}"' not in text
    assert f'data-flag-id="{made["mzj_qimingxing"]}"' not in text
    query = f"rule=UNDERPRICED_BID&amp;period=2026&amp;dataset={flags.tag}"
    assert f'href="/risk/export.csv?{query}"' in text
    assert f'href="/risk/export.xlsx?{query}"' in text
    assert '<option value="UNDERPRICED_BID" selected>' in text
    assert '<option value="2026" selected>' in text
    # The other rules stay selectable while one is chosen.
    assert '<option value="LATE_REPORT" >' in text

    await client.get("/lang/en")
    english = await client.get("/risk", params={"dataset": flags.tag})
    assert "Late service report" in english.text and "Risk flags" in english.text


async def test_the_dashboard_pages_through_flags(client: AsyncTestClient, flags: Flags) -> None:
    for n in range(55):
        await flags.add(subject_id=str(n), first_seen_at=datetime(2026, 2, 1, n // 4, tzinfo=UTC))
    await login(client, "auditor")
    first = await client.get("/risk", params={"dataset": flags.tag, "severity": "high"})
    assert first.text.count("data-flag-id=") == 50
    following = html.unescape(first.text.split('rel="next" href="')[1].split('"')[0])
    assert parse_qs(urlsplit(following).query) == {
        "severity": ["high"],
        "dataset": [flags.tag],
        "page": ["2"],
    }
    second = await client.get(
        "/risk", params={"dataset": flags.tag, "severity": "high", "page": "2"}
    )
    assert second.text.count("data-flag-id=") == 5
    # A sorted list keeps its order from page to page.
    oldest = await client.get(
        "/risk", params={"dataset": flags.tag, "severity": "high", "sort": "id", "dir": "asc"}
    )
    following = html.unescape(oldest.text.split('rel="next" href="')[1].split('"')[0])
    assert parse_qs(urlsplit(following).query)["sort"] == ["id"]
    assert parse_qs(urlsplit(following).query)["dir"] == ["asc"]
    first_ids = [int(i) for i in re.findall(r'<tr data-flag-id="(\d+)"', oldest.text)]
    last_ids = [
        int(i) for i in re.findall(r'<tr data-flag-id="(\d+)"', (await client.get(following)).text)
    ]
    assert first_ids == sorted(first_ids) and len(last_ids) == 5
    assert max(first_ids) < min(last_ids)


async def test_the_flag_page_shows_the_evidence_readably(
    client: AsyncTestClient, flags: Flags
) -> None:
    contract_id = await _id_of(HT_007)
    flag_id = await flags.on_contract(
        HT_007,
        dataset="platform",
        evidence={
            **underpriced_evidence(contract_id),
            "documents": [
                {"url": "https://ccgp.example.cn/notice/1.html", "label": "中标公告"},
                {"url": "javascript:alert(1)", "label": "不可信链接"},
            ],
            "explanation_requested": True,
        },
        policy_version="2026.2-risk",
    )
    await login(client, "auditor")
    page = await client.get(f"/risk/flags/{flag_id}")
    assert page.status_code == 200
    text = page.text
    assert "98,500.00 元" in text  # bid_price_fen
    assert "214,800.00 元" in text  # mean_of_others_fen
    assert "45.86%" in text
    assert f'<a href="/contracts/{contract_id}">{HT_007}</a>' in text
    assert '<a href="https://ccgp.example.cn/notice/1.html">中标公告</a>' in text
    assert "javascript:" not in text and "不可信链接" in text
    assert "低于其他报价均值" in text  # a nested threshold, labelled in the reader's language
    assert 'data-testid="policy-version">2026.2-risk<' in text
    assert f'href="/contracts/{contract_id}"' in text  # the subject's own page
    assert "resolve-form" not in text and "explain-form" not in text  # an auditor only reads
    await login(client, "regulator")
    text = (await client.get(f"/risk/flags/{flag_id}")).text
    assert "resolve-form" in text and "explain-form" not in text  # the regulator decides


@pytest.mark.parametrize(
    ("username", "forms"),
    [
        ("org", {"explain"}),
        ("buyer2", {"explain", "resolve", "dismiss"}),
        ("regulator", {"resolve", "dismiss"}),
        ("auditor", set()),  # reads everything, writes nothing but reopen
        ("admin", set()),
        ("committee", set()),
    ],
)
async def test_the_flag_page_offers_the_viewers_own_steps(
    client: AsyncTestClient, flags: Flags, username: str, forms: set[str]
) -> None:
    flag_id = await flags.on_contract(HT_007, dataset="platform")
    await login(client, username)
    text = (await client.get(f"/risk/flags/{flag_id}")).text
    shown = {step for step in ("explain", "resolve", "dismiss", "reopen") if f"{step}-form" in text}
    assert shown == forms


def test_evidence_items_follow_the_conventions() -> None:
    items = {
        item.label: item
        for item in evidence.items(
            {
                "price_fen": 12_345_678,
                "mean_fen": "1500000.4",
                "total": {"fen": 100},
                "share_pct": 12.5,
                "ratio": 0.456789,
                "bids": 3,
                "year": 2026,
                "flagged": False,
                "note": "",
                "link": {"url": "//evil.example/x", "label": "协议相对链接"},
                "thresholds": {"below_ceiling_percent": 45},
            },
            "en",
        )
    }
    assert items["Price"].kind == "money" and items["Price"].text.startswith("123,456.78")
    assert items["Mean"].text.startswith("15,000.00")  # no label known: humanized
    assert items["Total"].text.startswith("1.00")
    assert items["Share"].text == "12.5%"
    assert items["Ratio"].text == "45.68%"  # a fraction of one, shown as a percentage
    assert items["Year"].text == "2026"
    assert items["Flagged"].kind == "boolean" and items["Note"].kind == "empty"
    assert items["Link"].kind == "text"  # a protocol-relative address is not followed
    (threshold,) = items["Thresholds"].children
    assert (threshold.label, threshold.text) == ("Below the ceiling price", "45%")
    # The known keys are labelled in the reader's language; money shows in 元 there.
    (price,) = evidence.items({"price_fen": 12_345_678}, "zh-CN")
    assert (price.label, price.text) == ("报价", "123,456.78 元")


# ---- exports -----------------------------------------------------------------------------------


async def test_the_csv_export_has_a_bom_chinese_headers_and_the_filtered_rows(
    client: AsyncTestClient, flags: Flags
) -> None:
    made = await district(flags)
    formula = await flags.add(subject_id="=HYPERLINK(1)", rule="R035")
    await login(client, "auditor")
    answer = await client.get("/risk/export.csv", params={"dataset": flags.tag, "period": "2026"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert (
        "filename*=UTF-8''%E9%A3%8E%E9%99%A9%E9%A2%84%E8%AD%A6-"
        in answer.headers["content-disposition"]
    )
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["预警编号", "规则编码", "规则", "风险等级", "状态"]
    assert "佐证材料" in header and "购买主体" in header
    by_id = {int(row[0]): dict(zip(header, row, strict=True)) for row in body}
    assert set(by_id) == {made["hwjd_xinlianxin"], made["mzj_qimingxing"], made["qimingxing_only"]}
    row = by_id[made["hwjd_xinlianxin"]]
    assert row["规则编码"] == "UNDERPRICED_BID" and row["风险等级"] == "高"
    assert row["状态"] == "待处理" and row["购买主体"] == HWJD and row["承接主体"] == XINLIANXIN
    assert row["首次发现"] == "2026-03-02 17:30"  # Asia/Shanghai
    assert '"bid_price_fen": 9850000' in row["佐证材料"]

    everything = await client.get("/risk/export.csv", params={"dataset": flags.tag})
    text = everything.content.decode("utf-8-sig")
    assert f"{formula},R035" in text and "'=HYPERLINK(1)" in text  # not a formula in Excel

    await client.get("/lang/en")
    english = await client.get("/risk/export.csv", params={"dataset": flags.tag})
    assert english.content.decode("utf-8-sig").startswith("Flag number,Rule code,Rule,Severity")


async def test_the_xlsx_export_holds_the_visible_filtered_flags(
    client: AsyncTestClient, flags: Flags
) -> None:
    made = await district(flags)
    await login(client, "org2")  # sees its contract's flag and the one on itself
    answer = await client.get("/risk/export.xlsx", params={"dataset": flags.tag})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(answer.content), read_only=True).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    assert header[0] == "预警编号" and header[-1] == "佐证材料"
    assert sorted(row[0] for row in body) == sorted(
        [made["mzj_qimingxing"], made["qimingxing_only"]]
    )
    late = next(row for row in body if row[0] == made["mzj_qimingxing"])
    assert late[header.index("风险等级")] == "中" and late[header.index("期间")] == "2026-02"

    filtered = await client.get(
        "/risk/export.xlsx", params={"dataset": flags.tag, "rule": "CONCENTRATION"}
    )
    sheet = load_workbook(io.BytesIO(filtered.content), read_only=True).active
    assert sheet is not None
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        made["qimingxing_only"]
    ]


async def test_the_filter_form_leaves_a_short_address(client: AsyncTestClient) -> None:
    await login(client, "auditor")
    sent = await client.get(
        "/risk?rule=R018&severity=&status=&department=&organization=&period=&dataset=",
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/risk?rule=R018"
    cleared = await client.get("/risk?rule=&severity=", follow_redirects=False)
    assert cleared.headers["location"] == "/risk"


async def test_a_buyer_subject_is_named_by_its_department(
    client: AsyncTestClient, flags: Flags
) -> None:
    buyer = await department_id(MZJ)
    flag_id = await flags.add(
        rule="CONCENTRATION",
        subject_type="buyer",
        subject_id=buyer,
        department=buyer,
        dataset="platform",
    )
    await login(client, "auditor")
    page = await client.get(f"/risk/flags/{flag_id}")
    assert page.status_code == 200
    subject = page.text.split("<dd>", 1)[1].split("</dd>", 1)[0]
    assert MZJ in subject


async def test_the_dashboard_sorts_its_flags_on_the_server(
    client: AsyncTestClient, flags: Flags
) -> None:
    made = sorted((await district(flags)).values())
    await login(client, "auditor")

    def listed_ids(text: str) -> list[int]:
        return [int(i) for i in re.findall(r'<tr data-flag-id="(\d+)"', text)]

    query = {"dataset": flags.tag, "sort": "id"}
    ascending = await client.get("/risk", params={**query, "dir": "asc"})
    assert ascending.status_code == 200
    assert listed_ids(ascending.text) == made
    assert 'aria-sort="ascending"' in ascending.text
    descending = await client.get("/risk", params={**query, "dir": "desc"})
    assert listed_ids(descending.text) == made[::-1]
    # The filter form's empty choices are dropped, the order kept.
    tidied = await client.get(
        "/risk", params={**query, "dir": "desc", "rule": ""}, follow_redirects=False
    )
    assert tidied.status_code == 303
    assert parse_qs(urlsplit(tidied.headers["location"]).query)["sort"] == ["id"]
    assert (await client.get("/risk", params={"sort": "evidence"})).status_code == 400

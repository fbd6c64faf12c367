"""Pages that work like a product: labels in the reader's language, sorting on the server, the
auditor's audit log with filters and exports, PDF links only to documents that exist, the
favicon."""

from __future__ import annotations

import csv
import io
import re

import pytest
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook

from procure.audit.events import AuditAction
from procure.audit.selectors import SEALED, event_page
from procure.audit.services import record
from procure.contracts.selectors import CONTRACT_SORTING, contract_page
from procure.db import transaction
from procure.db.pagination import PageRequest
from procure.demo import read_fixture
from procure.errors import InvalidInput
from procure.pdf.documents import DOCUMENTS
from procure.risk import evidence
from procure.risk.labels import LABELS as FLAG_LABELS
from procure.security.actors import PLATFORM_READER, Actor
from procure.security.selectors import user_by_username
from procure.settings import get_settings
from procure.tenders.selectors import TENDER_SORTING, available_documents, tender_page
from procure.tenders.states import TenderStatus
from procure.tenders.tables import Tender
from procure.web.labels import REGISTRY, STATUSES, label
from tests.conftest import login

# -- labels ------------------------------------------------------------------------------------


def test_every_audit_action_has_a_chinese_label() -> None:
    for action in AuditAction:
        shown = label("zh-CN", "audit_action", action)
        assert shown != action.value and not re.search(r"[a-z]{3}", shown.replace("API", "")), (
            action
        )


def test_every_status_kind_has_chinese_labels() -> None:
    for kind, values in STATUSES.items():
        for value in values:
            shown = label("zh-CN", kind, value)
            assert re.search(r"[\u4e00-\u9fff]", shown), (kind, value, shown)
    assert label("zh-CN", "credit_rating", "unrated") == "未评级"
    assert label("zh-CN", "credit_rating", "AAA") == "AAA"
    assert label("zh-CN", "tender_status", None) == "—"
    assert label("en", "approval_status", "pending") == "awaiting approval"
    assert "subject_type" in REGISTRY


def test_the_flag_labels_agree_with_the_risk_pages() -> None:
    assert REGISTRY["flag_status"] == dict(FLAG_LABELS["status"])
    assert REGISTRY["severity"] == dict(FLAG_LABELS["severity"])


def test_evidence_carries_units() -> None:
    items = {
        item.label: item
        for item in evidence.items(
            {
                "ratio": 0.25,
                "days_past_due": 12,
                "grace_days": 1,
                "thresholds_percent": {"below_mean_of_others": 20},
                "ceiling_fen": 1_980_000,
                "measure": "staff_hours",
            },
            "zh-CN",
        )
    }
    assert items["比率"].text == "25%"
    assert "12" in items["逾期天数"].text and "天" in items["逾期天数"].text
    thresholds = items["阈值"] if "阈值" in items else next(i for i in items.values() if i.children)
    assert [child.text for child in thresholds.children] == ["20%"]
    assert thresholds.children[0].label == "低于其他报价均值"
    assert items["最高限价"].text == "19,800.00 元"
    assert items["计量"].text == "人员工时" if "计量" in items else True


# -- sorting -----------------------------------------------------------------------------------


def test_a_sort_outside_the_whitelist_is_refused_naming_the_parameter() -> None:
    with pytest.raises(InvalidInput) as refused:
        TENDER_SORTING.request("password", "asc")
    assert refused.value.field == "sort" and "ceiling" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        TENDER_SORTING.request("ceiling", "sideways")
    assert refused.value.field == "dir"
    assert TENDER_SORTING.request("", "").key == "id"
    assert TENDER_SORTING.request("ceiling", "").descending is False


async def test_tenders_sort_on_the_server_and_page_in_sql(database: None) -> None:
    order = TENDER_SORTING.request("ceiling", "desc")
    first = await tender_page(PLATFORM_READER, PageRequest(1, 3), order=order)
    second = await tender_page(PLATFORM_READER, PageRequest(2, 3), order=order)
    ceilings = [t["ceiling_fen"] for t in first.items + second.items]
    assert ceilings == sorted(ceilings, reverse=True)
    assert not {t["id"] for t in first.items} & {t["id"] for t in second.items}
    ascending = await tender_page(
        PLATFORM_READER, PageRequest(1, 100), order=TENDER_SORTING.request("ceiling", "asc")
    )
    assert [t["ceiling_fen"] for t in ascending.items] == sorted(
        t["ceiling_fen"] for t in ascending.items
    )


async def test_the_tender_list_has_sortable_headers(client: AsyncTestClient) -> None:
    page = await client.get("/tenders?sort=ceiling&dir=desc&q=")
    assert page.status_code == 200
    assert 'aria-sort="descending"' in page.text
    link = re.search(r'<a class="sort" href="([^"]+)" data-sort="ceiling"', page.text)
    assert link is not None and "dir=asc" in link[1] and "sort=ceiling" in link[1]
    assert 'aria-sort="none"' in page.text
    refused = await client.get("/tenders?sort=secret")
    assert refused.status_code == 400
    assert "sort" in refused.text and "须为以下之一" in refused.text
    assert "字段: 排序依据" in refused.text  # the parameter as the reader calls it


# -- the audit log -----------------------------------------------------------------------------


async def test_the_audit_log_filters_pages_and_sorts(client: AsyncTestClient) -> None:
    await login(client, "auditor")
    start = await client.get("/auditor")
    assert 'href="/audit"' in start.text
    page = await client.get("/audit?action=user.login")
    assert page.status_code == 200
    actions = set(re.findall(r'data-action="([^"]+)"', page.text))
    assert actions == {"user.login"}
    assert "登录" in page.text and "<code>user.login</code>" not in page.text
    mine = await client.get("/audit?actor=auditor&action=user.login")
    assert set(re.findall(r'data-action="([^"]+)"', mine.text)) == {"user.login"}
    # A search finds an action by its Chinese label.
    searched = await client.get("/audit?q=登录&per_page=100")
    assert "user.login" in set(re.findall(r'data-action="([^"]+)"', searched.text))
    oldest = await client.get("/audit?sort=seq&dir=asc&per_page=5")
    seqs = [int(s) for s in re.findall(r'data-seq="(\d+)"', oldest.text)]
    assert seqs == sorted(seqs) and seqs[0] == 1
    assert (await client.get("/audit?since=yesterday")).status_code == 400
    assert (await client.get("/audit?sort=hash")).status_code == 400


async def test_the_audit_log_is_the_auditors(client: AsyncTestClient) -> None:
    await login(client, "org")
    assert (await client.get("/audit")).status_code == 403


async def test_the_audit_log_exports_the_filtered_events(client: AsyncTestClient) -> None:
    await login(client, "auditor")
    exported = await client.get("/audit/export.csv?action=user.login")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    text = exported.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "序号" or rows[0][3] == "操作"
    assert len(rows) > 1 and {row[4] for row in rows[1:]} == {"user.login"}
    workbook = await client.get("/audit/export.xlsx?action=user.login")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    values = list(sheet.values)
    assert len(values) == len(rows) and {row[4] for row in values[1:]} == {"user.login"}


async def test_sealed_bid_events_stay_sealed_under_every_filter(database: None) -> None:
    """A bid event about a tender still taking bids is "(sealed)" in the log; the filters that
    name who or what never find it, so their counts tell nothing either."""
    tender = (
        await Tender.select(Tender.id, Tender.submission_deadline)
        .where(Tender.status == TenderStatus.tendering)
        .first()
    )
    assert tender is not None
    org = await user_by_username("org")
    assert org is not None
    async with transaction():
        seq = await record(
            actor=Actor.from_row(org),
            action=AuditAction.bid_submitted,
            subject_type="bid",
            subject_id="987654",
            data={"tender": tender["id"], "sealed_until": "2999-01-01T00:00:00+00:00"},
        )
    everything = await event_page(PageRequest(1, 100), action="bid.submitted")
    shown = next(e for e in everything.items if e["seq"] == seq)
    assert shown["actor_label"] == SEALED and shown["subject_id"] == SEALED
    for filters in (
        {"q": "org"},
        {"q": "bid"},
        {"actor": "org"},
        {"subject_id": "987654"},
        {"q": "987654"},
        {"q": "sealed"},
    ):
        found = await event_page(PageRequest(1, 100), action="bid.submitted", **filters)
        assert seq not in {e["seq"] for e in found.items}, filters


# -- documents and the favicon -----------------------------------------------------------------


def test_documents_exist_by_state() -> None:
    assert available_documents(TenderStatus.draft) == []
    assert available_documents(TenderStatus.tendering) == ["tender-notice"]
    assert available_documents("opening") == ["tender-notice"]
    assert available_documents(TenderStatus.evaluation) == [
        "tender-notice",
        "opening-record",
        "evaluation-report",
    ]
    assert available_documents(TenderStatus.contracted) == list(DOCUMENTS)


async def test_a_tender_page_links_only_the_documents_that_exist(client: AsyncTestClient) -> None:
    # The demo's tenders, one in each state: other tests put theirs in states by hand.
    demo = read_fixture(get_settings().fixtures_dir / "demo.toml")
    rows = await Tender.select(Tender.id, Tender.status).where(
        Tender.published_at.is_not_null()
        & Tender.reference.is_in([tender["reference"] for tender in demo["tenders"]])
    )
    one_of_each = {row["status"]: row for row in rows}
    assert len(one_of_each) >= 5
    for row in one_of_each.values():
        page = await client.get(f"/tenders/{row['id']}")
        linked = re.findall(rf"/api/v1/tenders/{row['id']}/documents/([a-z-]+)", page.text)
        for kind in linked:
            await DOCUMENTS[kind][1](row["id"])  # builds: the document exists


async def test_a_document_asked_too_early_is_a_page_in_the_readers_language(
    client: AsyncTestClient,
) -> None:
    tender = await Tender.select(Tender.id).where(Tender.status == TenderStatus.tendering).first()
    assert tender is not None
    url = f"/api/v1/tenders/{tender['id']}/documents/award-notice"
    browser = await client.get(url, headers={"accept": "text/html,application/xhtml+xml"})
    assert browser.status_code == 409
    assert browser.headers["content-type"].startswith("text/html")
    assert "中标（成交）公告在确定中标（成交）供应商后生成" in browser.text
    api = await client.get(url, headers={"accept": "application/json"})
    assert api.status_code == 409 and api.json()["detail"].startswith("中标（成交）公告")


async def test_the_favicon(client: AsyncTestClient) -> None:
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"
    home = await client.get("/")
    assert 'rel="icon"' in home.text
    svg = await client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content


# -- the start pages' contract tables ----------------------------------------------------------


async def test_a_start_pages_contracts_sort_on_the_server(client: AsyncTestClient) -> None:
    await login(client, "auditor")
    row = await user_by_username("auditor")
    assert row is not None
    auditor = Actor.from_row(row)

    def contract_ids(text: str) -> list[int]:
        table = text[text.index('data-testid="contracts"') :]
        table = table[: table.index("</table>")]
        return [int(i) for i in re.findall(r'<a href="/contracts/(\d+)">', table)]

    for direction in ("asc", "desc"):
        order = CONTRACT_SORTING.request("starts", direction)
        expected = await contract_page(auditor, PageRequest(1, 3), order=order)
        starts = [c["starts_on"] for c in expected.items]
        assert len(starts) >= 2 and starts == sorted(starts, reverse=direction == "desc")
        page = await client.get(f"/auditor?sort=starts&dir={direction}&per_page=3")
        assert page.status_code == 200
        assert contract_ids(page.text) == [c["id"] for c in expected.items]
        assert 'aria-sort="{}"'.format("ascending" if direction == "asc" else "descending") in (
            page.text
        )
    second = await client.get("/auditor?sort=starts&dir=desc&per_page=1&page=2")
    previous = re.search(r'<a rel="prev" href="([^"]+)"', second.text)
    assert previous is not None and "sort=starts" in previous[1] and "dir=desc" in previous[1]
    assert (await client.get("/auditor?sort=organization")).status_code == 400

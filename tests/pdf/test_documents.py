"""The four documents on the demo data: real PDFs, Chinese text that pdftotext can read, the key
figures as shown, and the embedded Noto CJK faces."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from procure import clock
from procure.bids.evaluation import evaluation_summary
from procure.bids.tables import Award, Bid
from procure.i18n import local_time, wan_yuan, yuan
from procure.pdf.documents import (
    DOCUMENTS,
    document_pdf,
    evaluation_report_context,
    opening_record_context,
)
from procure.tenders.tables import NeedEvidence, ScopeLine
from tests.pdf.conftest import Rendered, demo_tender, read_pdf


def compact(text: str) -> str:
    """pdftotext breaks lines and drops the spaces between Chinese words: compare without them."""
    return re.sub(r"\s+", "", text)


def assert_shows(rendered: Rendered, *expected: str) -> None:
    text = compact(rendered.text)
    missing = [item for item in expected if compact(item) not in text]
    assert missing == [], f"{rendered.filename} lacks {missing}"


def row(rendered: Rendered, needle: str) -> str:
    """The one table row (a line of the layout text) that shows the needle, without spaces."""
    rows = [
        compact(line) for line in rendered.layout.splitlines() if compact(needle) in compact(line)
    ]
    assert len(rows) == 1, f"{needle!r} is on {len(rows)} lines of {rendered.filename}"
    return rows[0]


def assert_well_formed(rendered: Rendered, title: str) -> None:
    assert rendered.pdf.startswith(b"%PDF-")
    assert rendered.pages > 0
    assert rendered.filename.endswith(f"-{title}.pdf")
    text = compact(rendered.text)
    assert title in text and "政府购买社区服务平台" in text
    assert f"第1页共{rendered.pages}页" in text
    assert "生成时间" in text and "北京时间" in text
    # Every font is one of ours, embedded: a glyph missing from Noto CJK would have pulled in
    # some other system font here.
    assert rendered.fonts, "no fonts at all: the text would not be text"
    assert all(
        re.match(r"[A-Z]{6}\+Procure-Noto-(Serif|Sans)-CJK", f["name"]) for f in rendered.fonts
    )
    assert all(f["emb"] == "yes" for f in rendered.fonts), rendered.fonts


async def test_tender_notice(render) -> None:  # type: ignore[no-untyped-def]
    tender = await demo_tender("evaluation")  # ZB-2026-030
    rendered = await render("tender-notice", tender["id"])
    assert_well_formed(rendered, "招标公告")
    assert rendered.filename == f"{tender['reference']}-招标公告.pdf"
    lines = await ScopeLine.select(
        ScopeLine.quantity, ScopeLine.catalog_item.name.as_alias("item")
    ).where(ScopeLine.tender == tender["id"])
    evidence = await NeedEvidence.select(NeedEvidence.summary).where(
        NeedEvidence.tender == tender["id"]
    )
    assert_shows(
        rendered,
        tender["title"],
        tender["reference"],
        "滨海区民政局",
        "公开招标",
        "综合评分法",
        f"{yuan(tender['ceiling_fen'])}（{wan_yuan(tender['ceiling_fen'])}）",
        "海湾街道海滨社区",
        *(line["item"] for line in lines),
        "服务方案",
        local_time(tender["published_at"]),
        local_time(tender["clarification_deadline"]),
        local_time(tender["submission_deadline"]),
        *(e["summary"] for e in evidence),
    )
    assert [line["quantity"] for line in lines] == [120, 120]


async def test_opening_record(render) -> None:  # type: ignore[no-untyped-def]
    tender = await demo_tender("evaluation")
    rendered = await render("opening-record", tender["id"])
    assert_well_formed(rendered, "开标记录")
    bids = await Bid.select(
        Bid.total_fen,
        Bid.organization.name.as_alias("name"),
        Bid.organization.credit_code.as_alias("code"),
    ).where((Bid.tender == tender["id"]) & Bid.total_fen.is_not_null())
    assert len(bids) == 4
    assert_shows(rendered, "4家", *(b["name"] for b in bids))
    for bid in bids:
        assert compact(f"{bid['code']}{yuan(bid['total_fen'])}") in row(rendered, bid["code"])
    context = await opening_record_context(tender["id"])
    assert context["bid_count"] == 4
    low = next(b for b in context["bids"] if b["total_fen"] == 14_760_000)
    assert low["share_of_ceiling"] == "41.00%"  # 147,600 of a 360,000 ceiling


async def test_evaluation_report_of_an_award(render) -> None:  # type: ignore[no-untyped-def]
    tender = await demo_tender("awarded")  # ZB-2026-028
    rendered = await render("evaluation-report", tender["id"])
    assert_well_formed(rendered, "评标报告")
    summary = await evaluation_summary(tender["id"])
    assert summary.complete and summary.base_price_fen is not None
    first = next(bid for bid in summary.bids if bid.rank == 1)
    assert_shows(
        rendered,
        f"评标基准价{yuan(summary.base_price_fen)}",
        "评审已完成",
        f"推荐{first.organization_name}为第一中标（成交）候选人",
        *(bid.organization_name for bid in summary.bids),
    )
    for bid in summary.bids:
        # the row: rank, name (it may wrap), price, price score, each criterion, total, status
        shown = row(rendered, f"{yuan(bid.total_fen)}{bid.price_score}")
        points = "".join(str(p) for p in bid.technical_points.values())
        assert shown.startswith(str(bid.rank))
        assert (
            compact(f"{yuan(bid.total_fen)}{bid.price_score}{points}{bid.total_score}有效") in shown
        )


async def test_evaluation_report_under_way_hides_scores(render) -> None:  # type: ignore[no-untyped-def]
    tender = await demo_tender("evaluation")  # one bid still has to explain its low price
    rendered = await render("evaluation-report", tender["id"])
    assert_well_formed(rendered, "评标报告")
    assert_shows(rendered, "评审进行中", "待说明", "评审尚未完成，暂不产生推荐结果")
    context = await evaluation_report_context(tender["id"])
    assert not context["complete"] and not context["scores_shown"]
    assert context["recommended"] is None
    assert all(row["rank"] is None and row["total_score"] is None for row in context["bids"])
    assert context["pending"] == 1


@pytest.mark.parametrize(
    ("status", "method", "title"),
    [
        ("awarded", "competitive_consultation", "成交公告"),
        ("contracted", "open_tender", "中标公告"),
    ],
)
async def test_award_notice(render, status: str, method: str, title: str) -> None:  # type: ignore[no-untyped-def]
    tender = await demo_tender(status, method=method)
    rendered = await render("award-notice", tender["id"])
    assert_well_formed(rendered, title)
    award = (
        await Award.select(
            Award.decided_at,
            Award.standstill_ends_at,
            Award.bid.total_fen.as_alias("total_fen"),
            Award.bid.organization.name.as_alias("name"),
        )
        .where(Award.tender == tender["id"])
        .first()
    )
    assert award is not None
    summary = await evaluation_summary(tender["id"])
    others = [bid for bid in summary.bids if bid.organization_name != award["name"]]
    assert others
    kind = title[:2]
    assert_shows(
        rendered,
        f"{kind}供应商{award['name']}",
        f"{kind}金额{yuan(award['total_fen'])}（{wan_yuan(award['total_fen'])}）",
        local_time(award["decided_at"]),
        # The challenge period's last day, to its end at 24:00 (民法典 第二百零三条).
        f"至{local_time(award['standstill_ends_at'] - timedelta(seconds=1))[:10]} 24:00止",
        *(bid.organization_name for bid in others),
    )
    for bid in summary.bids:
        shown = row(rendered, f"{yuan(bid.total_fen)}{bid.price_score}")
        assert shown.startswith(str(bid.rank)) and str(bid.total_score) in shown
        assert shown.endswith(kind if bid.organization_name == award["name"] else "有效")


async def test_lowest_price_documents_have_no_score_columns(render) -> None:  # type: ignore[no-untyped-def]
    tender = await demo_tender("contracted", evaluation_method="lowest_price")  # ZB-2026-004
    for kind in ("evaluation-report", "award-notice"):
        rendered = await render(kind, tender["id"])
        assert_shows(rendered, "最低评标价法")
        assert "价格分" not in compact(rendered.text)


async def test_the_generation_time_is_shown_in_asia_shanghai(
    database: None, pdf_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tender = await demo_tender("contracted", method="open_tender")
    moment = datetime.now(UTC).replace(hour=1, minute=30, second=0, microsecond=0)
    monkeypatch.setattr(clock, "now", lambda: moment)
    rendered = read_pdf(*await document_pdf("tender-notice", tender["id"]), pdf_folder)
    assert_shows(rendered, f"生成时间：{moment.strftime('%Y-%m-%d')}09:30（北京时间）")


def test_the_registry_names_every_document_and_its_template() -> None:
    assert list(DOCUMENTS) == [
        "tender-notice",
        "opening-record",
        "evaluation-report",
        "award-notice",
    ]
    for template, builder in DOCUMENTS.values():
        assert template.startswith("pdf/") and builder.__doc__

"""The four documents of a procurement (招标公告, 开标记录, 评标报告, 中标/成交公告): each a
template and a builder that reads what the document may show, as plain data, never ORM objects."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from procure import clock
from procure.bids.evaluation import EvaluationSummary, evaluation_summary
from procure.bids.selectors import opening_record
from procure.bids.tables import Award, BidLine, BidStatus
from procure.committees.selectors import my_seat, roster
from procure.contracts.selectors import contract_detail
from procure.errors import NotFound, NotYet
from procure.i18n import N_, local_time
from procure.organizations.tables import Organization
from procure.policy import get_policy
from procure.security.actors import PLATFORM_READER, Actor
from procure.security.tables import Role
from procure.settings import get_settings
from procure.tenders.selectors import DOCUMENT_STATES, OPENING, scope_lines, with_clock
from procure.tenders.states import ProcurementMethod, TenderStatus
from procure.tenders.tables import (
    EvaluationCriterion,
    NeedEvidence,
    Tender,
    TenderCommunity,
)

Builder = Callable[..., Awaitable[dict[str, Any]]]

AWARDED = DOCUMENT_STATES["award-notice"]

#: What a document asked for too early answers (409), in the asker's language.
NO_OPENING_CANCELLED = N_(
    "This tender was cancelled before its bids were opened: there is no opening record."
)
OPENING_NOW = N_(
    "The bids are being opened now (the submission deadline has passed): the opening record "
    "follows within a minute."
)
SEALED_UNTIL = N_(
    "The bids are sealed until the submission deadline, %(deadline)s: the opening record "
    "exists once they are opened."
)
NO_EVALUATION_YET = N_("The evaluation report exists once the evaluation has started.")
NO_AWARD_YET = N_("The award notice exists once the award is decided.")


def _own_department(actor: Actor | None, tender: dict[str, Any]) -> bool:
    return (
        actor is not None
        and actor.role == Role.buyer
        and actor.department_id == tender["department_id"]
    )


def _chinese_date(value: datetime) -> str:
    local = value.astimezone(ZoneInfo(get_settings().timezone))
    return f"{local.year}年{local.month}月{local.day}日"


async def _tender(tender_id: int, actor: Actor | None) -> dict[str, Any]:
    """The tender and what every document shows about it. A draft exists only for its own
    department: anyone else gets 404, exactly as if it did not exist."""
    tender = (
        await Tender.select(
            Tender.id,
            Tender.reference,
            Tender.title,
            Tender.description,
            Tender.method,
            Tender.evaluation_method,
            Tender.status,
            Tender.ceiling_fen,
            Tender.published_at,
            Tender.clarification_deadline,
            Tender.submission_deadline,
            Tender.opening_at,
            Tender.cancel_reason,
            Tender.department.id.as_alias("department_id"),
            Tender.department.name.as_alias("department_name"),
        )
        .where(Tender.id == tender_id)
        .first()
    )
    if tender is None or (tender["published_at"] is None and not _own_department(actor, tender)):
        raise NotFound(N_("tender %(id)s not found"), id=tender_id)
    now = clock.now()
    with_clock(tender, now)
    zone = get_settings().timezone
    return {
        "tender": tender,
        "draft": tender["published_at"] is None,
        "generated_at": now,
        "generated_on": _chinese_date(now),
        "time_zone": "北京时间" if zone == "Asia/Shanghai" else zone,
    }


async def tender_notice_context(tender_id: int, *, actor: Actor | None = None) -> dict[str, Any]:
    """招标公告: the tender as published: scope, budget ceiling, criteria, timeline, evidence."""
    context = await _tender(tender_id, actor)
    context["document_title"] = "招标公告"
    context["communities"] = (
        await TenderCommunity.select(
            TenderCommunity.community.name.as_alias("name"),
            # Piccolo types the second hop of a join as a plain Column.
            TenderCommunity.community.sub_district.name.as_alias("sub_district"),  # type: ignore[union-attr]
        )
        .where(TenderCommunity.tender == tender_id)
        .order_by(TenderCommunity.community.code)
    )
    context["lines"] = await scope_lines(tender_id)
    context["criteria"] = (
        await EvaluationCriterion.select(
            EvaluationCriterion.name, EvaluationCriterion.kind, EvaluationCriterion.weight
        )
        .where(EvaluationCriterion.tender == tender_id)
        .order_by(EvaluationCriterion.id)
    )
    context["evidence"] = (
        await NeedEvidence.select(
            NeedEvidence.kind,
            NeedEvidence.summary,
            NeedEvidence.community.name.as_alias("community"),
        )
        .where(NeedEvidence.tender == tender_id)
        .order_by(NeedEvidence.id)
    )
    context["abnormally_low"] = get_policy().procurement.abnormally_low.model_dump()
    published_at = context["tender"]["published_at"]
    context["issued_on"] = _chinese_date(published_at) if published_at else "（未发布）"
    return context


def _share(part: int, whole: int) -> str:
    """A bid as a percentage of the ceiling, computed in integers of fen (no float)."""
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{percent}%"


async def opening_record_context(tender_id: int, *, actor: Actor | None = None) -> dict[str, Any]:
    """开标记录: who bid and at what total, as revealed at the deadline; 409 before it.

    Reads only the columns written at opening; the sealed envelopes are never touched here.
    """
    context = await _tender(tender_id, actor)
    context["document_title"] = "开标记录"
    tender = context["tender"]
    if tender["status"] == TenderStatus.cancelled:
        raise NotYet(NO_OPENING_CANCELLED)
    if tender["status"] == OPENING:
        raise NotYet(OPENING_NOW)
    if tender["status"] not in DOCUMENT_STATES["opening-record"]:
        raise NotYet(
            SEALED_UNTIL,
            deadline=local_time(tender["submission_deadline"], get_settings().timezone),
        )
    record = await opening_record(tender_id)
    context["bids"] = [
        {**bid, "share_of_ceiling": _share(bid["total_fen"], tender["ceiling_fen"])}
        for bid in record["bids"]
    ]
    context["bid_count"] = record["bid_count"]
    context["opened_at"] = record["opened_at"] or tender["submission_deadline"]
    return context


async def _insider(actor: Actor | None, tender: dict[str, Any]) -> bool:
    """The tender's own department and its committee's members see a finished evaluation
    before the award."""
    if actor is None:
        return False
    return _own_department(actor, tender) or await my_seat(actor, tender["id"]) is not None


def _score_rows(summary: EvaluationSummary, *, scores_shown: bool) -> list[dict[str, Any]]:
    technical = [c.code for c in summary.criteria if c.kind == "technical"]
    return [
        {
            "bid_id": bid.bid_id,
            "organization_name": bid.organization_name,
            "credit_code": bid.credit_code,
            "total_fen": bid.total_fen,
            "status": bid.status,
            "disqualification_reason": bid.disqualification_reason,
            "rank": bid.rank if scores_shown else None,
            "price_score": bid.price_score if scores_shown else None,
            "technical": [
                bid.technical_points.get(code) if scores_shown else None for code in technical
            ],
            "total_score": bid.total_score if scores_shown else None,
            "recommended": scores_shown and bid.bid_id == summary.recommended_bid_id,
        }
        for bid in summary.bids
    ]


async def evaluation_report_context(
    tender_id: int, *, actor: Actor | None = None
) -> dict[str, Any]:
    """评标报告: criteria and weights, each bid's price score, technical points, total and rank,
    the base price and the recommendation. Until the award, scores are shown only to the
    tender's department and evaluators, and only once every score is in."""
    context = await _tender(tender_id, actor)
    context["document_title"] = "评标报告"
    tender = context["tender"]
    if tender["status"] not in DOCUMENT_STATES["evaluation-report"]:
        raise NotYet(NO_EVALUATION_YET)
    summary = await evaluation_summary(tender_id)
    insider = await _insider(actor, tender)
    scores_shown = tender["status"] in AWARDED or (summary.complete and insider)
    rows = _score_rows(summary, scores_shown=scores_shown)
    context.update(
        criteria=summary.criteria,
        technical_criteria=[c for c in summary.criteria if c.kind == "technical"],
        price_weight=next((c.weight for c in summary.criteria if c.kind == "price"), 0),
        base_price_fen=summary.base_price_fen,
        bids=rows,
        complete=summary.complete,
        scores_shown=scores_shown,
        recommended=next((row for row in rows if row["recommended"]), None),
        evaluators=summary.evaluators,
        committee=await roster(
            tender_id,
            named=tender["status"] in AWARDED or insider,
            staff_named=insider,
        ),
        missing_scores=summary.missing_scores,
        pending=sum(
            row["status"] in (BidStatus.explanation_requested, BidStatus.opened) for row in rows
        ),
    )
    return context


async def award_notice_context(tender_id: int, *, actor: Actor | None = None) -> dict[str, Any]:
    """中标公告 (open tender) or 成交公告 (other methods): the winner and its price, the award
    date, the standstill period and how every bidder ranked."""
    context = await _tender(tender_id, actor)
    tender = context["tender"]
    # 公开招标 ends in a 中标 (winning bid); the other methods in a 成交 (concluded deal).
    word = "中标" if tender["method"] == ProcurementMethod.open_tender else "成交"
    context.update(award_word=word, document_title=f"{word}公告")
    award = (
        await Award.select(
            Award.decided_at,
            Award.standstill_ends_at,
            Award.bid.id.as_alias("bid_id"),
            Award.bid.total_fen.as_alias("total_fen"),
            Award.bid.organization.as_alias("organization_id"),
        )
        .where(Award.tender == tender_id)
        .first()
    )
    if tender["status"] not in DOCUMENT_STATES["award-notice"] or award is None:
        raise NotYet(NO_AWARD_YET)
    winner = (
        await Organization.select(Organization.name, Organization.credit_code, Organization.address)
        .where(Organization.id == award["organization_id"])
        .first()
    )
    line_prices = {
        row["scope_line"]: row["price_fen"]
        for row in await BidLine.select(BidLine.scope_line, BidLine.price_fen).where(
            BidLine.bid == award["bid_id"]
        )
    }
    summary = await evaluation_summary(tender_id)
    context.update(
        winner=winner,
        award=award,
        awarded_on=_chinese_date(award["decided_at"]),
        lines=[
            {**line, "price_fen": line_prices.get(line["id"])}
            for line in await scope_lines(tender_id)
        ],
        bids=[
            {**row, "winner": row["bid_id"] == award["bid_id"]}
            for row in _score_rows(summary, scores_shown=True)
        ],
        # The award notice names the committee (财政部令第87号 Art. 69).
        committee=await roster(tender_id, named=True),
    )
    return context


DOCUMENTS: dict[str, tuple[str, Builder]] = {
    "tender-notice": ("pdf/tender_notice.html", tender_notice_context),
    "opening-record": ("pdf/opening_record.html", opening_record_context),
    "evaluation-report": ("pdf/evaluation_report.html", evaluation_report_context),
    "award-notice": ("pdf/award_notice.html", award_notice_context),
}


def _safe_filename(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s\x00-\x1f]+', "_", name)


async def document_pdf(
    kind: str, tender_id: int, *, actor: Actor | None = None
) -> tuple[str, bytes]:
    """The document's file name (e.g. ZB-2026-030-开标记录.pdf) and its PDF bytes."""
    if kind not in DOCUMENTS:
        raise NotFound(
            N_("no document '%(kind)s'; the documents are %(documents)s"),
            kind=kind,
            documents=list(DOCUMENTS),
        )
    # WeasyPrint takes half a second to import: only what renders a document pays for it.
    from procure.pdf.render import render_pdf_async

    template, build = DOCUMENTS[kind]
    context = await build(tender_id, actor=actor)
    pdf = await render_pdf_async(template, context)
    reference = context["tender"]["reference"]
    return _safe_filename(f"{reference}-{context['document_title']}.pdf"), pdf


async def contract_context(contract_id: int, *, actor: Actor | None = None) -> dict[str, Any]:
    """What the contract text shows: the contract with both parties' signatures, and only the
    supplementary agreements the organization accepted."""
    contract = await contract_detail(actor or PLATFORM_READER, contract_id)
    return {
        "contract": contract,
        "document_title": "政府购买服务合同",
        "generated_at": clock.now(),
        "time_zone": get_settings().timezone,
        "draft": contract["status"] == "draft",
        "accepted_amendments": [a for a in contract["amendments"] if a["status"] == "accepted"],
    }


async def contract_pdf(contract_id: int, *, actor: Actor | None = None) -> tuple[str, bytes]:
    """The contract text (合同文本): every line, the payment schedule, the signature block and
    the winning bid's receipt hash."""
    from procure.pdf.render import render_pdf_async

    context = await contract_context(contract_id, actor=actor)
    pdf = await render_pdf_async("pdf/contract.html", context)
    return _safe_filename(f"{context['contract']['reference']}-合同文本.pdf"), pdf


async def performance_report_pdf(
    contract_id: int, period: str, *, actor: Actor | None = None
) -> tuple[str, bytes]:
    """The performance report of a contract period, with its charts."""
    from procure.pdf.render import render_pdf_async
    from procure.performance.selectors import performance_view

    context = await performance_view(actor or PLATFORM_READER, contract_id, period)
    context |= {"generated_at": clock.now(), "time_zone": get_settings().timezone}
    pdf = await render_pdf_async("pdf/performance_report.html", context)
    reference = context["result"]["contract"]["reference"]
    return _safe_filename(f"{reference}-{period}-绩效评价报告.pdf"), pdf

"""Reads about tenders. Published tenders are public; drafts stay with their department."""

from __future__ import annotations

from piccolo.columns.combination import Or, Where

from procure.errors import NotFound
from procure.security.actors import Actor
from procure.security.tables import Role
from procure.tenders.states import TenderStatus
from procure.tenders.tables import ScopeLine, Tender, TenderCommunity

SUMMARY_COLUMNS = (
    Tender.id,
    Tender.reference,
    Tender.title,
    Tender.status,
    Tender.method,
    Tender.evaluation_method,
    Tender.ceiling_fen,
    Tender.published_at,
    Tender.submission_deadline,
    Tender.department.id.as_alias("department_id"),
    Tender.department.name.as_alias("department_name"),
)


def _visible_to(actor: Actor | None) -> Where | Or:
    public = Tender.published_at.is_not_null()
    if actor is not None and actor.role in {Role.auditor, Role.admin}:
        return Tender.id.is_not_null()
    if actor is not None and actor.role == Role.buyer:
        return public | (Tender.department == actor.department_id)
    return public


async def visible_tenders(actor: Actor | None, *, department_id: int | None = None) -> list[dict]:
    query = Tender.select(*SUMMARY_COLUMNS).where(_visible_to(actor))
    if department_id is not None:
        query = query.where(Tender.department == department_id)
    return await query.order_by(Tender.id, ascending=False)


async def tender_detail(actor: Actor | None, tender_id: int) -> dict:
    tender = (
        await Tender.select(
            *SUMMARY_COLUMNS, Tender.description, Tender.opening_at, Tender.clarification_deadline
        )
        .where((Tender.id == tender_id) & _visible_to(actor))
        .first()
    )
    if tender is None:
        raise NotFound(f"tender {tender_id} not found")
    tender["lines"] = (
        await ScopeLine.select(
            ScopeLine.line_no,
            ScopeLine.quantity,
            ScopeLine.description,
            ScopeLine.catalog_item.code.as_alias("item_code"),
            ScopeLine.catalog_item.name.as_alias("item_name"),
            ScopeLine.catalog_item.unit.as_alias("unit"),
        )
        .where(ScopeLine.tender == tender_id)
        .order_by(ScopeLine.line_no)
    )
    tender["communities"] = await TenderCommunity.select(
        TenderCommunity.community.code.as_alias("code"),
        TenderCommunity.community.name.as_alias("name"),
    ).where(TenderCommunity.tender == tender_id)
    return tender


async def count_by_status(actor: Actor | None) -> dict[str, int]:
    rows = await Tender.select(Tender.status).where(_visible_to(actor))
    counts = dict.fromkeys(TenderStatus, 0)
    for row in rows:
        counts[TenderStatus(row["status"])] += 1
    return {str(status): n for status, n in counts.items()}

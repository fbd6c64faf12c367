"""Reads about contracts, scoped to the actor: a buyer sees its department's, an organization
its own, a committee those covering its community, auditors and admins all of them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from procure.bids.selectors import staffing_plan_of
from procure.bids.tables import Award
from procure.contracts.tables import (
    Amendment,
    AmendmentLine,
    AmendmentStatus,
    Contract,
    ContractCommunity,
    ContractScopeLine,
    ContractStatus,
    Milestone,
    Payment,
    PaymentStatus,
    Rectification,
)
from procure.db import read_together
from procure.db.pagination import Page, PageRequest, Sorting, SortRequest, contains, paginate
from procure.errors import InvalidInput, NotFound
from procure.i18n import N_
from procure.performance.effects import instalment_effects
from procure.security.actors import Actor
from procure.security.policy import OVERSIGHT_ROLES
from procure.security.tables import Role
from procure.tenders.states import TenderStatus
from procure.tenders.tables import Tender, TenderCommunity

SUMMARY_COLUMNS = (
    Contract.id,
    Contract.reference,
    Contract.title,
    Contract.status,
    Contract.value_fen,
    Contract.starts_on,
    Contract.ends_on,
    Contract.reporting_frequency,
    Contract.department.id.as_alias("department_id"),
    Contract.department.name.as_alias("department_name"),
    Contract.organization.id.as_alias("organization_id"),
    Contract.organization.name.as_alias("organization_name"),
)
# The contract page's columns, built once: a column reached through a foreign key is a copy
# Piccolo makes on every access, a good part of building a query.
DETAIL_COLUMNS = (
    *SUMMARY_COLUMNS,
    Contract.bid_receipt_sha256,
    Contract.signed_at,
    Contract.buyer_signed_at,
    Contract.buyer_signed_by.display_name.as_alias("buyer_signed_by_name"),
    Contract.organization_signed_at,
    Contract.organization_signed_by.display_name.as_alias("organization_signed_by_name"),
    Contract.terminated_reason,
    Contract.tender.reference.as_alias("tender_reference"),
    Contract.tender.id.as_alias("tender_id"),
    Contract.award.bid.as_alias("award_bid"),
)
COMMUNITY_COLUMNS = (
    ContractCommunity.community.code.as_alias("code"),
    ContractCommunity.community.name.as_alias("name"),
)
LINE_COLUMNS = (
    ContractScopeLine.id,
    ContractScopeLine.line_no,
    ContractScopeLine.quantity,
    ContractScopeLine.unit_price_fen,
    ContractScopeLine.amount_fen,
    ContractScopeLine.description,
    ContractScopeLine.catalog_item.name.as_alias("item_name"),
    ContractScopeLine.catalog_item.unit.as_alias("unit"),
)
RECTIFICATION_COLUMNS = (
    *Rectification.all_columns(),
    Rectification.submitted_by.display_name.as_alias("submitted_by_name"),
)


async def _scope(actor: Actor) -> Any:
    if actor.role == Role.buyer:
        return Contract.department == actor.department_id
    if actor.role == Role.organization:
        return Contract.organization == actor.organization_id
    if actor.role == Role.committee:
        covering = await ContractCommunity.select(ContractCommunity.contract).where(
            ContractCommunity.community == actor.community_id
        )
        return Contract.id.is_in([row["contract"] for row in covering] or [-1])
    if actor.role in OVERSIGHT_ROLES:
        return Contract.id.is_not_null()
    return Contract.id < 0


async def visible_contracts(actor: Actor) -> list[dict]:
    return (
        await Contract.select(*SUMMARY_COLUMNS)
        .where(await _scope(actor))
        .order_by(Contract.id, ascending=False)
    )


#: The columns a contract list sorts by (``?sort=``); newest first unless asked.
CONTRACT_SORTING = Sorting(
    columns={
        "id": Contract.id,
        "reference": Contract.reference,
        "title": Contract.title,
        "status": Contract.status,
        "value": Contract.value_fen,
        "starts": Contract.starts_on,
    },
    default=SortRequest("id", descending=True),
    tiebreak=Contract.id,
)


async def contract_page(
    actor: Actor,
    paging: PageRequest,
    *,
    order: SortRequest | None = None,
    status: str = "",
    department_id: int | None = None,
    organization_id: int | None = None,
    q: str = "",
) -> Page[dict[str, Any]]:
    """One page of the contracts the actor may see, newest first, filtered in SQL by status,
    department, organization and a word of the title or reference."""
    where = await _scope(actor)
    if status.strip():
        try:
            where &= Contract.status == ContractStatus(status.strip())
        except ValueError:
            raise InvalidInput(
                "status",
                N_("%(value)s is not a contract status (use %(choices)s)"),
                value=repr(status),
                choices=list(ContractStatus),
            ) from None
    if department_id is not None:
        where &= Contract.department == department_id
    if organization_id is not None:
        where &= Contract.organization == organization_id
    if q.strip():
        where &= contains(q.strip(), Contract.title, Contract.reference)
    query = CONTRACT_SORTING.apply(
        Contract.select(*SUMMARY_COLUMNS).where(where), order or CONTRACT_SORTING.default
    )
    return await paginate(query, Contract.count().where(where), paging)


async def contract_detail(actor: Actor, contract_id: int) -> dict:
    contract = (
        await Contract.select(*DETAIL_COLUMNS)
        .where((Contract.id == contract_id) & await _scope(actor))
        .first()
    )
    if contract is None:
        raise NotFound(N_("contract %(id)s not found"), id=contract_id)
    (
        contract["communities"],
        contract["lines"],
        contract["milestones"],
        contract["payments"],
        contract["amendments"],
    ) = await read_together(
        ContractCommunity.select(*COMMUNITY_COLUMNS)
        .where(ContractCommunity.contract == contract_id)
        .run(),
        ContractScopeLine.select(*LINE_COLUMNS)
        .where(ContractScopeLine.contract == contract_id)
        .order_by(ContractScopeLine.line_no)
        .run(),
        Milestone.select(Milestone.seq, Milestone.title, Milestone.due_on, Milestone.status)
        .where(Milestone.contract == contract_id)
        .order_by(Milestone.seq)
        .run(),
        instalments(contract_id),
        Amendment.select(
            Amendment.version,
            Amendment.reason,
            Amendment.value_delta_fen,
            Amendment.status,
            Amendment.decline_reason,
            Amendment.signed_at,
        )
        .where(Amendment.contract == contract_id)
        .order_by(Amendment.version)
        .run(),
    )
    # The winning bid's staffing and cost plan is part of the contract, by reference.
    bid = contract.pop("award_bid")
    contract["staffing_plan"] = await staffing_plan_of(bid) if bid is not None else []
    return contract


async def awaiting_organization(actor: Actor) -> dict[str, list[dict[str, Any]]]:
    """What waits for the organization: draft contracts it has not signed, and supplementary
    agreements the buyer proposed that it has not answered."""
    if actor.role != Role.organization or actor.organization_id is None:
        return {"contracts": [], "amendments": []}
    contracts = (
        await Contract.select(*SUMMARY_COLUMNS, Contract.buyer_signed_at)
        .where(
            (Contract.organization == actor.organization_id)
            & (Contract.status == ContractStatus.draft)
            & Contract.organization_signed_at.is_null()
        )
        .order_by(Contract.id)
    )
    amendments = (
        await Amendment.select(
            Amendment.version,
            Amendment.reason,
            Amendment.value_delta_fen,
            Amendment.contract.id.as_alias("contract_id"),
            Amendment.contract.reference.as_alias("reference"),
            Amendment.contract.title.as_alias("title"),
        )
        .where(
            (Amendment.contract.organization == actor.organization_id)
            & (Amendment.status == AmendmentStatus.pending_acceptance)
        )
        .order_by(Amendment.id)
    )
    return {"contracts": contracts, "amendments": amendments}


async def amendment_history(
    actor: Actor, contract_id: int, *, contract: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The cumulative change of all amendments against the original contract, line by line
    (``contract``: its detail, when the caller has read it already)."""
    if contract is None or contract["id"] != contract_id:
        contract = await contract_detail(actor, contract_id)
    original = {line["line_no"]: line for line in contract["lines"]}
    current = {
        n: {
            "line_no": n,
            "item_name": line["item_name"],
            "in_tender": True,
            "original_quantity": line["quantity"],
            "current_quantity": line["quantity"],
            "original_amount_fen": line["amount_fen"],
            "current_amount_fen": line["amount_fen"],
        }
        for n, line in original.items()
    }
    added = []
    # Only an accepted amendment has lines in force: a contract without one (most) asks nothing.
    accepted = any(a["status"] == AmendmentStatus.accepted for a in contract["amendments"])
    rows = (
        await AmendmentLine.select(
            AmendmentLine.quantity_delta,
            AmendmentLine.amount_delta_fen,
            AmendmentLine.in_tender,
            AmendmentLine.scope_line.line_no.as_alias("line_no"),
            AmendmentLine.catalog_item.name.as_alias("item_name"),
        )
        .where(
            (AmendmentLine.amendment.contract == contract_id)
            & (AmendmentLine.amendment.status == AmendmentStatus.accepted)
        )
        .order_by(AmendmentLine.id)
        if accepted
        else []
    )
    for row in rows:
        if row["line_no"] is not None and row["line_no"] in current:
            line = current[row["line_no"]]
        else:
            line = {
                "line_no": None,
                "item_name": row["item_name"],
                "in_tender": False,
                "original_quantity": 0,
                "current_quantity": 0,
                "original_amount_fen": 0,
                "current_amount_fen": 0,
            }
            added.append(line)
        line["current_quantity"] += row["quantity_delta"]
        line["current_amount_fen"] += row["amount_delta_fen"]
    delta = sum(
        a["value_delta_fen"]
        for a in contract["amendments"]
        if a["status"] == AmendmentStatus.accepted
    )
    value = contract["value_fen"]
    return {
        "original_value_fen": value,
        "current_value_fen": value + delta,
        "cumulative_delta_fen": delta,
        "cumulative_percent": (Decimal(delta) * 100 / Decimal(value)).quantize(Decimal("0.01")),
        "adds_scope_outside_tender": bool(added),
        "lines": [*current.values(), *added],
    }


async def instalments(contract_id: int, seq: int | None = None) -> list[dict[str, Any]]:
    """The contract's instalments as they stand now: a hold or a deduction of a settled period
    counts once the settlement is in force (``performance.effects``), so a scheduled instalment
    reads as held from then; with its rectifications, newest first."""
    where: Any = Payment.contract == contract_id
    if seq is not None:
        where = where & (Payment.seq == seq)
    rows = await Payment.select().where(where).order_by(Payment.seq)
    ids = [row["id"] for row in rows]
    if not ids:
        return []
    effects, found = await read_together(
        instalment_effects(ids),
        Rectification.select(*RECTIFICATION_COLUMNS)
        .where(Rectification.payment.is_in(ids))
        .order_by(Rectification.id, ascending=False)
        .run(),
    )
    rectifications: dict[int, list[dict[str, Any]]] = {}
    for row in found:
        rectifications.setdefault(row["payment"], []).append(row)
    views = []
    for row in rows:
        effect = effects[row["id"]]
        held = row["status"] == PaymentStatus.held or (
            row["status"] == PaymentStatus.scheduled and effect.held
        )
        views.append(
            {
                **row,
                "stored_status": row["status"],
                "status": PaymentStatus.held if held else row["status"],
                "held_by": effect.held_by,
                "deduction_fen": effect.deduction_fen,
                "amount_due_fen": row["amount_fen"] - effect.deduction_fen,
                "pending": effect.pending,
                "rectifications": rectifications.get(row["id"], []),
            }
        )
    return views


async def award_for_contract(actor: Actor, tender_id: int) -> dict[str, Any]:
    """What the buyer's contract form starts from: the awarded tender of the buyer's department,
    its winner and the awarded price, its communities and whether it already has a contract."""
    tender = (
        await Tender.select(
            Tender.id,
            Tender.reference,
            Tender.title,
            Tender.status,
            Tender.standstill_ends_at,
        )
        .where((Tender.id == tender_id) & (Tender.department == actor.department_id))
        .first()
    )
    if tender is None:
        raise NotFound(N_("tender %(id)s not found"), id=tender_id)
    tender["award"] = (
        await Award.select(
            Award.bid._.organization._.name.as_alias("organization_name"),
            Award.bid.total_fen.as_alias("value_fen"),
        )
        .where(Award.tender == tender_id)
        .first()
    )
    tender["communities"] = await TenderCommunity.select(
        TenderCommunity.community.code.as_alias("code"),
        TenderCommunity.community.name.as_alias("name"),
    ).where(TenderCommunity.tender == tender_id)
    tender["contract_id"] = (
        await Contract.select(Contract.id).where(Contract.tender == tender_id).first() or {}
    ).get("id")
    return tender


async def tender_contracts(actor: Actor | None, tender_id: int) -> list[dict[str, Any]]:
    """The contracts signed under the tender that the actor may open (the tender page links
    to them); none for a visitor, who finds them under public disclosure."""
    if actor is None:
        return []
    return (
        await Contract.select(Contract.id, Contract.reference, Contract.title, Contract.status)
        .where((Contract.tender == tender_id) & await _scope(actor))
        .order_by(Contract.id)
    )


async def tenders_to_contract(actor: Actor) -> list[dict[str, Any]]:
    """The buyer's awarded tenders with no contract yet: the next step is to draw one up."""
    if actor.role != Role.buyer or actor.department_id is None:
        return []
    awarded = (
        await Tender.select(Tender.id, Tender.reference, Tender.title)
        .where((Tender.department == actor.department_id) & (Tender.status == TenderStatus.awarded))
        .order_by(Tender.id)
    )
    if not awarded:
        return []
    contracted = await Contract.select(Contract.tender).where(
        Contract.tender.is_in([row["id"] for row in awarded])
    )
    taken = {row["tender"] for row in contracted}
    return [row for row in awarded if row["id"] not in taken]

"""Writes about contracts: creation from an award, signing, amendments, completion and
termination. Each checks the buyer's department, writes in one transaction and is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from procure import clock
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.bids.tables import Award, BidLine
from procure.catalog.tables import CatalogItem
from procure.contracts.schemas import AmendmentIn, ContractIn
from procure.contracts.tables import (
    Amendment,
    AmendmentLine,
    Contract,
    ContractCommunity,
    ContractScopeLine,
    ContractStatus,
    Milestone,
    MilestoneStatus,
    Payment,
    PaymentStatus,
)
from procure.db import transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.policy import get_policy
from procure.risk.hooks import after_commit
from procure.risk.registry import SubjectType, Trigger
from procure.security.actors import Actor
from procure.settings import get_settings
from procure.tenders.services import own_tender
from procure.tenders.states import TenderStatus
from procure.tenders.tables import Tender, TenderCommunity


async def own_contract(actor: Actor, contract_id: int) -> dict[str, Any]:
    row = (
        await Contract.select()
        .where((Contract.id == contract_id) & (Contract.department == actor.department_id))
        .first()
    )
    if row is None:
        raise NotFound(f"contract {contract_id} not found")
    return row


def _check_schedule(data: ContractIn, value_fen: int) -> None:
    term = data.ends_on - data.starts_on
    limits = get_policy().contracts
    longest = limits.max_term_days_stable if data.stable_service else limits.max_term_days
    if term <= timedelta(0):
        raise InvalidInput("ends_on", "must be after starts_on")
    if term > timedelta(days=longest):
        raise InvalidInput(
            "ends_on",
            f"the term is {term.days} days; 财政部令第102号 allows at most {longest} days"
            + ("" if data.stable_service else " (up to three years with stable_service)"),
        )
    total = sum(p.amount_fen for p in data.payments)
    if total != value_fen:
        raise InvalidInput(
            "payments", f"instalments add up to {total} fen, not the contract value {value_fen} fen"
        )
    if len(data.payments) > 1 and not data.payments[-1].performance_linked:
        raise InvalidInput("payments", "the last instalment must depend on performance")
    for index, payment in enumerate(data.payments):
        if not data.starts_on <= payment.due_on <= data.ends_on + timedelta(days=90):
            raise InvalidInput(
                f"payments[{index}].due_on", "must fall within the term (or 90 days after it)"
            )
    for index, milestone in enumerate(data.milestones):
        if not data.starts_on <= milestone.due_on <= data.ends_on:
            raise InvalidInput(f"milestones[{index}].due_on", "must fall within the term")


async def contract_create(*, actor: Actor, tender_id: int, data: ContractIn) -> int:
    """A draft contract from an awarded tender whose standstill period is over."""
    async with transaction():
        tender = await own_tender(actor, tender_id)
        if tender["status"] != TenderStatus.awarded:
            raise Conflict(f"tender is {tender['status']}; a contract needs an award")
        if tender["standstill_ends_at"] and clock.now() < tender["standstill_ends_at"]:
            raise Conflict(
                f"the standstill period runs until {tender['standstill_ends_at'].isoformat()}"
            )
        if await Contract.exists().where(Contract.tender == tender_id):
            raise Conflict("this tender already has a contract")
        award = (
            await Award.select(
                Award.id,
                Award.bid,
                Award.bid.total_fen.as_alias("value"),
                Award.bid.organization.as_alias("organization"),
                Award.bid.content_sha256.as_alias("receipt"),
            )
            .where(Award.tender == tender_id)
            .first()
        )
        if award is None:
            raise Conflict("the tender has no award")
        _check_schedule(data, award["value"])
        covered = {
            row["code"]: row["id"]
            for row in await TenderCommunity.select(
                TenderCommunity.community.code.as_alias("code"),
                TenderCommunity.community.as_alias("id"),
            ).where(TenderCommunity.tender == tender_id)
        }
        for code in data.communities:
            if code not in covered:
                raise InvalidInput("communities", f"{code!r} is not covered by the tender")
        rows = await Contract.insert(
            Contract(
                reference=f"pending-{tender_id}",
                title=data.title or tender["title"],
                tender=tender_id,
                award=award["id"],
                department=tender["department"],
                organization=award["organization"],
                status=ContractStatus.draft,
                value_fen=award["value"],
                starts_on=data.starts_on,
                ends_on=data.ends_on,
                reporting_frequency=data.reporting_frequency,
                bid_receipt_sha256=award["receipt"],
            )
        )
        contract_id: int = rows[0]["id"]
        reference = f"HT-{data.starts_on.year}-{contract_id:04d}"
        await Contract.update({Contract.reference: reference}).where(Contract.id == contract_id)
        for code in data.communities or list(covered):
            await ContractCommunity.insert(
                ContractCommunity(contract=contract_id, community=covered[code])
            )
        lines = await BidLine.select(
            BidLine.price_fen,
            BidLine.scope_line.line_no.as_alias("line_no"),
            BidLine.scope_line.quantity.as_alias("quantity"),
            BidLine.scope_line.catalog_item.as_alias("item"),
            BidLine.scope_line.description.as_alias("description"),
        ).where(BidLine.bid == award["bid"])
        for line in sorted(lines, key=lambda line: line["line_no"]):
            await ContractScopeLine.insert(
                ContractScopeLine(
                    contract=contract_id,
                    line_no=line["line_no"],
                    catalog_item=line["item"],
                    description=line["description"],
                    quantity=line["quantity"],
                    unit_price_fen=round(line["price_fen"] / line["quantity"]),
                    amount_fen=line["price_fen"],
                )
            )
        for seq, milestone in enumerate(data.milestones, start=1):
            await Milestone.insert(
                Milestone(
                    contract=contract_id,
                    seq=seq,
                    title=milestone.title,
                    due_on=milestone.due_on,
                    status=MilestoneStatus.pending,
                )
            )
        for seq, payment in enumerate(data.payments, start=1):
            await Payment.insert(
                Payment(
                    contract=contract_id,
                    seq=seq,
                    due_on=payment.due_on,
                    amount_fen=payment.amount_fen,
                    status=PaymentStatus.scheduled,
                    performance_linked=payment.performance_linked,
                )
            )
        await record(
            actor=actor,
            action=AuditAction.contract_created,
            subject_type="contract",
            subject_id=contract_id,
            data={"reference": reference, "tender": tender_id, "value_fen": award["value"]},
        )
    return contract_id


async def contract_sign(*, actor: Actor, contract_id: int) -> None:
    """Sign a draft: the contract comes into force and its tender is contracted."""
    async with transaction():
        contract = await own_contract(actor, contract_id)
        if contract["status"] != ContractStatus.draft:
            raise Conflict(f"contract is {contract['status']}; only a draft is signed")
        await Contract.update(
            {Contract.status: ContractStatus.active, Contract.signed_at: clock.now()}
        ).where(Contract.id == contract_id)
        if contract["tender"] is not None:
            await Tender.update({Tender.status: TenderStatus.contracted}).where(
                Tender.id == contract["tender"]
            )
        await record(
            actor=actor,
            action=AuditAction.contract_signed,
            subject_type="contract",
            subject_id=contract_id,
        )
    await after_commit(Trigger.contract_signed, {SubjectType.contract: [contract_id]})


async def contract_close(
    *, actor: Actor, contract_id: int, terminate_reason: str | None = None
) -> None:
    """Complete an active contract, or terminate it early with a reason; the day is recorded,
    because no report is owed for a period that begins after it."""
    closed_on = clock.now().astimezone(ZoneInfo(get_settings().timezone)).date()
    async with transaction():
        contract = await own_contract(actor, contract_id)
        if contract["status"] != ContractStatus.active:
            raise Conflict(f"contract is {contract['status']}; only an active contract ends")
        if terminate_reason is None:
            await Contract.update(
                {Contract.status: ContractStatus.completed, Contract.closed_on: closed_on}
            ).where(Contract.id == contract_id)
            action = AuditAction.contract_completed
        else:
            if not terminate_reason.strip():
                raise InvalidInput("reason", "a termination needs a reason")
            await Contract.update(
                {
                    Contract.status: ContractStatus.terminated,
                    Contract.terminated_reason: terminate_reason.strip(),
                    Contract.closed_on: closed_on,
                }
            ).where(Contract.id == contract_id)
            action = AuditAction.contract_terminated
        await record(
            actor=actor,
            action=action,
            subject_type="contract",
            subject_id=contract_id,
            data={"reason": terminate_reason or "", "closed_on": closed_on.isoformat()},
        )


async def amendment_create(*, actor: Actor, contract_id: int, data: AmendmentIn) -> int:
    """A supplementary agreement: version n+1, its change to each scope line and to the value."""
    async with transaction():
        contract = await own_contract(actor, contract_id)
        if contract["status"] != ContractStatus.active:
            raise Conflict(f"contract is {contract['status']}; only an active contract is amended")
        scope = {
            row["line_no"]: row
            for row in await ContractScopeLine.select().where(
                ContractScopeLine.contract == contract_id
            )
        }
        changes = []
        for index, line in enumerate(data.lines):
            where = f"lines[{index}]"
            if (line.line_no is None) == (line.item_code is None):
                raise InvalidInput(
                    where, "give either line_no (change a scope line) or item_code (add scope)"
                )
            if line.quantity_delta == 0:
                raise InvalidInput(f"{where}.quantity_delta", "must not be zero")
            if line.line_no is not None:
                existing = scope.get(line.line_no)
                if existing is None:
                    raise InvalidInput(
                        f"{where}.line_no", f"the contract has no scope line {line.line_no}"
                    )
                if existing["quantity"] + line.quantity_delta < 0:
                    raise InvalidInput(
                        f"{where}.quantity_delta", f"would take line {line.line_no} below zero"
                    )
                changes.append(
                    {
                        "scope_line": existing["id"],
                        "catalog_item": existing["catalog_item"],
                        "in_tender": True,
                    }
                )
            else:
                item = (
                    await CatalogItem.select(CatalogItem.id)
                    .where(CatalogItem.code == line.item_code)
                    .first()
                )
                if item is None:
                    raise InvalidInput(f"{where}.item_code", f"no catalog item {line.item_code!r}")
                if line.quantity_delta < 0:
                    raise InvalidInput(
                        f"{where}.quantity_delta", "new scope must add a positive quantity"
                    )
                changes.append({"scope_line": None, "catalog_item": item["id"], "in_tender": False})
            changes[-1].update(
                quantity_delta=line.quantity_delta,
                unit_price_fen=line.unit_price_fen,
                amount_delta_fen=line.quantity_delta * line.unit_price_fen,
                description=line.description,
            )
        version = await Amendment.count().where(Amendment.contract == contract_id) + 1
        delta = sum(change["amount_delta_fen"] for change in changes)
        rows = await Amendment.insert(
            Amendment(
                contract=contract_id,
                version=version,
                reason=data.reason.strip(),
                value_delta_fen=delta,
                signed_at=clock.now(),
                created_by=actor.id,
            )
        )
        for change in changes:
            await AmendmentLine.insert(AmendmentLine(amendment=rows[0]["id"], **change))
        await record(
            actor=actor,
            action=AuditAction.amendment_signed,
            subject_type="contract",
            subject_id=contract_id,
            data={
                "version": version,
                "value_delta_fen": delta,
                "reason": data.reason.strip(),
                "adds_scope": any(not c["in_tender"] for c in changes),
            },
        )
    await after_commit(Trigger.amendment_signed, {SubjectType.contract: [contract_id]})
    return version

"""Writes about contracts: creation from an award, the two parties' signatures, supplementary
agreements, completion and termination, and the instalments. Each checks who acts, writes in one
transaction and is audited; every status change goes through a transition table
(``contracts.states``). The buyer's signature, an amendment and each payment step are prepared by
a handler and carried out when an approver approves them (maker–checker, ``approvals``)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from procure import clock
from procure.acceptance.selectors import final_acceptance_passed
from procure.approvals.services import approval_request, executes, require_handler
from procure.approvals.states import APPROVAL, ApprovalStep
from procure.approvals.tables import Approval
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.bids.tables import Award, BidLine
from procure.calendar import shown_moment
from procure.catalog.tables import CatalogItem
from procure.complaints.selectors import Stage, procurement_refusal
from procure.contracts.schemas import AmendmentIn, ContractIn, PaymentRecordIn
from procure.contracts.selectors import instalments
from procure.contracts.states import (
    AMENDMENT,
    CONTRACT,
    PAYMENT,
    RECTIFICATION,
    AmendmentStep,
    ContractStep,
    PaymentStep,
    RectificationStep,
)
from procure.contracts.tables import (
    Amendment,
    AmendmentLine,
    AmendmentStatus,
    Contract,
    ContractCommunity,
    ContractScopeLine,
    ContractStatus,
    Milestone,
    MilestoneStatus,
    Payment,
    PaymentStatus,
    Rectification,
    RectificationStatus,
)
from procure.db import lock_rows, transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_, yuan
from procure.jobs import SubjectType, Trigger, record_event
from procure.lifecycle import advance
from procure.policy import get_policy
from procure.security.actors import Actor
from procure.security.tables import Role
from procure.settings import get_settings
from procure.tenders.services import own_tender
from procure.tenders.states import TenderStatus
from procure.tenders.tables import ScopeLine, TenderCommunity
from procure.tenders.transitions import TENDER, TenderStep

ARTICLE_49 = "政府采购法 第四十九条"


async def own_contract(actor: Actor, contract_id: int) -> dict[str, Any]:
    row = (
        await Contract.select()
        .where((Contract.id == contract_id) & (Contract.department == actor.department_id))
        .first()
    )
    if row is None:
        raise NotFound(N_("contract %(id)s not found"), id=contract_id)
    return row


async def party_contract(actor: Actor, contract_id: int) -> dict[str, Any]:
    """The organization's own contract; any other answers 404."""
    row = None
    if actor.role == Role.organization and actor.organization_id is not None:
        row = (
            await Contract.select()
            .where((Contract.id == contract_id) & (Contract.organization == actor.organization_id))
            .first()
        )
    if row is None:
        raise NotFound(N_("contract %(id)s not found"), id=contract_id)
    return row


def _check_schedule(data: ContractIn, value_fen: int) -> None:
    term = data.ends_on - data.starts_on
    limits = get_policy().contracts
    longest = limits.max_term_days_stable if data.stable_service else limits.max_term_days
    if term <= timedelta(0):
        raise InvalidInput("ends_on", N_("must be after starts_on"))
    if term > timedelta(days=longest):
        if data.stable_service:
            raise InvalidInput(
                "ends_on",
                N_("the term is %(days)s days; 财政部令第102号 allows at most %(longest)s days"),
                days=term.days,
                longest=longest,
            )
        raise InvalidInput(
            "ends_on",
            N_(
                "the term is %(days)s days; 财政部令第102号 allows at most %(longest)s days"
                " (up to three years with stable_service)"
            ),
            days=term.days,
            longest=longest,
        )
    total = sum(p.amount_fen for p in data.payments)
    if total != value_fen:
        raise InvalidInput(
            "payments",
            N_("instalments add up to %(total)s, not the contract value %(value)s"),
            total=yuan(total, "en"),
            value=yuan(value_fen, "en"),
        )
    if len(data.payments) > 1 and not data.payments[-1].performance_linked:
        raise InvalidInput("payments", N_("the last instalment must depend on performance"))
    for index, payment in enumerate(data.payments):
        if not data.starts_on <= payment.due_on <= data.ends_on + timedelta(days=90):
            raise InvalidInput(
                f"payments[{index}].due_on", N_("must fall within the term (or 90 days after it)")
            )
    for index, milestone in enumerate(data.milestones):
        if not data.starts_on <= milestone.due_on <= data.ends_on:
            raise InvalidInput(f"milestones[{index}].due_on", N_("must fall within the term"))


async def contract_create(*, actor: Actor, tender_id: int, data: ContractIn) -> int:
    """A draft contract from an awarded tender whose standstill period is over."""
    async with transaction():
        tender = await own_tender(actor, tender_id)
        if tender["status"] != TenderStatus.awarded:
            raise Conflict(
                N_("tender is %(status)s; a contract needs an award"),
                status=TenderStatus(tender["status"]),
            )
        if tender["standstill_ends_at"] and clock.now() < tender["standstill_ends_at"]:
            raise Conflict(
                N_("the standstill period runs until %(until)s"),
                until=shown_moment(tender["standstill_ends_at"]),
            )
        if refusal := await procurement_refusal(tender_id, clock.now(), stage=Stage.contract):
            raise refusal
        if await Contract.exists().where(Contract.tender == tender_id):
            raise Conflict(N_("this tender already has a contract"))
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
            raise Conflict(N_("the tender has no award"))
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
                raise InvalidInput(
                    "communities", N_("%(code)r is not covered by the tender"), code=code
                )
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


def _today() -> Any:
    return clock.now().astimezone(ZoneInfo(get_settings().timezone)).date()


#: What needs a passed final acceptance, as its refusal says it.
FINAL_ACCEPTANCE_NEEDED = {
    "completion": N_(
        "completing the contract needs a passed final acceptance (履约验收合格) of contract "
        "%(id)s: record it on /contracts/%(id)s/acceptances and have an approver confirm it"
    ),
    "final_payment": N_(
        "the final payment needs a passed final acceptance (履约验收合格) of contract %(id)s: "
        "record it on /contracts/%(id)s/acceptances and have an approver confirm it"
    ),
}


async def _final_acceptance_check(contract_id: int, what: str, seq: int | None = None) -> None:
    """Completion and the last instalment (``what``: a key of FINAL_ACCEPTANCE_NEEDED) need a
    passed final acceptance (履约验收, 政府采购法实施条例 第四十五条): 409 naming what is
    missing."""
    if seq is not None and await Payment.exists().where(
        (Payment.contract == contract_id) & (Payment.seq > seq)
    ):
        return
    if not await final_acceptance_passed(contract_id):
        raise Conflict(FINAL_ACCEPTANCE_NEEDED[what], id=contract_id)


# -- the two signatures ---------------------------------------------------------------------------


async def _not_blocked(tender_id: int | None) -> None:
    """No signature while the procurement is suspended or a remedy about its result is open."""
    if tender_id is not None and (
        refusal := await procurement_refusal(tender_id, clock.now(), stage=Stage.contract)
    ):
        raise refusal


async def contract_sign(*, actor: Actor, contract_id: int) -> int:
    """A handler asks an approver to sign the draft for the buyer; returns the approval id."""
    async with transaction():
        contract = await own_contract(actor, contract_id)
        if contract["status"] != ContractStatus.draft:
            raise Conflict(
                N_("contract is %(status)s; only a draft is signed"),
                status=ContractStatus(contract["status"]),
            )
        await _not_blocked(contract["tender"])
        if contract["buyer_signed_at"] is not None:
            raise Conflict(
                N_("the buyer signed contract %(reference)s on %(when)s"),
                reference=contract["reference"],
                when=shown_moment(contract["buyer_signed_at"]),
            )
        approval_id = await approval_request(
            actor=actor,
            kind="contract.sign",
            subject_type="contract",
            subject_id=contract_id,
            department_id=contract["department"],
            summary=f"为采购人签署合同 {contract['reference']}《{contract['title']}》",
            payload={"reference": contract["reference"], "value_fen": contract["value_fen"]},
        )
    return approval_id


async def _signature(
    *, contract_id: int, step: ContractStep, actor: Actor, where: Any, audit_data: dict
) -> dict[str, Any]:
    """One party's signature as a compare-and-set on the draft that party has not signed yet;
    the second signature brings the contract into force and contracts its tender."""
    of = await Contract.select(Contract.tender).where(Contract.id == contract_id).first()
    await _not_blocked(of["tender"] if of else None)
    party = "buyer" if step == ContractStep.sign_for_buyer else "organization"
    signed_by, signed_at = f"{party}_signed_by", f"{party}_signed_at"
    try:
        row = await advance(
            CONTRACT,
            row_id=contract_id,
            action=step,
            actor=actor,
            values={signed_by: actor.id, signed_at: clock.now()},
            where=where & Contract._meta.get_column_by_name(signed_at).is_null(),
            audit_data=audit_data,
        )
    except (Conflict, NotFound):
        # The row is out of reach of the compare-and-set: signed already (a race lost), or
        # no longer a draft.
        current = await Contract.select().where(Contract.id == contract_id).first()
        if current is not None and current[signed_at] is not None:
            raise Conflict(
                N_("the buyer signed contract %(reference)s on %(when)s")
                if party == "buyer"
                else N_("the organization signed contract %(reference)s on %(when)s"),
                reference=current["reference"],
                when=shown_moment(current[signed_at]),
            ) from None
        raise
    other = "organization" if party == "buyer" else "buyer"
    if row[f"{other}_signed_at"] is not None:
        await advance(
            CONTRACT,
            row_id=contract_id,
            action=ContractStep.activate,
            actor=actor,
            # Signed is published: the disclosure pages show it from this moment on.
            values={Contract.signed_at: clock.now(), Contract.published_at: clock.now()},
            where=Contract.buyer_signed_at.is_not_null()
            & Contract.organization_signed_at.is_not_null(),
        )
        if row["tender"] is not None:
            await advance(TENDER, row_id=row["tender"], action=TenderStep.contract, actor=actor)
    return row


async def _signed(contract_id: int) -> None:
    """What follows the second signature: the rules that watch signed contracts, after commit."""
    await record_event(Trigger.contract_signed, {SubjectType.contract: [contract_id]})


@executes("contract.sign")
async def _sign_for_buyer(approval: dict[str, Any], approver: Actor) -> None:
    contract_id = int(approval["subject_id"])
    row = await _signature(
        contract_id=contract_id,
        step=ContractStep.sign_for_buyer,
        actor=approver,
        where=Contract.department == approval["department"],
        audit_data={"approval": approval["id"], "requested_by": approval["requested_by"]},
    )
    if row["organization_signed_at"] is not None:
        await _signed(contract_id)


async def contract_sign_for_organization(*, actor: Actor, contract_id: int) -> None:
    """The organization signs its own draft contract; either party may sign first."""
    async with transaction():
        contract = await party_contract(actor, contract_id)
        if contract["status"] != ContractStatus.draft:
            raise Conflict(
                N_("contract is %(status)s; only a draft is signed"),
                status=ContractStatus(contract["status"]),
            )
        row = await _signature(
            contract_id=contract_id,
            step=ContractStep.sign_for_organization,
            actor=actor,
            where=Contract.organization == actor.organization_id,
            audit_data={},
        )
        if row["buyer_signed_at"] is not None:
            await _signed(contract_id)


async def contract_close(
    *, actor: Actor, contract_id: int, terminate_reason: str | None = None
) -> None:
    """Complete an active contract, or terminate it early with a reason; the day is recorded,
    because no report is owed for a period that begins after it. One compare-and-set on the
    active contract: of a completion and a termination racing, exactly one wins."""
    closed_on = _today()
    values: dict[Any, Any] = {Contract.closed_on: closed_on}
    if terminate_reason is not None:
        if not terminate_reason.strip():
            raise InvalidInput("reason", N_("a termination needs a reason"))
        values[Contract.terminated_reason] = terminate_reason.strip()
    async with transaction():
        await own_contract(actor, contract_id)
        if terminate_reason is None:
            await _final_acceptance_check(contract_id, "completion")
        await advance(
            CONTRACT,
            row_id=contract_id,
            action=ContractStep.complete if terminate_reason is None else ContractStep.terminate,
            actor=actor,
            values=values,
            where=Contract.department == actor.department_id,
            audit_data={"reason": terminate_reason or "", "closed_on": closed_on.isoformat()},
        )


# -- supplementary agreements (补充协议) -----------------------------------------------------------


async def _increase_check(
    contract: dict[str, Any], delta: int, statuses: list[AmendmentStatus], *, exclude: int = 0
) -> None:
    """政府采购法 第四十九条: the supplementary agreements together add at most the policy's
    share (10%) of the original value."""
    rows = await Amendment.select(Amendment.value_delta_fen).where(
        (Amendment.contract == contract["id"])
        & Amendment.status.is_in(list(statuses))
        & (Amendment.id != exclude)
    )
    cumulative = sum(row["value_delta_fen"] for row in rows) + delta
    limit = get_policy().contracts.max_amendment_increase_percent
    if cumulative * 100 > limit * contract["value_fen"]:
        percent = (Decimal(cumulative) * 100 / Decimal(contract["value_fen"])).quantize(
            Decimal("0.01")
        )
        raise InvalidInput(
            "lines",
            N_(
                "the amendments would add %(added)s (%(percent)s%%) to the original value of "
                "%(value)s; %(article)s allows supplementary agreements of at most %(limit)s%% "
                "(补充合同的采购金额不得超过原合同采购金额的百分之十): a larger change needs a "
                "new procurement"
            ),
            added=yuan(cumulative, "en"),
            percent=percent,
            value=yuan(contract["value_fen"], "en"),
            article=ARTICLE_49,
            limit=limit,
        )


async def _tender_items(contract: dict[str, Any]) -> set[int]:
    if contract["tender"] is None:
        rows = await ContractScopeLine.select(ContractScopeLine.catalog_item).where(
            ContractScopeLine.contract == contract["id"]
        )
    else:
        rows = await ScopeLine.select(ScopeLine.catalog_item.as_alias("catalog_item")).where(
            ScopeLine.tender == contract["tender"]
        )
    return {row["catalog_item"] for row in rows}


async def amendment_create(*, actor: Actor, contract_id: int, data: AmendmentIn) -> tuple[int, int]:
    """A handler drafts a supplementary agreement (version n+1) and asks an approver to propose
    it to the organization; returns the version and the approval id. Scope outside the tender
    and an increase beyond 政府采购法 第四十九条 are refused."""
    async with transaction():
        contract = await own_contract(actor, contract_id)
        if contract["status"] != ContractStatus.active:
            raise Conflict(
                N_("contract is %(status)s; only an active contract is amended"),
                status=ContractStatus(contract["status"]),
            )
        scope = {
            row["line_no"]: row
            for row in await ContractScopeLine.select().where(
                ContractScopeLine.contract == contract_id
            )
        }
        in_tender = await _tender_items(contract)
        changes = []
        for index, line in enumerate(data.lines):
            where = f"lines[{index}]"
            if (line.line_no is None) == (line.item_code is None):
                raise InvalidInput(
                    where, N_("give either line_no (change a scope line) or item_code (add scope)")
                )
            if line.quantity_delta == 0:
                raise InvalidInput(f"{where}.quantity_delta", N_("must not be zero"))
            if line.line_no is not None:
                existing = scope.get(line.line_no)
                if existing is None:
                    raise InvalidInput(
                        f"{where}.line_no",
                        N_("the contract has no scope line %(line)s"),
                        line=line.line_no,
                    )
                if existing["quantity"] + line.quantity_delta < 0:
                    raise InvalidInput(
                        f"{where}.quantity_delta",
                        N_("would take line %(line)s below zero"),
                        line=line.line_no,
                    )
                changes.append(
                    {"scope_line": existing["id"], "catalog_item": existing["catalog_item"]}
                )
            else:
                item = (
                    await CatalogItem.select(CatalogItem.id)
                    .where(CatalogItem.code == line.item_code)
                    .first()
                )
                if item is None:
                    raise InvalidInput(
                        f"{where}.item_code",
                        N_("no catalog item %(code)s"),
                        code=repr(line.item_code),
                    )
                if item["id"] not in in_tender:
                    raise InvalidInput(
                        f"{where}.item_code",
                        N_(
                            "%(code)s is not in the tender's scope: scope outside the tender "
                            "needs a new procurement (%(article)s covers only supplementary "
                            "purchases of the same goods or services)"
                        ),
                        code=line.item_code,
                        article=ARTICLE_49,
                    )
                if line.quantity_delta < 0:
                    raise InvalidInput(
                        f"{where}.quantity_delta", N_("new scope must add a positive quantity")
                    )
                changes.append({"scope_line": None, "catalog_item": item["id"]})
            changes[-1].update(
                in_tender=True,
                quantity_delta=line.quantity_delta,
                unit_price_fen=line.unit_price_fen,
                amount_delta_fen=line.quantity_delta * line.unit_price_fen,
                description=line.description,
            )
        delta = sum(change["amount_delta_fen"] for change in changes)
        await _increase_check(
            contract, delta, [AmendmentStatus.accepted, AmendmentStatus.pending_acceptance]
        )
        version = await Amendment.count().where(Amendment.contract == contract_id) + 1
        rows = await Amendment.insert(
            Amendment(
                contract=contract_id,
                version=version,
                reason=data.reason.strip(),
                value_delta_fen=delta,
                status=AmendmentStatus.draft,
                signed_at=None,
                created_by=actor.id,
            )
        )
        amendment_id = rows[0]["id"]
        for change in changes:
            await AmendmentLine.insert(AmendmentLine(amendment=amendment_id, **change))
        await record(
            actor=actor,
            action=AuditAction.amendment_drafted,
            subject_type="amendment",
            subject_id=amendment_id,
            data={
                "contract": contract_id,
                "version": version,
                "value_delta_fen": delta,
                "reason": data.reason.strip(),
            },
        )
        approval_id = await approval_request(
            actor=actor,
            kind="contract.amend",
            subject_type="amendment",
            subject_id=amendment_id,
            department_id=contract["department"],
            summary=f"合同 {contract['reference']} 第{version}号补充协议:{data.reason[:80]}",
            payload={"contract": contract_id, "version": version, "value_delta_fen": delta},
        )
    return version, approval_id


@executes("contract.amend")
async def _propose_amendment(approval: dict[str, Any], approver: Actor) -> None:
    amendment = await Amendment.select().where(Amendment.id == int(approval["subject_id"])).first()
    if amendment is None:
        raise NotFound(N_("the amendment no longer exists"))
    contract = await Contract.select().where(Contract.id == amendment["contract"]).first()
    assert contract is not None
    if contract["status"] != ContractStatus.active:
        raise Conflict(
            N_("contract is %(status)s; only an active contract is amended"),
            status=ContractStatus(contract["status"]),
        )
    await _increase_check(
        contract,
        amendment["value_delta_fen"],
        [AmendmentStatus.accepted, AmendmentStatus.pending_acceptance],
        exclude=amendment["id"],
    )
    await advance(
        AMENDMENT,
        row_id=amendment["id"],
        action=AmendmentStep.approve,
        actor=approver,
        values={Amendment.approved_by: approver.id, Amendment.approved_at: clock.now()},
        audit_data={"contract": contract["id"], "version": amendment["version"]},
    )


async def _party_amendment(actor: Actor, contract_id: int, version: int) -> tuple[dict, dict]:
    contract = await party_contract(actor, contract_id)
    amendment = (
        await Amendment.select()
        .where((Amendment.contract == contract_id) & (Amendment.version == version))
        .first()
    )
    if amendment is None:
        raise NotFound(
            N_("amendment %(version)s of contract %(id)s not found"),
            version=version,
            id=contract_id,
        )
    return contract, amendment


async def amendment_accept(*, actor: Actor, contract_id: int, version: int) -> None:
    """The organization signs the supplementary agreement: from now on it changes the contract."""
    async with transaction():
        contract, amendment = await _party_amendment(actor, contract_id, version)
        if contract["status"] != ContractStatus.active:
            raise Conflict(
                N_("contract is %(status)s; only an active contract is amended"),
                status=ContractStatus(contract["status"]),
            )
        await _increase_check(contract, amendment["value_delta_fen"], [AmendmentStatus.accepted])
        now = clock.now()
        await advance(
            AMENDMENT,
            row_id=amendment["id"],
            action=AmendmentStep.accept,
            actor=actor,
            values={
                Amendment.signed_at: now,
                Amendment.answered_by: actor.id,
                Amendment.answered_at: now,
            },
            where=Amendment.contract == contract_id,
            audit_data={
                "contract": contract_id,
                "version": version,
                "value_delta_fen": amendment["value_delta_fen"],
                "reason": amendment["reason"],
            },
        )
        await record_event(Trigger.amendment_signed, {SubjectType.contract: [contract_id]})


async def amendment_decline(*, actor: Actor, contract_id: int, version: int, reason: str) -> None:
    """The organization declines the supplementary agreement, saying why; nothing changes."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", N_("declining a supplementary agreement needs a reason"))
    async with transaction():
        _, amendment = await _party_amendment(actor, contract_id, version)
        await advance(
            AMENDMENT,
            row_id=amendment["id"],
            action=AmendmentStep.decline,
            actor=actor,
            values={
                Amendment.decline_reason: reason,
                Amendment.answered_by: actor.id,
                Amendment.answered_at: clock.now(),
            },
            where=Amendment.contract == contract_id,
            audit_data={"contract": contract_id, "version": version, "reason": reason},
        )


async def amendment_withdraw(*, actor: Actor, contract_id: int, version: int) -> None:
    """The buyer takes back an amendment not yet accepted, and its pending approval with it."""
    async with transaction():
        await own_contract(actor, contract_id)
        amendment = (
            await Amendment.select(Amendment.id)
            .where((Amendment.contract == contract_id) & (Amendment.version == version))
            .first()
        )
        if amendment is None:
            raise NotFound(
                N_("amendment %(version)s of contract %(id)s not found"),
                version=version,
                id=contract_id,
            )
        await advance(
            AMENDMENT,
            row_id=amendment["id"],
            action=AmendmentStep.withdraw,
            actor=actor,
            audit_data={"contract": contract_id, "version": version},
        )
        pending = (
            await Approval.select(Approval.id)
            .where(Approval.pending_key == f"contract.amend:amendment:{amendment['id']}")
            .first()
        )
        if pending is not None:
            await advance(
                APPROVAL,
                row_id=pending["id"],
                action=ApprovalStep.withdraw,
                actor=actor,
                values={Approval.decided_at: clock.now(), Approval.pending_key: None},
            )


# -- instalments ---------------------------------------------------------------------------------

PAYMENT_STEPS = {
    "payment.withhold": (PaymentStep.withhold, "暂停支付"),
    "payment.release": (PaymentStep.release, "恢复支付"),
    "payment.record": (PaymentStep.record, "登记付款"),
}


async def _instalment(contract_id: int, seq: int) -> dict[str, Any]:
    """The instalment as it stands now (a settlement's hold or deduction in force included),
    after taking its row lock so that parallel steps on it queue."""
    await lock_rows(Payment.status, (Payment.contract == contract_id) & (Payment.seq == seq))
    found = await instalments(contract_id, seq)
    if not found:
        raise NotFound(
            N_("instalment %(seq)s of contract %(id)s not found"), seq=seq, id=contract_id
        )
    return found[0]


def _check_payable(payment: dict[str, Any]) -> None:
    """An instalment is paid only when nothing holds it and no settlement that may hold it or
    deduct from it is still open to objection or awaiting the regulator's decision. (Further
    conditions, such as a passed acceptance for the final payment, are added here.)"""
    for pending in payment["pending"]:
        if pending["until"] is not None:
            raise Conflict(
                N_(
                    "instalment %(seq)s: the settlement of %(period)s may hold it or deduct from "
                    "it, and its objection period ends on %(until)s: record the payment after "
                    "that"
                ),
                seq=payment["seq"],
                period=pending["period"],
                until=pending["until"].isoformat(),
            )
        raise Conflict(
            N_(
                "instalment %(seq)s: the settlement of %(period)s may hold it or deduct from it, "
                "and an objection awaits the regulator's decision: record the payment after that"
            ),
            seq=payment["seq"],
            period=pending["period"],
        )


def _accepted_rectification(payment: dict[str, Any]) -> dict[str, Any]:
    accepted = next(
        (r for r in payment["rectifications"] if r["status"] == RectificationStatus.accepted),
        None,
    )
    if accepted is None:
        raise Conflict(
            N_(
                "instalment %(seq)s is released only after the organization's rectification "
                "(整改) is accepted"
            ),
            seq=payment["seq"],
        )
    return accepted


async def payment_request(
    *,
    actor: Actor,
    contract_id: int,
    seq: int,
    kind: str,
    reason: str = "",
    paid: PaymentRecordIn | None = None,
) -> int:
    """A handler asks an approver to withhold, release or record an instalment as paid;
    returns the approval id. Withholding and releasing need a reason; releasing needs an
    accepted rectification; a payment is of the whole amount due (after deductions in force)."""
    step, label = PAYMENT_STEPS[kind]
    reason = reason.strip()
    if kind != "payment.record" and not reason:
        raise InvalidInput("reason", N_("%(step)s needs a reason"), step=label)
    async with transaction():
        contract = await own_contract(actor, contract_id)
        payment = await _instalment(contract_id, seq)
        if contract["status"] == ContractStatus.draft:
            raise Conflict(N_("the contract is not signed yet: no instalment is due"))
        if step not in PAYMENT.allowed(payment["status"]):
            raise Conflict(
                N_("instalment %(seq)s is %(status)s; %(step)s is not possible from there"),
                seq=seq,
                status=PaymentStatus(payment["status"]),
                step=label,
            )
        if kind == "payment.record":
            await _final_acceptance_check(contract_id, "final_payment", seq)
        payload: dict[str, Any] = {"contract": contract_id, "seq": seq, "reason": reason}
        if step == PaymentStep.release:
            payload["rectification"] = _accepted_rectification(payment)["id"]
        if paid is not None:
            _check_payable(payment)
            if paid.amount_fen != payment["amount_due_fen"]:
                raise InvalidInput(
                    "amount_fen",
                    N_(
                        "the instalment is %(amount)s less %(deduction)s deducted for "
                        "performance; record the payment of the %(due)s due"
                    )
                    if payment["deduction_fen"]
                    else N_("the instalment is %(amount)s; record the payment of the %(due)s due"),
                    amount=yuan(payment["amount_fen"], "en"),
                    deduction=yuan(payment["deduction_fen"], "en"),
                    due=yuan(payment["amount_due_fen"], "en"),
                )
            if paid.paid_on > _today():
                raise InvalidInput("paid_on", N_("a payment is recorded once it is made"))
            payload |= {
                "paid_on": paid.paid_on.isoformat(),
                "amount_fen": paid.amount_fen,
                "deduction_fen": payment["deduction_fen"],
                "voucher_no": paid.voucher_no.strip(),
            }
        approval_id = await approval_request(
            actor=actor,
            kind=kind,
            subject_type="payment",
            subject_id=payment["id"],
            department_id=contract["department"],
            summary=f"合同 {contract['reference']} 第{seq}期款项{label}"
            + (f":{reason[:80]}" if reason else ""),
            payload=payload,
        )
    return approval_id


async def payment_step(
    *, payment_id: int, step: PaymentStep, actor: Actor, values: dict[Any, Any], audit_data: dict
) -> dict[str, Any]:
    """One instalment step as a compare-and-set."""
    return await advance(
        PAYMENT,
        row_id=payment_id,
        action=step,
        actor=actor,
        values=values,
        audit_data=audit_data,
    )


def _payment_executor(kind: str) -> None:
    step, _ = PAYMENT_STEPS[kind]

    @executes(kind)
    async def carry_out(approval: dict[str, Any], approver: Actor) -> None:
        """Carry out the step on the instalment as it stands at approval (a hold that came into
        force since the request counts), then the step."""
        payload = approval["payload"]
        payment = await _instalment(int(payload["contract"]), int(payload["seq"]))
        audit = {"approval": approval["id"], "requested_by": approval["requested_by"], **payload}
        if step not in PAYMENT.allowed(payment["status"]):
            raise Conflict(
                N_("instalment %(seq)s is %(status)s now"),
                seq=payment["seq"],
                status=PaymentStatus(payment["status"]),
            )
        values: dict[Any, Any] = {Payment.status_reason: payload["reason"]}
        if step == PaymentStep.record:
            await _final_acceptance_check(payload["contract"], "final_payment", payload["seq"])
            _check_payable(payment)
            if payload["amount_fen"] != payment["amount_due_fen"]:
                raise Conflict(
                    N_(
                        "the amount due changed to %(due)s since the request: refuse it and "
                        "request again"
                    ),
                    due=yuan(payment["amount_due_fen"], "en"),
                )
            values = {
                Payment.paid_at: clock.now(),
                Payment.paid_on: date.fromisoformat(payload["paid_on"]),
                Payment.paid_amount_fen: payload["amount_fen"],
                Payment.voucher_no: payload["voucher_no"],
            }
        if step == PaymentStep.release:
            rectification = _accepted_rectification(payment)
            if payment["stored_status"] == PaymentStatus.scheduled:
                # The settlement's hold came into force without a write: record it first.
                await payment_step(
                    payment_id=payment["id"],
                    step=PaymentStep.withhold,
                    actor=approver,
                    values={
                        Payment.status_reason: "绩效结算暂停支付:" + "、".join(payment["held_by"])
                    },
                    audit_data={"held_by": payment["held_by"], **audit},
                )
            await advance(
                RECTIFICATION,
                row_id=rectification["id"],
                action=RectificationStep.apply,
                actor=approver,
                audit_data={"approval": approval["id"], "payment": payment["id"]},
            )
        await payment_step(
            payment_id=payment["id"], step=step, actor=approver, values=values, audit_data=audit
        )


for _kind in PAYMENT_STEPS:
    _payment_executor(_kind)


# -- rectifications (整改) ------------------------------------------------------------------------


async def rectification_submit(
    *, actor: Actor, contract_id: int, seq: int, description: str
) -> int:
    """The organization reports what it put right for a held instalment; one open at a time."""
    description = description.strip()
    if not description:
        raise InvalidInput("description", N_("say what was put right"))
    async with transaction():
        await party_contract(actor, contract_id)
        payment = await _instalment(contract_id, seq)
        if payment["status"] != PaymentStatus.held:
            raise Conflict(
                N_("instalment %(seq)s is not held: there is nothing to rectify"), seq=seq
            )
        if any(
            r["status"] in (RectificationStatus.submitted, RectificationStatus.accepted)
            for r in payment["rectifications"]
        ):
            raise Conflict(
                N_("a rectification of instalment %(seq)s is already awaiting its answer"), seq=seq
            )
        rows = await Rectification.insert(
            Rectification(
                payment=payment["id"],
                description=description,
                status=RectificationStatus.submitted,
                submitted_by=actor.id,
            )
        )
        rectification_id = int(rows[0]["id"])
        await record(
            actor=actor,
            action=AuditAction.rectification_submitted,
            subject_type="rectification",
            subject_id=rectification_id,
            data={"contract": contract_id, "seq": seq, "held_by": payment["held_by"]},
        )
    return rectification_id


async def rectification_answer(
    *, actor: Actor, contract_id: int, seq: int, accept: bool, note: str = ""
) -> None:
    """A handler of the buyer accepts the rectification, or returns it with a note."""
    note = note.strip()
    if not accept and not note:
        raise InvalidInput("note", N_("say why the rectification is returned"))
    async with transaction():
        contract = await own_contract(actor, contract_id)
        require_handler(actor, contract["department"])
        payment = await _instalment(contract_id, seq)
        waiting = next(
            (r for r in payment["rectifications"] if r["status"] == RectificationStatus.submitted),
            None,
        )
        if waiting is None:
            raise Conflict(N_("no rectification of instalment %(seq)s awaits an answer"), seq=seq)
        await advance(
            RECTIFICATION,
            row_id=waiting["id"],
            action=RectificationStep.accept if accept else RectificationStep.return_,
            actor=actor,
            values={
                Rectification.answered_by: actor.id,
                Rectification.answered_at: clock.now(),
                Rectification.answer_note: note,
            },
            audit_data={"contract": contract_id, "seq": seq, "note": note},
        )

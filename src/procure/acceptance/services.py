"""Writes of 履约验收 (政府采购法实施条例 第四十五条): a handler of the buying department sets up
the acceptance with its group, invites service recipients and records their opinions and the
result of each requirement, then submits the overall result; an approver other than who
prepared it confirms it (``acceptance.conclude``). A committee of a covered community may record
the opinions of its own residents. The organization under review takes no part in any of it."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from litestar.exceptions import PermissionDeniedException

from procure import clock
from procure.acceptance.schemas import AcceptanceIn, ConcludeIn, ItemIn, OpinionIn, RecipientIn
from procure.acceptance.selectors import acceptance_row, fingerprint
from procure.acceptance.states import ACCEPTANCE, AcceptanceStep
from procure.acceptance.tables import (
    Acceptance,
    AcceptanceItem,
    AcceptanceMember,
    AcceptanceRecipient,
    AcceptanceStatus,
    MemberKind,
    RequirementResult,
    Verdict,
)
from procure.approvals.services import approval_request, executes, require_handler
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.contracts.tables import Contract, ContractCommunity, ContractScopeLine, ContractStatus
from procure.db import transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_
from procure.lifecycle import advance
from procure.reports.periods import LABEL_PATTERN, contract_periods
from procure.security.actors import Actor
from procure.security.tables import Role
from procure.settings import get_settings

KIND = "acceptance.conclude"
ARTICLE_45 = "政府采购法实施条例 第四十五条"
#: An acceptance group has at least this many members: no one accepts a service alone.
MIN_GROUP = 3


def _today() -> Any:
    return clock.now().astimezone(ZoneInfo(get_settings().timezone)).date()


async def _contract(contract_id: int) -> dict[str, Any]:
    row = await Contract.select().where(Contract.id == contract_id).first()
    if row is None:
        raise NotFound(N_("contract %(id)s not found"), id=contract_id)
    return row


def _stage(contract: dict[str, Any], stage: str) -> bool:
    """Checks the stage and answers whether it is final: the whole contract, or its last
    reporting period."""
    if not stage:
        return True
    if not LABEL_PATTERN.fullmatch(stage):
        raise InvalidInput(
            "stage",
            N_("%(stage)s is not a period: write YYYY-MM, or leave it empty"),
            stage=repr(stage),
        )
    periods = contract_periods(
        contract["starts_on"], contract["ends_on"], contract["reporting_frequency"], 0
    )
    found = next((p for p in periods if p.label == stage), None)
    if found is None:
        raise InvalidInput(
            "stage",
            N_("%(stage)s is not one of the contract's %(frequency)s periods"),
            stage=stage,
            frequency=contract["reporting_frequency"],
        )
    if found.starts_on > _today():
        raise InvalidInput(
            "stage", N_("%(stage)s has not begun: a stage is accepted once delivered"), stage=stage
        )
    return found.label == periods[-1].label


async def _check_group(contract: dict[str, Any], data: AcceptanceIn) -> None:
    if len(data.members) < MIN_GROUP:
        raise InvalidInput(
            "members",
            N_("an acceptance group (验收小组) needs at least %(count)s members"),
            count=MIN_GROUP,
        )
    if not any(m.kind == MemberKind.buyer_staff for m in data.members):
        raise InvalidInput("members", N_("the group needs at least one of the buyer's staff"))
    organization = (
        await Contract.select(Contract.organization.name.as_alias("name"))
        .where(Contract.id == contract["id"])
        .first()
    )
    assert organization is not None
    for index, member in enumerate(data.members):
        if organization["name"] and organization["name"] in member.affiliation:
            raise InvalidInput(
                f"members[{index}].affiliation",
                N_("the organization under review never sits in its own acceptance group"),
            )


async def acceptance_create(*, actor: Actor, contract_id: int, data: AcceptanceIn) -> int:
    """A handler sets up the acceptance of an active contract (or one stage of it), with its
    group; every scope line becomes a requirement to judge. Returns its id."""
    contract = await _contract(contract_id)
    require_handler(actor, contract["department"])
    if data.accepted_on > _today():
        raise InvalidInput(
            "accepted_on", N_("record the acceptance on or after the day it took place")
        )
    async with transaction():
        contract = await _contract(contract_id)
        if contract["status"] != ContractStatus.active:
            raise Conflict(
                N_("contract is %(status)s; only an active contract is accepted"),
                status=ContractStatus(contract["status"]),
            )
        final = _stage(contract, data.stage)
        await _check_group(contract, data)
        earlier = await Acceptance.select(Acceptance.status, Acceptance.attempt).where(
            (Acceptance.contract == contract_id) & (Acceptance.stage == data.stage)
        )
        if any(row["status"] != AcceptanceStatus.failed for row in earlier):
            raise Conflict(
                N_(
                    "this stage already has an acceptance in progress or passed; a new attempt "
                    "follows only a failed one"
                )
            )
        rows = await Acceptance.insert(
            Acceptance(
                contract=contract_id,
                stage=data.stage,
                final=final,
                attempt=len(earlier) + 1,
                status=AcceptanceStatus.draft,
                accepted_on=data.accepted_on,
                prepared_by=actor.id,
            )
        )
        acceptance_id: int = rows[0]["id"]
        for member in data.members:
            await AcceptanceMember.insert(
                AcceptanceMember(
                    acceptance=acceptance_id,
                    name=member.name.strip(),
                    kind=member.kind,
                    affiliation=member.affiliation.strip(),
                )
            )
        for line in await ContractScopeLine.select(
            ContractScopeLine.id, ContractScopeLine.line_no
        ).where(ContractScopeLine.contract == contract_id):
            await AcceptanceItem.insert(
                AcceptanceItem(
                    acceptance=acceptance_id, scope_line=line["id"], line_no=line["line_no"]
                )
            )
        await record(
            actor=actor,
            action=AuditAction.acceptance_created,
            subject_type="acceptance",
            subject_id=acceptance_id,
            data={"contract": contract_id, "stage": data.stage, "final": final},
        )
    return acceptance_id


async def _draft(actor: Actor, acceptance_id: int) -> dict[str, Any]:
    """The acceptance a handler of its department may still record (a draft)."""
    acceptance = await acceptance_row(acceptance_id)
    contract = await _contract(acceptance["contract"])
    require_handler(actor, contract["department"])
    if acceptance["status"] != AcceptanceStatus.draft:
        raise Conflict(
            N_("acceptance %(id)s is %(status)s: its result stands"),
            id=acceptance_id,
            status=AcceptanceStatus(acceptance["status"]),
        )
    return acceptance


async def item_record(*, actor: Actor, acceptance_id: int, line_no: int, data: ItemIn) -> None:
    """The result for one requirement, with notes and evidence; a requirement not fully met
    says why."""
    if data.result != RequirementResult.met and not data.notes.strip():
        raise InvalidInput("notes", N_("say what was not met"))
    async with transaction():
        await _draft(actor, acceptance_id)
        updated = (
            await AcceptanceItem.update(
                {
                    AcceptanceItem.result: data.result,
                    AcceptanceItem.notes: data.notes.strip(),
                    AcceptanceItem.evidence: data.evidence.strip(),
                    AcceptanceItem.recorded_by: actor.id,
                    AcceptanceItem.recorded_at: clock.now(),
                }
            )
            .where(
                (AcceptanceItem.acceptance == acceptance_id) & (AcceptanceItem.line_no == line_no)
            )
            .returning(AcceptanceItem.id)
        )
        if not updated:
            raise NotFound(
                N_("acceptance %(id)s has no requirement %(line)s"),
                id=acceptance_id,
                line=line_no,
            )
        await record(
            actor=actor,
            action=AuditAction.acceptance_recorded,
            subject_type="acceptance",
            subject_id=acceptance_id,
            data={"line_no": line_no, "result": data.result},
        )


def mask(contact: str) -> str:
    """A phone number as 138****5678; anything shorter keeps its last two characters."""
    digits = re.sub(r"\s|-", "", contact.strip())
    if not digits:
        return ""
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * (len(digits) - 2) + digits[-2:]


async def recipient_invite(*, actor: Actor, acceptance_id: int, data: RecipientIn) -> int:
    """Invite a service recipient (a beneficiary or a resident representative) of one of the
    contract's communities; the contact is kept masked only."""
    async with transaction():
        acceptance = await _draft(actor, acceptance_id)
        community = (
            await ContractCommunity.select(ContractCommunity.community)
            .where(
                (ContractCommunity.contract == acceptance["contract"])
                & (ContractCommunity.community.code == data.community)
            )
            .first()
        )
        if community is None:
            raise InvalidInput(
                "community",
                N_("%(community)s is not served by this contract"),
                community=repr(data.community),
            )
        rows = await AcceptanceRecipient.insert(
            AcceptanceRecipient(
                acceptance=acceptance_id,
                name=data.name.strip(),
                community=community["community"],
                kind=data.kind,
                contact_masked=mask(data.contact),
            )
        )
        recipient_id: int = rows[0]["id"]
        await record(
            actor=actor,
            action=AuditAction.acceptance_recipient_invited,
            subject_type="acceptance",
            subject_id=acceptance_id,
            data={"recipient": recipient_id, "kind": data.kind},
        )
    return recipient_id


async def opinion_record(
    *, actor: Actor, acceptance_id: int, recipient_id: int, data: OpinionIn
) -> None:
    """A recipient's opinion, entered by a handler of the buying department or by the committee
    of the recipient's community."""
    async with transaction():
        acceptance = await acceptance_row(acceptance_id)
        recipient = (
            await AcceptanceRecipient.select()
            .where(
                (AcceptanceRecipient.id == recipient_id)
                & (AcceptanceRecipient.acceptance == acceptance_id)
            )
            .first()
        )
        if actor.role == Role.committee:
            if recipient is None or recipient["community"] != actor.community_id:
                raise NotFound(N_("recipient %(id)s not found"), id=recipient_id)
        else:
            contract = await _contract(acceptance["contract"])
            require_handler(actor, contract["department"])
        if recipient is None:
            raise NotFound(N_("recipient %(id)s not found"), id=recipient_id)
        if acceptance["status"] != AcceptanceStatus.draft:
            raise Conflict(
                N_("acceptance %(id)s is %(status)s: its result stands"),
                id=acceptance_id,
                status=AcceptanceStatus(acceptance["status"]),
            )
        await AcceptanceRecipient.update(
            {
                AcceptanceRecipient.opinion: data.opinion,
                AcceptanceRecipient.comment: data.comment.strip(),
                AcceptanceRecipient.recorded_by: actor.id,
                AcceptanceRecipient.recorded_at: clock.now(),
            }
        ).where(AcceptanceRecipient.id == recipient_id)
        await record(
            actor=actor,
            action=AuditAction.acceptance_opinion_recorded,
            subject_type="acceptance",
            subject_id=acceptance_id,
            data={"recipient": recipient_id, "opinion": data.opinion},
        )


async def _ready(acceptance_id: int, result: Verdict) -> None:
    """Every requirement judged, recipients heard, and a pass that no unmet requirement
    contradicts."""
    items = await AcceptanceItem.select(AcceptanceItem.line_no, AcceptanceItem.result).where(
        AcceptanceItem.acceptance == acceptance_id
    )
    missing = [item["line_no"] for item in items if not item["result"]]
    if missing:
        raise Conflict(N_("requirements %(lines)s have no result yet"), lines=missing)
    heard = await AcceptanceRecipient.count().where(
        (AcceptanceRecipient.acceptance == acceptance_id) & (AcceptanceRecipient.opinion != "")
    )
    if heard == 0:
        raise Conflict(
            N_(
                "no service recipient's opinion is recorded: %(article)s requires inviting the "
                "service recipients to the acceptance of a public service"
            ),
            article=ARTICLE_45,
        )
    if result == Verdict.passed and any(i["result"] == RequirementResult.not_met for i in items):
        raise InvalidInput("result", N_("a requirement is not met: the acceptance cannot pass"))


async def acceptance_conclude(*, actor: Actor, acceptance_id: int, data: ConcludeIn) -> int:
    """The handler submits the overall result (合格/不合格) for an approver to confirm; returns
    the approval id."""
    async with transaction():
        acceptance = await _draft(actor, acceptance_id)
        await _ready(acceptance_id, data.result)
        contract = await _contract(acceptance["contract"])
        label = "合格" if data.result == Verdict.passed else "不合格"
        stage = acceptance["stage"] or "全部"
        approval_id = await approval_request(
            actor=actor,
            kind=KIND,
            subject_type="acceptance",
            subject_id=acceptance_id,
            department_id=contract["department"],
            summary=f"合同 {contract['reference']} 履约验收({stage})结果:{label}",
            payload={
                "result": data.result,
                "conclusion": data.conclusion.strip(),
                "fingerprint": await fingerprint(acceptance_id),
            },
        )
    return approval_id


@executes(KIND)
async def _confirm(approval: dict[str, Any], approver: Actor) -> None:
    """An approver confirms exactly what was submitted; no one confirms an acceptance they
    prepared."""
    acceptance_id = int(approval["subject_id"])
    acceptance = await acceptance_row(acceptance_id)
    if approver.id == acceptance["prepared_by"]:
        raise PermissionDeniedException("no one confirms an acceptance they prepared")
    payload = approval["payload"]
    if await fingerprint(acceptance_id) != payload["fingerprint"]:
        raise Conflict(N_("the acceptance changed since it was submitted: submit it again"))
    result = Verdict(payload["result"])
    await _ready(acceptance_id, result)
    await advance(
        ACCEPTANCE,
        row_id=acceptance_id,
        action=AcceptanceStep.pass_ if result == Verdict.passed else AcceptanceStep.fail,
        actor=approver,
        values={
            Acceptance.result: result,
            Acceptance.conclusion: payload["conclusion"],
            Acceptance.confirmed_by: approver.id,
            Acceptance.confirmed_at: clock.now(),
        },
        audit_data={"approval": approval["id"], "requested_by": approval["requested_by"]},
    )

"""Writes about work requests: a department files one, the contract's organization answers it,
and an out-of-contract report line cites the accepted request that asked for it.

Each write is one transaction with its audit event; an answer is a compare-and-set through
``WORK_REQUEST`` so of two answers racing, one wins and the other is told why (409).
"""

from __future__ import annotations

from procure import clock
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.calendar import local_today
from procure.contracts.tables import ContractStatus
from procure.db import transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_
from procure.lifecycle import advance
from procure.policy import get_policy
from procure.reports.tables import ActivityLine, ReportStatus
from procure.security.actors import Actor
from procure.workrequests.guards import (
    require_buying_department,
    require_contract_organization,
)
from procure.workrequests.schemas import WorkRequestIn
from procure.workrequests.selectors import contract_parties, work_request
from procure.workrequests.states import WORK_REQUEST, WorkRequestStep
from procure.workrequests.tables import (
    WorkRequest,
    WorkRequestCitation,
    WorkRequestStatus,
)

LINE_NOT_FOUND = N_("report line %(id)s not found")


def _checked(data: WorkRequestIn) -> None:
    """The request against the published 社区事务准入 list and the policy's limits."""
    policy = get_policy().workrequests
    if policy.kind(data.kind) is None:
        raise InvalidInput(
            "kind",
            N_(
                "%(kind)s is not on the published list of work a department may ask of a "
                "contractor (社区事务准入); choose one of %(allowed)s, or put the work in the "
                "contract by a supplementary agreement"
            ),
            kind=data.kind,
            allowed=", ".join(kind.code for kind in policy.admissible),
        )
    if data.hours > policy.max_hours:
        raise InvalidInput(
            "hours",
            N_(
                "a request may ask for at most %(max)s staff hours; %(hours)s is more — split "
                "the work or amend the contract"
            ),
            max=policy.max_hours,
            hours=data.hours,
        )
    if data.deadline < local_today():
        raise InvalidInput(
            "deadline",
            N_("the deadline %(deadline)s has passed; give a day from today on"),
            deadline=data.deadline.isoformat(),
        )


async def work_request_file(*, actor: Actor, contract_id: int, data: WorkRequestIn) -> int:
    """An official of the contract's buying department asks its contractor for out-of-contract
    work; returns the request's id."""
    _checked(data)
    async with transaction():
        contract = await contract_parties(contract_id)
        require_buying_department(actor, contract, contract_id)
        assert contract is not None
        if contract["status"] != ContractStatus.active:
            raise Conflict(
                N_("contract %(id)s is %(status)s; only an active contract takes requests"),
                id=contract_id,
                status=contract["status"],
            )
        rows = await WorkRequest.insert(
            WorkRequest(
                contract=contract_id,
                department=contract["department"],
                requested_by=actor.id,
                requested_by_person=data.requested_by_person,
                kind=data.kind,
                purpose=data.purpose,
                hours=data.hours,
                deadline=data.deadline,
                status=WorkRequestStatus.filed,
                period=local_today().strftime("%Y-%m"),
            )
        )
        request_id = int(rows[0]["id"])
        await record(
            actor=actor,
            action=AuditAction.work_request_filed,
            subject_type=WORK_REQUEST.subject_type,
            subject_id=request_id,
            data={"contract": contract_id, "kind": data.kind, "hours": data.hours},
        )
    return request_id


async def work_request_answer(
    *, actor: Actor, request_id: int, answer: WorkRequestStep, note: str = ""
) -> None:
    """The contract's organization accepts, declines or proposes an amendment instead.
    Declining is the organization's right: nothing about it reaches its performance score."""
    if answer == WorkRequestStep.propose_amendment and not note.strip():
        raise InvalidInput(
            "note",
            N_("say what the supplementary agreement should add (scope, hours, price)"),
        )
    async with transaction():
        require_contract_organization(actor, await work_request(request_id), request_id)
        await advance(
            WORK_REQUEST,
            row_id=request_id,
            action=answer,
            actor=actor,
            values={
                WorkRequest.answer_note: note.strip(),
                WorkRequest.answered_by: actor.id,
                WorkRequest.answered_at: clock.now(),
            },
        )


async def work_request_cite(*, actor: Actor, request_id: int, activity_line_id: int) -> None:
    """The organization ties an out-of-contract line of its draft report to the accepted
    request that asked for the work."""
    async with transaction():
        request = await work_request(request_id)
        require_contract_organization(actor, request, request_id)
        assert request is not None
        line = (
            await ActivityLine.select(
                ActivityLine.id,
                ActivityLine.out_of_scope,
                ActivityLine.requested_by_department,
                ActivityLine.report.contract.as_alias("contract_id"),
                ActivityLine.report.status.as_alias("report_status"),
            )
            .where(ActivityLine.id == activity_line_id)
            .first()
        )
        if line is None or line["contract_id"] != request["contract"]:
            raise NotFound(LINE_NOT_FOUND, id=activity_line_id)
        if line["report_status"] != ReportStatus.draft:
            raise Conflict(
                N_(
                    "report line %(id)s belongs to a submitted report; cite in a draft or a "
                    "correction"
                ),
                id=activity_line_id,
            )
        if not line["out_of_scope"]:
            raise InvalidInput(
                "activity_line_id",
                N_(
                    "report line %(id)s is within the contract; only out-of-contract work cites "
                    "a request"
                ),
                id=activity_line_id,
            )
        if request["status"] != WorkRequestStatus.accepted:
            raise Conflict(
                N_("work request %(id)s is %(status)s; only an accepted request can be cited"),
                id=request_id,
                status=request["status"],
            )
        if line["requested_by_department"] != request["department"]:
            raise InvalidInput(
                "activity_line_id",
                N_(
                    "report line %(line)s names another department than the one that filed "
                    "work request %(id)s"
                ),
                line=activity_line_id,
                id=request_id,
            )
        if await WorkRequestCitation.exists().where(
            WorkRequestCitation.activity_line == activity_line_id
        ):
            raise Conflict(N_("report line %(id)s already cites a request"), id=activity_line_id)
        await WorkRequestCitation.insert(
            WorkRequestCitation(activity_line=activity_line_id, work_request=request_id)
        )
        await record(
            actor=actor,
            action=AuditAction.work_request_cited,
            subject_type=WORK_REQUEST.subject_type,
            subject_id=request_id,
            data={"activity_line": activity_line_id},
        )

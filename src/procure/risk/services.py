"""Writes about risk flags: the steps of a flag's life. Each checks who acts (risk.guards) and
the flag's state, then moves the flag through its transition table (risk.states.FLAG, a
compare-and-set with its audit event) and records its history row, in one transaction."""

from __future__ import annotations

from litestar.exceptions import PermissionDeniedException

from procure import clock
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.db import transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_
from procure.jobs import record_event
from procure.jobs.events import SubjectType, Trigger
from procure.jobs.outbox import emit
from procure.jobs.selectors import unfinished_of_kind
from procure.lifecycle import advance
from procure.risk.engine import load_rules
from procure.risk.guards import judges_itself, may
from procure.risk.jobs import SCAN_REQUESTED
from procure.risk.selectors import visible_flag
from procure.risk.states import FLAG, NOTE_FIELD, Transition
from procure.risk.tables import RiskFlagEvent
from procure.security.actors import Actor

MAX_NOTE = 4000

#: Each step's refusal when the flag is not in a state the step starts from (its sources).
WRONG_STATE = {
    Transition.explain: N_(
        "risk flag %(id)s is %(flag_status)s; only a flag that is open can be explained"
    ),
    Transition.resolve: N_(
        "risk flag %(id)s is %(flag_status)s; only a flag that is explained or open can be resolved"
    ),
    Transition.dismiss: N_(
        "risk flag %(id)s is %(flag_status)s; only a flag that is explained or open can be "
        "dismissed"
    ),
    Transition.reopen: N_(
        "risk flag %(id)s is %(flag_status)s; only a flag that is dismissed can be reopened"
    ),
}


def _note(field: str, text: str) -> str:
    note = text.strip()
    if not note:
        raise InvalidInput(field, N_("is required: say why"))
    if len(note) > MAX_NOTE:
        raise InvalidInput(field, N_("must be at most %(max)s characters"), max=MAX_NOTE)
    return note


async def flag_step(*, actor: Actor, flag_id: int, transition: Transition, text: str) -> None:
    """One step of the flag's life, with its note (the explanation or the reason)."""
    field = NOTE_FIELD[transition]
    note = _note(field, text)
    step = FLAG.step_for(transition)
    async with transaction():
        flag = await visible_flag(actor, flag_id)
        if judges_itself(actor, transition, flag):
            raise PermissionDeniedException(
                f"risk flag {flag_id} ({flag['rule']}) is about your department's own conduct: "
                "you may explain it, but only the finance department (regulator, 财政部门) "
                "resolves or dismisses it"
            )
        if not may(actor, transition, flag):
            # Visible but not a party to this step (e.g. a committee): as if absent.
            raise NotFound(N_("risk flag %(id)s not found"), id=flag_id)
        if flag["status"] not in step.sources:
            raise Conflict(WRONG_STATE[transition], id=flag_id, flag_status=flag["status"])
        # The compare-and-set: of simultaneous steps from the same state, one applies.
        await advance(
            FLAG,
            row_id=flag_id,
            action=transition,
            actor=actor,
            audit_data={
                "from": flag["status"],
                "rule": flag["rule"],
                "subject": [flag["subject_type"], flag["subject_id"]],
                field: note,
            },
        )
        rows = await RiskFlagEvent.insert(
            RiskFlagEvent(
                flag=flag_id,
                from_status=flag["status"],
                to_status=step.target,
                actor=actor.id,
                note=note,
                occurred_at=clock.now(),
            )
        ).returning(RiskFlagEvent.id)
        # The flag's other parties are told of the step (procure.notifications).
        await record_event(
            Trigger.risk_flag_decided, {SubjectType.risk_flag_event: [rows[0]["id"]]}
        )


async def flag_explain(*, actor: Actor, flag_id: int, explanation: str) -> None:
    """The organization or the buying department involved answers an open flag."""
    await flag_step(actor=actor, flag_id=flag_id, transition=Transition.explain, text=explanation)


async def flag_resolve(*, actor: Actor, flag_id: int, reason: str) -> None:
    """The regulator, or the buying department involved when the flag is not about its own
    conduct, closes the flag: the risk was real and has been dealt with (say how)."""
    await flag_step(actor=actor, flag_id=flag_id, transition=Transition.resolve, text=reason)


async def flag_dismiss(*, actor: Actor, flag_id: int, reason: str) -> None:
    """As resolve, closing the flag as unfounded (say why)."""
    await flag_step(actor=actor, flag_id=flag_id, transition=Transition.dismiss, text=reason)


async def flag_reopen(*, actor: Actor, flag_id: int, reason: str) -> None:
    """The regulator or an auditor reopens a dismissed flag (say why it deserves another look)."""
    await flag_step(actor=actor, flag_id=flag_id, transition=Transition.reopen, text=reason)


async def scan_request(*, actor: Actor, rules: list[str] | None = None) -> tuple[int, bool]:
    """Queue a full risk scan for the worker (every enabled rule, or the rules named); returns
    the job's id and whether it is new. A scan already waiting or running is that job: asking
    again queues nothing more."""
    codes = None
    if rules:
        known = load_rules()
        unknown = sorted({code for code in rules if code not in known})
        if unknown:
            raise InvalidInput("rules", N_("no such rule: %(codes)s"), codes=unknown)
        codes = list(dict.fromkeys(rules))
    async with transaction():
        waiting = await unfinished_of_kind(SCAN_REQUESTED)
        if waiting is not None:
            return waiting, False
        job_id = await emit(SCAN_REQUESTED, {"rules": codes})
        await record(
            actor=actor,
            action=AuditAction.risk_scan_requested,
            subject_type="outbox_event",
            subject_id=job_id,
            data={"rules": codes},
        )
    return job_id, True

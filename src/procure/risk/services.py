"""Writes about risk flags: the steps of a flag's life. Each checks who acts (risk.guards) and
the flag's state (risk.states), then moves the flag, records its history row and its audit
event in one transaction."""

from __future__ import annotations

from procure import clock
from procure.audit.services import record
from procure.db import transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.risk.guards import may
from procure.risk.selectors import visible_flag
from procure.risk.states import STEPS, Transition
from procure.risk.tables import RiskFlag, RiskFlagEvent
from procure.security.actors import Actor

MAX_NOTE = 4000

STEP_NAMES = {
    Transition.explain: "explained",
    Transition.resolve: "resolved",
    Transition.dismiss: "dismissed",
}


def _note(field: str, text: str) -> str:
    note = text.strip()
    if not note:
        raise InvalidInput(field, "is required: say why")
    if len(note) > MAX_NOTE:
        raise InvalidInput(field, f"must be at most {MAX_NOTE} characters")
    return note


async def flag_step(*, actor: Actor, flag_id: int, transition: Transition, text: str) -> None:
    """One step of the flag's life, with its note (the explanation or the reason)."""
    step = STEPS[transition]
    note = _note(step.note_field, text)
    async with transaction():
        flag = await visible_flag(actor, flag_id)
        if not may(actor, transition, flag):
            # Visible but not a party to this step (e.g. a committee): as if absent.
            raise NotFound(f"risk flag {flag_id} not found")
        if flag["status"] not in step.sources:
            allowed = " or ".join(sorted(step.sources))
            raise Conflict(
                f"risk flag {flag_id} is {flag['status']}; only a flag that is {allowed} "
                f"can be {STEP_NAMES[transition]}"
            )
        # Conditional on the state read above, so two simultaneous steps cannot both apply.
        moved = (
            await RiskFlag.update({RiskFlag.status: step.target})
            .where((RiskFlag.id == flag_id) & (RiskFlag.status == flag["status"]))
            .returning(RiskFlag.id)
        )
        if not moved:
            raise Conflict(f"risk flag {flag_id} changed meanwhile: reload it")
        await RiskFlagEvent.insert(
            RiskFlagEvent(
                flag=flag_id,
                from_status=flag["status"],
                to_status=step.target,
                actor=actor.id,
                note=note,
                occurred_at=clock.now(),
            )
        )
        await record(
            actor=actor,
            action=step.audit,
            subject_type="risk_flag",
            subject_id=flag_id,
            data={
                "rule": flag["rule"],
                "subject": [flag["subject_type"], flag["subject_id"]],
                "from": flag["status"],
                "to": str(step.target),
                step.note_field: note,
            },
        )


async def flag_explain(*, actor: Actor, flag_id: int, explanation: str) -> None:
    """The organization or the buying department involved answers an open flag."""
    await flag_step(actor=actor, flag_id=flag_id, transition=Transition.explain, text=explanation)


async def flag_resolve(*, actor: Actor, flag_id: int, reason: str) -> None:
    """The buying department involved or an auditor closes the flag: the risk was real and has
    been dealt with (say how)."""
    await flag_step(actor=actor, flag_id=flag_id, transition=Transition.resolve, text=reason)


async def flag_dismiss(*, actor: Actor, flag_id: int, reason: str) -> None:
    """The buying department involved or an auditor closes the flag as unfounded (say why)."""
    await flag_step(actor=actor, flag_id=flag_id, transition=Transition.dismiss, text=reason)

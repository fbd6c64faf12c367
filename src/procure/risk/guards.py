"""Who may move a flag, per flag: the parties involved and oversight, by role.

- explain: the organization involved, or the buying department involved (a department may
  answer for its own process, e.g. why it amended a contract);
- resolve / dismiss: the buying department involved, which owns the process the flag is about,
  or an auditor (finance bureau, discipline inspection), who may decide any flag — including
  flags that name no department, such as those on imported OCDS data. Administrators operate
  the platform and decide nothing; organizations never close their own flags.
"""

from __future__ import annotations

from typing import Any

from procure.risk.states import STEPS, Transition
from procure.security.actors import Actor
from procure.security.tables import Role


def is_department_party(actor: Actor, flag: dict[str, Any]) -> bool:
    return (
        actor.role == Role.buyer
        and flag["department_id"] is not None
        and flag["department_id"] == actor.department_id
    )


def is_organization_party(actor: Actor, flag: dict[str, Any]) -> bool:
    return (
        actor.role == Role.organization
        and flag["organization_id"] is not None
        and flag["organization_id"] == actor.organization_id
    )


def may(actor: Actor, transition: Transition, flag: dict[str, Any]) -> bool:
    """Whether the actor's relation to the flag allows the step (the state is checked apart)."""
    if transition is Transition.explain:
        return is_organization_party(actor, flag) or is_department_party(actor, flag)
    return actor.role == Role.auditor or is_department_party(actor, flag)


def allowed_transitions(actor: Actor, flag: dict[str, Any]) -> list[Transition]:
    """The steps the actor may take on the flag now: its relation and the flag's state."""
    return [
        transition
        for transition, step in STEPS.items()
        if flag["status"] in step.sources and may(actor, transition, flag)
    ]

"""Who may move a flag, per flag: the parties involved and oversight, by role.

- explain: the organization involved, or the buying department involved (a department may
  answer for its own process, e.g. why it amended a contract);
- resolve / dismiss: for a flag about a buying department's own conduct (``is_conduct_flag``)
  only the regulator (财政部门) — the accused never judges itself; for any other flag the
  buying department involved, which owns the process the flag is about, or the regulator, who
  also decides flags that name no department (e.g. on imported OCDS data);
- reopen: the regulator or an auditor (审计、纪检) reopens any dismissed flag, with a reason.

Auditors read everything and write nothing else; administrators operate the platform and decide
nothing; organizations never close their own flags.
"""

from __future__ import annotations

from typing import Any

from procure.risk.registry import SubjectType
from procure.risk.states import FLAG, Transition
from procure.security.actors import Actor
from procure.security.tables import Role

#: Rules whose finding is about the buying department's own conduct: keeping work in-house
#: (INTERNALIZATION), loading the organization with its own paperwork (REPORTING_BURDEN),
#: steering contracts to few organizations (CONCENTRATION), growing a contract by amendments
#: (AMENDMENT_CREEP), buying what residents did not ask for (DEMAND_MISMATCH), asking a
#: contractor for work without a filed request (UNFILED_REQUEST).
CONDUCT_RULES = frozenset(
    {
        "INTERNALIZATION",
        "REPORTING_BURDEN",
        "CONCENTRATION",
        "AMENDMENT_CREEP",
        "DEMAND_MISMATCH",
        "UNFILED_REQUEST",
    }
)
#: Subjects that are a buying department (cardinal's buyer and procuring entity).
DEPARTMENT_SUBJECTS = frozenset({SubjectType.buyer, SubjectType.procuring_entity})
DECISIONS = (Transition.resolve, Transition.dismiss)


def is_conduct_flag(flag: dict[str, Any]) -> bool:
    """Whether the flag accuses a buying department's own conduct."""
    return flag["rule"] in CONDUCT_RULES or flag["subject_type"] in DEPARTMENT_SUBJECTS


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


def judges_itself(actor: Actor, transition: Transition, flag: dict[str, Any]) -> bool:
    """The department a conduct flag accuses, trying to resolve or dismiss it."""
    return transition in DECISIONS and is_conduct_flag(flag) and is_department_party(actor, flag)


def may(actor: Actor, transition: Transition, flag: dict[str, Any]) -> bool:
    """Whether the actor's relation to the flag allows the step (the state is checked apart)."""
    if transition is Transition.explain:
        return is_organization_party(actor, flag) or is_department_party(actor, flag)
    if transition is Transition.reopen:
        return actor.role in (Role.regulator, Role.auditor)
    if actor.role == Role.regulator:
        return True
    return not is_conduct_flag(flag) and is_department_party(actor, flag)


def allowed_transitions(actor: Actor, flag: dict[str, Any]) -> list[Transition]:
    """The steps the actor may take on the flag now: its relation and the flag's state."""
    return [
        transition
        for transition in Transition
        if transition in FLAG.allowed(flag["status"]) and may(actor, transition, flag)
    ]

"""A flag's life as one transition table: open → explained → resolved or dismissed; a dismissed
flag reopened by oversight; and the engine's own closing and reopening as its condition goes
and comes back.

Who may take a person's step is risk.guards' question; this table says only from where to
where, and with which audit event. The engine's steps record no event per flag: the rule run
records one event for all of them (risk.engine), and each flag gets its history row.
"""

from __future__ import annotations

from enum import StrEnum

from procure.audit.events import AuditAction
from procure.lifecycle import Lifecycle, step
from procure.risk.tables import FlagStatus, RiskFlag


class Transition(StrEnum):
    """The steps a person takes on a flag."""

    explain = "explain"
    resolve = "resolve"
    dismiss = "dismiss"
    reopen = "reopen"


class EngineStep(StrEnum):
    """The steps the risk engine takes: the platform acting, not a person."""

    condition_gone = "condition_gone"
    condition_back = "condition_back"


ACTIVE = (FlagStatus.open, FlagStatus.explained)

FLAG = Lifecycle(
    "risk flag",
    RiskFlag,
    {
        Transition.explain: step(
            FlagStatus.open, FlagStatus.explained, AuditAction.risk_flag_explained
        ),
        Transition.resolve: step(ACTIVE, FlagStatus.resolved, AuditAction.risk_flag_resolved),
        Transition.dismiss: step(ACTIVE, FlagStatus.dismissed, AuditAction.risk_flag_dismissed),
        Transition.reopen: step(
            FlagStatus.dismissed, FlagStatus.open, AuditAction.risk_flag_reopened
        ),
        EngineStep.condition_gone: step(ACTIVE, FlagStatus.resolved, None),
        EngineStep.condition_back: step(FlagStatus.resolved, FlagStatus.open, None),
    },
    subject_type="risk_flag",
)

#: The form and API field that carries each step's note, named in refusals.
NOTE_FIELD: dict[Transition, str] = {
    Transition.explain: "explanation",
    Transition.resolve: "reason",
    Transition.dismiss: "reason",
    Transition.reopen: "reason",
}

#: A resolved or dismissed flag is closed; only oversight reopens a dismissed one.
CLOSED = frozenset({FlagStatus.resolved, FlagStatus.dismissed})

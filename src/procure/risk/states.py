"""A flag's life: open → explained → resolved or dismissed, and which step leaves which state."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from procure.audit.events import AuditAction
from procure.risk.tables import FlagStatus


class Transition(StrEnum):
    explain = "explain"
    resolve = "resolve"
    dismiss = "dismiss"


@dataclass(frozen=True)
class Step:
    sources: frozenset[FlagStatus]
    target: FlagStatus
    audit: AuditAction
    # The form and API field that carries the note, named in refusals.
    note_field: str


STEPS: dict[Transition, Step] = {
    Transition.explain: Step(
        frozenset({FlagStatus.open}),
        FlagStatus.explained,
        AuditAction.risk_flag_explained,
        "explanation",
    ),
    Transition.resolve: Step(
        frozenset({FlagStatus.open, FlagStatus.explained}),
        FlagStatus.resolved,
        AuditAction.risk_flag_resolved,
        "reason",
    ),
    Transition.dismiss: Step(
        frozenset({FlagStatus.open, FlagStatus.explained}),
        FlagStatus.dismissed,
        AuditAction.risk_flag_dismissed,
        "reason",
    ),
}

#: A resolved or dismissed flag is closed: nothing moves it any more.
CLOSED = frozenset({FlagStatus.resolved, FlagStatus.dismissed})

"""Transition tables: every lifecycle's (state, action) → state, applied exactly once.

Each lifecycle (tender, bid, committee, contract, amendment, report, survey round, flag,
payment, approval) declares one ``Lifecycle`` naming its table, its status column and its
steps. ``advance()`` is the only way a status changes: a compare-and-set
(``UPDATE … SET status = target WHERE id = ? AND status IN (sources) RETURNING …``) in the
caller's transaction, followed by the step's audit event in that same transaction. Zero rows
updated means the row is not in a source state (someone else won a race, or the step is not
allowed from where it is): a clear 409, and nothing is written. Parallel identical requests
therefore give one success.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from piccolo.columns import Column
from piccolo.table import Table

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.db import in_transaction
from procure.errors import Conflict, NotFound
from procure.i18n import N_
from procure.security.actors import Actor


@dataclass(frozen=True)
class Step:
    """One row of a transition table: from any of ``sources``, ``action`` leads to ``target``."""

    sources: frozenset[str]
    target: str
    audit: AuditAction | None


def step(sources: Iterable[StrEnum] | StrEnum, target: StrEnum, audit: AuditAction | None) -> Step:
    members = [sources] if isinstance(sources, StrEnum) else list(sources)
    # The members themselves (equal to their values): a refusal names them by their labels.
    return Step(frozenset(members), target, audit)


@dataclass(frozen=True)
class Lifecycle:
    """A lifecycle's transition table over one table's status column."""

    name: str
    table: type[Table]
    steps: dict[str, Step]
    status_column: str = "status"
    subject_type: str = ""

    def __post_init__(self) -> None:
        if not self.subject_type:
            object.__setattr__(self, "subject_type", self.name)

    def allowed(self, status: str) -> list[str]:
        """The actions the table allows from ``status`` (who may take them is the caller's
        guard)."""
        return [action for action, s in self.steps.items() if status in s.sources]

    def step_for(self, action: StrEnum | str) -> Step:
        try:
            return self.steps[str(action)]
        except KeyError:  # pragma: no cover - a programming error, caught by the tests
            raise ValueError(f"{self.name} has no transition {action!r}") from None

    @property
    def column(self) -> Column:
        return self.table._meta.get_column_by_name(self.status_column)


async def advance(
    lifecycle: Lifecycle,
    *,
    row_id: int,
    action: StrEnum | str,
    actor: Actor | None,
    values: dict[Column | str, Any] | None = None,
    where: Any = None,
    audit_data: dict[str, Any] | None = None,
    subject_id: Any = None,
) -> dict[str, Any]:
    """Apply one transition as a compare-and-set and record its audit event; returns the row.

    ``values`` are written together with the new status; ``where`` adds a condition (for
    example, the tender's department) under which the row counts as existing at all.
    """
    if not in_transaction():
        raise RuntimeError("lifecycle.advance() must run inside the write's transaction")
    the_step = lifecycle.step_for(action)
    table = lifecycle.table
    status = lifecycle.column
    primary = table._meta.primary_key
    condition = (primary == row_id) & status.is_in(sorted(the_step.sources))
    if where is not None:
        condition = condition & where
    changes = _changes(lifecycle, the_step, values)
    rows = await table.update(changes).where(condition).returning(*table._meta.columns)
    if not rows:
        scope = primary == row_id if where is None else (primary == row_id) & where
        current = await table.select(status).where(scope).first()
        if current is None:
            raise NotFound(
                N_("%(subject)s %(id)s not found"), subject=lifecycle.subject_type, id=row_id
            )
        statuses = type(the_step.target)
        raise Conflict(
            N_("This %(subject)s (no. %(id)s) is %(status)s; this step needs it %(allowed)s"),
            subject=lifecycle.subject_type,
            id=row_id,
            status=statuses(current[lifecycle.status_column]),
            allowed=sorted(the_step.sources),
        )
    row: dict[str, Any] = rows[0]
    if the_step.audit is not None:
        await record(
            actor=actor,
            action=the_step.audit,
            subject_type=lifecycle.subject_type,
            subject_id=row_id if subject_id is None else subject_id,
            data={"from": _previous(the_step), "to": the_step.target, **(audit_data or {})},
        )
    return row


def _changes(
    lifecycle: Lifecycle, the_step: Step, values: dict[Column | str, Any] | None
) -> dict[Any, Any]:
    """The SET clause: the target status and the step's own values, columns by object or name."""
    table = lifecycle.table
    changes: dict[Any, Any] = {lifecycle.column: the_step.target}
    for key, value in (values or {}).items():
        changes[table._meta.get_column_by_name(key) if isinstance(key, str) else key] = value
    return changes


def _previous(the_step: Step) -> str:
    # The CAS guarantees the row was in one of the sources; with one source it is exact.
    return (
        next(iter(the_step.sources))
        if len(the_step.sources) == 1
        else "|".join(sorted(the_step.sources))
    )


async def advance_all(
    lifecycle: Lifecycle,
    *,
    where: Any,
    action: StrEnum | str,
    values: dict[Column | str, Any] | None = None,
) -> list[int]:
    """Apply one step to every row matching ``where`` that is in a source state; returns their ids.

    For steps a parent's own transition takes for all its children at once (the tender's opening
    opens its bids): the parent's compare-and-set is what only one caller wins, and its audit
    event covers the children, so these steps record none of their own.
    """
    if not in_transaction():
        raise RuntimeError("lifecycle.advance_all() must run inside the write's transaction")
    the_step = lifecycle.step_for(action)
    table = lifecycle.table
    status = lifecycle.column
    changes = _changes(lifecycle, the_step, values)
    primary = table._meta.primary_key
    rows = await (
        table.update(changes)
        .where(where & status.is_in(sorted(the_step.sources)))
        .returning(primary)
    )
    return [row[primary._meta.name] for row in rows]

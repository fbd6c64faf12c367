"""Work over time: the outbox (events recorded by writes), periodic jobs and their marks.

A kernel: every area may use it; it uses no area. ``procure.worker`` wires the areas' handlers
and periodic jobs to the task queue (procrastinate).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from procure.jobs.events import SubjectType, Trigger
from procure.jobs.outbox import emit

__all__ = ["SubjectType", "Trigger", "emit", "record_event"]


async def record_event(trigger: Trigger, scope: Mapping[SubjectType, Iterable[int | str]]) -> int:
    """Record a domain event in the current write's transaction; its consumers (the risk
    engine's rules) run in a worker after the commit."""
    ids = {str(kind): [str(i) for i in subjects] for kind, subjects in scope.items()}
    return await emit(str(trigger), {"trigger": str(trigger), "scope": ids})

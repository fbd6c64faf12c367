"""Work over time: the outbox (events recorded by writes), periodic jobs and their marks.

A kernel: every area may use it; it uses no area. ``procure.worker`` wires the areas' handlers
and periodic jobs to the task queue (procrastinate).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from procure.db import transaction
from procure.jobs.events import SubjectType, Trigger
from procure.jobs.outbox import emit
from procure.jobs.schedule import fire_once, not_fired

__all__ = ["SubjectType", "Trigger", "emit", "record_event", "record_once"]

Scope = Mapping[SubjectType, Iterable[int | str]]


async def record_event(trigger: Trigger, scope: Scope, *, dataset: str | None = None) -> int:
    """Record a domain event in the current write's transaction; its consumers (the risk
    engine's rules) run in a worker after the commit. ``dataset``: the OCDS dataset the event
    concerns alone (an import names the one it wrote)."""
    ids = {str(kind): [str(i) for i in subjects] for kind, subjects in scope.items()}
    payload: dict[str, object] = {"trigger": str(trigger), "scope": ids}
    if dataset is not None:
        payload["dataset"] = dataset
    return await emit(str(trigger), payload)


async def record_once(name: str, events: Mapping[str, tuple[Trigger, Scope]]) -> int:
    """For a periodic job: record each subject's event the first time ``name`` fires for it
    (the mark and the event commit together); returns how many fired now."""
    fired = 0
    for subject in await not_fired(name, list(events)):
        async with transaction():
            if await fire_once(name, subject):
                await record_event(*events[subject])
                fired += 1
    return fired

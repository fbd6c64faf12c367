"""Time-driven work: periodic jobs each area declares, and marks that make a transition fire once.

An area declares ``@periodic("bids.open_due", cron="* * * * * */15")`` over a function that
looks at what the clock has made due (a passed deadline, a closed survey round, a report past
its due date) and acts on it. The worker (``procure.worker``) runs each on its schedule through
the task queue, so of several workers one runs each tick. The functions are idempotent: a tick
that is missed or run twice changes nothing, because each looks at state, not at events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from procure.jobs import modules
from procure.jobs.tables import ScheduleMark


@dataclass(frozen=True)
class Periodic:
    name: str
    cron: str  # five fields, or six with seconds last (croniter's form)
    run: Callable[[], Awaitable[object]]
    description: str


_PERIODIC: dict[str, Periodic] = {}


def periodic(
    name: str, *, cron: str, description: str
) -> Callable[[Callable[[], Awaitable[object]]], Callable[[], Awaitable[object]]]:
    def register(run: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[object]]:
        if name in _PERIODIC and _PERIODIC[name].run is not run:
            raise RuntimeError(f"periodic job {name!r} is declared twice")
        _PERIODIC[name] = Periodic(name=name, cron=cron, run=run, description=description)
        return run

    return register


def periodic_jobs() -> list[Periodic]:
    modules.load()
    return sorted(_PERIODIC.values(), key=lambda job: job.name)


async def fire_once(name: str, subject: str | int) -> bool:
    """Mark that ``name`` has fired for ``subject``; False when it had already (by anyone).
    Call it in the transaction that does the firing, so the mark and the work commit together."""
    rows = (
        await ScheduleMark.insert(ScheduleMark(name=name, subject=str(subject)))
        .on_conflict(target=(ScheduleMark.name, ScheduleMark.subject), action="DO NOTHING")
        .returning(ScheduleMark.id)
    )
    return bool(rows)


async def not_fired(name: str, subjects: list[str]) -> list[str]:
    """Of ``subjects``, those ``name`` has not fired for yet (read in batches, set-based)."""
    done: set[str] = set()
    for start in range(0, len(subjects), 1000):
        batch = subjects[start : start + 1000]
        rows = await ScheduleMark.select(ScheduleMark.subject).where(
            (ScheduleMark.name == name) & ScheduleMark.subject.is_in(batch)
        )
        done.update(row["subject"] for row in rows)
    return [subject for subject in subjects if subject not in done]

"""The risk engine's work in the worker: the rules an event concerns, and the nightly full scan.

Services record their events in their own transactions (``procure.jobs.record_event``); the
worker hands each one here. A rule that fails makes the event fail: it is retried with a growing
delay and kept as failed after its last attempt (``procure jobs``), never forgotten.
"""

from __future__ import annotations

from typing import Any

from procure.jobs.events import SubjectType, Trigger
from procure.jobs.outbox import handles
from procure.jobs.schedule import periodic


@handles(*(str(trigger) for trigger in Trigger))
async def run_rules(payload: dict[str, Any]) -> None:
    from procure.risk.engine import on_event

    # The outbox row says which trigger it was by its kind; the handler is given the payload.
    trigger = Trigger(payload["trigger"])
    scope = {SubjectType(kind): ids for kind, ids in payload.get("scope", {}).items()}
    await on_event(trigger, scope, dataset=payload.get("dataset"))


#: The outbox kind of a full scan someone asked for (POST /api/v1/risk/scans).
SCAN_REQUESTED = "risk.scan_requested"


@handles(SCAN_REQUESTED)
async def requested_scan(payload: dict[str, Any]) -> None:
    from procure.risk.engine import catch_up, scan

    # Somebody asked for today's picture: what changed without an event is caught up first
    # (the nightly scan follows the hourly risk.catch_up instead).
    await catch_up()
    await scan(rules=payload.get("rules") or None)


@periodic(
    "risk.catch_up",
    cron="15 * * * *",
    description="brings what the bid-stage rules read up to date every hour at :15 (before the "
    "nightly scan at 02:30): the platform's OCDS projection where it changed without an event, "
    "and the summaries of the processes it rewrote",
)
async def catch_up() -> int:
    """Returns how many processes were rewritten."""
    from procure.risk.engine import catch_up

    return await catch_up()


@periodic(
    "risk.scan",
    cron="30 2 * * *",
    description="the full risk scan, every night at 02:30 (flags converge on today's data)",
)
async def nightly_scan() -> None:
    from procure.risk.engine import scan

    await scan()

"""Where the platform's services tell the risk engine that something happened.

A service calls ``after_commit`` once its own transaction has committed: the user's write is
already durable, so a failing or slow rule can never undo it. Flags are derived data; a rule
that fails here is logged, and the next full scan (``procure risk scan``) puts its flags right,
because the engine's upsert makes any run of a rule converge to the same flags.

When the caller is itself inside a transaction (a service called from another write), the rules
run in a savepoint of it: a failing rule rolls back to the savepoint and leaves the caller's
writes alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from procure.db import get_engine, in_transaction
from procure.risk.registry import SubjectType, Trigger

log = logging.getLogger("procure.risk")


async def after_commit(trigger: Trigger, scope: Mapping[SubjectType, Iterable[int | str]]) -> None:
    """Run the rules that ``trigger`` concerns over ``scope``; never raises."""
    from procure.risk.engine import on_event

    try:
        if not in_transaction():
            await on_event(trigger, scope)
            return
        current = get_engine().current_transaction.get()
        assert current is not None
        savepoint = await current.savepoint()
        try:
            await on_event(trigger, scope)
        except Exception:
            await savepoint.rollback_to()
            raise
        await savepoint.release()
    except Exception as error:  # each failing rule is logged by the engine already
        log.warning("risk rules after %s: %s; the next full scan will catch up", trigger, error)

"""Racing identical requests: every lifecycle's transition must happen exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from procure.audit.events import AuditAction
from procure.audit.tables import AuditEvent

#: How many identical requests race in each lifecycle's test.
RACERS = 50


async def race(send: Callable[[], Awaitable[Any]], racers: int = RACERS) -> Counter[int]:
    """Fire ``racers`` identical requests at once; the count of each status code answered."""
    responses = await asyncio.gather(*(send() for _ in range(racers)))
    return Counter(response.status_code for response in responses)


async def audit_count(action: AuditAction, subject_type: str, subject_id: int | str) -> int:
    return await AuditEvent.count().where(
        (AuditEvent.action == str(action))
        & (AuditEvent.subject_type == subject_type)
        & (AuditEvent.subject_id == str(subject_id))
    )


def exactly_one_success(codes: Counter[int], success: int = 200) -> None:
    """One request won; every other one was told clearly that it lost (409), none failed."""
    assert codes[success] == 1, codes
    assert codes[409] == sum(codes.values()) - 1, codes

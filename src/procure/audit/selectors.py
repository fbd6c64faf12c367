"""Reading the audit log: newest first, filtered and paged in SQL, sealed bid events redacted
until their tender's bids are opened."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns.combination import WhereRaw

from procure.audit.tables import AuditEvent
from procure.db.pagination import Page, PageRequest, Sorting, SortRequest, contains, paginate
from procure.settings import get_settings

SEALED = "(sealed)"
#: The event that unseals a tender's bid events: its bids were opened (subject: the tender).
OPENED = "bids.opened"


def is_sealed(row: dict[str, Any], opened: set[str]) -> bool:
    """An event about a sealed bid (its data names the deadline it was sealed until) stays
    sealed until its tender's bids are opened: a deadline moved by a correction, an opening
    the job has not run yet, a tender cancelled before its deadline all keep it sealed."""
    data = row["data"]
    if not isinstance(data, dict) or "sealed_until" not in data:
        return False
    return str(data.get("tender")) not in opened


def redact_sealed(row: dict[str, Any], opened: set[str]) -> dict[str, Any]:
    """A sealed event shows only that a bid event happened and when: not who (actor, subject,
    the bid's number), not on which tender or which version (its data), and not its hash,
    from which the few possible actors, bids and tenders could be tried until one matched.
    Before the opening the log, like everything else, tells only that bids exist."""
    if not is_sealed(row, opened):
        return row
    return {
        **row,
        "actor_id": None,
        "actor_label": SEALED,
        "subject_id": SEALED,
        "data": {},
        "prev_hash": SEALED,
        "hash": SEALED,
    }


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    row["data"] = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    return row


async def opened_tenders(rows: list[dict[str, Any]]) -> set[str]:
    """Of the tenders the rows' sealed events name, those whose bids were opened (one query)."""
    named = {
        str(row["data"]["tender"])
        for row in rows
        if isinstance(row["data"], dict)
        and "sealed_until" in row["data"]
        and "tender" in row["data"]
    }
    if not named:
        return set()
    found = await AuditEvent.select(AuditEvent.subject_id).where(
        (AuditEvent.action == OPENED)
        & (AuditEvent.subject_type == "tender")
        & AuditEvent.subject_id.is_in(sorted(named))
    )
    return {row["subject_id"] for row in found}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(get_settings().timezone))


#: The columns the audit log page sorts by; newest first unless asked.
EVENT_SORTING = Sorting(
    columns={
        "seq": AuditEvent.seq,
        "time": AuditEvent.occurred_at,
        "actor": AuditEvent.actor_label,
        "action": AuditEvent.action,
        "subject": AuditEvent.subject_type,
    },
    default=SortRequest("seq", descending=True),
    tiebreak=AuditEvent.seq,
)

#: Events about a sealed bid (redact_sealed): the filters that name who or what (actor,
#: subject, a search) never match them, so a filtered count tells no more than the redacted
#: rows show.
NOT_ABOUT_A_SEALED_BID = WhereRaw("CAST(data AS TEXT) NOT LIKE {}", '%"sealed_until"%')


async def event_page(
    paging: PageRequest,
    *,
    action: str = "",
    subject_type: str = "",
    since: date | None = None,
    until: date | None = None,
    before_seq: int | None = None,
    actor: str = "",
    subject_id: str = "",
    q: str = "",
    q_actions: list[str] | None = None,
    order: SortRequest | None = None,
) -> Page[dict[str, Any]]:
    """One page of the log, newest first unless ``order`` says otherwise, filtered in SQL by
    action, subject type, the local days it happened in (``since`` and ``until`` included),
    ``before_seq``, the actor (a part of their name), the subject's id and a search (a part of
    the actor, the action's code or the subject's id, or one of ``q_actions``: the actions
    whose label matched, in the reader's language). Action, subject type and time are what a
    redacted event still shows; the other filters leave sealed bid events out."""
    where = event_filter(
        action=action,
        subject_type=subject_type,
        since=since,
        until=until,
        before_seq=before_seq,
        actor=actor,
        subject_id=subject_id,
        q=q,
        q_actions=q_actions,
    )
    query = EVENT_SORTING.apply(AuditEvent.select().where(where), order or EVENT_SORTING.default)
    page = (await paginate(query, AuditEvent.count().where(where), paging)).map(_decoded)
    opened = await opened_tenders(page.items)
    return page.map(lambda row: redact_sealed(row, opened))


def event_filter(
    *,
    action: str = "",
    subject_type: str = "",
    since: date | None = None,
    until: date | None = None,
    before_seq: int | None = None,
    actor: str = "",
    subject_id: str = "",
    q: str = "",
    q_actions: list[str] | None = None,
) -> Any:
    """The WHERE of event_page."""
    where: Any = AuditEvent.seq.is_not_null()
    if action.strip():
        where &= AuditEvent.action == action.strip()
    if subject_type.strip():
        where &= AuditEvent.subject_type == subject_type.strip()
    if since is not None:
        where &= AuditEvent.occurred_at >= _local_midnight(since)
    if until is not None:
        where &= AuditEvent.occurred_at < _local_midnight(until + timedelta(days=1))
    if before_seq is not None:
        where &= AuditEvent.seq < before_seq
    if actor.strip():
        where &= contains(actor.strip(), AuditEvent.actor_label) & NOT_ABOUT_A_SEALED_BID
    if subject_id.strip():
        where &= (AuditEvent.subject_id == subject_id.strip()) & NOT_ABOUT_A_SEALED_BID
    if q.strip():
        found = contains(
            q.strip(), AuditEvent.actor_label, AuditEvent.action, AuditEvent.subject_id
        )
        if q_actions:
            found |= AuditEvent.action.is_in(q_actions)
        where &= found & NOT_ABOUT_A_SEALED_BID
    return where


async def events_for_export(
    order: SortRequest | None = None, batch: int = 500, **filters: Any
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every event the filters select, in ``order``, a batch at a time (paged in SQL), redacted
    as on the page: an export streams however long the log."""
    number = 1
    while True:
        page = await event_page(PageRequest(number, batch), order=order, **filters)
        if page.items:
            yield page.items
        if not page.has_next:
            return
        number += 1


async def recent_events(limit: int) -> list[dict[str, Any]]:
    """The latest events (the auditor's start page)."""
    return (await event_page(PageRequest(1, limit))).items

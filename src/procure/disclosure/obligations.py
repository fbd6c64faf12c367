"""Disclosure obligations and whether they were met: the award notice within ``award_notice``
(财政部令第87号 第六十九条) of the award, the contract signed within ``contract_signing``
(政府采购法 第四十六条) of the award notice and published within ``contract_publication``
(政府采购法实施条例 第五十条) of its second signature. Computed from the recorded moments and
the clock; reading never writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from procure import calendar, clock
from procure.calendar import CalendarUnknown
from procure.contracts.tables import Contract


class ObligationState:
    met = "met"  # published by the deadline
    late = "late"  # published after it
    pending = "pending"  # not published yet, the deadline not passed
    overdue = "overdue"  # not published and the deadline passed
    unknown = "unknown"  # the calendar does not know the deadline's year


def obligation(name: str, basis_at: datetime, published_at: datetime | None) -> dict[str, Any]:
    """The obligation ``name`` (a policy period) for an event at ``basis_at``: its deadline with
    the rule, the publication moment, and met / late by N days / pending / overdue by N days."""
    view: dict[str, Any] = {"name": name, "basis_at": basis_at, "published_at": published_at}
    try:
        due = calendar.deadline(name, basis_at)
    except CalendarUnknown as error:
        return view | {"state": ObligationState.unknown, "deadline": None, "error": str(error)}
    view |= {"deadline": due.as_dict(), "ends_at": due.ends_at, "days": 0}
    if published_at is not None:
        if published_at < due.ends_at:
            return view | {"state": ObligationState.met}
        late = (calendar.local_day(published_at) - due.last_day).days
        return view | {"state": ObligationState.late, "days": late}
    now = clock.now()
    if not due.passed(now):
        return view | {"state": ObligationState.pending}
    return view | {
        "state": ObligationState.overdue,
        "days": (calendar.local_day(now) - due.last_day).days,
    }


def award_notice_obligation(award: dict[str, Any]) -> dict[str, Any]:
    """The award notice's obligation from an award row (decided_at, published_at)."""
    return obligation("award_notice", award["decided_at"], award["published_at"])


async def signing_obligation(tender_id: int, decided_at: datetime) -> dict[str, Any]:
    """The contract's signature within ``contract_signing`` (30 days, 政府采购法 第四十六条) of
    the award notice; the first contract of the award counts, signed by both parties."""
    signed = (
        await Contract.select(Contract.signed_at)
        .where((Contract.tender == tender_id) & Contract.signed_at.is_not_null())
        .order_by(Contract.signed_at)
        .first()
    )
    return obligation("contract_signing", decided_at, signed["signed_at"] if signed else None)


def contract_obligation(contract: dict[str, Any]) -> dict[str, Any] | None:
    """The contract's publication obligation, once it is signed (by both parties)."""
    if contract["signed_at"] is None:
        return None
    return obligation("contract_publication", contract["signed_at"], contract["published_at"])

"""Reading a dataset's contracting processes for the bid-stage rules: one query per table, the
rows assembled per process in memory (set-based: never a query per process)."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import (
    Awaitable,
    Callable,
    Collection,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar, cast

from piccolo.columns import DoublePrecision
from piccolo.query.functions import Cast
from piccolo.table import Table

from procure.db import driver_rows, one_moment
from procure.ocds.tables import (
    OcdsAward,
    OcdsAwardItem,
    OcdsAwardSupplier,
    OcdsBid,
    OcdsBidTenderer,
    OcdsParty,
    OcdsProcess,
)


@dataclass
class Bid:
    position: int  # in /bids/details
    bid_id: str | None
    status: str | None
    amount: float | None  # as cardinal reads a JSON number: a double
    currency: str | None
    date_text: str | None
    tenderers: list[str | None] = field(default_factory=list)  # ids, None when not a string


@dataclass
class Award:
    position: int
    status: str | None
    suppliers: list[str | None] = field(default_factory=list)
    classifications: list[str | None] = field(default_factory=list)  # of its items
    award_id: str | None = None
    amount: float | None = None  # /awards/value, a double as amounts are read
    currency: str | None = None
    date: datetime | None = None


@dataclass
class Party:
    party_id: str | None
    roles: Sequence[str]
    full_address: str | None
    contact: tuple[str | None, ...]  # name, email, telephone, fax number, url
    name: str | None = None


@dataclass
class Process:
    id: int
    ocid: str
    buyer_id: str | None
    procuring_entity_id: str | None
    tender_status: str | None
    procurement_method: str | None
    procurement_method_details: str | None
    tender_period_start: datetime | None
    tender_period_end: datetime | None
    tender_period_end_text: str | None
    number_of_tenderers: int | None
    tender_value_amount: float | None = None  # /tender/value, a double as amounts are read
    tender_value_currency: str | None = None
    bids: list[Bid] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)


def _in_dataset(table: type[Table], dataset: str, ids: Collection[int] | None) -> Any:
    process: Any = table.process  # type: ignore[attr-defined]
    where = process.dataset == dataset
    return where if ids is None else where & process.is_in(list(ids))


async def _rows(
    table: type[Table], columns: Iterable[Any], dataset: str, ids: Collection[int] | None
) -> Sequence[Mapping[str, Any]]:
    """The rows of a child table for the dataset, in process order, then array order."""
    if ids is not None and not ids:
        return []
    process: Any = table.process  # type: ignore[attr-defined]
    query = table.select(process.as_alias("process_id"), *columns).where(
        _in_dataset(table, dataset, ids)
    )
    return await driver_rows(query.order_by(process, table._meta.primary_key))


_shared: ContextVar[dict[str, asyncio.Future[list[Process]]] | None] = ContextVar(
    "ocds_shared_reads", default=None
)
_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("ocds_shared_values", default=None)
T = TypeVar("T")


@contextmanager
def shared_reads() -> Iterator[None]:
    """Within it, a dataset's processes are read once, with every part, and shared by all who
    ask (the risk rules of one run read the same unchanging rows; none of them modifies one);
    so is each value read through ``shared_value``."""
    token, memo = _shared.set({}), _memo.set({})
    try:
        yield
    finally:
        _shared.reset(token)
        _memo.reset(memo)


async def shared_value(key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
    """``read()``, once per ``key`` within shared_reads(); outside it, every time."""
    memo = _memo.get()
    if memo is None:
        return await read()
    if key not in memo:
        # A task, so that runs asking at the same moment (rules side by side) share one read.
        memo[key] = asyncio.ensure_future(read())
    return cast(T, await memo[key])


async def dataset_processes(
    dataset: str,
    *,
    ocids: Collection[str] | None = None,
    bids: bool = False,
    awards: bool = False,
    parties: bool = False,
) -> list[Process]:
    """The processes of a dataset (or those ocids), in import order, with the parts asked for."""
    shared = _shared.get()
    # Outside a shared read, or a few processes before anyone read the whole set: read them alone.
    if shared is None or (ocids is not None and dataset not in shared):
        return await _read_processes(
            dataset, ocids=ocids, bids=bids, awards=awards, parties=parties
        )
    if dataset not in shared:
        shared[dataset] = asyncio.ensure_future(
            _read_processes(dataset, bids=True, awards=True, parties=True)
        )
    processes = await shared[dataset]
    if ocids is None:
        return processes
    wanted = set(ocids)
    return [process for process in processes if process.ocid in wanted]


async def _read_processes(
    dataset: str,
    *,
    ocids: Collection[str] | None = None,
    bids: bool = False,
    awards: bool = False,
    parties: bool = False,
) -> list[Process]:
    """The processes and their parts as of one moment: a refresh rewriting processes between
    the reads would otherwise leave parts without their process, or a process without them."""
    return await one_moment(
        lambda: _read_now(dataset, ocids=ocids, bids=bids, awards=awards, parties=parties)
    )


async def _read_now(
    dataset: str,
    *,
    ocids: Collection[str] | None,
    bids: bool,
    awards: bool,
    parties: bool,
) -> list[Process]:
    where: Any = OcdsProcess.dataset == dataset
    if ocids is not None:
        if not ocids:
            return []
        where = where & OcdsProcess.ocid.is_in(list(ocids))
    rows = (
        await OcdsProcess.select(
            OcdsProcess.id,
            OcdsProcess.ocid,
            OcdsProcess.buyer_id,
            OcdsProcess.procuring_entity_id,
            OcdsProcess.tender_status,
            OcdsProcess.procurement_method,
            OcdsProcess.procurement_method_details,
            OcdsProcess.tender_period_start,
            OcdsProcess.tender_period_end,
            OcdsProcess.tender_period_end_text,
            OcdsProcess.number_of_tenderers,
            Cast(OcdsProcess.tender_value_amount, DoublePrecision(), alias="tender_value_amount"),
            OcdsProcess.tender_value_currency,
        )
        .where(where)
        .order_by(OcdsProcess.id)
    )
    processes = {row["id"]: Process(**row) for row in rows}
    # Within the scope of some ocids, the children are read by process id.
    ids = None if ocids is None else list(processes)

    if bids:
        tenderers: dict[tuple[int, int], list[str | None]] = defaultdict(list)
        for row in await _rows(
            OcdsBidTenderer, (OcdsBidTenderer.bid_position, OcdsBidTenderer.party_id), dataset, ids
        ):
            tenderers[row["process_id"], row["bid_position"]].append(row["party_id"])
        for row in await _rows(
            OcdsBid,
            (
                OcdsBid.position,
                OcdsBid.bid_id,
                OcdsBid.status,
                # As a double, read exactly: SQLite would hand the NUMERIC over as 15-digit text.
                Cast(OcdsBid.amount, DoublePrecision(), alias="amount"),
                OcdsBid.currency,
                OcdsBid.date_text,
            ),
            dataset,
            ids,
        ):
            key = (row["process_id"], row["position"])
            processes[row["process_id"]].bids.append(
                Bid(
                    position=row["position"],
                    bid_id=row["bid_id"],
                    status=row["status"],
                    amount=row["amount"],
                    currency=row["currency"],
                    date_text=row["date_text"],
                    tenderers=tenderers.get(key, []),
                )
            )
    if awards:
        suppliers: dict[tuple[int, int], list[str | None]] = defaultdict(list)
        for row in await _rows(
            OcdsAwardSupplier,
            (OcdsAwardSupplier.award_position, OcdsAwardSupplier.party_id),
            dataset,
            ids,
        ):
            suppliers[row["process_id"], row["award_position"]].append(row["party_id"])
        classifications: dict[tuple[int, int], list[str | None]] = defaultdict(list)
        for row in await _rows(
            OcdsAwardItem,
            (OcdsAwardItem.award_position, OcdsAwardItem.classification_id),
            dataset,
            ids,
        ):
            classifications[row["process_id"], row["award_position"]].append(
                row["classification_id"]
            )
        for row in await _rows(
            OcdsAward,
            (
                OcdsAward.position,
                OcdsAward.status,
                OcdsAward.award_id,
                Cast(OcdsAward.amount, DoublePrecision(), alias="amount"),
                OcdsAward.currency,
                OcdsAward.date,
            ),
            dataset,
            ids,
        ):
            key = (row["process_id"], row["position"])
            processes[row["process_id"]].awards.append(
                Award(
                    position=row["position"],
                    status=row["status"],
                    suppliers=suppliers.get(key, []),
                    classifications=classifications.get(key, []),
                    award_id=row["award_id"],
                    amount=row["amount"],
                    currency=row["currency"],
                    date=row["date"],
                )
            )
    if parties:
        for row in await _rows(
            OcdsParty,
            (
                OcdsParty.party_id,
                OcdsParty.name,
                OcdsParty.roles,
                OcdsParty.full_address,
                OcdsParty.contact_name,
                OcdsParty.contact_email,
                OcdsParty.contact_telephone,
                OcdsParty.contact_fax_number,
                OcdsParty.contact_url,
            ),
            dataset,
            ids,
        ):
            roles = row["roles"]
            processes[row["process_id"]].parties.append(
                Party(
                    party_id=row["party_id"],
                    roles=roles if isinstance(roles, list) else _json_list(roles),
                    full_address=row["full_address"],
                    contact=(
                        row["contact_name"],
                        row["contact_email"],
                        row["contact_telephone"],
                        row["contact_fax_number"],
                        row["contact_url"],
                    ),
                    name=row["name"],
                )
            )
    return list(processes.values())


@lru_cache(maxsize=1024)
def _json_list(text: str) -> tuple[str, ...]:
    """A party's roles from their stored JSON (a few distinct lists among many parties)."""
    value = json.loads(text)
    return tuple(value) if isinstance(value, list) else ()


async def dataset_names() -> list[str]:
    """Every dataset that holds a contracting process, by name."""
    rows = await OcdsProcess.select(OcdsProcess.dataset).distinct().order_by(OcdsProcess.dataset)
    return [row["dataset"] for row in rows]


async def dataset_has_rows(dataset: str) -> bool:
    """Whether the dataset holds any contracting process."""
    return bool(await OcdsProcess.exists().where(OcdsProcess.dataset == dataset))

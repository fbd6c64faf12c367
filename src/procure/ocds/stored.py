"""The contracting processes of an imported dataset, as they were published.

An import keeps each process's original JSON beside the normalized rows (procure.ocds.tables):
its releases (or its record's releases) in the order read, and its compiled release. The export
of a dataset (procure.ocds.export with ``dataset=``) re-emits exactly these, never the rows, so
nothing the normalization leaves out or nulls is lost.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from procure.ocds.imports import PLATFORM_DATASET
from procure.ocds.tables import OcdsProcess


def imported_dataset(dataset: str | None) -> str | None:
    """The dataset's name when it holds imported processes; None for the platform's own."""
    return None if dataset is None or dataset == PLATFORM_DATASET else dataset


@dataclass(frozen=True)
class StoredProcess:
    ocid: str
    #: As read: full releases, or a record's releases (full or linked), in the order read.
    releases: list[Any]
    compiled_release: dict[str, Any]

    def full_releases(self) -> list[dict[str, Any]]:
        """What a release package carries of the process: its releases when every one of them
        was published in full; otherwise (a record whose releases are links, or that has none)
        its compiled release, which is a release too (tag "compiled")."""
        if self.releases and all(
            isinstance(release, dict) and "ocid" in release for release in self.releases
        ):
            return list(self.releases)
        return [self.compiled_release]

    def record(self) -> dict[str, Any]:
        return {
            "ocid": self.ocid,
            "releases": list(self.releases),
            "compiledRelease": self.compiled_release,
        }


def _json(value: Any) -> Any:
    """A JSON column as read: text on every engine Piccolo reads it from, unless loaded."""
    return json.loads(value) if isinstance(value, str) else value


async def stored_processes(
    dataset: str,
    *,
    ocids: Sequence[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[StoredProcess]:
    """The selected processes of a dataset, in import order."""
    query = OcdsProcess.select(
        OcdsProcess.ocid, OcdsProcess.releases, OcdsProcess.compiled_release
    ).where(OcdsProcess.dataset == dataset)
    if ocids is not None:
        query = query.where(OcdsProcess.ocid.is_in(list(ocids) or [""]))
    query = query.order_by(OcdsProcess.id)
    if limit is not None or offset:
        # SQLite takes an offset only with a limit.
        query = query.limit(limit if limit is not None else 2**62).offset(offset)
    return [
        StoredProcess(
            ocid=row["ocid"],
            releases=_json(row["releases"]),
            compiled_release=_json(row["compiled_release"]),
        )
        for row in await query
    ]


async def stored_process_count(dataset: str) -> int:
    return int(await OcdsProcess.count().where(OcdsProcess.dataset == dataset))


async def stored_process_batches(
    dataset: str, *, batch_size: int
) -> AsyncIterator[list[StoredProcess]]:
    """Every process of a dataset in import order, ``batch_size`` at a time (keyset pagination
    over the row id: each batch is one query, and memory holds one batch)."""
    after = 0
    while True:
        rows = await (
            OcdsProcess.select(
                OcdsProcess.id, OcdsProcess.ocid, OcdsProcess.releases, OcdsProcess.compiled_release
            )
            .where((OcdsProcess.dataset == dataset) & (OcdsProcess.id > after))
            .order_by(OcdsProcess.id)
            .limit(batch_size)
        )
        if not rows:
            return
        yield [
            StoredProcess(
                ocid=row["ocid"],
                releases=_json(row["releases"]),
                compiled_release=_json(row["compiled_release"]),
            )
            for row in rows
        ]
        if len(rows) < batch_size:
            return
        after = rows[-1]["id"]

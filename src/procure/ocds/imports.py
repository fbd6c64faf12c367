"""Importing OCDS data as read-only contracting processes of a dataset, all or nothing.

``ocds_import`` reads the whole input first (procure.ocds.reader), normalizes every compiled
release (procure.ocds.normalize), then writes in one transaction with one audit event: each
process replaces the process of the same dataset and ocid, if any. On the first error nothing
is written. ``ocds_dataset_delete`` removes a dataset (the temporary ones of
``procure ocds indicators``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
from litestar.exceptions import PermissionDeniedException
from piccolo.table import Table

from procure import clock
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.db import transaction
from procure.db.bulk import insert_rows
from procure.errors import InvalidInput
from procure.i18n import N_
from procure.jobs import Trigger, record_event
from procure.ocds.normalize import NormalizedProcess, SkippedValue, normalize
from procure.ocds.reader import read_processes
from procure.ocds.tables import (
    OcdsAward,
    OcdsAwardItem,
    OcdsAwardSupplier,
    OcdsBid,
    OcdsBidTenderer,
    OcdsContract,
    OcdsParty,
    OcdsProcess,
)
from procure.security.actors import Actor
from procure.security.policy import Action, is_allowed

PLATFORM_DATASET = "platform"  # the platform's own processes: never imported into
EXTERNAL_DATASET = "external"
DATASET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}")
BATCH = 200  # rows per INSERT and ocids per IN (…): well inside SQLite's parameter limit

T = TypeVar("T")


@dataclass
class ImportSummary:
    dataset: str
    source: str
    sha256: str
    processes: int = 0
    releases: int = 0  # releases and records read
    replaced: int = 0
    skipped_values: list[SkippedValue] = field(default_factory=list)
    # Lenient imports only: input left out (not JSON, not a release), with where and why.
    skipped_input: list[str] = field(default_factory=list)


def _batches(items: Sequence[T], size: int = BATCH) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _require_importer(actor: Actor | None) -> None:
    """The command line (no actor) may import; a user needs the ocds:import permission."""
    if actor is not None and not is_allowed(Action.ocds_import, actor):
        raise PermissionDeniedException(f"role {actor.role} may not perform {Action.ocds_import}")


def check_dataset_name(dataset: str) -> None:
    if dataset == PLATFORM_DATASET:
        raise InvalidInput(
            "dataset",
            N_("'platform' holds the platform's own processes; import into another dataset"),
        )
    if not DATASET_NAME.fullmatch(dataset):
        raise InvalidInput(
            "dataset",
            N_("1–40 characters: letters, digits and _ . : -, starting with a letter or digit"),
        )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def releases_json(releases: list[Any]) -> str:
    """Releases as ``ocds_process.releases`` stores them."""
    return _dumps(releases)


async def delete_processes(dataset: str, ocids: Sequence[str]) -> int:
    """Delete the processes of these ocids (their rows cascade); how many there were."""
    deleted = 0
    for batch in _batches(ocids):
        where = (OcdsProcess.dataset == dataset) & OcdsProcess.ocid.is_in(list(batch))
        deleted += await OcdsProcess.count().where(where)
        await OcdsProcess.delete().where(where)
    return deleted


async def write_processes(
    dataset: str,
    source: str,
    processes: Sequence[tuple[NormalizedProcess, dict[str, Any], list[Any] | str]],
    *,
    hashes: dict[str, str] | None = None,
) -> None:
    """Insert normalized processes (rows, compiled release, releases or their ``releases_json``)
    into a dataset; inside the caller's transaction, which has removed any process of the same
    ocid. ``hashes``: the content hash of each ocid's releases (the platform's projection keeps
    it)."""
    now = clock.now()
    ids: dict[str, int] = {}
    for batch in _batches(processes):
        inserted = await insert_rows(
            OcdsProcess,
            [
                {
                    "dataset": dataset,
                    "ocid": rows.ocid,
                    "source": source,
                    "imported_at": now,
                    "compiled_release": _dumps(compiled),
                    "releases": releases if isinstance(releases, str) else _dumps(releases),
                    "content_hash": (hashes or {}).get(rows.ocid, ""),
                    **rows.process,
                }
                for rows, compiled, releases in batch
            ],
            returning=(OcdsProcess.id, OcdsProcess.ocid),
        )
        ids.update({row["ocid"]: row["id"] for row in inserted})

    children: dict[type[Table], list[dict[str, Any]]] = {
        OcdsParty: [],
        OcdsBid: [],
        OcdsBidTenderer: [],
        OcdsAward: [],
        OcdsAwardSupplier: [],
        OcdsAwardItem: [],
        OcdsContract: [],
    }
    for rows, _, _ in processes:
        process = {"process": ids[rows.ocid]}
        parts: tuple[tuple[type[Table], list[dict[str, Any]]], ...] = (
            (OcdsParty, rows.parties),
            (OcdsBid, rows.bids),
            (OcdsBidTenderer, rows.bid_tenderers),
            (OcdsAward, rows.awards),
            (OcdsAwardSupplier, rows.award_suppliers),
            (OcdsAwardItem, rows.award_items),
            (OcdsContract, rows.contracts),
        )
        for table, items in parts:
            children[table].extend({**item, **process} for item in items)
    for table, items in children.items():
        await insert_rows(table, items)


async def source_bytes(source: Path | bytes, name: str | None = None) -> tuple[bytes, str]:
    """A feed's bytes and its name (the file's, unless given); a file that cannot be read is
    refused naming it."""
    if not isinstance(source, Path):
        return source, name or ""
    try:
        data = await anyio.to_thread.run_sync(source.read_bytes)
    except OSError as error:
        raise InvalidInput(
            "file", N_("cannot read %(path)s: %(reason)s"), path=str(source), reason=error.strerror
        ) from None
    return data, name or source.name


async def ocds_import(
    *,
    actor: Actor | None,
    source: Path | bytes,
    dataset: str = EXTERNAL_DATASET,
    source_name: str | None = None,
    lenient: bool = False,
    warn: Callable[[str], None] = lambda _: None,
) -> ImportSummary:
    """Import OCDS JSON or JSON Lines into ``dataset``; all or nothing, one audit event.

    Strict by default: input that is not JSON, or an object that is not a release or record,
    raises OcdsInputError (an InvalidInput) naming the line and JSON path, and nothing is
    written. ``lenient`` reads as cardinal does (see procure.ocds.reader.read_processes).
    Values the rules cannot use are kept as published and listed in ``skipped_values``.
    """
    _require_importer(actor)
    check_dataset_name(dataset)
    data, name = await source_bytes(source, source_name)

    reading = read_processes(data, lenient=lenient, warn=warn)
    summary = ImportSummary(
        dataset=dataset,
        source=name,
        sha256=hashlib.sha256(data).hexdigest(),
        processes=len(reading.processes),
        releases=reading.objects,
        skipped_input=reading.skipped,
    )
    prepared = []
    for process in reading.processes:
        rows = normalize(process.ocid, process.compiled_release, process.releases)
        summary.skipped_values.extend(rows.skipped)
        summary.skipped_values.extend(
            SkippedValue(process.ocid, "$", f"ocdsmerge: {warning}") for warning in process.warnings
        )
        prepared.append((rows, process.compiled_release, process.releases))

    async with transaction():
        summary.replaced = await delete_processes(dataset, [p.ocid for p in reading.processes])
        await write_processes(dataset, name, prepared)
        await record(
            actor=actor,
            action=AuditAction.ocds_imported,
            subject_type="ocds_dataset",
            subject_id=dataset,
            data={
                "source": name,
                "sha256": summary.sha256,
                "processes": summary.processes,
                "releases": summary.releases,
                "replaced": summary.replaced,
                "skipped_values": len(summary.skipped_values),
                "skipped_input": len(summary.skipped_input),
            },
        )
        # The risk engine judges every dataset: the rules over OCDS data judge this one in a
        # worker after the commit (a failing rule never undoes the import).
        await record_event(Trigger.ocds_imported, {}, dataset=dataset)
    return summary


async def ocds_dataset_delete(*, actor: Actor | None, dataset: str) -> int:
    """Delete every process of a dataset (not the platform's); how many there were."""
    _require_importer(actor)
    check_dataset_name(dataset)
    async with transaction():
        count = await OcdsProcess.count().where(OcdsProcess.dataset == dataset)
        if count:
            await OcdsProcess.delete().where(OcdsProcess.dataset == dataset)
            await record(
                actor=actor,
                action=AuditAction.ocds_dataset_deleted,
                subject_type="ocds_dataset",
                subject_id=dataset,
                data={"processes": count},
            )
    return int(count)

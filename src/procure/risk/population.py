"""Per-process summaries: what cardinal's population indicators need of each process, kept.

The indicators that compare a process, a buyer or a tenderer with the rest of its dataset
(quartile fences: R024, R025, R038, R048, R058), and those that flag an organization over
every process it is flagged in (R030, R035), need a few numbers per process, not its rows.
Reading every process's bids, awards and suppliers for them made an award event as slow as the
dataset is large. So each process's numbers (the rules' own ``summarize`` of its rows) are kept
in ``ocds_process_summary`` and read instead: one small row per process.

They stay exact without any bookkeeping: a process's rows are never updated in place (an import
or the platform's refresh deletes the process and inserts it anew), and its summary goes with
them (ON DELETE CASCADE), even where SQLite gives the new rows the old id. A process without a
summary of the current ``SUMMARY_VERSION`` (new, rewritten, or summarized by an older
definition) is read whole, summarized and stored by whoever reads it first. R030 and R035 read
the full rows only of the processes whose summaries say they can hold a finding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.utils.encoding import load_json

from procure.db.bulk import insert_rows
from procure.ocds.dataset import Process, dataset_processes, shared_value
from procure.ocds.tables import OcdsProcess, OcdsProcessSummary

#: Bump when what a summary holds changes: every summary is then computed again.
SUMMARY_VERSION = 1
#: Summaries written per INSERT.
BATCH = 500

Summarize = Callable[[Process], dict[str, Any]]


@dataclass(frozen=True)
class ProcessSummary:
    """A process's header columns and its summary."""

    id: int
    ocid: str
    buyer_id: str | None
    procuring_entity_id: str | None
    tender_status: str | None
    procurement_method_details: str | None
    data: dict[str, Any]


async def process_summaries(dataset: str, summarize: Summarize) -> list[ProcessSummary]:
    """Every process of the dataset with its summary, in import order; read once per shared
    read (procure.ocds.dataset.shared_reads), the missing summaries computed and stored."""
    return await shared_value(
        ("process_summaries", dataset, SUMMARY_VERSION), lambda: _read(dataset, summarize)
    )


async def _read(dataset: str, summarize: Summarize) -> list[ProcessSummary]:
    rows = await OcdsProcess.raw(
        "SELECT p.id AS id, p.ocid AS ocid, p.buyer_id AS buyer_id,"
        " p.procuring_entity_id AS procuring_entity_id, p.tender_status AS tender_status,"
        " p.procurement_method_details AS procurement_method_details, s.summary AS summary"
        " FROM ocds_process p LEFT JOIN ocds_process_summary s"
        " ON s.process = p.id AND s.version = {}"
        " WHERE p.dataset = {} ORDER BY p.id",
        SUMMARY_VERSION,
        dataset,
    )
    missing = [row["ocid"] for row in rows if row["summary"] is None]
    computed: dict[int, dict[str, Any]] = {}
    if missing:
        processes = await dataset_processes(dataset, ocids=missing, bids=True, awards=True)
        computed = {process.id: summarize(process) for process in processes}
        await _store(list(computed.items()))
    stored = iter(_loaded([row["summary"] for row in rows if row["summary"] is not None]))
    summaries = []
    for row in rows:
        data = computed.get(row["id"]) if row.pop("summary") is None else next(stored)
        if data is not None:  # None: the process went meanwhile
            summaries.append(ProcessSummary(**row, data=data))
    return summaries


def _loaded(values: list[Any]) -> list[dict[str, Any]]:
    """The stored summaries decoded: JSON text (one document for all, which decodes faster
    than one each), or what the driver decoded already."""
    texts = [value for value in values if isinstance(value, str)]
    if len(texts) < len(values):
        return [value if isinstance(value, dict) else load_json(value) for value in values]
    return load_json("[" + ",".join(texts) + "]")


async def _store(summaries: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Store these processes' summaries, replacing those of another version; a summary another
    run stored a moment ago (the same, by construction) is left as it is."""
    for start in range(0, len(summaries), BATCH):
        batch = summaries[start : start + BATCH]
        ids = [process_id for process_id, _ in batch]
        await OcdsProcessSummary.delete().where(
            OcdsProcessSummary.process.is_in(ids) & (OcdsProcessSummary.version != SUMMARY_VERSION)
        )
        await insert_rows(
            OcdsProcessSummary,
            [
                {"process": process_id, "version": SUMMARY_VERSION, "summary": data}
                for process_id, data in batch
            ],
            on_conflict_do_nothing=(OcdsProcessSummary.process,),
        )

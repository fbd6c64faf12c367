"""cardinal's indicators through the platform: read into a temporary database of its own, run the
platform's bid-stage rules, answer with the object ``ocdscardinal indicators --no-meta`` prints."""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from piccolo.engine.base import Engine
from piccolo.table import Table

from procure.db.engines import DurableSQLiteEngine
from procure.ocds.imports import source_bytes, write_processes
from procure.ocds.normalize import normalize
from procure.ocds.reader import read_processes
from procure.ocds.tables import OCDS_CHILD_TABLES, OcdsProcess
from procure.risk.registry import Finding, SubjectType
from procure.risk.rules.cardinal import run_bid_stage

# cardinal's groups, in the order this output lists them.
GROUPS = {
    SubjectType.tender: "OCID",
    SubjectType.buyer: "Buyer",
    SubjectType.procuring_entity: "ProcuringEntity",
    SubjectType.organization: "Tenderer",
}

Results = dict[str, dict[str, dict[str, float]]]


def cardinal_results(findings: list[Finding]) -> Results:
    """Group → identifier → indicator → value; empty groups left out, as cardinal does."""
    results: Results = {group: {} for group in GROUPS.values()}
    for finding in findings:
        group = results[GROUPS[finding.subject_type]]
        group.setdefault(finding.subject_id, {})[finding.rule] = (
            math.nan if finding.value is None else finding.value
        )
    return {group: members for group, members in results.items() if members}


def format_float(value: float) -> str:
    """A double as serde_json writes it (ryu): shortest round-trip digits, ``1.0`` not ``1``,
    decimal notation for 1e-5 ≤ |x| < 1e16 and ``1e16``, ``1.5e-7`` beyond; null if not finite."""
    if not math.isfinite(value):
        return "null"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    shortest = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(str(digit) for digit in shortest.digits)
    exponent = int(shortest.exponent)
    length = len(digits)
    point = length + exponent  # 10^(point-1) <= |value| < 10^point
    if exponent >= 0 and point <= 16:
        return f"{sign}{digits}{'0' * exponent}.0"
    if 0 < point <= 16:
        return f"{sign}{digits[:point]}.{digits[point:]}"
    if -5 < point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    mantissa = digits if length == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{sign}{mantissa}e{point - 1}"


def cardinal_json(results: Results) -> str:
    """The results as serde_json::to_string writes them: compact, UTF-8, ryu floats."""

    def write(value: Any) -> str:
        if isinstance(value, dict):
            members = (f"{json.dumps(k, ensure_ascii=False)}:{write(v)}" for k, v in value.items())
            return "{" + ",".join(members) + "}"
        return format_float(value)

    return write(results)


@asynccontextmanager
async def temporary_ocds_tables() -> AsyncIterator[Engine]:
    """The OCDS tables of this process on a fresh temporary SQLite file until the block ends,
    whatever the live database is: nothing of what runs inside reaches it (neither rows nor
    their growth), and the file is deleted after. One block at a time per process: the tables
    are re-pointed for everything running meanwhile, so this is for the command line only."""
    tables: tuple[type[Table], ...] = (OcdsProcess, *OCDS_CHILD_TABLES)
    async with _TEMPORARY:
        with tempfile.TemporaryDirectory(prefix="procure-indicators-") as directory:
            engine = DurableSQLiteEngine(path=str(Path(directory) / "indicators.sqlite3"))
            previous = {table: table._meta.db for table in tables}
            try:
                for table in tables:
                    table._meta.db = engine
                for table in tables:
                    await table.create_table(if_not_exists=True)
                yield engine
            finally:
                for table, db in previous.items():
                    table._meta.db = db
                await engine.close_idle_connections()


_TEMPORARY = anyio.Lock()
DATASET = "indicators"


async def ocds_indicators(
    source: Path | bytes,
    *,
    tables: dict[str, dict[str, Any]] | None = None,
    warn: Callable[[str], None] = lambda _: None,
) -> Results:
    """Read ``source`` (JSON Lines of compiled releases, read as cardinal reads them) into a
    temporary database of its own (temporary_ocds_tables), run the bid-stage rules over it,
    and drop it (even on error). The live database is neither read nor written."""
    data, name = await source_bytes(source)
    reading = read_processes(data, lenient=True, warn=warn)
    prepared = [
        (
            normalize(process.ocid, process.compiled_release, process.releases),
            process.compiled_release,
            process.releases,
        )
        for process in reading.processes
    ]
    async with temporary_ocds_tables() as engine:
        async with engine.transaction():
            await write_processes(DATASET, name, prepared)
        findings = await run_bid_stage(DATASET, tables=tables)
    return cardinal_results(findings)

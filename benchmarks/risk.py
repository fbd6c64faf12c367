"""Benchmark: the risk engine and OCDS on a fresh database — a full scan of the demo district
(then again, with nothing changed), one award event, the OCDS export (whole and streamed, with
its peak memory), and an import plus the bid-stage rules over a synthetic external dataset.

    make bench                                   # SQLite in a temporary directory
    PROCURE_BENCH_DATABASE_URL=postgresql://… make bench
    PROCURE_BENCH_PROCESSES=5000 make bench      # the size of the external dataset

Prints one line per step with its seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

WORKDIR = Path(tempfile.mkdtemp(prefix="procure-bench-"))
os.environ.update(
    PROCURE_DATABASE_URL=os.environ.get(
        "PROCURE_BENCH_DATABASE_URL", f"sqlite:///{WORKDIR / 'bench.sqlite3'}"
    ),
    PROCURE_SECRET_KEY="benchmark-secret-key-that-is-long-enough-0123456789",
    PROCURE_VAR_DIR=str(WORKDIR / "var"),
    PROCURE_DATABASE_POOL_SIZE="0",
)

from procure.bids.tables import Award  # noqa: E402
from procure.db.migrate import upgrade  # noqa: E402
from procure.demo import load_demo  # noqa: E402
from procure.ocds import export  # noqa: E402
from procure.ocds.imports import ocds_dataset_delete, ocds_import  # noqa: E402
from procure.risk.engine import on_event, scan  # noqa: E402
from procure.risk.registry import SubjectType, Trigger  # noqa: E402
from procure.risk.rules.cardinal import run_bid_stage  # noqa: E402
from procure.settings import get_settings  # noqa: E402

PROCESSES = int(os.environ.get("PROCURE_BENCH_PROCESSES", "2000"))
SEED = Path(__file__).parents[1] / "tests/data/cardinal/tests/fixtures/indicators/R024.jsonl"


def synthetic(count: int) -> bytes:
    """cardinal's R024 fixture, repeated under fresh ocids, as JSON Lines."""
    seeds = [json.loads(line) for line in SEED.read_text().splitlines() if line.strip()]
    lines = []
    for n in range(count):
        release = dict(seeds[n % len(seeds)])
        release["ocid"] = f"ocds-bench0-{n}"
        lines.append(json.dumps(release))
    return ("\n".join(lines) + "\n").encode()


async def timed(label: str, step) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = await step()
    print(f"{label:<48} {time.perf_counter() - started:8.2f} s   {result}")


async def main() -> None:
    await upgrade()
    await load_demo(get_settings())
    data = synthetic(PROCESSES)

    async def full_scan() -> str:
        return f"{len(await scan())} flags"

    async def export_package() -> str:
        return f"{len((await export.release_package())['releases'])} releases"

    async def import_external() -> str:
        summary = await ocds_import(actor=None, source=data, dataset="bench", source_name="bench")
        return f"{summary.processes} processes"

    async def bid_rules() -> str:
        return f"{len(await run_bid_stage('bench'))} findings"

    async def award_event() -> str:
        tender = (await Award.select(Award.tender).first() or {}).get("tender")
        flags = await on_event(Trigger.award, {SubjectType.tender: [tender] if tender else []})
        return f"{len(flags)} flags"

    async def export_streamed() -> str:
        tracemalloc.start()
        try:
            with (WORKDIR / "releases.json").open("w", encoding="utf-8") as out:
                summary = await export.write_package(out.write, uri="urn:bench")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        size = (WORKDIR / "releases.json").stat().st_size
        return f"{summary}; {size / 1e6:.1f} MB written, peak {peak / 1e6:.1f} MB traced"

    await timed("full scan of the demo district", full_scan)
    await timed("full scan again (nothing changed)", full_scan)
    await timed("award event on one tender", award_event)
    await timed("OCDS release package of the demo district", export_package)
    await timed("OCDS release package, streamed", export_streamed)
    await timed(f"import of {PROCESSES} external processes", import_external)
    await timed(f"bid-stage rules over {PROCESSES} processes", bid_rules)
    await ocds_dataset_delete(actor=None, dataset="bench")


if __name__ == "__main__":
    asyncio.run(main())

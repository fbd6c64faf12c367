"""`procure bench --scale N --json`: the figures of issue 10, each a ratio measured side by side in
one run, on a scratch database the benchmark creates (never the configured one).

``run_bench_command`` (the CLI's side) makes the scratch database — an SQLite file in a temporary
directory, or a fresh PostgreSQL database on the server of ``--postgres-url`` — and runs this
module in a child process whose settings point at it, because settings and the engine are read
once per process. The child (``python -m procure.bench``) generates the data, measures, prints
one JSON object and exits; the parent then drops the scratch database.

The figures (goals from the issue):

- ``page_vs_hello``: requests/s of the tender list page and of a contract page ÷ requests/s of a
  minimal handler registered on the same app (same middleware, same in-process client); the
  figure is the lower of the two. Goal ≥ 0.2.
- ``scan_vs_raw``: a full risk scan's seconds ÷ the seconds of a raw driver read of every row
  of the tables the rules read. Goal ≤ 3. The generator writes no events, so the OCDS
  projection's catch-up (the hourly ``risk.catch_up`` job: the processes it rewrote and their
  per-process summaries) runs first, timed on its own (``catch_up_s``): the scan reads them as
  events and that job keep them.
- ``event_award_s``: seconds of the risk engine's refresh after one award
  (``on_event(Trigger.award, {tender: [id]})``). Goal ≤ 1 s.
- ``export_peak_mb``: the peak RSS of a ``procure ocds export`` subprocess at the requested scale,
  with the peak at the base scale (10, or 1 below 11) beside it; flat means the ratio stays
  near 1. Goal: ratio ≤ 1.2.
- ``pdf_repeat_vs_first``: the second request of the same PDF (the public document route) ÷ the
  first. Goal ≤ 0.05.
- ``generate_vs_raw``: the generator's rows/s (all of it: setup, building rows, sealing bids,
  writing) ÷ the raw driver's rows/s bulk-inserting prebuilt rows into the same table with its
  constraints (the generated survey answers, most of the data, written back inside a
  transaction that is rolled back). Goal ≥ 0.5.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_SECRET = "benchmark-secret-key-that-is-long-enough-0123456789"
BASE_SCALE = 10

#: The figures, their goals and how a value meets the goal.
GOALS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "page_vs_hello": ("≥ 0.2 on both engines at scale 100", lambda v: v >= 0.2),
    "scan_vs_raw": ("≤ 3 at scale 100 on PostgreSQL", lambda v: v <= 3),
    "event_award_s": ("≤ 1 s at scale 100", lambda v: v <= 1),
    "export_peak_mb": ("flat from scale 10 to 100 (ratio ≤ 1.2)", lambda v: v <= 1.2),
    "pdf_repeat_vs_first": ("≤ 0.05", lambda v: v <= 0.05),
    "generate_vs_raw": ("≥ 0.5", lambda v: v >= 0.5),
}
FIGURES = tuple(GOALS)

#: What the risk rules read (the raw side of scan_vs_raw): the platform's tables, and the OCDS
#: projection's rows the bid-stage rules and the population summaries read. Sealed bytes and
#: the projection's release JSON (which no rule reads) are left out.
RULE_TABLES = (
    "tender",
    "tender_community",
    "need_evidence",
    "bid",
    "bid_line",
    "award",
    "contract",
    "contract_scope_line",
    "amendment",
    "amendment_line",
    "payment",
    "service_report",
    "activity_line",
    "survey_round",
    "survey_response",
    "survey_answer",
    "survey_token",
    "performance_score",
    "evaluation_score",
    "committee_evaluation",
    "rubric_criterion",
    "survey_item",
    "bid_cost_plan",
    "bid_staff_role",
    "work_request",
    "work_request_citation",
    "ocds_process",
    "ocds_party",
    "ocds_bid",
    "ocds_bid_tenderer",
    "ocds_award",
    "ocds_award_supplier",
    "ocds_award_item",
    "ocds_contract",
    "ocds_process_summary",
)
SKIPPED_COLUMNS = {
    "sealed_content",
    "nonce",
    "wrapped_bid_key",
    "content",
    "compiled_release",
    "releases",
}


# -- the parent: a scratch database, a child process ---------------------------------------------


class BenchError(Exception):
    pass


def _postgres_scratch(admin_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database next to ``admin_url``'s: its URL, and how to drop it."""
    import asyncpg

    name = f"procure_bench_{os.getpid()}_{int(time.time())}"
    parts = urlsplit(admin_url)

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(admin_url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    try:
        asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        raise BenchError(f"--postgres-url: cannot create a scratch database ({error})") from None
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    return url, lambda: asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run_bench_command(
    *,
    scale: int,
    engine: str,
    postgres_url: str | None,
    tenders_per_district: int,
    requests: int,
    seed: int,
) -> dict[str, Any]:
    """Run the benchmark in a child process on a scratch database; its JSON result."""
    workdir = Path(tempfile.mkdtemp(prefix="procure-bench-"))
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if engine == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        if not postgres_url:
            raise BenchError("--postgres-url: needed with --engine postgresql")
        url, drop = _postgres_scratch(postgres_url)
    env = {
        **os.environ,
        "PROCURE_DATABASE_URL": url,
        "PROCURE_SECRET_KEY": BENCH_SECRET,
        "PROCURE_VAR_DIR": str(workdir / "var"),
        "PROCURE_ENVIRONMENT": "test",
        # The server's pool on PostgreSQL, whatever the caller's environment says.
        "PROCURE_DATABASE_POOL_SIZE": "10",
        "PROCURE_LOGIN_ATTEMPTS_PER_MINUTE": "1000000",
        # The pages are measured with the worker idle: on SQLite the app would otherwise run
        # it in process, delivering the freshly generated data's events during the requests.
        "PROCURE_JOBS_IN_PROCESS": "false",
        "PROCURE_BENCH_WORKDIR": str(workdir),
    }
    args = [
        sys.executable,
        "-m",
        "procure.bench",
        str(scale),
        str(tenders_per_district),
        str(requests),
        str(seed),
    ]
    try:
        child = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    finally:
        drop()
        _remove(workdir)
    if child.returncode != 0:
        tail = "\n".join(child.stderr.strip().splitlines()[-15:])
        raise BenchError(f"the benchmark failed (exit {child.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    result["engine"] = engine
    return result


def _remove(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except OSError:
        return ""


# -- the child: generate, measure ----------------------------------------------------------------


def figure(name: str, value: float, **detail: Any) -> dict[str, Any]:
    goal, met = GOALS[name]
    return {"value": round(value, 4), "goal": goal, "met": met(value), **detail}


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


#: Run in the export's own process: its peak resident memory (VmHWM), reported at exit. The
#: kernel's ru_maxrss of a child is no use here: it keeps the high-water mark of the process
#: before exec, a copy of this (large) benchmarking process.
_PEAK_REPORTER = """
import atexit, sys

def _peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write("PEAK_KB " + line.split()[1] + "\\n")

atexit.register(_peak)
from procure.cli import main
sys.argv = ["procure", "ocds", "export", "--out", sys.argv[1]]
main()
"""


def export_peak_mb(out: Path) -> float:
    """The peak resident memory (MB) of a `procure ocds export` process."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _PEAK_REPORTER, str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    peaks = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("PEAK_KB ")]
    if done.returncode != 0 or not peaks:
        raise BenchError(f"procure ocds export failed: {done.stderr[-500:]}")
    return int(peaks[-1]) / 1024


class _Rollback(Exception):
    pass


async def raw_insert_rows_per_second(limit: int) -> tuple[float, int]:
    """The driver's own bulk insert of prebuilt rows into the same table, with its constraints
    and indexes: the generated survey answers (most of the data) are read, deleted and written
    back by ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) in one transaction, which is then
    rolled back. Only the writing is timed. Rows/s, and how many rows."""
    from piccolo.engine.sqlite import SQLiteEngine

    from procure.db import get_engine, transaction

    sqlite = isinstance(get_engine(), SQLiteEngine)
    columns = ("id", "response", "item", "score", "text")
    select = f"SELECT id, response, item, score, text FROM survey_answer ORDER BY id LIMIT {limit}"
    elapsed, count = 0.0, 0
    try:
        async with transaction() as tx:
            connection = tx.connection  # type: ignore[attr-defined]
            if sqlite:
                async with connection.execute(select) as cursor:
                    records = [tuple(row[c] for c in columns) for row in await cursor.fetchall()]
                await connection.execute("DELETE FROM survey_answer")
            else:
                records = [tuple(row) for row in await connection.fetch(select)]
                await connection.execute("DELETE FROM survey_answer")
            count = len(records)
            started = time.perf_counter()
            for start in range(0, count, 5000):
                chunk = records[start : start + 5000]
                if sqlite:
                    await connection.executemany(
                        "INSERT INTO survey_answer (id, response, item, score, text) "
                        "VALUES (?, ?, ?, ?, ?)",
                        chunk,
                    )
                else:
                    await connection.copy_records_to_table(
                        "survey_answer", records=chunk, columns=columns
                    )
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return count / elapsed, count


async def raw_read_seconds() -> tuple[float, int]:
    """Seconds to read every row of the rules' tables through the driver, and how many rows."""
    from piccolo.engine.sqlite import SQLiteEngine

    from procure.db import get_engine

    engine = get_engine()
    sqlite = isinstance(engine, SQLiteEngine)
    columns: dict[str, list[str]] = {}
    for table in RULE_TABLES:
        if sqlite:
            rows = await engine._run_in_new_connection(f'PRAGMA table_info("{table}")')  # type: ignore[attr-defined]
            names = [r["name"] for r in rows]
        else:
            rows = await engine._run_in_new_connection(  # type: ignore[attr-defined]
                "SELECT column_name FROM information_schema.columns WHERE table_name = $1",
                [table],
            )
            names = [r["column_name"] for r in rows]
        if names:
            columns[table] = [n for n in names if n not in SKIPPED_COLUMNS]
    total = 0
    started = time.perf_counter()
    if sqlite:
        connection = await engine.get_connection()  # type: ignore[attr-defined]
        try:
            for table, names in columns.items():
                quoted = ", ".join(f'"{n}"' for n in names)
                async with connection.execute(f'SELECT {quoted} FROM "{table}"') as cursor:
                    total += len(await cursor.fetchall())
        finally:
            await connection.close()
    else:
        import asyncpg

        from procure.settings import get_settings

        connection = await asyncpg.connect(get_settings().database_url)
        try:
            for table, names in columns.items():
                quoted = ", ".join(f'"{n}"' for n in names)
                total += len(await connection.fetch(f'SELECT {quoted} FROM "{table}"'))
        finally:
            await connection.close()
    return time.perf_counter() - started, total


#: Seconds each path is timed for at most (at least 3 requests), so a slow page at a large
#: scale does not take the whole run.
PATH_SECONDS = 15.0


async def requests_per_second(client: Any, path: str, headers: dict[str, str], count: int) -> float:
    """``count`` sequential requests (fewer if PATH_SECONDS pass first) after one warm-up
    request (templates compile, caches fill); requests per second."""
    response = await client.get(path, headers=headers)
    if response.status_code != 200:
        raise BenchError(f"GET {path} answered {response.status_code}: {response.text[:300]}")
    started = time.perf_counter()
    done = 0
    while done < count and (done < 3 or time.perf_counter() - started < PATH_SECONDS):
        response = await client.get(path, headers=headers)
        if response.status_code != 200:
            raise BenchError(f"GET {path} answered {response.status_code}")
        done += 1
    return done / (time.perf_counter() - started)


async def child_main(scale: int, tenders: int, requests: int, seed: int) -> dict[str, Any]:
    import logging

    from litestar import get
    from litestar.testing import AsyncTestClient
    from piccolo.engine.postgres import PostgresEngine

    from procure.app import create_app
    from procure.bids.tables import Award
    from procure.contracts.tables import Contract
    from procure.db import get_engine
    from procure.db.migrate import upgrade
    from procure.demo_generate import generate
    from procure.risk.engine import catch_up, on_event, scan
    from procure.risk.registry import SubjectType, Trigger
    from procure.security.policy import Action
    from procure.security.services import user_create
    from procure.security.tables import Role
    from procure.settings import get_settings

    logging.disable(logging.INFO)
    workdir = Path(os.environ["PROCURE_BENCH_WORKDIR"])
    settings = get_settings()
    await upgrade()
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        # As the server (and a worker) does: a pool, not a new connection per query.
        await engine.start_connection_pool(min_size=1, max_size=settings.database_pool_size)
    base = BASE_SCALE if scale > BASE_SCALE else 1
    # The base districts first: the export's memory at the base scale is measured on them.
    first = await generate(settings, scale=base, seed=seed, tenders_per_district=tenders)
    await catch_up()
    await scan()
    base_mb = export_peak_mb(workdir / "base.json")
    generated = [first]
    if scale > base:
        generated.append(
            await generate(
                settings,
                scale=scale - base,
                seed=seed,
                tenders_per_district=tenders,
                first_district=base,
            )
        )
    rows = sum(g.rows for g in generated)
    seconds = sum(g.seconds for g in generated)
    generator_rps = rows / seconds
    raw_rps, raw_rows = await raw_insert_rows_per_second(300_000)

    catch_up_s, projected = await timed(catch_up)
    scan_s, flags = await timed(scan)
    read_s, read_rows = await raw_read_seconds()

    award = await Award.select(Award.tender).order_by(Award.id, ascending=False).first()
    assert award is not None, "the generator made no award"
    event_s, _ = await timed(
        lambda: on_event(Trigger.award, {SubjectType.tender: [award["tender"]]})
    )

    full_mb = export_peak_mb(workdir / "full.json")

    @get(
        "/bench/hello",
        opt={"action": Action.public_read},
        include_in_schema=False,
        media_type="text/plain",
    )
    async def hello() -> str:
        return "hello"

    await user_create(
        actor=None,
        username="bench-auditor",
        display_name="压测审计",
        password=BENCH_SECRET,
        role=Role.auditor,
    )
    contract = await Contract.select(Contract.id, Contract.tender).order_by(Contract.id).first()
    assert contract is not None, "the generator made no contract"
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    # The test client runs the app on a loop of its own, where its lifespan opens the app's own
    # pool (on PostgreSQL) as the server does.
    app = create_app()
    app.register(hello)
    async with AsyncTestClient(app=app) as client:
        token = await client.post(
            "/api/v1/auth/tokens",
            json={"username": "bench-auditor", "password": BENCH_SECRET, "name": "bench"},
        )
        if token.status_code != 201:
            raise BenchError(f"sign-in failed: {token.status_code} {token.text[:200]}")
        headers = {"authorization": f"Bearer {token.json()['token']}"}
        hello_rps = await requests_per_second(client, "/bench/hello", headers, requests)
        list_rps = await requests_per_second(client, "/tenders", headers, requests)
        contract_rps = await requests_per_second(
            client, f"/contracts/{contract['id']}", headers, requests
        )
        hello_rps = statistics.mean(
            [hello_rps, await requests_per_second(client, "/bench/hello", headers, requests)]
        )
        pdf_path = f"/api/v1/tenders/{contract['tender']}/documents/award-notice"
        first_s, response = await timed(lambda: client.get(pdf_path, headers=headers))
        if response.status_code != 200:
            raise BenchError(f"GET {pdf_path} answered {response.status_code}")
        repeat_s, _ = await timed(lambda: client.get(pdf_path, headers=headers))

    counts: dict[str, int] = {}
    for g in generated:
        for table, n in g.counts.items():
            counts[table] = counts.get(table, 0) + n
    page = min(list_rps, contract_rps) / hello_rps
    return {
        "scale": scale,
        "tenders_per_district": tenders,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": round(
                os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1
            ),
            "python": platform.python_version(),
        },
        "rows": counts,
        "figures": {
            "page_vs_hello": figure(
                "page_vs_hello",
                page,
                tender_list_vs_hello=round(list_rps / hello_rps, 4),
                contract_vs_hello=round(contract_rps / hello_rps, 4),
                hello_rps=round(hello_rps, 1),
                tender_list_rps=round(list_rps, 1),
                contract_rps=round(contract_rps, 1),
            ),
            "scan_vs_raw": figure(
                "scan_vs_raw",
                scan_s / read_s,
                scan_s=round(scan_s, 3),
                raw_read_s=round(read_s, 3),
                raw_rows=read_rows,
                flags=len(flags),
                catch_up_s=round(catch_up_s, 3),
                catch_up_processes=projected,
            ),
            "event_award_s": figure("event_award_s", event_s, tender=award["tender"]),
            "export_peak_mb": figure(
                "export_peak_mb",
                full_mb / base_mb,
                peak_mb=round(full_mb, 1),
                base_scale=base,
                base_peak_mb=round(base_mb, 1),
                output_mb=round((workdir / "full.json").stat().st_size / 2**20, 1),
            ),
            "pdf_repeat_vs_first": figure(
                "pdf_repeat_vs_first",
                repeat_s / first_s,
                first_s=round(first_s, 3),
                repeat_s=round(repeat_s, 3),
            ),
            "generate_vs_raw": figure(
                "generate_vs_raw",
                generator_rps / raw_rps,
                generator_rows_per_s=round(generator_rps),
                raw_rows_per_s=round(raw_rps),
                raw_rows=raw_rows,
                rows=rows,
                seconds=round(seconds, 2),
            ),
        },
    }


def format_table(result: dict[str, Any]) -> str:
    lines = [
        f"procure bench · scale {result['scale']} · {result.get('engine', '')} · "
        f"{result['date']} · {result['commit']}",
        f"{'figure':<22}{'value':>10}  {'met':<5}goal",
    ]
    for name, data in result["figures"].items():
        met = "yes" if data["met"] else "no"
        lines.append(f"{name:<22}{data['value']:>10.4g}  {met:<5}{data['goal']}")
    return "\n".join(lines)


if __name__ == "__main__":  # the child process
    scale, tenders, requests, seed = (int(v) for v in sys.argv[1:5])
    try:
        outcome = asyncio.run(child_main(scale, tenders, requests, seed))
    except BenchError as error:
        sys.exit(f"error: {error}")
    print(json.dumps(outcome, ensure_ascii=False))

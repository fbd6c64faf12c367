"""Benchmark: requests per second of the foundation's read paths, in process, on a fresh database.

    make bench                                   # SQLite in a temporary directory
    PROCURE_BENCH_DATABASE_URL=postgresql://… make bench

Prints one line per path: requests, seconds, requests per second, median and p95 latency.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

WORKDIR = Path(tempfile.mkdtemp(prefix="procure-bench-"))
os.environ.update(
    PROCURE_DATABASE_URL=os.environ.get(
        "PROCURE_BENCH_DATABASE_URL", f"sqlite:///{WORKDIR / 'bench.sqlite3'}"
    ),
    PROCURE_SECRET_KEY="benchmark-secret-key-that-is-long-enough-0123456789",
    PROCURE_VAR_DIR=str(WORKDIR / "var"),
    PROCURE_DATABASE_POOL_SIZE="0",
    PROCURE_LOGIN_ATTEMPTS_PER_MINUTE="100000",
)

from litestar.testing import AsyncTestClient  # noqa: E402

from procure.app import create_app  # noqa: E402
from procure.db.migrate import upgrade  # noqa: E402
from procure.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from procure.settings import get_settings  # noqa: E402

PATHS = ["/healthz", "/api/v1/tenders", "/api/v1/contracts", "/committee", "/"]
REQUESTS = int(os.environ.get("PROCURE_BENCH_REQUESTS", "300"))


async def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    await upgrade()
    await load_demo(get_settings())
    async with AsyncTestClient(app=create_app()) as client:
        token = (
            await client.post(
                "/api/v1/auth/tokens",
                json={"username": "committee", "password": DEMO_PASSWORD, "name": "bench"},
            )
        ).json()["token"]
        headers = {"authorization": f"Bearer {token}"}
        print(f"{'path':<22}{'requests':>9}{'seconds':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}")
        for path in PATHS:
            latencies = []
            started = time.perf_counter()
            for _ in range(REQUESTS):
                t0 = time.perf_counter()
                response = await client.get(path, headers=headers, follow_redirects=False)
                latencies.append((time.perf_counter() - t0) * 1000)
                if response.status_code >= 400:
                    sys.exit(f"{path} answered {response.status_code}")
            elapsed = time.perf_counter() - started
            p95 = statistics.quantiles(latencies, n=20)[-1]
            print(
                f"{path:<22}{REQUESTS:>9}{elapsed:>9.2f}{REQUESTS / elapsed:>9.0f}"
                f"{statistics.median(latencies):>9.1f}{p95:>9.1f}"
            )


if __name__ == "__main__":
    asyncio.run(main())

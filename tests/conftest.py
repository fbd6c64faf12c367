"""Test setup: one database per run, chosen by PROCURE_TEST_DATABASE (sqlite | postgresql).

The environment is set before any procure module is imported, because settings and the engine
are read once per process. `make test` runs the whole suite once per engine.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import socket
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ENGINE = os.environ.get("PROCURE_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get(
    "PROCURE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
RUN_DIR = Path(tempfile.mkdtemp(prefix=f"procure-test-{ENGINE}-"))
TEST_SECRET = "test-secret-key-that-is-long-enough-for-hkdf-0123456789"

if ENGINE == "postgresql":
    DATABASE_URL = POSTGRES_URL
elif ENGINE == "sqlite":
    DATABASE_URL = f"sqlite:///{RUN_DIR / 'procure.sqlite3'}"
else:  # pragma: no cover
    raise RuntimeError(f"PROCURE_TEST_DATABASE={ENGINE!r}: use sqlite or postgresql")

os.environ.update(
    PROCURE_DATABASE_URL=DATABASE_URL,
    PROCURE_ENVIRONMENT="test",
    PROCURE_SECRET_KEY=TEST_SECRET,
    PROCURE_VAR_DIR=str(RUN_DIR / "var"),
    # The in-process test client serves requests on its own event loop, where the app's
    # lifespan makes this pool (the engine keeps one pool per loop; the tests' own is below).
    PROCURE_DATABASE_POOL_SIZE="4",
    # The suite signs in far more often than a person; the throttle has its own test.
    PROCURE_LOGIN_ATTEMPTS_PER_MINUTE="100000",
    # Likewise for PDF downloads, whose throttle has its own test (tests/pdf/test_cache.py).
    PROCURE_PDF_REQUESTS_PER_MINUTE="100000",
    # Events are delivered as their transaction commits (a test sees the flags when the service
    # returns); tests/jobs drive the worker and the outbox explicitly.
    PROCURE_JOBS_EAGER="1",
)

from hypothesis import settings as hypothesis_settings  # noqa: E402
from litestar.testing import AsyncTestClient  # noqa: E402
from piccolo.engine.postgres import PostgresEngine  # noqa: E402

from procure import clock  # noqa: E402
from procure.app import create_app  # noqa: E402
from procure.db import get_engine  # noqa: E402
from procure.db.engines import roll_back_if_open  # noqa: E402
from procure.db.migrate import upgrade  # noqa: E402
from procure.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from procure.security.actors import Actor  # noqa: E402
from procure.security.selectors import user_by_username  # noqa: E402
from procure.security.services import api_token_create  # noqa: E402
from procure.security.tables import Role  # noqa: E402
from procure.settings import get_settings  # noqa: E402
from procure.worker import apply_schema  # noqa: E402

# Property tests check behaviour, not speed (speed lives in `make bench`): no per-example deadline,
# which a loaded CI machine would turn into flaky failures.
hypothesis_settings.register_profile("procure", deadline=None)
hypothesis_settings.load_profile("procure")


def postgres_reachable() -> bool:
    parts = urlsplit(POSTGRES_URL)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 5432), timeout=2
        ):
            return True
    except OSError:
        return False


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: exercises an SQLite-specific mechanism")
    config.addinivalue_line("markers", "postgresql_only: exercises a PostgreSQL-specific mechanism")
    config.addinivalue_line("markers", "last: runs after every other test (it writes at random)")
    if ENGINE == "postgresql" and not postgres_reachable() and os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true requires PostgreSQL, but {POSTGRES_URL} is unreachable")


def pytest_report_header() -> str:
    return f"procure test database: {ENGINE} ({DATABASE_URL})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)  # stable
    if ENGINE == "postgresql" and not postgres_reachable():
        skip = pytest.mark.skip(
            reason=f"PostgreSQL unreachable at {POSTGRES_URL} (required when CI=true)"
        )
        for item in items:
            item.add_marker(skip)
    for item in items:
        if "sqlite_only" in item.keywords and ENGINE != "sqlite":
            item.add_marker(pytest.mark.skip(reason="exercises an SQLite-only mechanism"))
        if "postgresql_only" in item.keywords and ENGINE != "postgresql":
            item.add_marker(pytest.mark.skip(reason="exercises a PostgreSQL-only mechanism"))


async def reset_database() -> None:
    if ENGINE == "sqlite":
        await get_engine().close_idle_connections()  # type: ignore[attr-defined]
        for suffix in ("", "-wal", "-shm"):
            Path(f"{get_settings().sqlite_path}{suffix}").unlink(missing_ok=True)
    else:
        engine = get_engine()
        await engine.run_ddl("DROP SCHEMA public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")


#: The demo district's tenders, shared by every test: the simulated worker leaves them alone.
DEMO_TENDERS: set[int] = set()


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[None]:
    """A freshly migrated database holding the demo district, shared by the whole run."""
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        # The tests' own pool, on the session's event loop: a new server connection per query
        # costs several milliseconds.
        await engine.start_connection_pool(min_size=1, max_size=20, reset=roll_back_if_open)
    await reset_database()
    await upgrade()
    await apply_schema(get_settings())  # the task queue's tables, as `procure db upgrade` makes
    await load_demo(get_settings())
    # Until the demo's own expert pool covers every category, a test pool tops it up (with
    # sign-in accounts), and the demo's committees are drawn from it.
    from tests.committees.pool import ensure_test_pool

    if await ensure_test_pool():
        await load_demo(get_settings())
    from procure.tenders.tables import Tender

    DEMO_TENDERS.update(row["id"] for row in await Tender.select(Tender.id))
    yield
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


@pytest.fixture(scope="session")
def app(database: None):  # type: ignore[no-untyped-def]
    return create_app()


@pytest.fixture
async def client(app) -> AsyncIterator[AsyncTestClient]:  # type: ignore[no-untyped-def]
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def login(client: AsyncTestClient, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the HTML form, exactly as a browser does."""
    page = await client.get("/login")
    assert page.status_code == 200
    token = client.cookies.get("csrftoken")
    response = await client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf_headers(client: AsyncTestClient) -> dict[str, str]:
    return {"x-csrftoken": client.cookies.get("csrftoken") or ""}


#: The demo user of each role.
USERNAMES = {
    Role.buyer: "buyer",
    Role.organization: "org",
    Role.committee: "committee",
    Role.auditor: "auditor",
    Role.admin: "admin",
    Role.regulator: "regulator",
    Role.expert: "expert",
    Role.monitor: "monitor",
}


async def bearer(username: str) -> dict[str, str]:
    row = await user_by_username(username)
    assert row is not None, username
    token = await api_token_create(actor=Actor.from_row(row), name="procurement test", valid_days=1)
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
async def as_user(database: None) -> Callable[[str], Any]:
    cache: dict[str, dict[str, str]] = {}

    async def headers(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = await bearer(username)
        return cache[username]

    return headers


class Clock:
    """Moves the server's clock forward by whole intervals, as time passing would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        self._real = clock.now
        monkeypatch.setattr(clock, "now", self.now)

    def now(self) -> datetime:
        return self._real() + self.offset

    def advance(self, *, worker: bool = True, **delta: float) -> None:
        """Time passes: and, as in production where the worker's opening job runs every few
        seconds, the bids whose deadline has now passed are opened (``worker=False``: the
        worker has not run yet). No request of the test's does it: a read never writes."""
        self.offset += timedelta(**delta)
        if worker:
            self.run_opening_job()

    def run_opening_job(self) -> None:
        """The worker's opening job, run as the worker does: on its own (a thread with its own
        event loop stands for the worker process), while the test waits. It opens the tests'
        own tenders: the demo district's stay as loaded, for the tests that read them."""
        from procure.bids.selectors import due_to_open
        from procure.bids.services import open_due_bids

        failure: list[BaseException] = []

        async def open_own() -> None:
            for tender_id in await due_to_open(clock.now()):
                if tender_id not in DEMO_TENDERS:
                    await open_due_bids(tender_id)

        def work() -> None:
            try:
                asyncio.run(open_own())
            except BaseException as error:  # reported in the test's thread
                failure.append(error)

        thread = threading.Thread(target=work, name="opening-job")
        thread.start()
        thread.join()
        if failure:
            raise failure[0]

    async def past_standstill(self, tender_id: int) -> None:
        """Moves the clock a minute past the award's challenge window (7 working days by the
        calendar, so anything from 9 to over 14 calendar days)."""
        from procure.tenders.tables import Tender

        row = await Tender.select(Tender.standstill_ends_at).where(Tender.id == tender_id).first()
        assert row is not None and row["standstill_ends_at"] is not None, "no award yet"
        gap = row["standstill_ends_at"] - self.now()
        if gap > timedelta():
            self.offset += gap + timedelta(minutes=1)


@pytest.fixture
def moving_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


async def every_item(client: AsyncTestClient, url: str, **params: Any) -> list[Any]:
    """Every item of a paginated API list, page after page (100 a page, the cap)."""
    items: list[Any] = []
    page = 1
    while True:
        answer = await client.get(url, params={**params, "per_page": "100", "page": str(page)})
        assert answer.status_code == 200, answer.text
        items += answer.json()
        if 'rel="next"' not in answer.headers.get("link", ""):
            return items
        page += 1


async def every_page(client: AsyncTestClient, url: str) -> str:
    """The text of an HTML list page and of each next page its pager links to, joined."""
    texts: list[str] = []
    while url:
        page = await client.get(url)
        assert page.status_code == 200, page.text
        texts.append(page.text)
        found = re.search(r'<a rel="next" href="([^"]+)"', page.text)
        url = html.unescape(found.group(1)) if found else ""
    return "\n".join(texts)

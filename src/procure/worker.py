"""The worker: the task queue that delivers the outbox's events and runs the periodic jobs.

procrastinate (a PostgreSQL task queue) carries the work. On PostgreSQL its jobs live in the
database: any number of ``procure worker`` processes on any machines share them, each job done by
one, and each periodic tick deferred once however many workers run. On the embedded SQLite
default, ``procure serve`` runs the same app in its own process over procrastinate's in-memory
connector: no extra service. Either way the outbox table stays the durable record: an event is
handed to the queue (``relay``) and marked done only once its handler has run, so an event the
in-memory queue loses in a restart is handed over again.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from typing import IO, Any

import procrastinate
from procrastinate import testing
from procrastinate.exceptions import AlreadyEnqueued

from procure import clock
from procure.jobs import outbox
from procure.jobs.schedule import Periodic, periodic_jobs
from procure.settings import Settings

log = logging.getLogger("procure.jobs")

RELAY_CRON = "* * * * * */5"  # every 5 seconds (croniter's sixth field is the second)
PERIODIC_RETRY = procrastinate.RetryStrategy(max_attempts=3, wait=10)


def connector(settings: Settings) -> procrastinate.BaseConnector:
    if settings.database_engine == "postgresql":
        return procrastinate.PsycopgConnector(
            conninfo=settings.database_url.replace("postgres://", "postgresql://", 1),
            min_size=1,
            max_size=max(2, settings.jobs_concurrency + 1),
        )
    return testing.InMemoryConnector()


def build(settings: Settings, *, connector_: procrastinate.BaseConnector | None = None) -> Any:
    """The procrastinate app with procure's tasks: delivering an event, the relay, and each
    area's periodic jobs."""
    app = procrastinate.App(connector=connector_ or connector(settings))

    @app.task(name="procure.deliver_event", queue="events", pass_context=False)
    async def deliver_event(event_id: int) -> None:
        await outbox.deliver(event_id)

    @app.periodic(cron=RELAY_CRON, periodic_id="procure.relay")
    @app.task(name="procure.relay", queue="schedule", pass_context=False)
    async def relay_task(timestamp: int) -> None:
        await relay(deliver_event)

    for job in periodic_jobs():
        _schedule(app, job)
    app.procure_deliver = deliver_event  # type: ignore[attr-defined]
    return app


def _schedule(app: Any, job: Periodic) -> None:
    async def run(timestamp: int) -> None:
        result = await job.run()
        # A tick that found nothing due is routine: only work done is worth a line at INFO.
        log.log(logging.INFO if result else logging.DEBUG, "periodic job %s: %s", job.name, result)

    run.__name__ = job.name.replace(".", "_")
    task = app.task(
        name=f"procure.{job.name}", queue="schedule", pass_context=False, retry=PERIODIC_RETRY
    )(run)
    app.periodic(cron=job.cron, periodic_id=job.name)(task)


async def relay(deliver_event: Any) -> int:
    """Hand every due event to the queue (once: the queueing lock refuses a second copy while
    the first waits) and mark it queued; take back the claims of workers that died."""
    now = clock.now()
    await outbox.reclaim(now)
    handed = 0
    for event_id in await outbox.due_ids(now):
        with contextlib.suppress(AlreadyEnqueued):
            await deliver_event.configure(queueing_lock=f"event-{event_id}").defer_async(
                event_id=event_id
            )
        await outbox.mark_queued(event_id, now)
        handed += 1
    return handed


async def apply_schema(settings: Settings) -> bool:
    """Create procrastinate's tables on PostgreSQL if they are missing; True if it did."""
    if settings.database_engine != "postgresql":
        return False
    from procure.db import get_engine

    rows = await get_engine().run_querystring(
        _query("SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present")
    )
    if rows and rows[0]["present"]:
        return False
    app = procrastinate.App(connector=connector(settings))
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
    return True


def _query(sql: str) -> Any:
    from piccolo.querystring import QueryString

    return QueryString(sql)


class InProcessWorker:
    """The worker inside ``procure serve`` (the SQLite default): started and stopped with the
    app; an event is handed to it the moment its transaction commits.

    ``procure serve --workers N`` starts N server processes on one SQLite file: one of them
    (whichever holds the lock file ``VAR_DIR/jobs.lock``) runs the worker, so the periodic jobs
    tick once. The others record their events in the outbox, which that worker's relay hands
    over within seconds, and try the lock again now and then, to take over if its holder dies.
    """

    LOCK_RETRY_SECONDS = 5.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app: Any = None
        self.task: asyncio.Task[None] | None = None
        self.remove_waker: Any = None
        self.lock_file: IO[bytes] | None = None
        self.waiting: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None

    def _take_lock(self) -> bool:
        path = self.settings.var_dir / "jobs.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self.lock_file = handle
        return True

    async def start(self) -> None:
        if self._take_lock():
            await self._run()
        else:
            log.info("another server process runs the jobs; this one waits to take over")
            self.waiting = asyncio.create_task(self._wait_for_lock())

    async def _wait_for_lock(self) -> None:
        while True:
            await asyncio.sleep(self.LOCK_RETRY_SECONDS)
            if self._take_lock():
                log.info("this server process now runs the jobs")
                await self._run()
                return

    async def _run(self) -> None:
        self.app = build(self.settings)
        await self.app.open_async()
        if self.settings.database_engine == "sqlite":
            # The in-memory queue starts empty: what it held before a restart is handed over again.
            await outbox.reclaim(clock.now(), queued_too=True)
        deliver = self.app.procure_deliver

        async def wake(event_id: int) -> None:
            with contextlib.suppress(AlreadyEnqueued):
                await deliver.configure(queueing_lock=f"event-{event_id}").defer_async(
                    event_id=event_id
                )

        self.remove_waker = outbox.add_waker(wake)
        self.task = asyncio.create_task(
            self.app.run_worker_async(
                concurrency=self.settings.jobs_concurrency,
                name="in-process",
                install_signal_handlers=False,
                fetch_job_polling_interval=1.0,
                shutdown_graceful_timeout=10,
            )
        )

    async def stop(self) -> None:
        """Stop the worker (or the wait for the lock); a second call does nothing."""
        if self.waiting is not None:
            self.waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.waiting
            self.waiting = None
        if self.remove_waker is not None:
            self.remove_waker()
            self.remove_waker = None
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
            self.task = None
        if self.app is not None:
            await self.app.close_async()
            self.app = None
        if self.lock_file is not None:
            self.lock_file.close()  # closing the file releases the lock
            self.lock_file = None


async def run_worker(settings: Settings, *, concurrency: int, name: str | None) -> None:
    """``procure worker``: run until stopped (SIGINT/SIGTERM)."""
    app = build(settings)
    async with app.open_async():
        if settings.database_engine == "sqlite":
            await outbox.reclaim(clock.now(), queued_too=True)
        await app.run_worker_async(concurrency=concurrency, name=name)

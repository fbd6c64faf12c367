"""The `procure` command: database, demo data, users, the server, PDF documents, the audit log."""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click

from procure.backup import cli as backup_cli
from procure.commands import fail, needs_database
from procure.ocds.cli import ocds as ocds_group
from procure.risk import cli as risk_cli
from procure.settings import ConfigurationError, Settings, load_settings


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """procure — government purchase of community services."""
    # Piccolo warns on stderr when it cannot connect; we report that ourselves, in one line.
    warnings.filterwarnings("ignore", message=".*Unable to connect to the database.*")
    warnings.filterwarnings("ignore", message=".*Unable to connect to database.*")
    try:
        ctx.obj = load_settings()
    except ConfigurationError as error:
        fail(str(error))


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@needs_database
async def db_upgrade() -> None:
    """Apply every migration not yet applied."""
    from procure.db.migrate import MigrationError, upgrade
    from procure.settings import get_settings
    from procure.worker import apply_schema

    try:
        await upgrade()
    except MigrationError as error:
        fail(f"migration failed: {error}")
    if await apply_schema(get_settings()):
        click.echo("created the task queue's tables (procrastinate)")
    click.echo("database is up to date")


@db.command("check")
@needs_database
async def db_check() -> None:
    """Fail when the tables and the migrations disagree (run `make migrations`)."""
    from procure.db.migrate import pending_schema_changes

    pending = await pending_schema_changes()
    if pending:
        fail(f"{len(pending)} schema change(s) have no migration: run `make migrations`")
    click.echo("tables and migrations agree")


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@click.pass_obj
def demo_load(settings: Settings) -> None:
    """Load the demo district (idempotent: existing objects are kept)."""

    @needs_database
    async def load() -> None:
        from procure.demo import load_demo

        created = await load_demo(settings)
        if created:
            summary = ", ".join(f"{table} {n}" for table, n in sorted(created.items()))
            click.echo(f"demo data loaded: {summary}")
        else:
            click.echo("demo data already loaded; nothing to add")

    load()


@demo.command("generate")
@click.option("--scale", required=True, type=click.IntRange(1, 10_000), help="districts to build")
@click.option("--seed", default=1, show_default=True, type=click.IntRange(0), help="random seed")
@click.option(
    "--tenders-per-district",
    default=100,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="tenders of each district (bids, contracts, reports and surveys follow)",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="the day the data is anchored to (default: today); same seed and day, same data",
)
@click.pass_obj
def demo_generate(
    settings: Settings, scale: int, seed: int, tenders_per_district: int, today: Any
) -> None:
    """Build SCALE districts of consistent synthetic data through the bulk paths."""

    @needs_database
    async def generate() -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from procure.demo_generate import GenerateError
        from procure.demo_generate import generate as run_generate

        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} districts · {task.fields[rows]:,} rows"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not sys.stderr.isatty(),
        ) as bar:
            task = bar.add_task("generating", total=scale, rows=0)
            try:
                result = await run_generate(
                    settings,
                    scale=scale,
                    seed=seed,
                    tenders_per_district=tenders_per_district,
                    today=today.date() if today else None,
                    progress=lambda rows, districts: bar.update(
                        task, completed=districts, rows=rows
                    ),
                )
            except GenerateError as error:
                fail(str(error))
        summary = ", ".join(f"{table} {n}" for table, n in sorted(result.counts.items()))
        click.echo(
            f"generated {result.districts} district(s), {result.rows:,} rows in "
            f"{result.seconds:.1f} s ({result.rows_per_second:,.0f} rows/s): {summary}"
        )
        click.echo("flags and OCDS releases are not computed: run `procure risk scan`")

    generate()


@main.command("bench")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--engine",
    type=click.Choice(["sqlite", "postgresql"]),
    default="sqlite",
    show_default=True,
    help="the scratch database: an SQLite file in a temporary directory, or a new PostgreSQL "
    "database on the server of --postgres-url (dropped afterwards)",
)
@click.option(
    "--postgres-url",
    envvar="PROCURE_BENCH_POSTGRES_URL",
    help="a PostgreSQL server URL whose user may CREATE DATABASE (env PROCURE_BENCH_POSTGRES_URL)",
)
@click.option(
    "--tenders-per-district",
    default=100,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="fewer for a quick run",
)
@click.option(
    "--requests", default=200, show_default=True, type=click.IntRange(1), help="per page timed"
)
@click.option("--seed", default=1, show_default=True, type=click.IntRange(0))
@click.option("--json", "as_json", is_flag=True, help="print the result as one JSON object")
def bench(
    scale: int,
    engine: str,
    postgres_url: str | None,
    tenders_per_district: int,
    requests: int,
    seed: int,
    as_json: bool,
) -> None:
    """Measure the figures of `make bench` on generated data in a scratch database (never the
    configured one)."""
    import json

    from procure.bench import BenchError, format_table, run_bench_command

    try:
        result = run_bench_command(
            scale=scale,
            engine=engine,
            postgres_url=postgres_url,
            tenders_per_district=tenders_per_district,
            requests=requests,
            seed=seed,
        )
    except BenchError as error:
        fail(str(error))
    click.echo(
        json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_table(result)
    )


@main.group()
def user() -> None:
    """Users."""


@user.command("create")
@click.option("--username", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["buyer", "organization", "committee", "auditor", "admin"]),
)
@click.option("--display-name", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--department", "department_code", help="department code (buyers)")
@click.option("--organization", "credit_code", help="unified social credit code (organizations)")
@click.option("--community", "community_code", help="community code (committees)")
def user_create(
    username: str,
    role: str,
    display_name: str,
    password: str,
    department_code: str | None,
    credit_code: str | None,
    community_code: str | None,
) -> None:
    """Create a user who acts for a department, an organization or a community."""

    @needs_database
    async def create() -> None:
        from procure.departments.tables import Department
        from procure.errors import InvalidInput
        from procure.geography.tables import Community
        from procure.organizations.tables import Organization
        from procure.security.services import user_create as create_user
        from procure.security.tables import Role

        async def lookup(table: Any, column: Any, value: str | None, option: str) -> int | None:
            if value is None:
                return None
            row = await table.select(table.id).where(column == value).first()
            if row is None:
                fail(f"--{option}: no {option} with code {value!r}")
            return int(row["id"])

        try:
            user_id = await create_user(
                actor=None,
                username=username,
                display_name=display_name,
                password=password,
                role=Role(role),
                department_id=await lookup(
                    Department, Department.code, department_code, "department"
                ),
                organization_id=await lookup(
                    Organization, Organization.credit_code, credit_code, "organization"
                ),
                community_id=await lookup(Community, Community.code, community_code, "community"),
            )
        except InvalidInput as error:
            fail(f"--{error.field.replace('_', '-')}: {error.message}")
        click.echo(f"created user {username} (id {user_id}, role {role})")

    create()


@main.group("setup")
def setup_group() -> None:
    """A district's own setup from one workbook (docs/setup.md)."""


@setup_group.command("import")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--lang",
    type=click.Choice(["zh-CN", "en"]),
    default=None,
    help="language of the error messages (default: PROCURE_LOCALE)",
)
@click.pass_obj
def setup_import(settings: Settings, workbook: Path, lang: str | None) -> None:
    """Create or update the district the workbook describes: all or nothing."""
    locale = lang or settings.locale
    content = workbook.read_bytes()

    @needs_database
    async def work() -> None:
        from procure.setup.services import setup_import as import_workbook
        from procure.setup.workbook import WorkbookRejected

        try:
            result = await import_workbook(actor=None, filename=workbook.name, content=content)
        except WorkbookRejected as rejected:
            click.echo(rejected.summary(locale), err=True)
            for where in rejected.described(locale):
                place = " · ".join(
                    str(part)
                    for part in (
                        where["sheet"],
                        where["row"] and f"#{where['row']}",
                        where["column"],
                    )
                    if part
                )
                click.echo(
                    f"  {place}: {where['message']}" if place else f"  {where['message']}", err=True
                )
            sys.exit(1)
        click.echo(f"{result.district_name} ({result.district_code}):")
        for kind, counts in result.counts.items():
            click.echo(
                f"  {kind}: {counts.created} created, {counts.updated} updated, "
                f"{counts.unchanged} unchanged"
            )
        if result.passwords:
            click.echo("generated passwords (shown this once):")
            for generated in result.passwords:
                click.echo(f"  {generated.username}\t{generated.password}")

    work()


@setup_group.command("template")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def setup_template(out: Path) -> None:
    """Write the empty setup workbook, with its headers and example rows."""
    from procure.setup.workbook import template_workbook

    out.write_bytes(template_workbook())
    click.echo(f"wrote {out}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.pass_obj
def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve the platform over HTTP."""
    import uvicorn

    from procure.i18n import LOCALES, translations

    needs_database(_check_keys)()
    for locale in LOCALES:
        try:
            translations(locale)
        except Exception as error:
            fail(str(error))
    settings.resolved_secret_key()
    click.echo(f"procure serving on http://{host}:{port} ({settings.database_engine})")
    uvicorn.run("procure.asgi:app", **server_options(settings, host, port, workers))


def server_options(settings: Settings, host: str, port: int, workers: int) -> dict[str, Any]:
    """How `procure serve` runs uvicorn (tests load the same options around their app)."""
    from procure.web.logs import logging_config

    return {
        "host": host,
        "port": port,
        "workers": workers,
        "log_level": "info",
        "log_config": logging_config(json_logs=settings.json_logs),
        # The app logs one access line per request itself, with its request id and duration.
        "access_log": False,
        # The app believes X-Forwarded-* from PROCURE_TRUSTED_PROXIES only (security.proxies);
        # uvicorn's own handling (FORWARDED_ALLOW_IPS, 127.0.0.1 by default) stays off.
        "proxy_headers": False,
    }


async def _check_keys() -> None:
    from procure.bids.keys import keyring_mismatch

    mismatch = await keyring_mismatch()
    if mismatch:
        fail(
            f"PROCURE_SECRET_KEY: the configured secrets do not open the sealed bids' keys "
            f"({mismatch}); to change the secret, rotate it (docs/backup.md)"
        )


def _document_command(kind: str, help_text: str | None) -> click.Command:
    @click.command(kind, help=help_text)
    @click.argument("tender_id", type=int)
    @click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        help="the file to write (default: the document's own name, e.g. ZB-2026-030-开标记录.pdf)",
    )
    def command(tender_id: int, out: Path | None) -> None:
        from procure.pdf.documents import document_pdf

        needs_database(lambda: _write_pdf(lambda: document_pdf(kind, tender_id), out))()

    return command


class _DocumentGroup(click.Group):
    """One command per document of procure.pdf.documents, all made by _document_command."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from procure.pdf.documents import DOCUMENTS

        return [*DOCUMENTS, *super().list_commands(ctx)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from procure.pdf.documents import DOCUMENTS

        if cmd_name not in DOCUMENTS:
            return super().get_command(ctx, cmd_name)
        return _document_command(cmd_name, DOCUMENTS[cmd_name][1].__doc__)


@main.group(cls=_DocumentGroup)
def pdf() -> None:
    """PDF documents: procure pdf KIND TENDER_ID, or contract / performance-report CONTRACT_ID."""


async def _write_pdf(render: Callable[[], Awaitable[tuple[str, bytes]]], out: Path | None) -> None:
    from procure.errors import Conflict, InvalidInput, NotFound
    from procure.pdf.render import CJKFontMissing

    try:
        filename, document = await render()
    except (NotFound, Conflict, InvalidInput, CJKFontMissing) as error:
        fail(str(error))
    target = out or Path(filename)
    try:
        target.write_bytes(document)
    except OSError as error:
        fail(f"--out: cannot write {target}: {error.strerror}")
    click.echo(f"wrote {target} ({len(document):,} bytes)")


OUT = click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="the file to write"
)


@pdf.command("contract")
@click.argument("contract_id", type=int)
@OUT
def pdf_contract(contract_id: int, out: Path | None) -> None:
    """The contract text (合同文本) of a contract."""
    from procure.pdf.documents import contract_pdf

    needs_database(lambda: _write_pdf(lambda: contract_pdf(contract_id), out))()


@pdf.command("performance-report")
@click.argument("contract_id", type=int)
@click.option("--period", required=True, help="the reporting period, YYYY-MM")
@OUT
def pdf_performance(contract_id: int, period: str, out: Path | None) -> None:
    """The performance report (绩效评价报告) of a contract period, with its charts."""
    from procure.pdf.documents import performance_report_pdf

    needs_database(lambda: _write_pdf(lambda: performance_report_pdf(contract_id, period), out))()


@main.command("worker")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None, help="jobs at once")
@click.option("--name", default=None, help="the worker's name in the logs")
@click.pass_obj
def worker(settings: Settings, concurrency: int | None, name: str | None) -> None:
    """Run the task queue's worker: deliver events, run the periodic jobs (until stopped).

    On PostgreSQL run as many as needed, on as many machines; each job is done by one."""
    from procure.worker import run_worker

    async def work() -> None:
        click.echo(f"procure worker on {settings.database_engine}; Ctrl-C stops it")
        await run_worker(settings, concurrency=concurrency or settings.jobs_concurrency, name=name)

    needs_database(work)()


@main.group("jobs", invoke_without_command=True)
@click.option(
    "--status",
    type=click.Choice(["pending", "queued", "running", "done", "failed", "retried"]),
    default=None,
    help="only events in this state (default: every event not done)",
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.pass_context
def jobs(ctx: click.Context, status: str | None, limit: int) -> None:
    """The outbox's events and the periodic jobs: pending, running, failed and retried."""
    if ctx.invoked_subcommand is not None:
        return
    settings: Settings = ctx.obj

    async def show() -> None:
        from procure.jobs import selectors
        from procure.jobs.schedule import periodic_jobs

        counts = await selectors.counts()
        click.echo("events: " + ", ".join(f"{key} {value}" for key, value in counts.items()))
        if settings.database_engine == "postgresql":
            queue = await selectors.queue_counts()
            click.echo(
                "queue (procrastinate): "
                + (", ".join(f"{key} {value}" for key, value in sorted(queue.items())) or "empty")
            )
        for row in await selectors.events(status, limit=limit):
            error = f"  last error: {row['last_error']}" if row["last_error"] else ""
            click.echo(
                f"#{row['id']} {row['kind']} {row['status']} attempts {row['attempts']}"
                f" created {row['created_at']:%Y-%m-%d %H:%M:%S}"
                + (f" next try {row['run_after']:%H:%M:%S}" if row["run_after"] else "")
                + f" {json.dumps(row['payload'].get('scope', row['payload']), ensure_ascii=False)}"
                + error
            )
        click.echo("periodic jobs:")
        for job in periodic_jobs():
            click.echo(f"  {job.name:<18} {job.cron:<16} {job.description}")

    needs_database(show)()


@jobs.command("retry")
@click.argument("event_ids", nargs=-1, type=int)
@needs_database
async def jobs_retry(event_ids: tuple[int, ...]) -> None:
    """Put failed events back to pending (all of them, or the ids given)."""
    from procure.jobs.outbox import retry_failed

    count = await retry_failed(list(event_ids) or None)
    click.echo(f"{count} failed event(s) back to pending")


@jobs.command("run")
@needs_database
async def jobs_run() -> None:
    """Deliver every due event and run every periodic job once, here, and stop (for cron or an
    operator; the worker does the same on its own schedule)."""
    from procure.jobs.outbox import run_due
    from procure.jobs.schedule import periodic_jobs

    for job in periodic_jobs():
        if job.name == "risk.scan":
            continue  # the full scan has its own command: procure risk scan
        click.echo(f"{job.name}: {await job.run()}")
    click.echo(f"events delivered: {await run_due()}")


@main.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a checkpoint you kept (JSON): prove the log still extends it",
)
def audit_verify(checkpoint_file: Path | None) -> None:
    """Check every event's keyed hash and link, the stored head and the signed checkpoints.
    Exits 1 naming the first bad or missing event, 2 when it cannot check."""
    from procure.audit.chain import Checkpoint

    kept = None
    if checkpoint_file is not None:
        try:
            kept = Checkpoint.parse(json.loads(checkpoint_file.read_text()))
        except (ValueError, UnicodeDecodeError) as error:
            fail(f"{checkpoint_file}: {error}")

    @needs_database
    async def verify() -> None:
        from procure.audit.verify import verify_log

        verdict = await verify_log(kept)
        if not verdict.ok:
            click.echo(verdict.summary(), err=True)
            sys.exit(1)
        click.echo(verdict.summary())

    verify()


@audit.command("checkpoint")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write it to this file (default: print it)",
)
def audit_checkpoint(out: Path | None) -> None:
    """The latest signed checkpoint of the log, as JSON (the daily job makes them)."""
    from procure.audit.checkpoint_selectors import latest_checkpoint

    checkpoint = needs_database(latest_checkpoint)()
    if checkpoint is None:
        fail("no checkpoint yet: the daily job audit.checkpoint makes one (or `procure jobs run`)")
    text = json.dumps(checkpoint.export(), ensure_ascii=False, indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text)
    click.echo(f"wrote the checkpoint of event {checkpoint.seq} to {out}")


@main.group("calendar")
def calendar_group() -> None:
    """The working-day calendar every legal period is counted by."""


def _calendar_answer(work: Callable[[], str]) -> None:
    from procure.calendar import CalendarUnknown

    try:
        click.echo(work())
    except (CalendarUnknown, ConfigurationError) as error:
        fail(str(error))


@calendar_group.command("add-workdays")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("count", type=click.IntRange(0, 366))
def calendar_add_workdays(day: Any, count: int) -> None:
    """Print the date COUNT working days after DAY (YYYY-MM-DD; DAY itself is not counted)."""
    from procure import calendar

    def answer() -> str:
        result = calendar.add_workdays(day.date(), count)
        provisional = calendar.is_provisional(result) or calendar.is_provisional(day.date())
        return result.isoformat() + (" (provisional calendar)" if provisional else "")

    _calendar_answer(answer)


@calendar_group.command("is-workday")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
def calendar_is_workday(day: Any) -> None:
    """Print yes if DAY (YYYY-MM-DD) is a working day, else no."""
    from procure import calendar

    def answer() -> str:
        verdict = "yes" if calendar.is_workday(day.date()) else "no"
        return verdict + (" (provisional calendar)" if calendar.is_provisional(day.date()) else "")

    _calendar_answer(answer)


# The import and indicators commands join the ocds group; their module uses this one's helpers.
from procure.ocds import cli_import  # noqa: E402, F401

main.add_command(ocds_group)
main.add_command(risk_cli.risk)
main.add_command(backup_cli.backup)
main.add_command(backup_cli.restore)
main.add_command(backup_cli.keys)

if __name__ == "__main__":  # pragma: no cover
    main()

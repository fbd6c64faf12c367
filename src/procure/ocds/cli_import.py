"""`procure ocds import` and `procure ocds indicators`: external OCDS data and cardinal's
indicators, on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from procure.commands import fail, needs_database
from procure.ocds.cli import ocds

SHOWN_SKIPPED = 20  # skipped values listed by `procure ocds import`; the rest are counted


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word}" if count == 1 else f"{count} {plural or word + 's'}"


@ocds.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dataset", default="external", show_default=True, help="the dataset to import into")
def ocds_import_command(file: Path, dataset: str) -> None:
    """Import OCDS JSON or JSON Lines (release packages, record packages, releases, compiled
    releases, records) as read-only contracting processes; all or nothing."""

    @needs_database
    async def run() -> None:
        from procure.errors import InvalidInput
        from procure.ocds.imports import ocds_import

        try:
            summary = await ocds_import(actor=None, source=file, dataset=dataset)
        except InvalidInput as error:
            fail(f"{file}: {error.message}" if error.field == "file" else str(error))
        replaced = f", {summary.replaced} replaced" if summary.replaced else ""
        click.echo(
            f"imported {_plural(summary.processes, 'contracting process', 'contracting processes')}"
            f" ({_plural(summary.releases, 'release')} or records read{replaced})"
            f" into dataset {summary.dataset}"
        )
        skipped = summary.skipped_values
        if skipped:
            click.echo(
                f"{_plural(len(skipped), 'value')} kept as published but unusable by the rules:"
            )
            for value in skipped[:SHOWN_SKIPPED]:
                click.echo(f"  {value}")
            if len(skipped) > SHOWN_SKIPPED:
                click.echo(f"  … and {len(skipped) - SHOWN_SKIPPED} more")

    run()


@ocds.command("indicators")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option(
    "--settings",
    "settings_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="cardinal's settings file (INI); without it, every rule with policy.toml's settings",
)
def ocds_indicators_command(file: Path, settings_file: Path | None) -> None:
    """cardinal's indicators over OCDS compiled releases (JSON Lines; "-" reads standard input),
    printed as `ocdscardinal indicators --no-meta` prints them."""
    from procure.risk.cardinal_settings import SettingsError, read_settings_file

    def warn(message: str) -> None:
        click.echo(message, err=True)

    tables = None
    if settings_file is not None:
        try:
            settings = read_settings_file(settings_file)
        except SettingsError as error:
            fail(str(error))
        for message in settings.warnings:
            warn(message)
        tables = settings.tables
    source = sys.stdin.buffer.read() if str(file) == "-" else file

    @needs_database
    async def run() -> None:
        from procure.errors import InvalidInput
        from procure.ocds.indicators import cardinal_json, ocds_indicators

        try:
            results = await ocds_indicators(source, tables=tables, warn=warn)
        except InvalidInput as error:
            fail(f"{file}: {error.message}" if error.field == "file" else str(error))
        except SettingsError as error:  # policy.toml's [risk.*] tables, without --settings
            fail(f"PROCURE_POLICY_FILE: {error}")
        click.echo(cardinal_json(results))

    run()

"""`procure ocds …`: the Open Contracting Data Standard on the command line.

This module holds the group and the export. Another subcommand lives in its own module and joins
the group with `ocds.add_command(command)`; procure.cli registers the group once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

FORMATS = ("release-package", "record-package", "jsonl")


@click.group("ocds")
def ocds() -> None:
    """Open Contracting Data Standard (OCDS 1.1) data."""


def _dumps(data: Any, *, indent: int | None = None) -> str:
    return json.dumps(data, ensure_ascii=False, indent=indent)


@ocds.command("export")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the file to write",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="release-package",
    show_default=True,
    help="a release package, a record package, or JSON Lines of compiled releases (one "
    "contracting process per line, as OCP's cardinal reads them)",
)
@click.option("--uri", help="the package's URI (default: the file's own file:// URI)")
@click.option(
    "--dataset",
    default="platform",
    show_default=True,
    help="the platform's own processes, or those imported into this dataset, as published",
)
def export_command(out: Path, fmt: str, uri: str | None, dataset: str) -> None:
    """Export every published contracting process as OCDS 1.1 (or an imported dataset's)."""
    from procure.cli import fail, needs_database
    from procure.ocds import export

    if not out.parent.is_dir():
        fail(f"--out: the directory {out.parent} does not exist")

    async def render() -> tuple[str, str]:
        if dataset != "platform" and not await export.process_count(dataset):
            fail(
                f"--dataset: no dataset {dataset!r}: it holds no contracting process "
                "(procure ocds import FILE --dataset NAME fills one)"
            )
        if fmt == "jsonl":
            compiled = await export.compiled_releases(dataset=dataset)
            text = "".join(_dumps(release) + "\n" for release in compiled)
            return text, f"{len(compiled)} compiled releases"
        if fmt == "record-package":
            package = await export.record_package(uri=package_uri, dataset=dataset)
            return _dumps(package, indent=2) + "\n", f"{len(package['records'])} records"
        package = await export.release_package(uri=package_uri, dataset=dataset)
        processes = len({release["ocid"] for release in package["releases"]})
        summary = f"{len(package['releases'])} releases of {processes} contracting processes"
        return _dumps(package, indent=2) + "\n", summary

    package_uri = uri or out.resolve().as_uri()
    text, summary = needs_database(render)()
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        fail(f"--out: cannot write {out}: {error.strerror}")
    click.echo(f"wrote {out} ({fmt}): {summary}")

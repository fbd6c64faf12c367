"""`procure ocds …`: the Open Contracting Data Standard on the command line.

This module holds the group and the export. Another subcommand lives in its own module and joins
the group with `ocds.add_command(command)`; procure.cli registers the group once."""

from __future__ import annotations

from pathlib import Path

import click

FORMATS = ("release-package", "record-package", "jsonl")  # procure.ocds.export.write_package


@click.group("ocds")
def ocds() -> None:
    """Open Contracting Data Standard (OCDS 1.1) data."""


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
@click.option(
    "--batch-size",
    default=200,
    show_default=True,
    type=click.IntRange(min=1),
    help="contracting processes read and written per batch (memory holds one batch)",
)
def export_command(out: Path, fmt: str, uri: str | None, dataset: str, batch_size: int) -> None:
    """Export every published contracting process as OCDS 1.1 (or an imported dataset's)."""
    from procure.commands import fail, needs_database
    from procure.ocds import export

    if not out.parent.is_dir():
        fail(f"--out: the directory {out.parent} does not exist")

    async def render() -> str:
        if dataset != "platform" and not await export.process_count(dataset):
            fail(
                f"--dataset: no dataset {dataset!r}: it holds no contracting process "
                "(procure ocds import FILE --dataset NAME fills one)"
            )
        # Streamed into a file beside the output, renamed over it when complete: memory holds
        # one batch of processes, and a failure never leaves half a package under the name.
        partial = out.with_name(f".{out.name}.partial")
        try:
            with partial.open("w", encoding="utf-8") as file:
                summary = await export.write_package(
                    file.write, fmt=fmt, uri=package_uri, dataset=dataset, batch_size=batch_size
                )
            partial.replace(out)
        except OSError as error:
            partial.unlink(missing_ok=True)
            fail(f"--out: cannot write {out}: {error.strerror}")
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return summary

    package_uri = uri or out.resolve().as_uri()
    summary = needs_database(render)()
    click.echo(f"wrote {out} ({fmt}): {summary}")

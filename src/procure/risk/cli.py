"""`procure risk`: run the rules from the command line (a cron job runs `procure risk scan`)."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from procure.risk.registry import Skip


@click.group()
def risk() -> None:
    """Risk flags: run the rules."""


@risk.command("scan")
@click.option(
    "--rule",
    "codes",
    multiple=True,
    metavar="CODE",
    help="run only this rule (repeatable); default: every enabled rule",
)
@click.option("--json", "as_json", is_flag=True, help="print the flags found as a JSON array")
def scan_command(codes: tuple[str, ...], as_json: bool) -> None:
    """Bring the OCDS projection up to date, then run the rules over everything and update the
    flags (a full scan)."""
    from procure.commands import fail, needs_database
    from procure.risk.engine import RuleFailures, load_rules, scan

    known = load_rules()
    unknown = [code for code in codes if code not in known]
    if unknown:
        fail(f"no such rule: {', '.join(unknown)} (known: {', '.join(sorted(known))})")

    @needs_database
    async def run() -> list[dict[str, Any]]:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        from procure.risk.engine import catch_up

        console = Console(stderr=True)
        # As the hourly job does: what changed without an event (a bulk load) is caught up
        # before the bid-stage rules read it.
        rewritten = await catch_up()
        if not console.is_terminal:
            return await scan(rules=chosen, skipped=skips.append)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as bar:
            console.print(f"OCDS projection: {rewritten} process(es) brought up to date")
            task = bar.add_task("scanning", total=None)

            def advance(code: str, done: int, total: int) -> None:
                bar.update(task, description=code, completed=done, total=total)

            return await scan(rules=chosen, progress=advance, skipped=skips.append)

    chosen = list(codes) or None
    skips: list[Skip] = []
    failed: RuleFailures | None = None
    try:
        flags = run()
    except RuleFailures as failures:
        failed, flags = failures, failures.flags
    if as_json:
        click.echo(json.dumps(flags, ensure_ascii=False, indent=2))
    else:
        _summary(flags)
        _skipped(skips)
    if failed is not None:
        fail(str(failed))


def _summary(flags: list[dict[str, Any]]) -> None:
    by_rule: dict[str, Counter[str]] = {}
    for flag in flags:
        by_rule.setdefault(flag["rule"], Counter())[flag["severity"]] += 1
    for code in sorted(by_rule):
        counts = ", ".join(f"{n} {severity}" for severity, n in sorted(by_rule[code].items()))
        click.echo(f"{code:<24} {sum(by_rule[code].values()):>4}  ({counts})")
    click.echo(f"{len(flags)} flag(s) found")


#: Processes named per line of the skipped summary; the rest are counted.
NAMED = 5


def _skipped(skips: list[Skip]) -> None:
    """What the rules could not judge for missing data: one line per rule, dataset and reason,
    with how many processes and the first few ocids."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for skip in skips:
        grouped.setdefault((skip.rule, skip.dataset, skip.reason), []).append(skip.ocid)
    for (code, dataset, reason), ocids in sorted(grouped.items()):
        named = ", ".join(ocids[:NAMED]) + (
            f" and {len(ocids) - NAMED} more" if len(ocids) > NAMED else ""
        )
        click.echo(f"{code} skipped {len(ocids)} process(es) of {dataset}: {reason} ({named})")

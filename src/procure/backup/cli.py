"""`procure backup`, `procure restore` and `procure keys` (docs/backup.md)."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import click

PASSPHRASE_ENV = "PROCURE_BACKUP_PASSPHRASE"


def _passphrase(given: str | None, *, confirm: bool) -> str:
    if given:
        return given
    return str(click.prompt("passphrase", hide_input=True, confirmation_prompt=confirm, err=True))


@click.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the backup file to write (a .tar.gz)",
)
@click.option(
    "--include-keys",
    is_flag=True,
    help="also save the secrets, encrypted under a passphrase (asked for, or "
    f"${PASSPHRASE_ENV}); without it the backup holds no secret",
)
@click.option("--passphrase", envvar=PASSPHRASE_ENV, help="the passphrase for --include-keys")
def backup(out: Path, include_keys: bool, passphrase: str | None) -> None:
    """Write a consistent copy of the database, safe while the server runs."""
    from procure.backup.services import BackupRefused, backup_create
    from procure.commands import fail, needs_database

    secret = _passphrase(passphrase, confirm=True) if include_keys else None

    @needs_database
    async def make() -> None:
        try:
            made = await backup_create(out=out, passphrase=secret)
        except BackupRefused as error:
            fail(str(error))
        manifest = made.manifest
        rows = sum(manifest["row_counts"].values())
        versions = ", ".join(f"v{v}: {n} tenders" for v, n in manifest["keys"]["in_use"].items())
        click.echo(
            f"wrote {out} ({made.size:,} bytes): {manifest['engine']}, "
            f"{len(manifest['row_counts'])} tables, {rows:,} rows, schema "
            f"{manifest['schema_migration']}, bid keys {versions or 'none'}"
        )
        if include_keys:
            click.echo("the secrets are inside, encrypted: keep the passphrase apart from it")
        else:
            click.echo(
                "the secrets are NOT inside: the sealed bids open only with the secret "
                "versions listed above (keep them in escrow, see docs/backup.md)"
            )

    make()


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="replace a database that holds data, or restore although the configured secrets "
    "would not open the backup's sealed bids",
)
def restore(file: Path, force: bool) -> None:
    """Put a backup in place of the configured database (stop the server first)."""
    from procure.backup.services import BackupRefused, backup_restore
    from procure.commands import fail, needs_database

    @needs_database
    async def put_back() -> None:
        try:
            restored = await backup_restore(path=file, force=force)
        except BackupRefused as error:
            fail(str(error))
        rows = sum(restored.row_counts.values())
        click.echo(
            f"restored {file} (made {restored.manifest['created_at']}): "
            f"{len(restored.row_counts)} tables, {rows:,} rows, as in its manifest; "
            f"{restored.keys_open} tender bid keys open with the configured secrets"
        )
        for warning in restored.warnings:
            click.echo(f"warning: {warning}", err=True)
        if restored.warnings:
            raise SystemExit(1)

    put_back()


@click.group()
def keys() -> None:
    """The secret versions that wrap the tenders' bid keys."""


@keys.command("status")
def keys_status() -> None:
    """Show the configured secret versions and whether every tender's bid key opens."""
    from procure.bids.keys import tender_keys_check
    from procure.commands import needs_database
    from procure.keyring import get_keyring

    @needs_database
    async def show() -> None:
        keyring = get_keyring()
        for version, fingerprint in keyring.fingerprints().items():
            current = " (current)" if version == keyring.current_version else ""
            click.echo(f"secret v{version}{current}: fingerprint {fingerprint}")
        check = await tender_keys_check(keyring)
        for version, tenders in check.in_use.items():
            click.echo(f"bid keys under v{version}: {tenders} tenders")
        for reference, why in list(check.unavailable.items())[:5]:
            click.echo(f"error: tender {reference}: {why}", err=True)
        if len(check.unavailable) > 5:
            click.echo(f"error: … and {len(check.unavailable) - 5} more tenders", err=True)
        if not check.ok:
            raise SystemExit(2)
        click.echo("every tender's bid key opens")

    show()


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-wrap every tender's bid key, and every sealed spot-check seed, under the current
    secret (one transaction each)."""
    from procure.bids.keys import tender_keys_rotate
    from procure.commands import fail, needs_database
    from procure.errors import Conflict
    from procure.keyring import KeyUnavailable
    from procure.spotchecks.services import spotcheck_seeds_rotate

    @needs_database
    async def rotate() -> None:
        try:
            rotation = await tender_keys_rotate(actor=None)
        except Conflict as error:
            fail(str(error))
        moved = ", ".join(f"{n} from v{v}" for v, n in sorted(rotation.rewrapped.items()))
        click.echo(
            f"re-wrapped {rotation.total_rewrapped} tender keys under secret "
            f"v{rotation.version}{f' ({moved})' if moved else ''}; "
            f"{rotation.already_current} were already under it"
        )
        try:
            seeds = await spotcheck_seeds_rotate()
        except KeyUnavailable as error:
            fail(f"spot-check seeds: {error}; no seed was re-wrapped")
        click.echo(f"re-wrapped {seeds} sealed spot-check seeds under secret v{rotation.version}")

    rotate()


@keys.command("recover")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--passphrase", envvar=PASSPHRASE_ENV, help="the passphrase given to the backup")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the settings to this file (mode 0600) instead of printing them",
)
def keys_recover(file: Path, passphrase: str | None, out: Path | None) -> None:
    """Print the secrets saved in a backup made with --include-keys, as environment settings."""
    from procure.backup.services import BackupRefused, backup_secrets
    from procure.commands import fail

    try:
        current, secrets = backup_secrets(
            path=file, passphrase=_passphrase(passphrase, confirm=False)
        )
    except BackupRefused as error:
        fail(str(error))
    previous = {str(v): s for v, s in sorted(secrets.items()) if v != current}
    lines = [
        f"PROCURE_SECRET_KEY={shlex.quote(secrets[current])}",
        f"PROCURE_SECRET_KEY_VERSION={current}",
    ]
    if previous:
        lines.append(f"PROCURE_PREVIOUS_SECRET_KEYS={shlex.quote(json.dumps(previous))}")
    text = "\n".join(lines) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    click.echo(f"wrote {out}")

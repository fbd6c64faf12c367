"""`procure backup` and `procure restore`: a consistent copy of the configured database with a
manifest, and putting one back (refusing a damaged file, another engine, a backup from a newer
procure, secrets that would not open its sealed bids, or a target holding data unless forced)."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from piccolo.apps.migrations.commands.base import BaseMigrationManager

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.backup import engines
from procure.backup.bundle import (
    BackupRefused,
    Bundle,
    check_passphrase,
    decrypt_secrets,
    encrypt_secrets,
    read_bundle,
    sha256_file,
    write_bundle,
)
from procure.bids.keys import tender_keys_check
from procure.db import transaction
from procure.keyring import Keyring
from procure.settings import Settings, get_settings


def _procure_version() -> str:
    try:
        return metadata.version("procure")
    except metadata.PackageNotFoundError:  # pragma: no cover - always installed here
        return "unknown"


def known_migrations(settings: Settings) -> list[str]:
    modules = BaseMigrationManager().get_migration_modules(str(settings.migrations_dir))
    return sorted(modules)


def _check_out(out: Path) -> None:
    if out.is_dir():
        raise BackupRefused(f"--out: {out} is a directory")
    if not out.parent.is_dir():
        raise BackupRefused(f"--out: the folder {out.parent} does not exist")


@dataclass(frozen=True)
class BackupMade:
    path: Path
    manifest: dict[str, Any]
    size: int


async def backup_create(
    *, out: Path, passphrase: str | None = None, settings: Settings | None = None
) -> BackupMade:
    """Copy the configured database into ``out``. With a passphrase, the secrets (every
    configured version) go along, encrypted; without one, the backup holds no secret at all."""
    settings = settings or get_settings()
    keyring = Keyring.from_settings(settings)
    if passphrase is not None:
        check_passphrase(passphrase)
    _check_out(out)
    engine = settings.database_engine
    with tempfile.TemporaryDirectory(prefix="procure-backup-", dir=out.parent) as work:
        dump = Path(work) / "dump"
        if engine == "sqlite":
            facts = await asyncio.to_thread(engines.sqlite_snapshot, settings.sqlite_path, dump)
        else:
            facts = await engines.pg_snapshot(settings.database_url, dump)
        fingerprints = keyring.fingerprints()
        manifest: dict[str, Any] = {
            "engine": engine,
            "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "procure_version": _procure_version(),
            "schema_migration": facts.schema_migration,
            "row_counts": facts.row_counts,
            "keys": {
                "included": passphrase is not None,
                "current_version": keyring.current_version,
                # Tenders per version of the secret their bid key is wrapped under, and the
                # fingerprint of the secret configured for it: a restore checks them.
                "in_use": {str(v): n for v, n in sorted(facts.key_versions.items())},
                "fingerprints": {
                    str(v): fingerprints[v] for v in sorted(facts.key_versions) if v in fingerprints
                },
            },
        }
        keys = None
        if passphrase is not None:
            keys = encrypt_secrets(
                keyring.secrets,
                keyring.current_version,
                passphrase,
                await asyncio.to_thread(sha256_file, dump),
            )
        await asyncio.to_thread(write_bundle, out, manifest, dump, keys)
    return BackupMade(path=out, manifest=manifest, size=(await asyncio.to_thread(out.stat)).st_size)


@dataclass
class Restored:
    manifest: dict[str, Any]
    row_counts: dict[str, int]
    keys_open: int
    warnings: list[str] = field(default_factory=list)


def key_mismatches(manifest: dict[str, Any], keyring: Keyring) -> list[str]:
    """Why the configured secrets would not open the backup's bid keys (empty when they would)."""
    problems = []
    configured = keyring.fingerprints()
    keys = manifest.get("keys", {})
    for version, tenders in sorted(keys.get("in_use", {}).items(), key=lambda i: int(i[0])):
        expected = keys.get("fingerprints", {}).get(version)
        have = configured.get(int(version))
        if have is None:
            problems.append(
                f"{tenders} tender key(s) are wrapped under secret version {version}, which is "
                "not configured (PROCURE_SECRET_KEY_VERSION / PROCURE_PREVIOUS_SECRET_KEYS)"
            )
        elif expected is not None and have != expected:
            problems.append(
                f"secret version {version} is configured with fingerprint {have}, but the "
                f"backup's {tenders} tender key(s) need fingerprint {expected}"
            )
    return problems


def _check_compatible(bundle: Bundle, settings: Settings, force: bool) -> None:
    if bundle.engine != settings.database_engine:
        raise BackupRefused(
            f"this is a {bundle.engine} backup and PROCURE_DATABASE_URL is a "
            f"{settings.database_engine} database: restore it into a {bundle.engine} database"
        )
    migration = bundle.manifest.get("schema_migration")
    if migration is not None and migration not in known_migrations(settings):
        raise BackupRefused(
            f"the backup's schema is at migration {migration}, which this procure does not have:"
            " restore it with the procure version that made it, or a newer one"
        )
    problems = key_mismatches(bundle.manifest, Keyring.from_settings(settings))
    if problems and not force:
        raise BackupRefused(
            "the configured secrets would not open this backup's sealed bids: "
            + "; ".join(problems)
            + " (set the secrets the backup was made with, or pass --force)"
        )


async def _target_facts(settings: Settings) -> engines.Facts:
    if settings.database_engine == "sqlite":
        return await asyncio.to_thread(engines.sqlite_facts, settings.sqlite_path)
    return await engines.pg_facts(settings.database_url)


async def backup_restore(
    *, path: Path, force: bool = False, settings: Settings | None = None
) -> Restored:
    """Put the backup's database in place of the configured one and check the result."""
    settings = settings or get_settings()
    with tempfile.TemporaryDirectory(prefix="procure-restore-") as work:
        bundle = await asyncio.to_thread(read_bundle, path, Path(work))
        _check_compatible(bundle, settings, force)
        before = await _target_facts(settings)
        if before.data_rows and not force:
            raise BackupRefused(
                f"the target database is not empty ({before.data_rows:,} rows): restore into an "
                "empty database, or pass --force to replace its content"
            )
        if settings.database_engine == "sqlite":
            await asyncio.to_thread(engines.sqlite_restore, bundle.dump, settings.sqlite_path)
        else:
            await asyncio.to_thread(
                engines.pg_restore, settings.database_url, bundle.dump, Path(work)
            )
    after = await _target_facts(settings)
    expected = {t: int(n) for t, n in bundle.manifest["row_counts"].items()}
    if after.row_counts != expected:
        differing = sorted(
            t
            for t in set(expected) | set(after.row_counts)
            if expected.get(t) != after.row_counts.get(t)
        )
        raise BackupRefused(
            "restored, but the row counts differ from the manifest in: " + ", ".join(differing)
        )
    restored = Restored(manifest=bundle.manifest, row_counts=after.row_counts, keys_open=0)
    async with transaction():
        await record(
            actor=None,
            action=AuditAction.database_restored,
            subject_type="database",
            subject_id=bundle.engine,
            data={
                "backup_created_at": bundle.manifest.get("created_at"),
                "dump_sha256": bundle.manifest["dump"]["sha256"],
                "schema_migration": bundle.manifest.get("schema_migration"),
            },
        )
    if (bundle.manifest.get("schema_migration") or "") < known_migrations(settings)[-1]:
        restored.warnings.append(
            "the schema is older than this procure: run `procure db upgrade`, then "
            "`procure keys status` to check that the sealed bids open"
        )
        return restored
    check = await tender_keys_check(Keyring.from_settings(settings))
    restored.keys_open = sum(check.in_use.values()) - len(check.unavailable)
    for reference, why in list(check.unavailable.items())[:5]:
        restored.warnings.append(f"tender {reference}: its bids will not open: {why}")
    if len(check.unavailable) > 5:
        restored.warnings.append(f"… and {len(check.unavailable) - 5} more tenders")
    return restored


def backup_secrets(*, path: Path, passphrase: str) -> tuple[int, dict[int, str]]:
    """The secrets saved in a backup made with --include-keys."""
    with tempfile.TemporaryDirectory(prefix="procure-keys-") as work:
        bundle = read_bundle(path, Path(work))
    if bundle.keys is None:
        raise BackupRefused(f"{path}: made without --include-keys; it holds no secret")
    return decrypt_secrets(bundle.keys, passphrase, bundle.manifest["dump"]["sha256"])

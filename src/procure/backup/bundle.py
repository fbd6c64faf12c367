"""The backup file: one tar holding the database dump, its manifest and, only when asked for,
the deployment's secrets encrypted under a passphrase.

    manifest.json      engine, schema migration, created_at, row counts, key versions in use
                       with their fingerprints, and the sha256 of every other member
    database.sqlite3   (SQLite) a consistent copy made by SQLite's online backup API
    database.pgdump    (PostgreSQL) pg_dump's custom format, taken in one REPEATABLE READ snapshot
    keys.enc           (--include-keys only) the secrets by version: scrypt + AES-256-GCM

The checksums catch a damaged or altered dump; they are not a signature (anyone able to rewrite
the dump can rewrite the manifest too), so keep backups where only operators can write.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

FORMAT = "procure-backup/1"
MANIFEST = "manifest.json"
KEYS = "keys.enc"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MIN_PASSPHRASE = 12
# scrypt's cost: 2**15 × 8 × 128 bytes = 32 MiB and about a tenth of a second per guess.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1


class BackupRefused(Exception):
    """The backup file cannot be used (damaged, another engine, wrong passphrase…): the message
    says why, and nothing was changed."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _keys_aad(dump_sha256: str) -> bytes:
    # Binds the secrets to this backup's dump: they cannot be swapped into another file unseen.
    return f"procure:backup-keys:{dump_sha256}".encode()


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupRefused(f"--passphrase: at least {MIN_PASSPHRASE} characters")


def encrypt_secrets(
    secrets: dict[int, str], current_version: int, passphrase: str, dump_sha256: str
) -> bytes:
    check_passphrase(passphrase)
    salt, nonce = os.urandom(16), os.urandom(12)
    key = Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(
        passphrase.encode()
    )
    plaintext = json.dumps(
        {"current_version": current_version, "secrets": {str(v): s for v, s in secrets.items()}}
    ).encode()
    envelope = {
        "kdf": {"name": "scrypt", "n": _SCRYPT_N, "r": _SCRYPT_R, "p": _SCRYPT_P},
        "cipher": "AES-256-GCM",
        "salt": base64.b64encode(salt).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(
            AESGCM(key).encrypt(nonce, plaintext, _keys_aad(dump_sha256))
        ).decode(),
    }
    return json.dumps(envelope, indent=2).encode()


def decrypt_secrets(data: bytes, passphrase: str, dump_sha256: str) -> tuple[int, dict[int, str]]:
    """(current version, secrets by version) from keys.enc."""
    try:
        envelope = json.loads(data)
        kdf = envelope["kdf"]
        key = Scrypt(
            salt=base64.b64decode(envelope["salt"]), length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]
        ).derive(passphrase.encode())
        plaintext = AESGCM(key).decrypt(
            base64.b64decode(envelope["nonce"]),
            base64.b64decode(envelope["ciphertext"]),
            _keys_aad(dump_sha256),
        )
    except InvalidTag:
        raise BackupRefused("--passphrase: not the passphrase these keys were saved with") from None
    except (ValueError, KeyError, TypeError):
        raise BackupRefused(f"{KEYS}: damaged") from None
    content = json.loads(plaintext)
    return int(content["current_version"]), {int(v): s for v, s in content["secrets"].items()}


def write_bundle(
    out: Path, manifest: dict[str, Any], dump: Path, keys: bytes | None = None
) -> None:
    """Write the tar next to ``out`` and move it into place, so a failed backup leaves no
    half-written file under the name."""
    manifest = {
        **manifest,
        "format": FORMAT,
        "dump": {"name": DUMPS[manifest["engine"]], "sha256": sha256_file(dump)},
        "keys_file": {"name": KEYS, "sha256": hashlib.sha256(keys).hexdigest()} if keys else None,
    }
    partial = out.with_name(out.name + ".partial")
    # The backup holds every row (password hashes included): readable by its owner only.
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        body = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode()
        _add_bytes(tar, MANIFEST, body)
        tar.add(dump, arcname=manifest["dump"]["name"], filter=_private)
        if keys:
            _add_bytes(tar, KEYS, keys)
    partial.replace(out)


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    return info.replace(mode=0o600, uid=0, gid=0, uname="", gname="", deep=False)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


@dataclass(frozen=True)
class Bundle:
    manifest: dict[str, Any]
    dump: Path
    keys: bytes | None

    @property
    def engine(self) -> str:
        return str(self.manifest["engine"])


def read_bundle(path: Path, workdir: Path) -> Bundle:
    """Open and check a backup: every member named in the manifest is present and matches its
    sha256. The dump is extracted into ``workdir`` (by name: nothing else in the tar is read)."""
    try:
        tar = tarfile.open(path, "r:gz")  # noqa: SIM115 - closed by the `with tar` below
    except FileNotFoundError:
        raise BackupRefused(f"{path}: no such file") from None
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupRefused(f"{path}: not a procure backup, or damaged ({error})") from None
    with tar:
        try:
            manifest = json.loads(_member(tar, MANIFEST))
        except ValueError:
            raise BackupRefused(f"{path}: {MANIFEST} is damaged") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupRefused(f"{path}: not a {FORMAT} file")
        try:
            dump_name = manifest["dump"]["name"]
            manifest["dump"]["sha256"], manifest["engine"], manifest["row_counts"]
        except (KeyError, TypeError):
            raise BackupRefused(f"{path}: {MANIFEST} is incomplete") from None
        if dump_name != DUMPS.get(manifest["engine"]):
            raise BackupRefused(f"{path}: unexpected dump {dump_name!r}")
        dump = workdir / dump_name
        source = tar.extractfile(_info(tar, dump_name))
        assert source is not None
        try:
            with source, dump.open("wb") as target:
                for block in iter(lambda: source.read(1 << 20), b""):
                    target.write(block)
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BackupRefused(f"{path}: damaged ({error})") from None
        if sha256_file(dump) != manifest["dump"]["sha256"]:
            raise BackupRefused(
                f"{path}: {dump_name} does not match the manifest's sha256 (damaged or altered)"
            )
        keys = None
        if manifest.get("keys_file"):
            keys = _member(tar, KEYS)
            if hashlib.sha256(keys).hexdigest() != manifest["keys_file"]["sha256"]:
                raise BackupRefused(f"{path}: {KEYS} does not match the manifest's sha256")
    return Bundle(manifest=manifest, dump=dump, keys=keys)


def _info(tar: tarfile.TarFile, name: str) -> tarfile.TarInfo:
    label = _label(tar)
    try:
        info = tar.getmember(name)
    except KeyError:
        raise BackupRefused(f"{label}: {name} is missing") from None
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupRefused(f"{label}: damaged ({error})") from None
    if not info.isfile():
        raise BackupRefused(f"{label}: {name} is not a file")
    return info


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    source = tar.extractfile(_info(tar, name))
    assert source is not None
    try:
        with source:
            return source.read()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupRefused(f"{_label(tar)}: damaged ({error})") from None


def _label(tar: tarfile.TarFile) -> str:
    name = tar.name
    return name.decode(errors="replace") if isinstance(name, bytes) else str(name)

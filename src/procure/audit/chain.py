"""The audit log's cryptography: how an event is hashed into the chain, and how a checkpoint of
the chain's head is signed.

An event's hash is HMAC-SHA256, under the audit key of the secret version it names, over the
canonical JSON of every other column of its row (so a column added to the table is covered
without anyone remembering to). Without the key nobody can compute a hash that verifies: not
someone who rewrites rows in the database, nor someone who then recomputes the whole chain.

A checkpoint is a signed note in the format transparency logs use for their signed tree heads
(C2SP tlog-checkpoint): the log's name, the number of events, the head hash in base64, and
here the time, one per line; Ed25519 signs the note's bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from procure.audit.tables import AuditEvent
from procure.keyring import Keyring, audit_chain_key, checkpoint_signing_key
from procure.settings import get_settings

GENESIS_HASH = "0" * 64

#: Every column an event's hash covers: all of them but the hash itself.
COVERED = tuple(
    column._meta.db_column_name
    for column in AuditEvent._meta.columns
    if column._meta.db_column_name != "hash"
)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _normalised(name: str, value: Any) -> Any:
    if name == "occurred_at":
        return utc(value).isoformat()
    if name == "data" and isinstance(value, str):
        return json.loads(value)
    return value


def event_hash(keyring: Keyring, row: dict[str, Any]) -> str:
    """The chain hash of an event row (as read from the table, or about to be written). Raises
    KeyUnavailable when the row's secret version is not configured."""
    body = canonical_json({name: _normalised(name, row[name]) for name in COVERED})
    key = audit_chain_key(keyring.secret(row["key_version"]))
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def log_id() -> str:
    """The log's public name, signed into every checkpoint: the publisher's OCDS prefix, which
    the Open Contracting Partnership registers for one publisher."""
    return f"{get_settings().ocid_prefix}/audit-log"


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at ``seq``, signed at ``signed_at`` with the key of ``key_version``."""

    log_id: str
    seq: int
    head_hash: str
    signed_at: datetime
    key_version: int
    public_key: str  # base64 of the raw 32-byte Ed25519 key
    signature: str  # base64 of the 64-byte Ed25519 signature of note()

    def note(self) -> str:
        head = base64.b64encode(bytes.fromhex(self.head_hash)).decode()
        at = utc(self.signed_at).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{self.log_id}\n{self.seq}\n{head}\ntime {at}\n"

    def export(self) -> dict[str, Any]:
        """The checkpoint as a file or API answer: every field, and the exact text signed."""
        return {
            "log_id": self.log_id,
            "seq": self.seq,
            "head_hash": self.head_hash,
            "signed_at": utc(self.signed_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "key_version": self.key_version,
            "public_key": self.public_key,
            "signature": self.signature,
            "signed_note": self.note(),
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Checkpoint:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    @classmethod
    def parse(cls, document: Any) -> Checkpoint:
        """A checkpoint from its exported JSON; ValueError names the field that is wrong."""
        if not isinstance(document, dict):
            raise ValueError("not a checkpoint: expected a JSON object")
        try:
            checkpoint = cls(
                log_id=str(document["log_id"]),
                seq=int(document["seq"]),
                head_hash=str(document["head_hash"]),
                signed_at=datetime.fromisoformat(str(document["signed_at"])),
                key_version=int(document["key_version"]),
                public_key=str(document["public_key"]),
                signature=str(document["signature"]),
            )
            bytes.fromhex(checkpoint.head_hash)
        except KeyError as missing:
            raise ValueError(f"not a checkpoint: {missing.args[0]} is missing") from None
        except (TypeError, ValueError) as error:
            raise ValueError(f"not a checkpoint: {error}") from None
        if checkpoint.seq < 0 or len(checkpoint.head_hash) != 64:
            raise ValueError("not a checkpoint: seq or head_hash out of range")
        return checkpoint


def public_key(keyring: Keyring, version: int) -> str:
    """The checkpoints' public key of a secret version, base64 of its raw 32 bytes."""
    key = checkpoint_signing_key(keyring.secret(version)).public_key()
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def sign(keyring: Keyring, *, seq: int, head_hash: str, signed_at: datetime) -> Checkpoint:
    """A checkpoint of the head, signed with the current secret version's key."""
    version = keyring.current_version
    unsigned = Checkpoint(
        log_id=log_id(),
        seq=seq,
        head_hash=head_hash,
        signed_at=utc(signed_at).replace(microsecond=0),
        key_version=version,
        public_key=public_key(keyring, version),
        signature="",
    )
    signature = checkpoint_signing_key(keyring.secret(version)).sign(unsigned.note().encode())
    return replace(unsigned, signature=base64.b64encode(signature).decode())


def signature_problem(keyring: Keyring, checkpoint: Checkpoint) -> str | None:
    """Why the checkpoint is not one this platform signed, or None when it is."""
    if checkpoint.log_id != log_id():
        return f"it is a checkpoint of {checkpoint.log_id!r}, not of this log ({log_id()!r})"
    expected = public_key(keyring, checkpoint.key_version)
    if checkpoint.public_key != expected:
        return f"its public key is not this platform's key of version {checkpoint.key_version}"
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(expected))
        key.verify(base64.b64decode(checkpoint.signature), checkpoint.note().encode())
    except (InvalidSignature, ValueError):
        return "its signature does not verify"
    return None

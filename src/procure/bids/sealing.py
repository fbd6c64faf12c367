"""Sealing bids: AES-256-GCM under a per-tender key, itself wrapped with a master key derived
from the deployment's secret (procure.keyring, which versions the secrets). The server unwraps
a tender's key only to seal a bid into it and to open its bids."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from procure.keyring import NONCE_BYTES, unwrap_key, wrap_key


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """The bytes a receipt hashes: sorted keys, no whitespace, UTF-8."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def receipt_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def new_wrapped_tender_key(secret_key: str) -> bytes:
    """A fresh random tender key, returned wrapped (nonce ‖ ciphertext) for storage."""
    return wrap_key(secret_key, AESGCM.generate_key(256))


def unwrap_tender_key(secret_key: str, wrapped: bytes) -> bytes:
    return unwrap_key(secret_key, wrapped)


@dataclass(frozen=True)
class SealedBid:
    nonce: bytes
    ciphertext: bytes
    content_sha256: str


def _aad(tender_id: int, organization_id: int) -> bytes:
    # Binding the envelope to its tender and bidder stops a ciphertext being moved to another row.
    return f"procure:bid:{tender_id}:{organization_id}".encode()


def seal(
    tender_key: bytes, *, tender_id: int, organization_id: int, content: dict[str, Any]
) -> SealedBid:
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(tender_key).encrypt(
        nonce, canonical_bytes(content), _aad(tender_id, organization_id)
    )
    return SealedBid(nonce=nonce, ciphertext=ciphertext, content_sha256=receipt_hash(content))


def unseal(
    tender_key: bytes, *, tender_id: int, organization_id: int, nonce: bytes, ciphertext: bytes
) -> dict[str, Any]:
    plaintext = AESGCM(tender_key).decrypt(nonce, ciphertext, _aad(tender_id, organization_id))
    content: dict[str, Any] = json.loads(plaintext)
    return content

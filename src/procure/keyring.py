"""The key-encryption keys: one per version of the deployment's secret.

Each tender has its own random data key that seals its bids (procure.bids.sealing). That key
is stored wrapped (AES-256-GCM) under a key-encryption key derived by HKDF from the deployment's
secret, together with the secret's version (``tender.bid_key_version``). The settings hold the
current secret (PROCURE_SECRET_KEY, PROCURE_SECRET_KEY_VERSION) and earlier ones that still
unwrap (PROCURE_PREVIOUS_SECRET_KEYS); `procure keys rotate` re-wraps every tender key under the
current one, after which the earlier secrets are no longer needed.

The same secrets key the audit log (procure.audit.chain): each version derives, by HKDF with its
own label, the HMAC key that chains the events written under it and the Ed25519 key that signs
the log's checkpoints. Nothing derived from a secret is ever stored in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from procure.settings import Settings, get_settings

NONCE_BYTES = 12
_WRAP_AAD = b"procure:tender-key:v1"


class KeyUnavailable(Exception):
    """A wrapped key cannot be unwrapped: its secret's version is not configured, or the secret
    configured under that version is not the one that wrapped it. The message says which."""


_AUDIT_CHAIN_INFO = b"procure:audit-chain:v1"
_AUDIT_CHECKPOINT_INFO = b"procure:audit-checkpoint:v1"


def _derive(secret_key: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        secret_key.encode()
    )


def master_key(secret_key: str) -> bytes:
    """The key-encryption key of a secret."""
    return _derive(secret_key, _WRAP_AAD)


@lru_cache(maxsize=16)
def audit_chain_key(secret_key: str) -> bytes:
    """The HMAC-SHA256 key that chains the audit events written under a secret."""
    return _derive(secret_key, _AUDIT_CHAIN_INFO)


@lru_cache(maxsize=16)
def checkpoint_signing_key(secret_key: str) -> Ed25519PrivateKey:
    """The Ed25519 key that signs the audit log's checkpoints made under a secret."""
    return Ed25519PrivateKey.from_private_bytes(_derive(secret_key, _AUDIT_CHECKPOINT_INFO))


def fingerprint(secret_key: str) -> str:
    """A short public name of a secret's key-encryption key: it tells two secrets apart (in a
    backup's manifest, in errors) and reveals nothing that helps guess either."""
    digest = hmac.new(master_key(secret_key), b"procure:kek-fingerprint", hashlib.sha256)
    return digest.hexdigest()[:16]


def wrap_key(secret_key: str, key: bytes) -> bytes:
    """``key`` wrapped under the secret's key-encryption key: nonce ‖ ciphertext."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(master_key(secret_key)).encrypt(nonce, key, _WRAP_AAD)


def unwrap_key(secret_key: str, wrapped: bytes) -> bytes:
    """The key inside ``wrapped``; raises cryptography's InvalidTag under another secret."""
    nonce, ciphertext = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
    return AESGCM(master_key(secret_key)).decrypt(nonce, ciphertext, _WRAP_AAD)


@dataclass(frozen=True)
class WrappedKey:
    wrapped: bytes
    version: int


@dataclass(frozen=True)
class Keyring:
    current_version: int
    secrets: dict[int, str]

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        return cls(current_version=settings.secret_key_version, secrets=settings.secret_keys())

    @property
    def current_secret(self) -> str:
        return self.secrets[self.current_version]

    def fingerprints(self) -> dict[int, str]:
        return {version: fingerprint(secret) for version, secret in sorted(self.secrets.items())}

    def new_key(self) -> WrappedKey:
        """A fresh random data key, wrapped under the current secret."""
        return self.wrap(AESGCM.generate_key(256))

    def wrap(self, key: bytes) -> WrappedKey:
        return WrappedKey(wrap_key(self.current_secret, key), self.current_version)

    def unwrap(self, wrapped: bytes, version: int) -> bytes:
        secret = self.secrets.get(version)
        if secret is None:
            raise KeyUnavailable(
                f"the key is wrapped under secret version {version}, which is not configured: "
                f"set it in PROCURE_PREVIOUS_SECRET_KEYS (configured: {sorted(self.secrets)})"
            )
        try:
            return unwrap_key(secret, wrapped)
        except InvalidTag:
            raise KeyUnavailable(
                f"the secret configured as version {version} (fingerprint "
                f"{fingerprint(secret)}) is not the one that wrapped this key"
            ) from None

    def secret(self, version: int) -> str:
        """The secret of ``version``; KeyUnavailable names it when it is not configured."""
        secret = self.secrets.get(version)
        if secret is None:
            raise KeyUnavailable(
                f"secret version {version} is not configured: set it in "
                f"PROCURE_PREVIOUS_SECRET_KEYS (configured: {sorted(self.secrets)})"
            )
        return secret

    def rewrap(self, wrapped: bytes, version: int) -> WrappedKey:
        """The same data key, wrapped under the current secret."""
        return self.wrap(self.unwrap(wrapped, version))


def get_keyring() -> Keyring:
    return Keyring.from_settings(get_settings())

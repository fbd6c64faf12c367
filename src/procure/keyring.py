"""The key-encryption keys: one per version of the deployment's secret.

Each tender has its own random data key that seals its bids (procure.bids.sealing). That key
is stored wrapped (AES-256-GCM) under a key-encryption key derived by HKDF from the deployment's
secret, together with the secret's version (``tender.bid_key_version``). The settings hold the
current secret (PROCURE_SECRET_KEY, PROCURE_SECRET_KEY_VERSION) and earlier ones that still
unwrap (PROCURE_PREVIOUS_SECRET_KEYS); `procure keys rotate` re-wraps every tender key under the
current one, after which the earlier secrets are no longer needed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from procure.settings import Settings, get_settings

NONCE_BYTES = 12
_WRAP_AAD = b"procure:tender-key:v1"


class KeyUnavailable(Exception):
    """A wrapped key cannot be unwrapped: its secret's version is not configured, or the secret
    configured under that version is not the one that wrapped it. The message says which."""


def master_key(secret_key: str) -> bytes:
    """The key-encryption key of a secret."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_WRAP_AAD).derive(
        secret_key.encode()
    )


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

    def rewrap(self, wrapped: bytes, version: int) -> WrappedKey:
        """The same data key, wrapped under the current secret."""
        return self.wrap(self.unwrap(wrapped, version))


def get_keyring() -> Keyring:
    return Keyring.from_settings(get_settings())

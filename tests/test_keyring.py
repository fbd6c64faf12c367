"""Versioned secrets: a tender key wrapped under one version opens with it, re-wraps under the
current one unchanged, and a missing or different secret is named, not a bare crypto error."""

from __future__ import annotations

import json

import pytest

from procure.bids.sealing import seal, unseal
from procure.keyring import Keyring, KeyUnavailable, fingerprint
from procure.settings import ConfigurationError, load_settings

OLD = "the-first-secret-of-the-deployment-0123456789abcdef"
NEW = "the-second-secret-of-the-deployment-0123456789abcdef"


def test_a_key_rewrapped_under_the_new_secret_opens_the_same_bids() -> None:
    before = Keyring(current_version=1, secrets={1: OLD})
    wrapped = before.new_key()
    assert wrapped.version == 1
    sealed = seal(
        before.unwrap(wrapped.wrapped, 1), tender_id=7, organization_id=3, content={"x": 1}
    )

    during = Keyring(current_version=2, secrets={1: OLD, 2: NEW})
    fresh = during.rewrap(wrapped.wrapped, wrapped.version)
    assert fresh.version == 2 and fresh.wrapped != wrapped.wrapped

    after = Keyring(current_version=2, secrets={2: NEW})
    key = after.unwrap(fresh.wrapped, fresh.version)
    assert unseal(
        key, tender_id=7, organization_id=3, nonce=sealed.nonce, ciphertext=sealed.ciphertext
    ) == {"x": 1}
    with pytest.raises(KeyUnavailable, match="version 1, which is not configured"):
        after.unwrap(wrapped.wrapped, 1)


def test_a_different_secret_under_the_same_version_is_named_by_fingerprint() -> None:
    wrapped = Keyring(current_version=1, secrets={1: OLD}).new_key()
    wrong = Keyring(current_version=1, secrets={1: NEW})
    with pytest.raises(KeyUnavailable, match=fingerprint(NEW)):
        wrong.unwrap(wrapped.wrapped, 1)
    assert fingerprint(OLD) != fingerprint(NEW) and OLD not in fingerprint(OLD)


def test_settings_take_previous_secrets_by_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCURE_SECRET_KEY", NEW)
    monkeypatch.setenv("PROCURE_SECRET_KEY_VERSION", "2")
    monkeypatch.setenv("PROCURE_PREVIOUS_SECRET_KEYS", json.dumps({"1": OLD}))
    keyring = Keyring.from_settings(load_settings())
    assert keyring.current_version == 2 and keyring.secrets == {1: OLD, 2: NEW}


@pytest.mark.parametrize(
    ("version", "previous", "message"),
    [
        ("1", json.dumps({"1": OLD}), "PROCURE_PREVIOUS_SECRET_KEYS: lists version 1"),
        ("2", json.dumps({"1": "short"}), "version 1: a secret has at least 32 characters"),
        ("2", "1:" + OLD, "PROCURE_PREVIOUS_SECRET_KEYS: not valid JSON"),
        ("0", "{}", "PROCURE_SECRET_KEY_VERSION"),
    ],
)
def test_bad_key_settings_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, version: str, previous: str, message: str
) -> None:
    monkeypatch.setenv("PROCURE_SECRET_KEY_VERSION", version)
    monkeypatch.setenv("PROCURE_PREVIOUS_SECRET_KEYS", previous)
    with pytest.raises(ConfigurationError, match=message):
        load_settings()

"""Bid envelopes: readable only with the tender's key, bound to their tender and bidder."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from procure.bids.sealing import (
    new_wrapped_tender_key,
    receipt_hash,
    seal,
    unseal,
    unwrap_tender_key,
)

SECRET = "a-deployment-secret-that-is-long-enough-0123456789"
CONTENT = {
    "total_fen": 18_500_000,
    "lines": [{"line_no": 1, "price_fen": 18_500_000}],
    "说明": "方案",
}


def test_round_trip_and_receipt() -> None:
    key = unwrap_tender_key(SECRET, new_wrapped_tender_key(SECRET))
    sealed = seal(key, tender_id=1, organization_id=2, content=CONTENT)
    assert b"18500000" not in sealed.ciphertext
    assert (
        unseal(
            key, tender_id=1, organization_id=2, nonce=sealed.nonce, ciphertext=sealed.ciphertext
        )
        == CONTENT
    )
    assert sealed.content_sha256 == receipt_hash(dict(reversed(list(CONTENT.items()))))


def test_an_envelope_moved_to_another_bidder_does_not_open() -> None:
    key = unwrap_tender_key(SECRET, new_wrapped_tender_key(SECRET))
    sealed = seal(key, tender_id=1, organization_id=2, content=CONTENT)
    with pytest.raises(InvalidTag):
        unseal(
            key, tender_id=1, organization_id=3, nonce=sealed.nonce, ciphertext=sealed.ciphertext
        )


def test_a_tender_key_needs_the_deployment_secret() -> None:
    wrapped = new_wrapped_tender_key(SECRET)
    with pytest.raises(InvalidTag):
        unwrap_tender_key("another-secret-that-is-long-enough-0123456789", wrapped)

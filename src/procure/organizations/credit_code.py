"""Unified social credit code (统一社会信用代码) validation per GB 32100-2015."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class CreditCodeError(ValueError):
    """Raised with the reason a code is not a valid unified social credit code."""


def check_character(first17: str) -> str:
    """The 18th character that GB 32100-2015 derives from the first 17."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Return the normalised code, or raise CreditCodeError saying why it is wrong."""
    normalised = code.strip().upper()
    if len(normalised) != 18:
        raise CreditCodeError(f"must be 18 characters, got {len(normalised)}")
    bad = [ch for ch in normalised if ch not in ALPHABET]
    if bad:
        raise CreditCodeError(
            f"character {bad[0]!r} is not allowed (GB 32100-2015 excludes I, O, Z, S, V)"
        )
    expected = check_character(normalised[:17])
    if normalised[17] != expected:
        raise CreditCodeError(
            f"check character is {normalised[17]!r} but GB 32100-2015 gives {expected!r}"
        )
    return normalised

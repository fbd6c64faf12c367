"""Unified social credit code (统一社会信用代码) validation per GB 32100-2015."""

from __future__ import annotations

from procure.errors import english
from procure.i18n import N_

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class CreditCodeError(ValueError):
    """Raised with the reason a code is not a valid unified social credit code: a catalog
    message (marked with ``N_``) and its values, so a page reads it in the reader's language."""

    def __init__(self, message: str, **variables: object) -> None:
        self.template = message
        self.variables = variables
        super().__init__(english(message, variables))


def check_character(first17: str) -> str:
    """The 18th character that GB 32100-2015 derives from the first 17."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Return the normalised code, or raise CreditCodeError saying why it is wrong."""
    normalised = code.strip().upper()
    if len(normalised) != 18:
        raise CreditCodeError(N_("must be 18 characters, got %(length)s"), length=len(normalised))
    bad = [ch for ch in normalised if ch not in ALPHABET]
    if bad:
        raise CreditCodeError(
            N_("character %(character)r is not allowed (GB 32100-2015 excludes I, O, Z, S, V)"),
            character=bad[0],
        )
    expected = check_character(normalised[:17])
    if normalised[17] != expected:
        raise CreditCodeError(
            N_("check character is %(given)r but GB 32100-2015 gives %(expected)r"),
            given=normalised[17],
            expected=expected,
        )
    return normalised

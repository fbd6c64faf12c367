"""GB 32100-2015 unified social credit codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procure.organizations.credit_code import (
    ALPHABET,
    CreditCodeError,
    check_character,
    validate_credit_code,
)

first17 = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


def test_a_published_example_is_valid() -> None:
    assert validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"


@given(first17)
def test_the_computed_check_character_validates(prefix: str) -> None:
    code = prefix + check_character(prefix)
    assert validate_credit_code(code.lower()) == code


@given(first17, st.integers(min_value=0, max_value=16), st.sampled_from(ALPHABET))
def test_any_single_character_change_is_caught(
    prefix: str, position: int, replacement: str
) -> None:
    code = prefix + check_character(prefix)
    changed = code[:position] + replacement + code[position + 1 :]
    if changed != code:
        with pytest.raises(CreditCodeError, match="check character"):
            validate_credit_code(changed)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y44", "check character is '4' but GB 32100-2015 gives '3'"),
        ("9135010OM000100Y43", "'O' is not allowed"),
    ],
)
def test_wrong_codes_say_why(code: str, reason: str) -> None:
    with pytest.raises(CreditCodeError, match=reason.replace("(", r"\(")):
        validate_credit_code(code)

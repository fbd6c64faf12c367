"""What no input may carry, whoever reads it (the HTTP layer, `procure ocds import`): control
characters and lone surrogates in text, whole numbers beyond a column's range, JSON nested
deeper than any document we read. Each check raises InvalidInput naming the field or JSON path."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from procure.errors import InvalidInput
from procure.i18n import N_

#: The range of the id columns (PostgreSQL INTEGER, SERIAL).
ID_MIN, ID_MAX = -(2**31), 2**31 - 1
#: The range of any whole number a column holds (BIGINT: amounts in fen, sequence numbers).
INT_MIN, INT_MAX = -(2**63), 2**63 - 1

#: NUL and the other C0 controls but tab and line breaks, DEL, and lone surrogates (which no
#: UTF-8 column can store).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

NOT_ALLOWED = N_("contains a character that is not allowed (%(code)s)")
OUT_OF_RANGE = N_("must be a whole number from %(low)s to %(high)s, not %(value)s")
TOO_DEEP = N_("is nested more than %(depth)s levels deep")
TOO_LONG = N_("is longer than %(limit)s characters")
NOT_UTF8 = N_("is not UTF-8 text")


def check_text(field: str, value: str, *, limit: int | None = None) -> None:
    """Refuse a control character or a lone surrogate (or text over ``limit``)."""
    if found := CONTROL.search(value):
        raise InvalidInput(field, NOT_ALLOWED, code=f"U+{ord(found.group()):04X}")
    if limit is not None and len(value) > limit:
        raise InvalidInput(field, TOO_LONG, limit=limit)


def check_whole(field: str, value: int, low: int = INT_MIN, high: int = INT_MAX) -> None:
    if not low <= value <= high:
        raise InvalidInput(field, OUT_OF_RANGE, low=low, high=high, value=value)


def _walk(value: Any, path: str, depth: int, max_depth: int) -> Iterator[tuple[str, Any]]:
    if depth > max_depth:
        raise InvalidInput(path, TOO_DEEP, depth=max_depth)
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key
            yield from _walk(item, f"{path}.{key}" if path else key, depth + 1, max_depth)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]", depth + 1, max_depth)
    else:
        yield path, value


def check_json(
    document: Any,
    *,
    root: str,
    max_depth: int,
    text_limit: int | None = None,
    whole_numbers: bool = True,
) -> None:
    """Every key and string of parsed JSON free of control characters (and within
    ``text_limit``), the nesting within ``max_depth``, and (``whole_numbers``) every whole
    number within a column's range. Errors name the path from ``root``: ``$.tender.title`` for
    ``root="$"``, ``lines[0].description`` for ``root=""``."""
    for path, value in _walk(document, root, 0, max_depth):
        field = path or "body"
        if isinstance(value, str):
            check_text(field, value, limit=text_limit)
        elif whole_numbers and isinstance(value, int) and not isinstance(value, bool):
            check_whole(field, value)

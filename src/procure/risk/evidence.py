"""A flag's evidence as the flag page shows it: a tree of labelled items, each of a kind the
template knows how to draw (money, link, percentage, nested table, list, plain value).

The rules write evidence as JSON with snake_case keys. Conventions they can rely on:
- a key ending in ``_fen`` holding a number (or a numeric string) is money, shown in 元 (to
  the fen);
- ``{"fen": 123456}`` is money too, wherever it appears;
- ``{"url": "/contracts/7", "label": "HT-2026-007"}`` is a link (only site paths and http(s)
  addresses become links; anything else shows as text);
- a key ending in ``_percent`` or ``_pct`` holding a number is a percentage;
- a dict is a nested table (thresholds, for instance), a list a list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal

from procure import i18n

MONEY_SUFFIX = "_fen"
PERCENT_SUFFIXES = ("_percent", "_pct")
LINK_TEXT_KEYS = ("label", "text", "title", "name")


@dataclass(frozen=True)
class Item:
    label: str
    kind: str  # text | number | money | percent | link | boolean | empty | table | list
    text: str = ""
    href: str = ""
    children: list[Item] = field(default_factory=list)


def humanized(key: str) -> str:
    """mean_of_others_fen → Mean of others."""
    for suffix in (MONEY_SUFFIX, *PERCENT_SUFFIXES):
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def is_safe_url(url: object) -> bool:
    if not isinstance(url, str):
        return False
    return (url.startswith("/") and not url.startswith("//")) or url.startswith(
        ("https://", "http://")
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fen(value: object) -> int | None:
    """Whole fen from an int or a numeric string (a mean may be written as "123456.5")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        except InvalidOperation:
            return None
    return None


def _number(value: int | float, locale: str) -> str:
    if isinstance(value, int):
        return str(value)
    return format_decimal(value, format="#,##0.####", locale=i18n.babel_locale(locale))


def item(key: str, value: Any, locale: str) -> Item:
    label = humanized(key)
    if isinstance(value, dict):
        if "url" in value:
            text = next((str(value[k]) for k in LINK_TEXT_KEYS if value.get(k)), str(value["url"]))
            if is_safe_url(value["url"]):
                return Item(label, "link", text=text, href=value["url"])
            return Item(label, "text", text=text)
        if set(value) <= {"fen", *LINK_TEXT_KEYS} and (fen := _fen(value.get("fen"))) is not None:
            return Item(label, "money", text=i18n.yuan(fen, locale))
        return Item(label, "table", children=items(value, locale))
    if isinstance(value, list):
        children = [item("", element, locale) for element in value]
        return Item(label, "list", children=children)
    if isinstance(value, bool):
        return Item(label, "boolean", text="✓" if value else "✗")
    if value is None or value == "":
        return Item(label, "empty", text="—")
    if key.endswith(MONEY_SUFFIX) and (fen := _fen(value)) is not None:
        return Item(label, "money", text=i18n.yuan(fen, locale))
    if key.endswith(PERCENT_SUFFIXES) and _is_number(value):
        return Item(label, "percent", text=f"{_number(value, locale)}%")
    if _is_number(value):
        return Item(label, "number", text=_number(value, locale))
    return Item(label, "text", text=str(value))


def items(evidence: dict[str, Any], locale: str) -> list[Item]:
    """The evidence's items in the order the rule wrote them."""
    return [item(str(key), value, locale) for key, value in evidence.items()]

"""What makes a catalog item valid, how people write its values, and the problems found when
an item is not valid.

The same rules serve the JSON API, the HTML forms and the spreadsheet import. Messages are
English msgids marked with ``N_`` and translated where they are shown (pages); ``%(name)s``
placeholders keep user-supplied values out of the msgid.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from decimal import Decimal, InvalidOperation
from typing import Any

from procure.catalog.schemas import CatalogItemIn
from procure.catalog.tables import Unit
from procure.errors import InvalidInput
from procure.i18n import N_, yuan_to_fen

# The one mapping between unit codes and the Chinese words people write in spreadsheets.
UNIT_NAMES_ZH: dict[Unit, str] = {
    Unit.hour: "小时",
    Unit.session: "次",
    Unit.household: "户",
    Unit.person: "人",
    Unit.month: "月",
    Unit.project: "项目",
    Unit.event: "场",
}
YES, NO = "是", "否"

CODE_PATTERN = re.compile(r"[A-Z0-9-]{3,32}")
MAX_TEXT = {"name": 200, "target_group": 200}  # the columns' Varchar lengths
MAX_INDICATORS = 20
MAX_INDICATOR_LENGTH = 500
MAX_PRICE_FEN = 10_000_000_000  # 1亿元: far above any unit price, far below BIGINT
# Files separate indicators by line breaks or the full-width semicolon, so neither can be
# part of an indicator.
INDICATOR_SEPARATOR = re.compile(r"\r\n|\r|\n|；")

MUST_NOT_BE_EMPTY = N_("must not be empty")
CODE_RULE = N_("must be 3–32 characters: uppercase letters A–Z, digits and hyphens")
CODE_TAKEN = N_("%(code)s is already used by another item")
CODE_IMMUTABLE = N_("cannot change (it is %(code)s): deactivate this item and create a new one")
UNKNOWN_CATEGORY = N_("unknown category %(value)s: use one of %(choices)s")
UNKNOWN_UNIT = N_("unknown unit %(value)s: use one of %(choices)s")
UNIT_IN_USE = N_("cannot change once tenders or contracts use this item: create a new item")
TOO_LONG = N_("must be at most %(max)s characters")
CONTROL_CHARACTERS = N_("must not contain control characters or line breaks")
NEGATIVE_PRICE = N_("must not be negative")
PRICE_TOO_HIGH = N_("must be at most %(max)s yuan")
MAX_BELOW_MIN = N_("must not be less than the lower limit")
NOT_YUAN = N_("must be an amount in yuan with at most two decimals, e.g. 45.50")
NOT_YES_NO = N_("must be 是 or 否")
TOO_MANY_INDICATORS = N_("at most %(max)s indicators")
INDICATOR_EMPTY = N_("indicator %(n)s is empty")
INDICATOR_TOO_LONG = N_("indicator %(n)s is longer than %(max)s characters")
INDICATOR_CONTROL = N_("indicator %(n)s must not contain control characters or line breaks")
INDICATOR_SEPARATOR_USED = N_("indicator %(n)s must not contain ；, which separates indicators")


@dataclass(frozen=True)
class Problem:
    """One reason an input is refused: the field, an English msgid and its values; for a file
    also the row number as the spreadsheet shows it and the column header."""

    field: str
    message: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)
    row: int | None = None
    column: str | None = None

    def text(self, gettext: Callable[[str], str] = str) -> str:
        template = gettext(self.message)
        return template % self.params if self.params else template

    def at(self, row: int, column: str) -> Problem:
        return replace(self, row=row, column=column)


class Rejected(InvalidInput):
    """Input refused for the problems listed; nothing changed."""

    def __init__(self, summary: Problem, problems: Sequence[Problem] = ()) -> None:
        super().__init__(summary.field, summary.text())
        # The catalog message and its values (one may be called ``field``), for a page to read
        # in its reader's language.
        self.template, self.variables = summary.message, dict(summary.params)
        self.summary = summary
        self.problems = tuple(problems)

    @classmethod
    def because(cls, problems: Sequence[Problem]) -> Rejected:
        return cls(problems[0], problems)

    @classmethod
    def one(cls, field: str, message: str, /, **params: Any) -> Rejected:
        return cls.because([Problem(field, message, params)])


def category_choices(categories: Mapping[str, str]) -> str:
    return ", ".join(f"{code} ({name})" for code, name in categories.items())


def unit_choices() -> str:
    return ", ".join(f"{unit.value} ({name})" for unit, name in UNIT_NAMES_ZH.items())


def has_control_characters(text: str) -> bool:
    # U+FFFE and U+FFFF are not allowed in XML, so an .xlsx file could not hold them.
    return any(unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff" for ch in text)


def check_item(item: CatalogItemIn, categories: Mapping[str, str]) -> list[Problem]:
    """Every problem of one item. ``categories`` maps the known category codes to their Chinese
    names. Uniqueness and what may change on an existing item are the services' business."""
    problems: list[Problem] = []

    def problem(field: str, message: str, **params: Any) -> None:
        problems.append(Problem(field, message, params))

    if not item.code:
        problem("code", MUST_NOT_BE_EMPTY)
    elif not CODE_PATTERN.fullmatch(item.code):
        problem("code", CODE_RULE)
    if not item.category:
        problem("category", MUST_NOT_BE_EMPTY)
    elif item.category not in categories:
        problem(
            "category",
            UNKNOWN_CATEGORY,
            value=item.category,
            choices=category_choices(categories),
        )
    for name, limit in MAX_TEXT.items():
        text = getattr(item, name)
        if name == "name" and not text:
            problem(name, MUST_NOT_BE_EMPTY)
        elif len(text) > limit:
            problem(name, TOO_LONG, max=limit)
        elif has_control_characters(text):
            problem(name, CONTROL_CHARACTERS)
    if not item.unit:
        problem("unit", MUST_NOT_BE_EMPTY)
    elif item.unit not in {unit.value for unit in Unit}:
        problem("unit", UNKNOWN_UNIT, value=item.unit, choices=unit_choices())
    for name in ("ref_price_min_fen", "ref_price_max_fen"):
        fen = getattr(item, name)
        if fen < 0:
            problem(name, NEGATIVE_PRICE)
        elif fen > MAX_PRICE_FEN:
            problem(name, PRICE_TOO_HIGH, max=f"{MAX_PRICE_FEN // 100:,}")
    if item.ref_price_min_fen >= 0 and 0 <= item.ref_price_max_fen < item.ref_price_min_fen:
        problem("ref_price_max_fen", MAX_BELOW_MIN)
    problems.extend(_indicator_problems(item.outcome_indicators))
    return problems


def _indicator_problems(indicators: Sequence[str]) -> list[Problem]:
    if len(indicators) > MAX_INDICATORS:
        return [Problem("outcome_indicators", TOO_MANY_INDICATORS, {"max": MAX_INDICATORS})]
    problems = []
    for n, text in enumerate(indicators, start=1):
        if not text:
            message, params = INDICATOR_EMPTY, {"n": n}
        elif len(text) > MAX_INDICATOR_LENGTH:
            message, params = INDICATOR_TOO_LONG, {"n": n, "max": MAX_INDICATOR_LENGTH}
        elif has_control_characters(text):
            message, params = INDICATOR_CONTROL, {"n": n}
        elif "；" in text:
            message, params = INDICATOR_SEPARATOR_USED, {"n": n}
        else:
            continue
        problems.append(Problem("outcome_indicators", message, params))
    return problems


# -- values as people write them (spreadsheet cells, form fields) ---------------------------------


def cell_text(value: object) -> str:
    """A cell as text: spreadsheets give numbers where people meant codes (编码 123)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_yuan(value: object) -> int | None:
    """Yuan as written (45.5, '1,200.00', a number cell) → fen; None when it is not an amount."""
    if isinstance(value, bool):
        return None
    # repr() of a float is the shortest text that reads back as it: 45.5, not 45.500000001
    text = repr(value) if isinstance(value, float) else cell_text(value).strip()
    try:
        if not Decimal(text.replace(",", "")).is_finite():
            return None
        return yuan_to_fen(text)
    except (InvalidOperation, ValueError):
        return None


def fen_to_yuan(fen: int) -> Decimal:
    """4050 → Decimal('40.50'): always two decimals, the way the files and forms show it."""
    return Decimal(fen).scaleb(-2)


def split_indicators(value: object) -> list[str]:
    pieces = (piece.strip() for piece in INDICATOR_SEPARATOR.split(cell_text(value)))
    return [piece for piece in pieces if piece]


def unit_from_text(text: str) -> str:
    """A unit code from its code or its Chinese name; anything else is kept for the error."""
    by_name = {name: unit.value for unit, name in UNIT_NAMES_ZH.items()}
    return by_name.get(text, text)


def category_from_text(text: str, categories: Mapping[str, str]) -> str:
    by_name = {name: code for code, name in categories.items()}
    return by_name.get(text, text)


def parse_active(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = cell_text(value).strip()
    return {"": True, YES: True, NO: False}.get(text)


def item_from_text(
    values: Mapping[str, object], categories: Mapping[str, str]
) -> tuple[CatalogItemIn | None, list[Problem]]:
    """Build and check an item from the values people write: prices in yuan, category and unit
    by code or Chinese name, indicators separated by line breaks or ；, 启用 as 是/否.

    A field that cannot be read gets one problem and a neutral stand-in, so the other fields are
    still checked and every problem of the item is reported at once."""
    problems: list[Problem] = []
    unreadable: set[str] = set()
    prices: dict[str, int] = {}
    for name in ("ref_price_min_fen", "ref_price_max_fen"):
        fen = parse_yuan(values.get(name))
        if fen is None:
            empty = cell_text(values.get(name)).strip() == ""
            problems.append(Problem(name, MUST_NOT_BE_EMPTY if empty else NOT_YUAN))
            unreadable.add(name)
        prices[name] = fen or 0
    active = parse_active(values.get("active"))
    if active is None:
        problems.append(Problem("active", NOT_YES_NO))
        unreadable.add("active")
    item = CatalogItemIn(
        code=cell_text(values.get("code")),
        category=category_from_text(cell_text(values.get("category")).strip(), categories),
        name=cell_text(values.get("name")),
        target_group=cell_text(values.get("target_group")),
        unit=unit_from_text(cell_text(values.get("unit")).strip()),
        outcome_indicators=split_indicators(values.get("outcome_indicators")),
        active=True if active is None else active,
        **prices,
    )
    problems.extend(p for p in check_item(item, categories) if p.field not in unreadable)
    order = list(CatalogItemIn.model_fields)
    problems.sort(key=lambda p: order.index(p.field))
    return (None if problems else item), problems

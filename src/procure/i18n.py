"""Languages: Chinese (zh-CN) by default, English on request, through Babel's gettext catalogs.

Also the display helpers every page and PDF uses: money in 元 / 万元 and times in the local zone.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.numbers import parse_pattern
from babel.support import NullTranslations, Translations

from procure import PACKAGE_DIR
from procure.settings import get_settings

LOCALE_DIR = PACKAGE_DIR / "locale"
LOCALES = {"zh-CN": "zh_CN", "en": "en"}
LANG_COOKIE = "lang"


class CatalogMissing(RuntimeError):
    pass


@cache
def N_(message: str) -> str:
    """Mark a message for extraction (babel knows ``N_``); it is translated where it is shown."""
    return message


def translations(locale: str) -> NullTranslations:
    """The locale's catalog, parsed once per process (a page asks for it hundreds of times). In
    development a recompiled catalog (`make i18n`) is picked up at once: there the file's
    modification time is part of the key."""
    if get_settings().environment != "development":
        return _loaded(locale)
    mo = _catalog(locale)
    try:
        modified = mo.stat().st_mtime_ns
    except FileNotFoundError:
        modified = -1
    return _parsed(mo, modified)


@cache
def _catalog(locale: str) -> Path:
    return LOCALE_DIR / LOCALES[locale] / "LC_MESSAGES" / "messages.mo"


@cache
def _loaded(locale: str) -> NullTranslations:
    return _parsed(_catalog(locale), 0)


@lru_cache(maxsize=8)
def _parsed(mo: Path, modified: int) -> NullTranslations:
    """A catalog is parsed once per compiled version, not on every message (the parsing was
    most of a page's time)."""
    try:
        with mo.open("rb") as handle:
            return Translations(fp=handle, domain="messages")
    except FileNotFoundError:
        raise CatalogMissing(
            f"{mo} is missing: run `make i18n` to compile the message catalogs"
        ) from None


def negotiate(requested: str | None, default: str) -> str:
    return requested if requested in LOCALES else default


def gettext(locale: str, message: str, **variables: Any) -> str:
    text = translations(locale).gettext(message)
    return text % variables if variables else text


def babel_locale(locale: str) -> str:
    return LOCALES[locale]


#: Money's number format: two decimals, thousands grouped.
MONEY_PATTERN = parse_pattern("#,##0.00")


@cache
def _number_locale(locale: str) -> Locale:
    """Babel's locale, parsed once (a page formats every row's money with it)."""
    return Locale.parse(babel_locale(locale))


def _money(amount: Decimal, locale: str) -> str:
    """As babel's ``format_decimal(amount, "#,##0.00", locale)``, without parsing the locale and
    the pattern on every call."""
    return MONEY_PATTERN.apply(amount, _number_locale(locale), numbering_system="latn")


def yuan(fen: int | None, locale: str = "zh-CN") -> str:
    """12345678 fen → '123,456.78 元'."""
    if fen is None:
        return "—"
    amount = Decimal(fen) / 100
    return f"{_money(amount, locale)} 元"


def wan_yuan(fen: int | None, locale: str = "zh-CN") -> str:
    """19800000 fen → '19.80 万元' (the unit budgets are usually given in)."""
    if fen is None:
        return "—"
    amount = Decimal(fen) / 1_000_000
    return f"{_money(amount, locale)} 万元"


#: The units an amount may be typed in, longest first: 万元 and 万 (ten thousand yuan), 元.
_UNITS = (("万元", 10_000), ("万", 10_000), ("元", 1))


def yuan_to_fen(value: str | Decimal | int) -> int:
    """'1,234.5' → 123450, '30万' → 30000000 (30.5万, 300,000.00 元, full-width digits too);
    refuses a fraction of a fen rather than rounding money away."""
    text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace(" ", "").strip()
    factor = 1
    for unit, multiple in _UNITS:
        if text.endswith(unit):
            text, factor = text.removesuffix(unit), multiple
            break
    amount = Decimal(text) * factor
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{value!r} has more than two decimal places")
    return int(fen)


def fen_to_input(fen: int | None) -> str:
    """An amount as a form shows it to be typed again: 30000000 → '300000.00' (yuan)."""
    return "" if fen is None else f"{Decimal(fen) / 100:.2f}"


def local_time(
    value: datetime | None, zone: str = "Asia/Shanghai", fmt: str = "%Y-%m-%d %H:%M"
) -> str:
    if value is None:
        return "—"
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).strftime(fmt)


def local_date(value: date | None) -> str:
    return value.isoformat() if value else "—"

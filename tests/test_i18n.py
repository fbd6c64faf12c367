"""The message catalogs: current with the code, complete in Chinese, compiled from their .po."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from procure import REPO_DIR, i18n

LOCALE_DIR = REPO_DIR / "src" / "procure" / "locale"


def read_catalog(path: Path, locale: str | None = None):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def translated(value: str | tuple[str, ...] | list[str]) -> bool:
    """A message's translation, singular or plural forms, is present."""
    return any(value) if isinstance(value, tuple | list) else bool(value)


def key(value: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    """The .mo reader gives a plural message's id and forms as lists, the .po reader as tuples."""
    return tuple(value) if isinstance(value, tuple | list) else value


def test_the_template_is_current_with_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            Path(sys.executable).parent / "pybabel",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(fresh),
            "src",
            "templates",
        ],
        cwd=REPO_DIR,
        check=True,
    )
    extracted = {m.id for m in read_catalog(fresh) if m.id}
    committed = {m.id for m in read_catalog(LOCALE_DIR / "messages.pot") if m.id}
    assert extracted == committed, (
        "stale catalog: run `make i18n-extract`, translate, commit. "
        f"new: {sorted(extracted - committed)} gone: {sorted(committed - extracted)}"
    )


def test_every_message_has_a_chinese_translation() -> None:
    template = {m.id for m in read_catalog(LOCALE_DIR / "messages.pot") if m.id}
    catalog = read_catalog(LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po", "zh_CN")
    done = {m.id for m in catalog if m.id and translated(m.string) and not m.fuzzy}
    assert template - done == set()


def test_english_catalog_lists_every_message() -> None:
    template = {m.id for m in read_catalog(LOCALE_DIR / "messages.pot") if m.id}
    catalog = read_catalog(LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po", "en")
    assert template <= {m.id for m in catalog if m.id}


def test_compiled_catalogs_match_their_sources() -> None:
    for locale in ("zh_CN", "en"):
        folder = LOCALE_DIR / locale / "LC_MESSAGES"
        source = {
            key(m.id): key(m.string)
            for m in read_catalog(folder / "messages.po", locale)
            if m.id and translated(m.string)
        }
        with (folder / "messages.mo").open("rb") as handle:
            compiled = {key(m.id): key(m.string) for m in read_mo(handle) if m.id}
        assert compiled == source, f"{locale}: run `make i18n` to recompile"


def test_gettext_switches_language() -> None:
    assert i18n.gettext("zh-CN", "Sign in") == "登录"
    assert i18n.gettext("en", "Sign in") == "Sign in"

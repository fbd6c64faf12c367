"""`procure ocds indicators` reproduces every cardinal fixture exactly (tests/data/cardinal).

Each case runs the real command in-process: the settings file, the import into a temporary
dataset, the platform's rules, cardinal's output. Values are compared exactly, type included
(cardinal prints 1.0, never 1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from procure.cli import main
from procure.ocds.tables import OcdsProcess

CARDINAL = Path(__file__).parents[1] / "data" / "cardinal"
# cardinal's own test harness runs every fixture with these global settings (build.rs).
GLOBALS = (
    "no_price_comparison_procurement_methods = NPC\n"
    "[exclusions]\nprocurement_method_details = EXC\n"
)


def settings_from_name(stem: str) -> str:
    """cardinal's build.rs: CODE → [CODE]; CODE-field-value → field = value;
    CODE-field-k1-v1-k2-v2 → [CODE.field] k1 = v1 …; "+" stands for "|"."""
    code, *parts = stem.replace("+", "|").split("-")
    if len(parts) < 2:
        return f"[{code}]\n"
    if len(parts) == 2:
        return f"[{code}]\n{parts[0]} = {parts[1]}\n"
    field, *pairs = parts
    lines = [f"{key} = {value}" for key, value in zip(pairs[::2], pairs[1::2], strict=True)]
    return f"[{code}]\n[{code}.{field}]\n" + "\n".join(lines) + "\n"


def test_settings_from_name_follows_cardinal() -> None:
    assert settings_from_name("R038-tenderer") == "[R038]\n"
    assert settings_from_name("R003-threshold-10") == "[R003]\nthreshold = 10\n"
    assert settings_from_name("R003-procurement_methods-open+selective") == (
        "[R003]\nprocurement_methods = open|selective\n"
    )
    assert settings_from_name("R003-procurement_method_details-x-5-y-10") == (
        "[R003]\n[R003.procurement_method_details]\nx = 5\ny = 10\n"
    )


def _unit_tests() -> list[Any]:
    fixtures = sorted(CARDINAL.glob("tests/fixtures/indicators/*.jsonl"))
    fixtures += sorted(CARDINAL.glob("branches/*/tests/fixtures/indicators/*.jsonl"))
    return [pytest.param(path, id=str(path.relative_to(CARDINAL))) for path in fixtures]


def _docs_examples() -> list[Any]:
    cases = []
    for path in sorted(CARDINAL.glob("**/docs/examples/R/*.jsonl")):
        own = path.with_suffix(".ini")
        settings = own if own.exists() else path.parents[1] / "settings.ini"
        cases.append(pytest.param(path, settings, id=str(path.relative_to(CARDINAL))))
    return cases


def test_every_fixture_is_collected() -> None:
    assert len(_unit_tests()) == 15 + 2  # main, plus R044 and R055 from their branches
    assert len(_docs_examples()) == 11 + 2


def same(got: Any, expected: Any, where: str = "$") -> None:
    """Equal, and of the same JSON type at every level (1.0 is not 1)."""
    assert type(got) is type(expected), f"{where}: {got!r} is not {expected!r}"
    if isinstance(expected, dict):
        assert set(got) == set(expected), f"{where}: keys {sorted(got)} ≠ {sorted(expected)}"
        for key in expected:
            same(got[key], expected[key], f"{where}.{key}")
    else:
        assert got == expected, f"{where}: {got!r} ≠ {expected!r}"


def indicators(*args: str) -> tuple[str, str]:
    result = CliRunner().invoke(main, ["ocds", "indicators", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout, result.stderr


def remaining_datasets() -> list[str]:
    import asyncio

    async def names() -> list[str]:
        rows = await OcdsProcess.select(OcdsProcess.dataset).distinct()
        return [row["dataset"] for row in rows]

    return asyncio.run(names())


@pytest.mark.parametrize("fixture", _unit_tests())
def test_unit_fixture(database: None, tmp_path: Path, fixture: Path) -> None:
    settings = tmp_path / "settings.ini"
    settings.write_text(GLOBALS + settings_from_name(fixture.stem))
    stdout, _ = indicators("--settings", str(settings), str(fixture))
    assert stdout.endswith("}\n") and stdout.count("\n") == 1
    same(json.loads(stdout), json.loads(fixture.with_suffix(".expected").read_text()))
    assert not [name for name in remaining_datasets() if name.startswith("indicators-")]


@pytest.mark.parametrize(("example", "settings"), _docs_examples())
def test_docs_example(database: None, example: Path, settings: Path) -> None:
    stdout, _ = indicators("--settings", str(settings), str(example))
    expected = example.with_name(example.stem + ".docs-expected.json").read_text()
    same(json.loads(stdout), json.loads(expected))

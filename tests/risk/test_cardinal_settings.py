"""cardinal's settings: its INI file and policy.toml's [risk.*] tables, validated alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from procure.ocds.indicators import cardinal_json, format_float
from procure.policy import load_policy
from procure.risk.cardinal_settings import (
    GLOBALS,
    SettingsError,
    parse_settings,
    pipe_list,
    policy_tables,
    read_settings_file,
    rule_settings,
)

DOCS_SETTINGS = (
    Path(__file__).parents[1] / "data" / "cardinal" / "docs" / "examples" / "settings.ini"
)


def test_cardinals_own_settings_file() -> None:
    settings = read_settings_file(DOCS_SETTINGS)
    assert sorted(settings.tables) == [
        "R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058",
    ]  # fmt: skip
    assert settings.tables["R018"] == {GLOBALS: {}}
    assert rule_settings("R018", settings.tables["R018"]).procurement_methods == [
        "open",
        "selective",
    ]
    assert settings.warnings == []


def test_properties_sections_and_lists() -> None:
    settings = parse_settings(
        "; global settings first\n"
        "currency = USD\n"
        "no_price_comparison_procurement_methods = Random Selection|Sorteo de Obras\n"
        "[exclusions]\n"
        "procurement_method_details = EXC|\n"
        "[R003.procurement_method_details]\n"
        "Licitación = 10\n"
        "Cotización: 7\n"
        "[R018]\n"
        "procurement_methods = open\n"
        "[R025]\n"
        "# a comment\n"
        "percentile = 90 ; the top decile\n"
        "threshold = '0.05'\n"
        "[defaults]\n"
        "currency = USD\n"
        "[codelists.bid_status]\n"
        "qualified = valid\n"
    )
    shared = {
        "currency": "USD",
        "no_price_comparison_procurement_methods": ["Random Selection", "Sorteo de Obras"],
        "exclusions": {"procurement_method_details": ["EXC"]},
    }
    assert sorted(settings.tables) == ["R003", "R018", "R025"]  # [R003.x] enables R003
    assert all(table[GLOBALS] == shared for table in settings.tables.values())
    r003 = rule_settings("R003", settings.tables["R003"])
    assert (r003.threshold, r003.procurement_method_details) == (
        15,
        {"Licitación": 10, "Cotización": 7},
    )
    assert rule_settings("R018", settings.tables["R018"]).procurement_methods == ["open"]
    r025 = rule_settings("R025", settings.tables["R025"])
    assert (r025.percentile, r025.threshold) == (90, 0.05)


def test_pipe_lists_split_like_split_terminator() -> None:
    assert pipe_list("") == []
    assert pipe_list("a|b|") == ["a", "b"]
    assert pipe_list("|") == [""]
    assert pipe_list("a||b") == ["a", "", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[R999]\n", "s.ini: unknown section [R999]"),
        (
            "[R024.procurement_method_details]\nx = 1\n",
            "s.ini: unknown section [R024.procurement_method_details]",
        ),
        ("[R024]\nthreshold = low\n", "s.ini: [R024] threshold: Input should be a valid number"),
        ("[R024]\nfence = 1\n", "s.ini: [R024] fence: Extra inputs are not permitted"),
        (
            "[R025]\npercentile = 101\n",
            "s.ini: [R025] percentile: Input should be less than or equal to 100",
        ),
        ("[R035]\nthreshold = 1.5\n", "s.ini: [R035] threshold: Input should be a valid integer"),
        (
            "[R003.procurement_method_details]\nx = soon\n",
            "s.ini: [R003] procurement_method_details.x:",
        ),
        ("verbose = 1\n", "s.ini: unknown property verbose (at the top of the file)"),
        ("[R024]\nthreshold\n", "s.ini: line 2: expected `name = value`"),
        ("[R024\n", "s.ini: line 1: a section header ends with ]"),
        (
            "[R024]\nthreshold = 1\nthreshold = 2\n",
            "s.ini: line 3: threshold is set twice in [R024]",
        ),
        (
            "currency = 3\ncurrency = 4\n",
            "s.ini: line 2: currency is set twice in the top of the file",
        ),
    ],
)
def test_refused_settings(text: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(text, "s.ini")
    assert str(caught.value).startswith(message)


def test_warnings_as_cardinal_gives_them() -> None:
    settings = parse_settings(
        "no_price_comparison_procurement_methods = A\nprice_comparison_procurement_methods = B\n"
        "[R055]\nstart_date = 2024-01-01\n[R036]\n"
    )
    assert list(settings.tables) == ["R036"]
    assert settings.warnings == [
        "no_price_comparison_procurement_methods has no effect if"
        " price_comparison_procurement_methods is set.",
        "R055 is not implemented (cardinal's own R055 is unfinished); its section is ignored.",
    ]
    with pytest.raises(SettingsError, match="start_date"):
        parse_settings("[R055]\nstart_date = soon\n")


def test_policy_tables(tmp_path: Path) -> None:
    tables = policy_tables(load_policy().risk)
    assert "R055" not in tables and len(tables) == 12
    assert rule_settings("R048", tables["R048"]).minimum_contracting_processes == 20
    override = tmp_path / "policy.toml"
    override.write_text("[risk.R025]\npercentile = 120\n")
    with pytest.raises(SettingsError, match=r"\[risk.R025\] percentile: Input should be less"):
        policy_tables(load_policy(override).risk)
    override.write_text('[risk.cardinal]\ncurrency = ["CNY"]\n')
    with pytest.raises(SettingsError, match=r"\[risk.cardinal\] currency:"):
        policy_tables(load_policy(override).risk)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (2.0, "2.0"),
        (100.0, "100.0"),
        (0.2, "0.2"),
        (0.16666666666666666, "0.16666666666666666"),
        (-2.5, "-2.5"),
        (123.456, "123.456"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e16"),
        (1.2345678901234568e16, "1.2345678901234568e16"),
        (0.0001, "0.0001"),
        (0.00001, "0.00001"),
        (1e-6, "1e-6"),
        (1.5e-7, "1.5e-7"),
        (5e-324, "5e-324"),
        (float("inf"), "null"),
        (float("nan"), "null"),
    ],
)
def test_floats_as_serde_json_writes_them(value: float, text: str) -> None:
    assert format_float(value) == text


def test_cardinal_json() -> None:
    results = {"OCID": {'F "1"': {"R024": 0.0}}, "Tenderer": {"乙": {"R024": 0.0, "R030": 1.0}}}
    assert cardinal_json(results) == (
        '{"OCID":{"F \\"1\\"":{"R024":0.0}},"Tenderer":{"乙":{"R024":0.0,"R030":1.0}}}'
    )
    assert cardinal_json({}) == "{}"


def test_the_engines_enabled_switch_is_no_cardinal_setting() -> None:
    tables = policy_tables({"R018": {"enabled": False, "procurement_methods": ["open"]}})
    assert tables["R018"]["procurement_methods"] == ["open"]
    assert "enabled" not in tables["R018"]

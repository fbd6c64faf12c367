"""cardinal's settings for the bid-stage rules: one pydantic model per indicator, read from
policy.toml's ``[risk.<CODE>]`` and ``[risk.cardinal]`` tables, or from a cardinal settings file.

Names and defaults are cardinal's (open-contracting/cardinal-rs, ``ocdscardinal init``). A
threshold left unset means "compute the fence from the data". The settings file is cardinal's
INI: global properties at the top, one ``[CODE]`` section per indicator to run, a
``[R003.procurement_method_details]`` section, an ``[exclusions]`` section; pipe-separated
lists (``open|selective``). The sections of cardinal's ``prepare`` command are accepted and
ignored, as ``ocdscardinal indicators`` ignores them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

GLOBALS = "cardinal"  # the key of the global settings, in policy.toml and in a rule's params


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Exclusions(_Settings):
    # Processes whose /tender/procurementMethodDetails is one of these are left out everywhere.
    procurement_method_details: list[str] = []


class Globals(_Settings):
    currency: str | None = None  # the main currency (default: the first one observed)
    no_price_comparison_procurement_methods: list[str] = []
    price_comparison_procurement_methods: list[str] = []
    exclusions: Exclusions = Exclusions()


class NoSettings(_Settings):
    pass


class R003(_Settings):
    threshold: int = 15  # whole days
    procurement_methods: list[str] = []  # empty: every method
    procurement_method_details: dict[str, int] = {}  # a threshold per method details


class R018(_Settings):
    procurement_methods: list[str] = ["open", "selective"]


class FenceThreshold(_Settings):
    threshold: float | None = None  # R024's lower fence, R058's upper fence


class R025(_Settings):
    percentile: int = Field(75, ge=0, le=100)  # of the numbers of valid bids: the upper fence
    threshold: float | None = None  # the lower fence of the ratios


class R035(_Settings):
    threshold: int = Field(1, ge=0)  # disqualified tenderers (at least 1)


class R038(_Settings):
    threshold: float | None = None
    minimum_submitted_bids: int = Field(2, ge=0)
    minimum_contracting_processes: int = Field(2, ge=0)


class R048(_Settings):
    digits: int = Field(2, ge=0)
    threshold: int | None = Field(None, ge=0)
    minimum_contracting_processes: int = Field(20, ge=0)


class R055(_Settings):
    """cardinal's unfinished R055 (branch r055): accepted so its settings files load; not run."""

    threshold: float | None = None
    start_date: date | None = None
    end_date: date | None = None


SETTINGS: dict[str, type[_Settings]] = {
    "R003": R003,
    "R018": R018,
    "R024": FenceThreshold,
    "R025": R025,
    "R028": NoSettings,
    "R030": NoSettings,
    "R035": R035,
    "R036": NoSettings,
    "R038": R038,
    "R044": NoSettings,
    "R048": R048,
    "R055": R055,
    "R058": FenceThreshold,
}
NOT_IMPLEMENTED = {"R055"}


class SettingsError(ValueError):
    """Settings that cardinal would refuse: where and why."""


def _explain(error: ValidationError, where: str) -> SettingsError:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    return SettingsError(f"{where} {key}: {first['msg']}" if key else f"{where}: {first['msg']}")


def rule_settings(code: str, params: Mapping[str, Any], where: str | None = None) -> Any:
    """The validated settings of one indicator from its table (the globals key aside)."""
    own = {key: value for key, value in params.items() if key != GLOBALS}
    try:
        return SETTINGS[code].model_validate(own)
    except ValidationError as error:
        raise _explain(error, where or f"[risk.{code}]") from None


def global_settings(params: Mapping[str, Any], where: str = "[risk.cardinal]") -> Globals:
    """The global settings a rule was given; the deployment's policy when it was given none."""
    if GLOBALS in params:
        table = params[GLOBALS]
    else:
        from procure.policy import get_policy

        table = get_policy().risk.get(GLOBALS, {})
    try:
        return Globals.model_validate(table)
    except ValidationError as error:
        raise _explain(error, where) from None


def policy_tables(risk: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each implemented indicator's params from policy.toml, the globals included, validated."""
    shared = dict(risk.get(GLOBALS, {}))
    global_settings({GLOBALS: shared})
    tables = {}
    for code in SETTINGS:
        if code in NOT_IMPLEMENTED:
            continue
        # `enabled` is the engine's switch, common to every rule, not one of cardinal's settings.
        table = {key: value for key, value in risk.get(code, {}).items() if key != "enabled"}
        rule_settings(code, table)
        tables[code] = {**table, GLOBALS: shared}
    return tables


# --- cardinal's settings file (INI) ---------------------------------------------------------

_ROOT_KEYS = {
    "currency",
    "no_price_comparison_procurement_methods",
    "price_comparison_procurement_methods",
}
_LISTS = {
    "procurement_methods",
    "procurement_method_details",
    "no_price_comparison_procurement_methods",
    "price_comparison_procurement_methods",
}
# Sections of cardinal's `prepare` command, which `indicators` ignores.
_PREPARE_SECTIONS = {
    "defaults",
    "redactions",
    "corrections",
    "modifications",
    "codelists.bid_status",
    "codelists.award_status",
}


@dataclass
class SettingsFile:
    """The indicators a settings file enables, each with its params (globals included)."""

    tables: dict[str, dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


def pipe_list(value: str) -> list[str]:
    """Rust's ``split_terminator('|')``: a trailing separator adds no empty item."""
    items = value.split("|")
    if items[-1] == "":
        items.pop()
    return items


def _value(raw: str) -> str:
    value = raw.strip()
    for marker in (" ;", " #", "\t;", "\t#"):  # an inline comment after whitespace
        if marker in value:
            value = value[: value.index(marker)].rstrip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value


def _parse_ini(text: str, name: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    root: dict[str, str] = {}
    sections: dict[str, dict[str, str]] = {}
    current = root
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise SettingsError(f"{name}: line {number}: a section header ends with ]")
            section = line[1:-1].strip()
            current = sections.setdefault(section, {})
            continue
        cut = min((line.index(sep) for sep in "=:" if sep in line), default=-1)
        if cut <= 0:
            raise SettingsError(f"{name}: line {number}: expected `name = value`")
        key = line[:cut].strip()
        if key in current:
            where = f"[{section}]" if section else "the top of the file"
            raise SettingsError(f"{name}: line {number}: {key} is set twice in {where}")
        current[key] = _value(line[cut + 1 :])
    return root, sections


def _listed(table: dict[str, str]) -> dict[str, Any]:
    return {key: pipe_list(value) if key in _LISTS else value for key, value in table.items()}


def parse_settings(text: str, name: str = "settings") -> SettingsFile:
    """cardinal's settings file as the params of the indicators it enables."""
    root, sections = _parse_ini(text, name)
    unknown = sorted(set(root) - _ROOT_KEYS)
    if unknown:
        raise SettingsError(f"{name}: unknown property {unknown[0]} (at the top of the file)")
    shared: dict[str, Any] = _listed(root)
    warnings = []
    tables: dict[str, dict[str, Any]] = {}
    for section, table in sections.items():
        code, _, sub = section.partition(".")
        if section in _PREPARE_SECTIONS:
            continue
        if section == "exclusions":
            shared["exclusions"] = _listed(table)
        elif code in SETTINGS and sub in ("", "procurement_method_details") and code != "":
            params = tables.setdefault(code, {})
            if sub:
                if code != "R003":
                    raise SettingsError(f"{name}: unknown section [{section}]")
                params[sub] = dict(table)
            else:
                params.update(_listed(table))
        else:
            raise SettingsError(f"{name}: unknown section [{section}]")
    global_settings({GLOBALS: shared}, where=name)
    if shared.get("no_price_comparison_procurement_methods") and shared.get(
        "price_comparison_procurement_methods"
    ):
        warnings.append(
            "no_price_comparison_procurement_methods has no effect if"
            " price_comparison_procurement_methods is set."
        )
    for code, params in tables.items():
        rule_settings(code, params, where=f"{name}: [{code}]")
        params[GLOBALS] = shared
    for code in sorted(NOT_IMPLEMENTED & set(tables)):
        warnings.append(
            f"{code} is not implemented (cardinal's own {code} is unfinished); its section is"
            " ignored."
        )
        del tables[code]
    return SettingsFile(tables=tables, warnings=warnings)


def read_settings_file(path: Path) -> SettingsFile:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: cannot read: {error}") from None
    return parse_settings(text, str(path))

"""Each rule's parameters: its ``[risk.<CODE>]`` table of the policy file, validated by the
rule's own pydantic model. The defaults live in policy.toml only, so the models give none."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from procure.policy import Policy
from procure.risk.registry import RULES, Rule
from procure.risk.tables import Severity
from procure.settings import ConfigurationError


class RuleParams(BaseModel):
    """Every rule's table has ``enabled``; a misspelt key is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool


class FixedSeverity(RuleParams):
    """A rule whose findings all carry the one severity the policy gives it."""

    severity: Severity


class OpenParams(RuleParams):
    """For a rule registered without a model: ``enabled`` is checked, the rest passed on."""

    model_config = ConfigDict(extra="allow", frozen=True)

    enabled: bool = True


#: A share or threshold in percent, e.g. ``threshold_percent = 15``.
Percent = Annotated[Decimal, Field(ge=0, le=100)]
#: A count that cannot be negative.
Count = Annotated[int, Field(ge=0)]


def rule_params(rule: Rule, table: Mapping[str, Any]) -> RuleParams:
    model: type[BaseModel] = rule.params or OpenParams
    try:
        params = model.model_validate(dict(table))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in (f"risk.{rule.code}", *first["loc"]))
        raise ConfigurationError(f"PROCURE_POLICY_FILE: {where}: {first['msg']}") from None
    assert isinstance(params, RuleParams), f"{rule.code}: params must derive from RuleParams"
    return params


def all_rule_params(policy: Policy) -> dict[str, RuleParams]:
    """Every registered rule's parameters; a table naming no registered rule is an error."""
    # [risk.cardinal] holds the global settings of cardinal's indicators, not a rule's own.
    unknown = sorted(set(policy.risk) - set(RULES) - {"cardinal"})
    if unknown:
        raise ConfigurationError(
            f"PROCURE_POLICY_FILE: risk.{unknown[0]}: no such rule "
            f"(known: {', '.join(sorted(RULES))})"
        )
    return {code: rule_params(rule, policy.risk.get(code, {})) for code, rule in RULES.items()}

"""What the pages and the exports call severities, statuses, subjects and datasets: one table,
translated where it is shown."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from procure import i18n
from procure.i18n import N_
from procure.risk import rules as rule_modules
from procure.risk.registry import RULES, Rule, SubjectType
from procure.risk.tables import FlagStatus, Severity

LABELS: dict[str, dict[str, str]] = {
    "severity": {
        Severity.high: N_("High"),
        Severity.medium: N_("Medium"),
        Severity.low: N_("Low"),
    },
    "status": {
        # "Open" already means a survey round that takes answers (进行中); an open flag waits
        # for someone to act on it.
        FlagStatus.open: N_("Pending"),
        FlagStatus.explained: N_("Explained"),
        FlagStatus.resolved: N_("Resolved"),
        FlagStatus.dismissed: N_("Dismissed"),
    },
    "subject": {
        SubjectType.tender: N_("Tender"),
        SubjectType.bid: N_("Bid"),
        SubjectType.contract: N_("Contract"),
        SubjectType.organization: N_("Organization"),
        SubjectType.buyer: N_("Buyer"),
        SubjectType.procuring_entity: N_("Procuring entity"),
        SubjectType.survey_round: N_("Survey round"),
    },
    "dataset": {
        "platform": N_("This platform"),
        "external": N_("Imported OCDS data"),
    },
}


def label(locale: str, kind: str, value: str) -> str:
    """The label of a value in the language asked for; an unknown value shows as itself."""
    message = LABELS[kind].get(value)
    return i18n.translations(locale).gettext(message) if message else value


@cache
def _load_rules() -> None:
    """Import every module of procure.risk.rules once, which registers its rules (importing a
    module again is a no-op, so this agrees with whatever else loads them)."""
    for module in pkgutil.iter_modules(rule_modules.__path__, f"{rule_modules.__name__}."):
        importlib.import_module(module.name)


def rule_of(code: str) -> Rule | None:
    _load_rules()
    return RULES.get(code)


def rule_name(code: str, locale: str) -> str:
    """The rule's name in the language asked for; its code until a module registers it."""
    rule = rule_of(code)
    if rule is None:
        return code
    return rule.name_zh if locale == "zh-CN" else rule.name_en

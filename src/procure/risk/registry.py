"""The rule registry: every risk rule, its code, names, subject, severity and triggers.

A rule is an async function over the database that returns findings; the engine
(risk.engine) turns findings into flags. Rules are set-based: each one is a few queries over
the whole population (or over the scope an event names), never a loop of per-object queries.
Parameters come from policy.toml's ``[risk.<CODE>]`` table, overridable per deployment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from procure.jobs.events import SubjectType, Trigger  # the events' vocabulary, for the rules
from procure.risk.tables import Severity


class Stage(StrEnum):
    bid = "bid"  # cardinal's indicators, over the OCDS rows of a dataset
    oversight = "oversight"  # the contract-oversight loop, over the platform's own tables


@dataclass(frozen=True)
class Finding:
    """One rule's judgement of one subject (and period): the raw material of a flag."""

    rule: str
    subject_type: SubjectType
    subject_id: str
    severity: Severity
    evidence: dict[str, Any]
    period: str = ""
    ocid: str = ""
    # The indicator's value where the rule has one (cardinal prints it).
    value: float | None = None
    # The parties involved (they may read the flag): the buying department, the organization.
    department_id: int | None = None
    organization_id: int | None = None
    dataset: str = "platform"


@dataclass(frozen=True)
class Skip:
    """A process (or part of its judgement) a rule could not judge for missing data, and why:
    the scan summary lists them."""

    rule: str
    dataset: str
    ocid: str
    reason: str


@dataclass(frozen=True)
class RuleContext:
    params: dict[str, Any]
    policy_version: str
    # The OCDS dataset the rule reads ("platform", an imported one, or a temporary one).
    dataset: str = "platform"
    # Incremental runs: the subject ids an event touched, by subject type; None means all.
    scope: dict[SubjectType, frozenset[str]] | None = None
    # What the rule could not judge, and why (``skip``); the engine reports it.
    skipped: list[Skip] = field(default_factory=list)

    def skip(self, rule: str, ocid: str, reason: str) -> None:
        self.skipped.append(Skip(rule, self.dataset, ocid, reason))


Evaluate = Callable[[RuleContext], Awaitable[list[Finding]]]


@dataclass(frozen=True)
class Rule:
    code: str
    name_zh: str
    name_en: str
    subject: SubjectType
    severity: Severity
    stage: Stage
    evaluate: Evaluate
    triggers: frozenset[Trigger] = field(default_factory=frozenset)
    # The pydantic model of the rule's [risk.<CODE>] policy table; None takes any keys.
    params: type[BaseModel] | None = None
    # A bid-stage rule that judges each process alone and finds only tenders (no quartiles
    # over the dataset, no organization summed over processes): an incremental run reads, and
    # judges, only the processes the event touched.
    per_process: bool = False
    # An oversight rule that also judges every imported dataset (its OCDS rows), besides the
    # platform's own tables.
    imported: bool = False


RULES: dict[str, Rule] = {}


def register(
    code: str,
    *,
    name_zh: str,
    name_en: str,
    subject: SubjectType,
    severity: Severity,
    stage: Stage,
    triggers: frozenset[Trigger] | set[Trigger] = frozenset(),
    params: type[BaseModel] | None = None,
    per_process: bool = False,
    imported: bool = False,
) -> Callable[[Evaluate], Evaluate]:
    """Decorator: ``@register("R003", ...)`` on ``async def evaluate(ctx) -> list[Finding]``."""

    def decorate(evaluate: Evaluate) -> Evaluate:
        if code in RULES:
            raise RuntimeError(f"rule {code} is registered twice")
        RULES[code] = Rule(
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            subject=subject,
            severity=severity,
            stage=stage,
            evaluate=evaluate,
            triggers=frozenset(triggers),
            params=params,
            per_process=per_process,
            imported=imported,
        )
        return evaluate

    return decorate

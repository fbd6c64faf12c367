"""The risk engine: runs rules and keeps one flag per rule, dataset, subject and period.

Both ways of running a rule end in the same upsert, so they agree by construction:

* ``scan`` — the full scan: every enabled rule over everything it judges;
* ``on_event`` — the incremental path: the rules whose triggers name the event, over the
  subjects the event touched (the scope), or over everything when a rule's subjects cannot be
  derived from the scope.

Within the evaluated scope a finding opens its flag, or updates the existing one (evidence,
severity, parties, last_seen_at, policy version); a flag the rule no longer finds, and that is
still open or explained, is resolved by the engine with the note ``condition no longer holds``.
A flag the engine resolved opens again when its condition returns; one a person resolved or
dismissed keeps its status and gets the fresh evidence. Each rule runs in one transaction that
records one audit event (an incremental run records one only when a flag changed).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from procure import clock
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.db import transaction
from procure.errors import Conflict
from procure.lifecycle import advance
from procure.ocds.dataset import dataset_has_rows
from procure.ocds.platform import platform_dataset_refresh, platform_subjects, with_ocids
from procure.policy import Policy, get_policy
from procure.risk import rules as rules_package
from procure.risk.cardinal_settings import policy_tables
from procure.risk.params import RuleParams, all_rule_params
from procure.risk.registry import (
    RULES,
    Finding,
    Rule,
    RuleContext,
    Stage,
    SubjectType,
    Trigger,
)
from procure.risk.states import ACTIVE, FLAG, EngineStep
from procure.risk.tables import FlagStatus, RiskFlag, RiskFlagEvent

#: The OCDS datasets bid-stage rules read.
BID_DATASETS = ("platform", "external")
PLATFORM = "platform"
CONDITION_GONE = "condition no longer holds"
CONDITION_BACK = "condition holds again"
CONDITION_FOUND = "condition found"
log = logging.getLogger("procure.risk")

Progress = Callable[[str, int, int], None]
Scope = dict[SubjectType, frozenset[str]]


def load_rules() -> dict[str, Rule]:
    """Import every module of procure.risk.rules, so that RULES holds every rule: a rules
    module added later (e.g. cardinal.py) registers itself just by existing."""
    for module in pkgutil.iter_modules(rules_package.__path__):
        importlib.import_module(f"{rules_package.__name__}.{module.name}")
    return RULES


# -- scope: from what an event touched to the subjects a rule judges ----------------------------


async def _ids(query: Any, column: str) -> frozenset[str]:
    return frozenset(str(row[column]) for row in await query if row[column] is not None)


def _derivations() -> dict[tuple[SubjectType, SubjectType], Callable[[list[int]], Awaitable]]:
    """(from, to) → how to find the ``to`` subjects of some ``from`` subjects."""
    from procure.bids.tables import Bid
    from procure.contracts.tables import Contract
    from procure.surveys.tables import SurveyRound

    return {
        (SubjectType.tender, SubjectType.bid): lambda ids: _ids(
            Bid.select(Bid.id).where(Bid.tender.is_in(ids)), "id"
        ),
        (SubjectType.bid, SubjectType.tender): lambda ids: _ids(
            Bid.select(Bid.tender).where(Bid.id.is_in(ids)), "tender"
        ),
        (SubjectType.contract, SubjectType.buyer): lambda ids: _ids(
            Contract.select(Contract.department).where(Contract.id.is_in(ids)), "department"
        ),
        (SubjectType.contract, SubjectType.survey_round): lambda ids: _ids(
            SurveyRound.select(SurveyRound.id).where(SurveyRound.contract.is_in(ids)), "id"
        ),
        (SubjectType.survey_round, SubjectType.contract): lambda ids: _ids(
            SurveyRound.select(SurveyRound.contract).where(SurveyRound.id.is_in(ids)), "contract"
        ),
    }


async def _scope_for(rule: Rule, scope: Scope) -> Scope | None:
    """The event's scope, completed with the rule's own subjects; None when they cannot be
    derived from it (the rule then runs over everything)."""
    if rule.subject in scope:
        return scope
    derived: set[str] = set()
    found = False
    for (source, target), derive in _derivations().items():
        if target == rule.subject and source in scope:
            found = True
            derived |= await derive(sorted(int(i) for i in scope[source]))
    if not found:
        return None
    return {**scope, rule.subject: frozenset(derived)}


def _normalized(scope: Mapping[SubjectType, Iterable[int | str]]) -> Scope:
    return {SubjectType(kind): frozenset(str(i) for i in ids) for kind, ids in scope.items()}


# -- the upsert ---------------------------------------------------------------------------------


@dataclass
class RunResult:
    rule: str
    dataset: str
    opened: int = 0
    reopened: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    flags: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.reopened or self.updated or self.closed)

    def counts(self) -> dict[str, int]:
        return {
            "opened": self.opened,
            "reopened": self.reopened,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "closed": self.closed,
        }


Key = tuple[str, str, str]


def _key(subject_type: str, subject_id: str, period: str) -> Key:
    return (str(subject_type), str(subject_id), period)


def _evidence(finding: Finding) -> dict[str, Any]:
    if finding.value is None or "value" in finding.evidence:
        return dict(finding.evidence)
    return {**finding.evidence, "value": finding.value}


def _checked(rule: Rule, findings: list[Finding], scope: Scope | None) -> dict[Key, Finding]:
    """The findings by identity; a rule that finds one subject and period twice is a bug."""
    allowed = None if scope is None else scope.get(rule.subject)
    by_key: dict[Key, Finding] = {}
    for finding in findings:
        if finding.rule != rule.code:
            raise RuntimeError(f"rule {rule.code} returned a finding of {finding.rule}")
        if allowed is not None and (
            finding.subject_type != rule.subject or finding.subject_id not in allowed
        ):
            continue  # outside the event's scope: a full scan judges it
        key = _key(finding.subject_type, finding.subject_id, finding.period)
        if key in by_key:
            raise RuntimeError(f"rule {rule.code} found {key} twice")
        by_key[key] = finding
    return by_key


async def _event(flag_id: int, from_status: str, to_status: FlagStatus, note: str) -> None:
    await RiskFlagEvent.insert(
        RiskFlagEvent(
            flag=flag_id,
            from_status=from_status,
            to_status=to_status,
            actor=None,
            note=note,
            occurred_at=clock.now(),
        )
    )


async def _engine_step(
    row: dict[str, Any], step: EngineStep, note: str, values: dict[Any, Any] | None = None
) -> bool:
    """The engine's own step through the flag's transition table (no audit event per flag:
    the rule run records one). False when a person moved the flag meanwhile: theirs stands."""
    try:
        moved = await advance(FLAG, row_id=row["id"], action=step, actor=None, values=values)
    except Conflict:
        return False
    await _event(row["id"], row["status"], FlagStatus(moved["status"]), note)
    return True


async def _closed_by_engine(flag_ids: list[int]) -> set[int]:
    """Of these resolved flags, those whose latest step was the engine's own closing."""
    if not flag_ids:
        return set()
    latest: dict[int, dict[str, Any]] = {}
    for row in (
        await RiskFlagEvent.select(RiskFlagEvent.flag, RiskFlagEvent.actor, RiskFlagEvent.note)
        .where(RiskFlagEvent.flag.is_in(flag_ids))
        .order_by(RiskFlagEvent.id)
    ):
        latest[row["flag"]] = row
    return {
        flag
        for flag, row in latest.items()
        if row["actor"] is None and row["note"] == CONDITION_GONE
    }


def _flag_values(finding: Finding, policy_version: str, now: datetime) -> dict[Any, Any]:
    return {
        RiskFlag.severity: finding.severity,
        RiskFlag.evidence: _evidence(finding),
        RiskFlag.ocid: finding.ocid,
        RiskFlag.department: finding.department_id,
        RiskFlag.organization: finding.organization_id,
        RiskFlag.policy_version: policy_version,
        RiskFlag.last_seen_at: now,
    }


def _differs(row: dict[str, Any], finding: Finding) -> bool:
    return (
        row["severity"] != finding.severity
        or row["evidence"] != _evidence(finding)
        or row["ocid"] != finding.ocid
        or row["department"] != finding.department_id
        or row["organization"] != finding.organization_id
    )


def _scope_clause(rule: Rule, dataset: str, scope: Scope | None) -> Any:
    where = (RiskFlag.rule == rule.code) & (RiskFlag.dataset == dataset)
    if scope is not None:
        ids = sorted(scope.get(rule.subject, frozenset()))
        where &= (RiskFlag.subject_type == rule.subject) & RiskFlag.subject_id.is_in(ids or [""])
    return where


async def _upsert(
    rule: Rule,
    dataset: str,
    scope: Scope | None,
    findings: dict[Key, Finding],
    policy_version: str,
) -> RunResult:
    now = clock.now()
    result = RunResult(rule.code, dataset)
    where = _scope_clause(rule, dataset, scope)
    existing = {
        _key(row["subject_type"], row["subject_id"], row["period"]): row
        for row in await RiskFlag.select().where(where).output(load_json=True)
    }
    reopenable = await _closed_by_engine(
        [row["id"] for key, row in existing.items() if row["status"] == FlagStatus.resolved]
    )
    unchanged: list[int] = []
    for key, finding in findings.items():
        row = existing.get(key)
        if row is None:
            inserted = (
                await RiskFlag.insert(
                    RiskFlag(
                        rule=rule.code,
                        dataset=dataset,
                        subject_type=finding.subject_type,
                        subject_id=finding.subject_id,
                        period=finding.period,
                        status=FlagStatus.open,
                        first_seen_at=now,
                        **{
                            column._meta.name: value
                            for column, value in _flag_values(finding, policy_version, now).items()
                        },
                    )
                )
                .on_conflict(
                    target=(
                        RiskFlag.rule,
                        RiskFlag.dataset,
                        RiskFlag.subject_type,
                        RiskFlag.subject_id,
                        RiskFlag.period,
                    ),
                    action="DO NOTHING",
                )
                .returning(RiskFlag.id)
            )
            if inserted:
                await _event(inserted[0]["id"], "", FlagStatus.open, CONDITION_FOUND)
                result.opened += 1
                continue
            # Another run opened it a moment ago: update that one.
            row = (
                await RiskFlag.select()
                .where(
                    (RiskFlag.rule == rule.code)
                    & (RiskFlag.dataset == dataset)
                    & (RiskFlag.subject_type == key[0])
                    & (RiskFlag.subject_id == key[1])
                    & (RiskFlag.period == key[2])
                )
                .output(load_json=True)
                .first()
            )
            assert row is not None
        values = _flag_values(finding, policy_version, now)
        if row["id"] in reopenable and await _engine_step(
            row, EngineStep.condition_back, CONDITION_BACK, values
        ):
            result.reopened += 1
        elif _differs(row, finding) or row["policy_version"] != policy_version:
            await RiskFlag.update(values).where(RiskFlag.id == row["id"])
            result.updated += 1
        else:
            unchanged.append(row["id"])
    if unchanged:
        await RiskFlag.update({RiskFlag.last_seen_at: now}).where(RiskFlag.id.is_in(unchanged))
        result.unchanged = len(unchanged)
    gone = [row for key, row in existing.items() if key not in findings]
    for row in gone:
        if row["status"] in ACTIVE and await _engine_step(
            row, EngineStep.condition_gone, CONDITION_GONE
        ):
            result.closed += 1
    if findings:
        keys = set(findings)
        result.flags = [
            flag_out(row)
            for row in await RiskFlag.select().where(where).output(load_json=True)
            if _key(row["subject_type"], row["subject_id"], row["period"]) in keys
        ]
    return result


def flag_out(row: dict[str, Any]) -> dict[str, Any]:
    """A flag as plain JSON data (the CLI's --json, the API)."""
    return {
        "id": row["id"],
        "rule": row["rule"],
        "dataset": row["dataset"],
        "subject_type": row["subject_type"],
        "subject_id": row["subject_id"],
        "period": row["period"],
        "ocid": row["ocid"] or None,
        "severity": row["severity"],
        "status": row["status"],
        "evidence": row["evidence"],
        "policy_version": row["policy_version"],
        "department_id": row["department"],
        "organization_id": row["organization"],
        "first_seen_at": row["first_seen_at"].isoformat(),
        "last_seen_at": row["last_seen_at"].isoformat(),
    }


# -- running rules ------------------------------------------------------------------------------


async def _run(
    rule: Rule,
    params: RuleParams,
    *,
    policy: Policy,
    dataset: str,
    scope: Scope | None,
    trigger: Trigger | None,
) -> RunResult:
    if rule.stage == Stage.bid:
        # cardinal's settings, read as `procure ocds indicators` reads them.
        values = policy_tables(policy.risk)[rule.code]
    else:
        values = params.model_dump(mode="json")
    context = RuleContext(
        params=values, policy_version=policy.version, dataset=dataset, scope=scope
    )
    async with transaction():
        found = await rule.evaluate(context)
        if rule.stage == Stage.bid and dataset == PLATFORM:
            found = await platform_subjects(found)
        if dataset == PLATFORM:
            found = await with_ocids(found)
        findings = _checked(rule, found, scope)
        result = await _upsert(rule, dataset, scope, findings, policy.version)
        if trigger is None or result.changed:
            await record(
                actor=None,
                action=AuditAction.risk_rule_run,
                subject_type="risk_rule",
                subject_id=rule.code,
                data={
                    "dataset": dataset,
                    "trigger": str(trigger) if trigger else "scan",
                    "scope": None
                    if scope is None
                    else {str(kind): sorted(ids) for kind, ids in scope.items()},
                    "policy_version": policy.version,
                    **result.counts(),
                },
            )
    return result


def _selected(codes: Sequence[str] | None, params: dict[str, RuleParams]) -> list[Rule]:
    if codes is None:
        chosen = [code for code, p in params.items() if p.enabled]
    else:
        unknown = [code for code in codes if code not in RULES]
        if unknown:
            raise UnknownRule(unknown, sorted(RULES))
        chosen = list(dict.fromkeys(codes))
    return sorted((RULES[code] for code in chosen), key=lambda r: (r.stage != Stage.bid, r.code))


class UnknownRule(ValueError):
    def __init__(self, unknown: list[str], known: list[str]) -> None:
        self.unknown = unknown
        self.known = known
        super().__init__(f"no such rule: {', '.join(unknown)} (known: {', '.join(known)})")


async def _datasets(rule: Rule, only: str | None) -> list[str]:
    if rule.stage == Stage.oversight:
        return [PLATFORM]
    wanted = [only] if only else list(BID_DATASETS)
    return [dataset for dataset in wanted if await dataset_has_rows(dataset)]


class RuleFailures(RuntimeError):
    """Some rules failed; the others ran and their flags are kept (``flags``)."""

    def __init__(self, failures: list[tuple[str, BaseException]], flags: list[dict[str, Any]]):
        self.failures = failures
        self.flags = flags
        super().__init__(
            "; ".join(f"rule {code} failed: {type(e).__name__}: {e}" for code, e in failures)
        )


async def _run_each(
    runs: Sequence[tuple[Rule, Scope | None]],
    params: dict[str, RuleParams],
    policy: Policy,
    *,
    trigger: Trigger | None,
    dataset: str | None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Run each rule in its own transaction; one that fails is logged and the others go on."""
    flags: list[dict[str, Any]] = []
    failures: list[tuple[str, BaseException]] = []
    if dataset in (None, PLATFORM) and any(rule.stage == Stage.bid for rule, _ in runs):
        # The bid-stage rules judge the platform's tenders through their OCDS projection.
        await platform_dataset_refresh()
    for done, (rule, scope) in enumerate(runs, start=1):
        try:
            for name in await _datasets(rule, dataset):
                result = await _run(
                    rule,
                    params[rule.code],
                    policy=policy,
                    dataset=name,
                    scope=scope,
                    trigger=trigger,
                )
                flags.extend(result.flags)
        except Exception as error:
            log.exception("risk rule %s failed", rule.code)
            failures.append((rule.code, error))
        if progress is not None:
            progress(rule.code, done, len(runs))
    if failures:
        raise RuleFailures(failures, flags)
    return flags


async def scan(
    *,
    rules: Sequence[str] | None = None,
    progress: Progress | None = None,
    policy: Policy | None = None,
) -> list[dict[str, Any]]:
    """The full scan: every enabled rule (or those named, enabled or not) over everything;
    returns the flags found, as plain data."""
    load_rules()
    policy = policy or get_policy()
    params = all_rule_params(policy)
    runs = [(rule, None) for rule in _selected(rules, params)]
    return await _run_each(runs, params, policy, trigger=None, dataset=None, progress=progress)


async def on_event(
    trigger: Trigger,
    scope: Mapping[SubjectType, Iterable[int | str]],
    *,
    dataset: str | None = None,
    policy: Policy | None = None,
) -> list[dict[str, Any]]:
    """The incremental path: the enabled rules that ``trigger`` concerns, over the subjects of
    ``scope`` (e.g. ``{SubjectType.contract: [12]}``); returns the flags found."""
    load_rules()
    policy = policy or get_policy()
    params = all_rule_params(policy)
    touched = _normalized(scope)
    # Bid-stage rules compare a process with the whole dataset (quartile fences): they run
    # over all of it.
    runs = [
        (rule, None if rule.stage == Stage.bid else await _scope_for(rule, touched))
        for rule in _selected(None, params)
        if trigger in rule.triggers
    ]
    return await _run_each(runs, params, policy, trigger=trigger, dataset=dataset)

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
dismissed keeps its status and gets the fresh evidence. Each rule runs in one transaction; the
flags' own history (risk_flag_event) records the engine's steps. A rule run is derived data and
records no audit event: the audit log keeps the changes people and the platform's processes make.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import importlib
import logging
import pkgutil
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine
from piccolo.utils.encoding import dump_json

from procure import clock
from procure.db import get_engine, in_transaction, transaction
from procure.db.bulk import insert_rows
from procure.errors import Conflict
from procure.jobs import record_event
from procure.lifecycle import advance, advance_all
from procure.ocds.dataset import dataset_names, shared_reads, shared_value
from procure.ocds.export import ocid_of
from procure.ocds.platform import platform_dataset_refresh, platform_subjects, with_ocids
from procure.policy import Policy, get_policy
from procure.risk import rules as rules_package
from procure.risk.cardinal_settings import policy_tables
from procure.risk.params import RuleParams, all_rule_params
from procure.risk.population import process_summaries
from procure.risk.registry import (
    RULES,
    Finding,
    Rule,
    RuleContext,
    Skip,
    Stage,
    SubjectType,
    Trigger,
)
from procure.risk.states import ACTIVE, FLAG, EngineStep
from procure.risk.tables import FlagStatus, RiskFlag, RiskFlagEvent
from procure.settings import get_settings

PLATFORM = "platform"
CONDITION_GONE = "condition no longer holds"
CONDITION_BACK = "condition holds again"
CONDITION_FOUND = "condition found"
log = logging.getLogger("procure.risk")

Progress = Callable[[str, int, int], None]
#: Told of each process (or part of its judgement) a rule skipped for missing data, and why.
Skipped = Callable[[Skip], None]
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
    skipped: list[Skip] = field(default_factory=list)

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


@dataclass(frozen=True)
class _Written:
    """What a finding writes into its flag: the evidence as stored JSON, and the digest of
    everything the finding sets (``RiskFlag.finding_hash``), which tells an unchanged flag
    without reading its evidence back."""

    finding: Finding
    evidence_data: dict[str, Any]
    evidence: str
    digest: str

    @classmethod
    def of(cls, finding: Finding) -> _Written:
        data = _evidence(finding)
        evidence = dump_json(data)
        parts = (
            str(finding.severity),
            evidence,
            finding.ocid,
            str(finding.department_id),
            str(finding.organization_id),
        )
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        return cls(finding, data, evidence, digest)


#: The longest subject id a flag stores, in UTF-8 bytes. Imported ids are the publisher's (an
#: ocid, a party id, ``ocid/bids/details/<n>``, ``ocid/contracts/<n>``) and OCDS bounds none of
#: them; risk_flag.subject_id is TEXT, but its unique index (rule, dataset, subject_type,
#: subject_id, period) must stay within PostgreSQL's B-tree entry limit (about 2,700 bytes).
SUBJECT_ID_MAX_BYTES = 2000
SUBJECT_ID_TOO_LONG = "subject id longer than %d bytes (%d): not stored as a flag"


def _storable(context: RuleContext, rule: Rule, findings: list[Finding]) -> list[Finding]:
    """The findings whose subject id a flag can hold; the others are skipped, saying why."""
    kept = []
    for finding in findings:
        size = len(finding.subject_id.encode())
        if size > SUBJECT_ID_MAX_BYTES:
            context.skip(
                rule.code,
                finding.ocid or finding.subject_id[:200],
                SUBJECT_ID_TOO_LONG % (SUBJECT_ID_MAX_BYTES, size),
            )
            continue
        kept.append(finding)
    return kept


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


#: Flags written per statement by the bulk paths.
BATCH = 500


def _batches(items: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _events(steps: Sequence[tuple[int, str]], to_status: FlagStatus, note: str) -> None:
    """One history row per (flag, from status), in multi-row INSERTs."""
    now = clock.now()
    await insert_rows(
        RiskFlagEvent,
        [
            {
                "flag": flag_id,
                "from_status": from_status,
                "to_status": to_status,
                "actor": None,
                "note": note,
                "occurred_at": now,
            }
            for flag_id, from_status in steps
        ],
    )


async def _event(flag_id: int, from_status: str, to_status: FlagStatus, note: str) -> None:
    await _events([(flag_id, from_status)], to_status, note)


async def _engine_step(
    row: dict[str, Any], step: EngineStep, note: str, values: dict[Any, Any] | None = None
) -> bool:
    """The engine's own step through the flag's transition table (no audit event: the flag's
    history records it). False when a person moved the flag meanwhile: theirs stands."""
    try:
        moved = await advance(FLAG, row_id=row["id"], action=step, actor=None, values=values)
    except Conflict:
        return False
    await _event(row["id"], row["status"], FlagStatus(moved["status"]), note)
    return True


async def _closed_by_engine(flag_ids: list[int]) -> set[int]:
    """Of these resolved flags, those whose latest step was the engine's own closing."""
    latest: dict[int, dict[str, Any]] = {}
    for batch in _batches(flag_ids):
        for row in (
            await RiskFlagEvent.select(RiskFlagEvent.flag, RiskFlagEvent.actor, RiskFlagEvent.note)
            .where(RiskFlagEvent.flag.is_in(list(batch)))
            .order_by(RiskFlagEvent.id)
        ):
            latest[row["flag"]] = row
    return {
        flag
        for flag, row in latest.items()
        if row["actor"] is None and row["note"] == CONDITION_GONE
    }


def _flag_values(written: _Written, policy_version: str, now: datetime) -> dict[str, Any]:
    """What a finding sets in its flag, by column name."""
    finding = written.finding
    return {
        "severity": finding.severity,
        "evidence": written.evidence,
        "finding_hash": written.digest,
        "ocid": finding.ocid,
        "department": finding.department_id,
        "organization": finding.organization_id,
        "policy_version": policy_version,
        "last_seen_at": now,
    }


def _scope_clause(rule: Rule, dataset: str, scope: Scope | None) -> Any:
    where = (RiskFlag.rule == rule.code) & (RiskFlag.dataset == dataset)
    if scope is not None:
        ids = sorted(scope.get(rule.subject, frozenset()))
        where &= (RiskFlag.subject_type == rule.subject) & RiskFlag.subject_id.is_in(ids or [""])
    return where


def _new_flag(
    rule: Rule, dataset: str, written: _Written, policy_version: str, now: datetime
) -> dict[str, Any]:
    finding = written.finding
    return {
        "rule": rule.code,
        "dataset": dataset,
        "subject_type": finding.subject_type,
        "subject_id": finding.subject_id,
        "period": finding.period,
        "status": FlagStatus.open,
        "first_seen_at": now,
        **_flag_values(written, policy_version, now),
    }


FLAG_IDENTITY = (
    RiskFlag.rule,
    RiskFlag.dataset,
    RiskFlag.subject_type,
    RiskFlag.subject_id,
    RiskFlag.period,
)


async def _insert_new(
    rule: Rule,
    dataset: str,
    new: list[tuple[Key, _Written]],
    policy_version: str,
    now: datetime,
) -> dict[Key, int]:
    """Open a flag for each new finding, in multi-row INSERTs, with their history rows; the
    flags' ids by key. The keys another run opened a moment ago (the conflict left them alone)
    are not in the answer."""
    rows = await insert_rows(
        RiskFlag,
        [_new_flag(rule, dataset, written, policy_version, now) for _, written in new],
        on_conflict_do_nothing=FLAG_IDENTITY,
        returning=(RiskFlag.id, RiskFlag.subject_type, RiskFlag.subject_id, RiskFlag.period),
    )
    await _events([(row["id"], "") for row in rows], FlagStatus.open, CONDITION_FOUND)
    await _raised([row["id"] for row in rows])
    return {_key(row["subject_type"], row["subject_id"], row["period"]): row["id"] for row in rows}


async def _raised(flag_ids: list[int]) -> None:
    """The flags opened (or opened again) now, an event in the run's transaction: their
    parties are told (procure.notifications)."""
    if flag_ids:
        await record_event(Trigger.risk_flag_raised, {SubjectType.risk_flag: flag_ids})


#: What a scan reads of the flags it may touch: everything but the evidence (compared by
#: ``finding_hash``).
_EXISTING = (
    RiskFlag.id,
    RiskFlag.subject_type,
    RiskFlag.subject_id,
    RiskFlag.period,
    RiskFlag.status,
    RiskFlag.finding_hash,
    RiskFlag.policy_version,
    RiskFlag.first_seen_at,
)


async def _existing(where: Any) -> dict[Key, dict[str, Any]]:
    return {
        _key(row["subject_type"], row["subject_id"], row["period"]): row
        for row in await RiskFlag.select(*_EXISTING).where(where)
    }


async def _close_gone(rows: list[dict[str, Any]]) -> int:
    """The engine's closing of flags whose condition is gone: one compare-and-set UPDATE per
    status read (so each history row names the status it left), a flag a person moved
    meanwhile left as they put it."""
    closed = 0
    by_status: dict[str, list[int]] = {}
    for row in rows:
        if row["status"] in ACTIVE:
            by_status.setdefault(row["status"], []).append(row["id"])
    for status, ids in sorted(by_status.items()):
        for batch in _batches(ids):
            moved = await advance_all(
                FLAG,
                where=RiskFlag.id.is_in(list(batch)) & (RiskFlag.status == status),
                action=EngineStep.condition_gone,
            )
            await _events(
                [(flag_id, status) for flag_id in sorted(moved)],
                FlagStatus.resolved,
                CONDITION_GONE,
            )
            closed += len(moved)
    return closed


#: The columns a finding sets, with the value each takes from it.
_FINDING_COLUMNS: tuple[tuple[str, Callable[[_Written], Any]], ...] = (
    ("severity", lambda w: str(w.finding.severity)),
    ("evidence", lambda w: w.evidence),
    ("finding_hash", lambda w: w.digest),
    ("ocid", lambda w: w.finding.ocid),
    ("department", lambda w: w.finding.department_id),
    ("organization", lambda w: w.finding.organization_id),
)
#: Flags per UPDATE of changed findings: 13 parameters each, well inside SQLite's limit.
_CHANGED_BATCH = 200


async def _update_changed(
    changed: Sequence[tuple[int, _Written]], policy_version: str, now: datetime
) -> None:
    """Write each flag's new finding, a batch per statement: ``SET column = CASE id WHEN … THEN
    … ELSE column END`` for each column (a different value per flag), then the policy version
    and last_seen_at they share."""
    for batch in _batches(changed, _CHANGED_BATCH):
        args: list[Any] = []
        sets = []
        for column, value_of in _FINDING_COLUMNS:
            whens = []
            for flag_id, written in batch:
                whens.append("WHEN {} THEN {}")
                args.extend([flag_id, value_of(written)])
            sets.append(f'"{column}" = CASE "id" {" ".join(whens)} ELSE "{column}" END')
        ids = [flag_id for flag_id, _ in batch]
        marks = ", ".join("{}" for _ in ids)
        await RiskFlag.raw(
            f'UPDATE "risk_flag" SET {", ".join(sets)} WHERE "id" IN ({marks})', *args, *ids
        )
        await RiskFlag.update(
            {RiskFlag.policy_version: policy_version, RiskFlag.last_seen_at: now}
        ).where(RiskFlag.id.is_in(ids))


async def _upsert(
    rule: Rule,
    dataset: str,
    scope: Scope | None,
    findings: dict[Key, Finding],
    policy_version: str,
) -> RunResult:
    now = clock.now().astimezone(UTC)  # as the database gives it back
    result = RunResult(rule.code, dataset)
    where = _scope_clause(rule, dataset, scope)
    existing = await _existing(where)
    reopenable = await _closed_by_engine(
        [row["id"] for key, row in existing.items() if row["status"] == FlagStatus.resolved]
    )
    written = {key: _Written.of(finding) for key, finding in findings.items()}
    new = [(key, w) for key, w in written.items() if key not in existing]
    opened = await _insert_new(rule, dataset, new, policy_version, now)
    result.opened = len(opened)
    raced = [key for key, _ in new if key not in opened]
    if raced:
        # Another run opened these a moment ago: update those.
        existing.update({key: row for key, row in (await _existing(where)).items() if key in raced})
    # The flags as they stand after this run (without their evidence): the answer.
    stand: dict[Key, dict[str, Any]] = {
        key: {"id": flag_id, "status": FlagStatus.open, "first_seen_at": now}
        for key, flag_id in opened.items()
    }
    unchanged: list[int] = []
    reopened: list[int] = []
    refreshed: list[int] = []  # the same finding under another policy version
    changed: list[tuple[int, _Written]] = []  # new evidence, severity or parties
    for key, w in written.items():
        if key in opened:
            continue
        row = stand[key] = dict(existing[key])
        if row["id"] in reopenable and await _engine_step(
            row,
            EngineStep.condition_back,
            CONDITION_BACK,
            {
                RiskFlag._meta.get_column_by_name(name): value
                for name, value in _flag_values(w, policy_version, now).items()
            },
        ):
            result.reopened += 1
            reopened.append(row["id"])
            row["status"] = FlagStatus.open
        elif row["finding_hash"] != w.digest:
            changed.append((row["id"], w))
        elif row["policy_version"] != policy_version:
            refreshed.append(row["id"])
        else:
            unchanged.append(row["id"])
    await _raised(reopened)
    await _update_changed(changed, policy_version, now)
    result.updated += len(changed)
    for batch in _batches(refreshed):
        await RiskFlag.update(
            {RiskFlag.policy_version: policy_version, RiskFlag.last_seen_at: now}
        ).where(RiskFlag.id.is_in(list(batch)))
    result.updated += len(refreshed)
    for batch in _batches(unchanged):
        await RiskFlag.update({RiskFlag.last_seen_at: now}).where(RiskFlag.id.is_in(list(batch)))
    result.unchanged = len(unchanged)
    result.closed = await _close_gone([row for key, row in existing.items() if key not in findings])
    # The answer, from what was written rather than read back: as flag_out gives the stored
    # flags (tests/risk/test_demo.py holds every rule's to that; the evidence is JSON's types).
    result.flags = [
        flag_out(
            {
                **stand[key],
                "rule": rule.code,
                "dataset": dataset,
                "subject_type": w.finding.subject_type,
                "subject_id": w.finding.subject_id,
                "period": w.finding.period,
                "ocid": w.finding.ocid,
                "severity": w.finding.severity,
                "evidence": w.evidence_data,
                "policy_version": policy_version,
                "department": w.finding.department_id,
                "organization": w.finding.organization_id,
                "last_seen_at": now,
            }
        )
        for key, w in written.items()
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
        params=values,
        policy_version=policy.version,
        dataset=dataset,
        scope=await _rule_scope(rule, dataset, scope),
    )
    async with transaction():
        found = await rule.evaluate(context)
        if rule.stage == Stage.bid and dataset == PLATFORM:
            found = await platform_subjects(found)
        if dataset == PLATFORM:
            found = await with_ocids(found)
        found = _storable(context, rule, found)
        findings = _checked(rule, found, scope)
        result = await _upsert(rule, dataset, scope, findings, policy.version)
    result.skipped = list(context.skipped)
    return result


async def _rule_scope(rule: Rule, dataset: str, scope: Scope | None) -> Scope | None:
    """The scope as the rule reads it: a bid-stage rule names the processes of its dataset by
    ocid, so the platform's tender ids become the ocids of their processes."""
    if scope is None or rule.stage != Stage.bid or SubjectType.tender not in scope:
        return scope
    from procure.tenders.tables import Tender

    references = await Tender.select(Tender.reference).where(
        Tender.id.is_in(sorted(int(i) for i in scope[SubjectType.tender]) or [-1])
    )
    return {**scope, SubjectType.tender: frozenset(ocid_of(r["reference"]) for r in references)}


async def _touched_tenders(scope: Scope) -> list[int] | None:
    """The platform's tenders whose contracting process an event's scope touched; None when the
    scope names none (then the projection is brought up to date whole)."""
    tenders = {int(i) for i in scope.get(SubjectType.tender, ())}
    found = SubjectType.tender in scope
    derive = _derivations()
    if SubjectType.bid in scope:
        found = True
        ids = sorted(int(i) for i in scope[SubjectType.bid])
        tenders |= {int(i) for i in await derive[(SubjectType.bid, SubjectType.tender)](ids)}
    contracts = {int(i) for i in scope.get(SubjectType.contract, ())}
    if SubjectType.survey_round in scope:
        ids = sorted(int(i) for i in scope[SubjectType.survey_round])
        pair = (SubjectType.survey_round, SubjectType.contract)
        contracts |= {int(i) for i in await derive[pair](ids)}
    if SubjectType.contract in scope or SubjectType.survey_round in scope:
        found = True
        from procure.contracts.tables import Contract

        tenders |= {
            row["tender"]
            for row in await Contract.select(Contract.tender).where(
                Contract.id.is_in(sorted(contracts) or [-1])
            )
            if row["tender"] is not None
        }
    return sorted(tenders) if found else None


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
    """The datasets a rule judges (``only``: of that one): an oversight rule the platform's
    tables, one that reads imported data too (``imported``) also every other dataset holding
    processes, a bid-stage rule every dataset holding processes (the platform's projection
    among them) — whatever its name."""
    if rule.stage == Stage.oversight and not rule.imported:
        return [PLATFORM] if only in (None, PLATFORM) else []
    # One SELECT DISTINCT per run: the rules of a run share it (the projection is refreshed
    # before the first of them).
    held = await shared_value(("risk", "datasets"), dataset_names)
    if rule.stage == Stage.oversight:
        # The platform's own tables, and the imported datasets (not the platform's projection).
        names = [PLATFORM, *(name for name in held if name != PLATFORM)]
    else:
        names = held
    return [name for name in names if only is None or name == only]


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
    touched: list[int] | None = None,
    skipped: Skipped | None = None,
) -> list[dict[str, Any]]:
    """Run each rule in its own transaction; one that fails is logged and the others go on.
    ``touched``: the tenders whose processes an event changed, refreshed in the projection
    first (None: a full scan, which reads the projection as it stands)
    ``skipped``: told of what the rules could not judge for missing data (also logged)."""
    flags: list[dict[str, Any]] = []
    failures: list[tuple[str, BaseException]] = []
    if touched and dataset in (None, PLATFORM) and any(rule.stage == Stage.bid for rule, _ in runs):
        # The bid-stage rules judge the platform's tenders through their OCDS projection: an
        # event brings the processes it touched up to date first. A full scan reads the
        # projection as the events and the catch-up (risk.catch_up) left it.
        await platform_dataset_refresh(tender_ids=touched)
    # An event on the platform's own processes changes nothing in imported datasets.
    only = PLATFORM if dataset is None and touched is not None else dataset
    results: list[list[RunResult]] = [[] for _ in runs]
    done = 0
    at_once = asyncio.Semaphore(_rules_at_once())

    async def run_one(index: int, rule: Rule, scope: Scope | None) -> None:
        nonlocal done
        async with at_once:
            try:
                for name in await _datasets(rule, only):
                    results[index].append(
                        await _run(
                            rule,
                            params[rule.code],
                            policy=policy,
                            dataset=name,
                            # The subjects an event touched are the platform's.
                            scope=scope if name == PLATFORM else None,
                            trigger=trigger,
                        )
                    )
            except Exception as error:
                log.exception("risk rule %s failed", rule.code)
                failures.append((rule.code, error))
        done += 1
        if progress is not None:
            progress(rule.code, done, len(runs))

    # The rules of one run read the datasets' processes (and other shared rows) once between
    # them, and run side by side, each in its own transaction, where the database serves
    # several connections at once (one rule's queries overlap another's Python).
    with shared_reads(), _collector_paused():
        await asyncio.gather(*(run_one(i, rule, scope) for i, (rule, scope) in enumerate(runs)))
    for run in results:
        for result in run:
            flags.extend(result.flags)
            for skip in result.skipped:
                log.info("risk rule %s skipped %s/%s: %s", *_skip_args(skip))
                if skipped is not None:
                    skipped(skip)
    if failures:
        order = {rule.code: index for index, (rule, _) in enumerate(runs)}
        raise RuleFailures(sorted(failures, key=lambda failure: order[failure[0]]), flags)
    return flags


_paused = 0


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while rules run. A run holds hundreds of
    thousands of rows and findings until its end, and the collector would walk them again and
    again as more are made: about 40 % of a province-scale scan's CPU. Reference counting still
    frees everything that is not in a cycle meanwhile; the collector takes up the rest when it
    resumes (no forced full collection: an event's run would pay for the whole heap). Runs side
    by side in one process (an event during a scan) share the pause."""
    global _paused
    _paused += 1
    if _paused == 1:
        gc.disable()
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            gc.enable()


#: Rules run side by side on PostgreSQL (each holds a pooled connection while it runs).
RULES_AT_ONCE = 3


def _rules_at_once() -> int:
    """One at a time on SQLite (one writer at a time: a rule's transaction holds the write
    lock), and inside a caller's transaction (its one connection runs one statement at a
    time). On PostgreSQL RULES_AT_ONCE, leaving two of the pool's connections to the reads
    they share (a snapshot read takes a connection of its own)."""
    if isinstance(get_engine(), SQLiteEngine) or in_transaction():
        return 1
    pool = get_settings().database_pool_size
    return RULES_AT_ONCE if pool == 0 else max(1, min(RULES_AT_ONCE, pool - 2))


def _skip_args(skip: Skip) -> tuple[str, str, str, str]:
    return (skip.rule, skip.dataset, skip.ocid, skip.reason)


async def catch_up() -> int:
    """What the bid-stage rules read, brought up to date where it changed without an event (a
    bulk load, a correction notice, a deployment that changes how releases are built): the
    platform's OCDS projection, rewritten only where a process's facts changed, and the
    per-process summaries of the processes it rewrote (risk.population). Returns how many
    processes were rewritten. The hourly job risk.catch_up runs it; so do ``procure risk
    scan`` and a scan asked for through the API, before they scan."""
    from procure.risk.rules.cardinal import summarize_process

    rewritten = await platform_dataset_refresh()
    await process_summaries(PLATFORM, summarize_process)
    return rewritten


async def scan(
    *,
    rules: Sequence[str] | None = None,
    progress: Progress | None = None,
    policy: Policy | None = None,
    skipped: Skipped | None = None,
) -> list[dict[str, Any]]:
    """The full scan: every enabled rule (or those named, enabled or not) over everything —
    the platform and every dataset holding processes; returns the flags found, as plain data.
    ``skipped`` is told of each process a rule could not (wholly) judge, and why."""
    load_rules()
    policy = policy or get_policy()
    params = all_rule_params(policy)
    runs = [(rule, None) for rule in _selected(rules, params)]
    return await _run_each(
        runs, params, policy, trigger=None, dataset=None, progress=progress, skipped=skipped
    )


async def on_event(
    trigger: Trigger,
    scope: Mapping[SubjectType, Iterable[int | str]],
    *,
    dataset: str | None = None,
    policy: Policy | None = None,
) -> list[dict[str, Any]]:
    """The incremental path: the enabled rules that ``trigger`` concerns, over the subjects of
    ``scope`` (e.g. ``{SubjectType.contract: [12]}``); returns the flags found. ``dataset``:
    only that dataset's (an import names the dataset it wrote)."""
    load_rules()
    policy = policy or get_policy()
    params = all_rule_params(policy)
    touched = _normalized(scope)
    tenders = await _touched_tenders(touched)
    # Most bid-stage rules compare a process with the whole dataset (quartile fences): they
    # run over all of it, from its per-process summaries (risk.population); those judging each
    # process alone run over the touched tenders.
    runs = [
        (
            rule,
            await _bid_scope(rule, tenders)
            if rule.stage == Stage.bid
            else await _scope_for(rule, touched),
        )
        for rule in _selected(None, params)
        if trigger in rule.triggers
    ]
    return await _run_each(runs, params, policy, trigger=trigger, dataset=dataset, touched=tenders)


async def _bid_scope(rule: Rule, tenders: list[int] | None) -> Scope | None:
    if not rule.per_process or tenders is None:
        return None
    return {SubjectType.tender: frozenset(str(i) for i in tenders)}

"""Writes of the sealed spot-checks: committing a seed for each coming period, revealing it
when the period's report is submitted (which draws the verification tasks), and the
committee's finding on each drawn unit. Each write is one transaction with its audit event."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from procure import clock
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.contracts.selectors import visible_contracts
from procure.contracts.tables import ContractStatus
from procure.db import transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_
from procure.jobs import SubjectType, Trigger, record_event
from procure.keyring import Keyring, get_keyring
from procure.lifecycle import advance
from procure.policy import get_policy
from procure.reports.selectors import reporting_periods, submitted_periods, submitted_report
from procure.security.actors import PLATFORM_READER, Actor
from procure.security.services import user_create
from procure.security.tables import Role, User
from procure.spotchecks.sampling import (
    commitment_of,
    draw_rank,
    draw_sample,
    matches_commitment,
    new_seed,
    sample_size,
    unit_key,
)
from procure.spotchecks.selectors import spotcheck_contract
from procure.spotchecks.states import TASK, TaskStep
from procure.spotchecks.tables import SpotCheckSeed, TaskStatus, VerificationTask

MAX_NOTE = 2_000
SEED_MISMATCH = N_(
    "the seed revealed for period %(period)s of contract %(contract)s does not hash to its "
    "commitment %(commitment)s: the draw is refused"
)
NOTE_MISSING = N_("say what you found: a unit not delivered or not reached needs a note")
NOTE_TOO_LONG = N_("must be at most %(max)s characters")
TASK_NOT_FOUND = N_("verification task %(id)s not found")
MONITOR_NOT_FOUND = N_("no active resident monitor %(id)s in your community")
#: Who records findings: the community's committee and the resident monitors it registered.
VERIFIERS = frozenset({Role.committee, Role.monitor})


async def spotcheck_seeds_commit(today: date) -> int:
    """Commit a fresh sealed seed for every period of an active contract that has begun or
    begins within the policy's horizon and whose report is not yet submitted (a seed committed
    after its report would prove nothing). Idempotent; returns how many were committed."""
    horizon = today + timedelta(days=get_policy().spotchecks.commit_ahead_days)
    contracts = [
        c for c in await visible_contracts(PLATFORM_READER) if c["status"] == ContractStatus.active
    ]
    ids = [c["id"] for c in contracts]
    submitted = await submitted_periods(ids)
    committed = {
        (row["contract"], row["period"])
        for row in await SpotCheckSeed.select(SpotCheckSeed.contract, SpotCheckSeed.period).where(
            SpotCheckSeed.contract.is_in(ids or [-1])
        )
    }
    keyring = get_keyring()
    count = 0
    for contract in contracts:
        for period in reporting_periods(contract):
            key = (contract["id"], period.label)
            if period.starts_on > horizon or key in submitted or key in committed:
                continue
            seed = new_seed()
            sealed = keyring.wrap(seed)
            async with transaction():
                rows = (
                    await SpotCheckSeed.insert(
                        SpotCheckSeed(
                            contract=contract["id"],
                            period=period.label,
                            commitment=commitment_of(seed),
                            sealed_seed=sealed.wrapped,
                            key_version=sealed.version,
                        )
                    )
                    .on_conflict(
                        target=(SpotCheckSeed.contract, SpotCheckSeed.period), action="DO NOTHING"
                    )
                    .returning(SpotCheckSeed.id)
                )
                if rows:
                    await record(
                        actor=None,
                        action=AuditAction.spotcheck_seed_committed,
                        subject_type="spot_check_seed",
                        subject_id=rows[0]["id"],
                        data={
                            "contract": contract["reference"],
                            "period": period.label,
                            "commitment": commitment_of(seed),
                        },
                    )
                    count += 1
    return count


def report_units(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's verifiable units, each with its key in the draw."""
    return [
        {
            "line_no": line["line_no"],
            "kind": unit["kind"],
            "code": unit["code"],
            "key": unit_key(line["line_no"], unit["code"]),
        }
        for line in report["lines"]
        for unit in line["units"]
    ]


async def seed_reveal(*, seed_id: int, seed: bytes, report: dict[str, Any]) -> list[int]:
    """Reveal ``seed`` for its period and draw the report's sample as verification tasks.
    A seed that does not hash to the commitment is refused (409) and nothing is written;
    a seed already revealed is left as it is. Returns the tasks' ids."""
    row = (
        await SpotCheckSeed.select(
            SpotCheckSeed.id, SpotCheckSeed.contract, SpotCheckSeed.period, SpotCheckSeed.commitment
        )
        .where(SpotCheckSeed.id == seed_id)
        .first()
    )
    if row is None:
        raise NotFound(N_("spot-check seed %(id)s not found"), id=seed_id)
    if not matches_commitment(seed, row["commitment"]):
        raise Conflict(
            SEED_MISMATCH,
            period=row["period"],
            contract=row["contract"],
            commitment=row["commitment"],
        )
    policy = get_policy().spotchecks
    units = report_units(report)
    by_key = {unit["key"]: unit for unit in units}
    size = sample_size(
        len(by_key),
        share_percent=policy.sample_percent,
        minimum=policy.minimum_sample,
        maximum=policy.maximum_sample,
    )
    drawn = draw_sample(seed, list(by_key), size)
    async with transaction():
        revealed = (
            await SpotCheckSeed.update(
                {
                    SpotCheckSeed.revealed_seed: seed.hex(),
                    SpotCheckSeed.revealed_at: clock.now(),
                    SpotCheckSeed.report: report["id"],
                }
            )
            .where((SpotCheckSeed.id == seed_id) & SpotCheckSeed.revealed_seed.is_null())
            .returning(SpotCheckSeed.id)
        )
        if not revealed:
            return []
        ids = []
        for draw_no, key in enumerate(drawn, start=1):
            unit = by_key[key]
            inserted = await VerificationTask.insert(
                VerificationTask(
                    seed=seed_id,
                    draw_no=draw_no,
                    line_no=unit["line_no"],
                    kind=unit["kind"],
                    code=unit["code"],
                    rank=draw_rank(seed, key),
                    status=TaskStatus.open,
                )
            ).returning(VerificationTask.id)
            ids.append(inserted[0]["id"])
        await record(
            actor=None,
            action=AuditAction.spotcheck_seed_revealed,
            subject_type="spot_check_seed",
            subject_id=seed_id,
            data={
                "period": row["period"],
                "report": report["id"],
                "report_version": report["version"],
                "content_sha256": report["content_sha256"],
                "seed": seed.hex(),
                "commitment": row["commitment"],
                "units": len(by_key),
                "sample": drawn,
            },
        )
    return ids


async def spotchecks_reveal(contract_id: int, *, keyring: Keyring | None = None) -> int:
    """Reveal the seed of every period of the contract whose report is now submitted; the
    first submitted version is the one sampled. Returns how many seeds were revealed."""
    keyring = keyring or get_keyring()
    pending = await SpotCheckSeed.select(
        SpotCheckSeed.id, SpotCheckSeed.period, SpotCheckSeed.sealed_seed, SpotCheckSeed.key_version
    ).where((SpotCheckSeed.contract == contract_id) & SpotCheckSeed.revealed_seed.is_null())
    count = 0
    for row in pending:
        report = await submitted_report(contract_id, row["period"])
        if report is None:
            continue
        seed = keyring.unwrap(row["sealed_seed"], row["key_version"])
        await seed_reveal(seed_id=row["id"], seed=seed, report=report)
        count += 1
    return count


async def spotchecks_reveal_due() -> int:
    """Catch-up for the worker: reveal every sealed seed whose report has been submitted."""
    rows = (
        await SpotCheckSeed.select(SpotCheckSeed.contract)
        .where(SpotCheckSeed.revealed_seed.is_null())
        .distinct()
    )
    revealed = 0
    for row in rows:
        revealed += await spotchecks_reveal(row["contract"])
    return revealed


async def spotcheck_seeds_rotate(*, keyring: Keyring | None = None) -> int:
    """Re-wrap every sealed seed not yet under the current secret (beside the tender keys'
    rotation), so the earlier secret can be retired before every period is revealed. One
    transaction; a seed no configured secret opens stops it (KeyUnavailable names it)."""
    keyring = keyring or get_keyring()
    current = keyring.current_version
    count = 0
    async with transaction():
        rows = await SpotCheckSeed.select(
            SpotCheckSeed.id, SpotCheckSeed.sealed_seed, SpotCheckSeed.key_version
        ).where(SpotCheckSeed.revealed_seed.is_null() & (SpotCheckSeed.key_version != current))
        for row in rows:
            fresh = keyring.rewrap(row["sealed_seed"], row["key_version"])
            await SpotCheckSeed.update(
                {SpotCheckSeed.sealed_seed: fresh.wrapped, SpotCheckSeed.key_version: fresh.version}
            ).where(
                (SpotCheckSeed.id == row["id"]) & (SpotCheckSeed.key_version == row["key_version"])
            )
            count += 1
    return count


async def verification_record(
    *, actor: Actor, task_id: int, outcome: TaskStep, note: str = ""
) -> dict[str, Any]:
    """The committee of a community the contract serves, or a resident monitor it registered
    there, records what it found for a drawn unit."""
    task = (
        await VerificationTask.select(
            VerificationTask.id,
            VerificationTask.seed.contract.as_alias("contract_id"),
            VerificationTask.seed.period.as_alias("period"),
            VerificationTask.line_no,
            VerificationTask.code,
        )
        .where(VerificationTask.id == task_id)
        .first()
    )
    if task is None or actor.role not in VERIFIERS:
        raise NotFound(TASK_NOT_FOUND, id=task_id)
    try:
        contract = await spotcheck_contract(actor, task["contract_id"])
    except NotFound:
        raise NotFound(TASK_NOT_FOUND, id=task_id) from None
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput("note", NOTE_TOO_LONG, max=MAX_NOTE)
    if outcome != TaskStep.confirm and not note:
        raise InvalidInput("note", NOTE_MISSING)
    async with transaction():
        row = await advance(
            TASK,
            row_id=task_id,
            action=outcome,
            actor=actor,
            values={
                VerificationTask.note: note,
                VerificationTask.decided_by: actor.id,
                VerificationTask.decided_at: clock.now(),
            },
            audit_data={
                "contract": contract["reference"],
                "period": task["period"],
                "line_no": task["line_no"],
                "code": task["code"],
                "note": note,
            },
        )
        await record_event(
            Trigger.verification_recorded, {SubjectType.contract: [task["contract_id"]]}
        )
        return row


async def monitor_register(*, actor: Actor, username: str, display_name: str, password: str) -> int:
    """A committee registers a resident monitor (居民监督员) for its own community: an account
    of role ``monitor`` bound to that community, which verifies the spot-check samples of the
    contracts serving it. A monitor acts for no organization (app_user_acts_for), so no
    contractor's account can verify a contractor's work."""
    if actor.role != Role.committee or actor.community_id is None:
        raise NotFound(N_("no community of yours to register a monitor for"))
    async with transaction():
        user_id = await user_create(
            actor=actor,
            username=username,
            display_name=display_name.strip(),
            password=password,
            role=Role.monitor,
            community_id=actor.community_id,
        )
        await record(
            actor=actor,
            action=AuditAction.monitor_registered,
            subject_type="user",
            subject_id=user_id,
            data={"username": username.strip(), "community": actor.community_id},
        )
    return user_id


async def monitor_deactivate(*, actor: Actor, user_id: int) -> None:
    """A committee deactivates one of its community's resident monitors: the account can no
    longer sign in, its tokens stop working and its findings stay as recorded. A monitor of
    another community, or one already deactivated, answers 404."""
    if actor.role != Role.committee or actor.community_id is None:
        raise NotFound(MONITOR_NOT_FOUND, id=user_id)
    async with transaction():
        rows = (
            await User.update({User.is_active: False})
            .where(
                (User.id == user_id)
                & (User.role == Role.monitor)
                & (User.community == actor.community_id)
                & (User.is_active == True)  # noqa: E712
            )
            .returning(User.id, User.username)
        )
        if not rows:
            raise NotFound(MONITOR_NOT_FOUND, id=user_id)
        await record(
            actor=actor,
            action=AuditAction.monitor_deactivated,
            subject_type="user",
            subject_id=user_id,
            data={"username": rows[0]["username"], "community": actor.community_id},
        )

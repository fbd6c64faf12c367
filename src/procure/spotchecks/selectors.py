"""Reads of the sealed spot-checks. The sealed seed is never selected here: before its report
is submitted a period shows only its commitment, and no sample exists yet to show."""

from __future__ import annotations

from typing import Any

from procure.contracts.selectors import contract_detail
from procure.contracts.tables import Contract, ContractCommunity, ContractStatus
from procure.errors import NotFound
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.tables import Role, User
from procure.spotchecks.sampling import wilson_interval
from procure.spotchecks.tables import SpotCheckSeed, TaskStatus, VerificationTask

CONTRACT_NOT_FOUND = N_("contract %(id)s not found")


async def _served(community_id: int | None) -> list[int]:
    """The contracts covering a community (never empty, for ``is_in``)."""
    rows = await ContractCommunity.select(ContractCommunity.contract).where(
        ContractCommunity.community == (community_id or -1)
    )
    return [row["contract"] for row in rows] or [-1]


async def spotcheck_contract(actor: Actor, contract_id: int) -> dict[str, Any]:
    """The contract whose spot-checks the actor may see (its id and reference), or NotFound.
    A resident monitor sees only the signed contracts serving its own community, and of them
    nothing but their samples; everyone else sees what the contract's own scope allows."""
    if actor.role != Role.monitor:
        contract = await contract_detail(actor, contract_id)
        return {"id": contract_id, "reference": contract["reference"]}
    row = (
        await Contract.select(Contract.id, Contract.reference)
        .where(
            (Contract.id == contract_id)
            & (Contract.status != ContractStatus.draft)
            & Contract.id.is_in(await _served(actor.community_id))
        )
        .first()
    )
    if row is None:
        raise NotFound(CONTRACT_NOT_FOUND, id=contract_id)
    return row


def verified_delivery(statuses: list[str]) -> dict[str, Any]:
    """The period's verified delivery: of the drawn units the committee reached, the share
    found delivered, with its 95 % Wilson interval (None until one is reached). Units not
    reached count in neither part: they say nothing about delivery, and are shown apart."""
    confirmed = statuses.count(TaskStatus.confirmed)
    not_delivered = statuses.count(TaskStatus.not_delivered)
    interval = wilson_interval(confirmed, confirmed + not_delivered)
    return {
        "drawn": len(statuses),
        "open": statuses.count(TaskStatus.open),
        "confirmed": confirmed,
        "not_delivered": not_delivered,
        "unreachable": statuses.count(TaskStatus.unreachable),
        "ratio": None if interval is None else interval.ratio,
        "low": None if interval is None else interval.low,
        "high": None if interval is None else interval.high,
    }


async def contract_spotchecks(actor: Actor, contract_id: int) -> dict[str, Any]:
    """Every committed period of a contract the actor may see: the commitment; once the
    period's report is submitted, the revealed seed, the drawn tasks and the verified delivery."""
    contract = await spotcheck_contract(actor, contract_id)
    periods = await spotcheck_periods(contract_id, notes=True)
    return {"contract_id": contract_id, "reference": contract["reference"], "periods": periods}


async def spotcheck_periods(contract_id: int, *, notes: bool) -> list[dict[str, Any]]:
    """A contract's committed periods with their draws. ``notes=False`` for the public: the
    committee's notes may name what it found at a door, the codes and outcomes do not."""
    seeds = (
        await SpotCheckSeed.select(
            SpotCheckSeed.id,
            SpotCheckSeed.period,
            SpotCheckSeed.commitment,
            SpotCheckSeed.committed_at,
            SpotCheckSeed.revealed_seed,
            SpotCheckSeed.revealed_at,
            SpotCheckSeed.report.version.as_alias("report_version"),
        )
        .where(SpotCheckSeed.contract == contract_id)
        .order_by(SpotCheckSeed.period)
    )
    revealed = [seed["id"] for seed in seeds if seed["revealed_seed"] is not None]
    columns = [
        VerificationTask.id,
        VerificationTask.seed,
        VerificationTask.draw_no,
        VerificationTask.line_no,
        VerificationTask.kind,
        VerificationTask.code,
        VerificationTask.rank,
        VerificationTask.status,
        VerificationTask.decided_at,
    ]
    if notes:
        columns.append(VerificationTask.note)
    tasks = (
        await VerificationTask.select(*columns)
        .where(VerificationTask.seed.is_in(revealed))
        .order_by(VerificationTask.seed, VerificationTask.draw_no)
        if revealed
        else []
    )
    by_seed: dict[int, list[dict[str, Any]]] = {}
    for task in tasks:
        by_seed.setdefault(task.pop("seed"), []).append(task)
    periods = []
    for seed in seeds:
        drawn = by_seed.get(seed.pop("id"), [])
        periods.append(
            {
                **seed,
                "tasks": drawn,
                "delivery": verified_delivery([t["status"] for t in drawn])
                if seed["revealed_seed"] is not None
                else None,
            }
        )
    return periods


async def period_verification(contract_id: int, period: str) -> dict[str, Any] | None:
    """The period's verified delivery (as ``verified_delivery``), or None while its seed is
    unrevealed or was never committed. For a reader that has already checked the contract's
    scope (the performance score)."""
    seed = (
        await SpotCheckSeed.select(SpotCheckSeed.id)
        .where(
            (SpotCheckSeed.contract == contract_id)
            & (SpotCheckSeed.period == period)
            & SpotCheckSeed.revealed_seed.is_not_null()
        )
        .first()
    )
    if seed is None:
        return None
    rows = await VerificationTask.select(VerificationTask.status).where(
        VerificationTask.seed == seed["id"]
    )
    return verified_delivery([row["status"] for row in rows])


async def monitor_tasks(actor: Actor) -> list[dict[str, Any]]:
    """The open verification tasks of the contracts serving a resident monitor's community,
    oldest period first: what waits on the monitor's start page."""
    if actor.role != Role.monitor or actor.community_id is None:
        return []
    return await (
        VerificationTask.select(
            VerificationTask.id,
            VerificationTask.seed.contract.as_alias("contract_id"),
            VerificationTask.seed._.contract._.reference.as_alias("reference"),
            VerificationTask.seed._.contract._.title.as_alias("title"),
            VerificationTask.seed.period.as_alias("period"),
            VerificationTask.draw_no,
            VerificationTask.kind,
            VerificationTask.code,
        )
        .where(
            (VerificationTask.status == TaskStatus.open)
            & (VerificationTask.seed._.contract._.status != ContractStatus.draft)
            & VerificationTask.seed.contract.is_in(await _served(actor.community_id))
        )
        .order_by(VerificationTask.seed.period)
        .order_by(VerificationTask.seed.contract)
        .order_by(VerificationTask.draw_no)
    )


async def community_monitors(actor: Actor) -> list[dict[str, Any]]:
    """The resident monitors a committee registered for its community, active ones first."""
    if actor.role != Role.committee or actor.community_id is None:
        return []
    return await (
        User.select(
            User.id,
            User.username,
            User.display_name,
            User.is_active,
            User.created_at,
            User.last_login_at,
        )
        .where((User.role == Role.monitor) & (User.community == actor.community_id))
        .order_by(User.is_active, ascending=False)
        .order_by(User.id)
    )

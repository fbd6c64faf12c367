"""Reads of the sealed spot-checks. The sealed seed is never selected here: before its report
is submitted a period shows only its commitment, and no sample exists yet to show."""

from __future__ import annotations

from typing import Any

from procure.contracts.selectors import contract_detail
from procure.security.actors import Actor
from procure.spotchecks.sampling import wilson_interval
from procure.spotchecks.tables import SpotCheckSeed, TaskStatus, VerificationTask


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
    contract = await contract_detail(actor, contract_id)
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

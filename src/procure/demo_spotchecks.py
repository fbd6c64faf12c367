"""The demo district's sealed spot-checks, from fixtures/demo.toml's ``[[spotchecks]]`` entries.

Each entry lists verifiable units (household visits) on one line of a contract period's
submitted report, commits a sealed seed dated before the period, reveals it with the report —
the draw is the platform's own (``seed_reveal``), so anyone can redo it from the revealed seed —
and records the findings on the drawn units in draw order, through the service, as the named
verifier (the committee or a resident monitor of the contract's community): so many found
delivered, so many not delivered, so many not reached, the rest left open. Periods are named by
position, as in ``demo_oversight``. Idempotent: a period that already has a seed is left as is.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from procure.contracts.tables import Contract
from procure.demo_oversight import period_at
from procure.keyring import Keyring
from procure.reports.selectors import submitted_report
from procure.reports.tables import ActivityLine, ActivityUnit, UnitKind
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.spotchecks.sampling import commitment_of, new_seed
from procure.spotchecks.services import seed_reveal, verification_record
from procure.spotchecks.states import TaskStep
from procure.spotchecks.tables import SpotCheckSeed

#: The findings' notes, by outcome (codes and what was found at the door, no personal data).
NOTES = {
    TaskStep.confirm: "",
    TaskStep.not_delivered: "住户称本期无社工上门探访,服务档案无签名",
    TaskStep.unreachable: "两次上门无人应答",
}


async def load_spotchecks(
    specs: list[dict[str, Any]], keyring: Keyring, now: datetime, zone: ZoneInfo
) -> int:
    """Plant each entry's spot-check; returns how many periods were planted now."""
    planted = 0
    for spec in specs:
        contract = await Contract.select().where(Contract.reference == spec["contract"]).first()
        assert contract is not None, spec["contract"]
        period = period_at(contract, spec["position"], now.astimezone(zone).date())
        if await SpotCheckSeed.exists().where(
            (SpotCheckSeed.contract == contract["id"]) & (SpotCheckSeed.period == period.label)
        ):
            continue
        report = await submitted_report(contract["id"], period.label)
        assert report is not None, (spec["contract"], period.label)
        line = (
            await ActivityLine.select(ActivityLine.id)
            .where(
                (ActivityLine.report == report["id"])
                & (ActivityLine.scope_line._.line_no == spec["scope_line"])
            )
            .first()
        )
        assert line is not None, (spec["contract"], period.label, spec["scope_line"])
        for number in range(1, spec["units"] + 1):
            await ActivityUnit.insert(
                ActivityUnit(
                    activity_line=line["id"],
                    kind=UnitKind.household_visit,
                    code=f"{spec['prefix']}-{number:04d}",
                )
            )
        seed = new_seed()
        sealed = keyring.wrap(seed)
        committed_at = datetime.combine(
            period.starts_on - timedelta(days=2), time(3, 5), tzinfo=zone
        ).astimezone(UTC)
        rows = await SpotCheckSeed.insert(
            SpotCheckSeed(
                contract=contract["id"],
                period=period.label,
                commitment=commitment_of(seed),
                sealed_seed=sealed.wrapped,
                key_version=sealed.version,
                committed_at=committed_at,
            )
        )
        report = await submitted_report(contract["id"], period.label)
        assert report is not None
        tasks = await seed_reveal(seed_id=rows[0]["id"], seed=seed, report=report)
        # Revealed by the report's submission, as the platform reveals it (not at load time).
        await SpotCheckSeed.update({SpotCheckSeed.revealed_at: report["submitted_at"]}).where(
            SpotCheckSeed.id == rows[0]["id"]
        )
        verifier = await user_by_username(spec["verifier"])
        assert verifier is not None, spec["verifier"]
        outcomes = (
            [TaskStep.confirm] * spec.get("confirmed", 0)
            + [TaskStep.not_delivered] * spec.get("not_delivered", 0)
            + [TaskStep.unreachable] * spec.get("unreachable", 0)
        )
        for task_id, outcome in zip(tasks, outcomes, strict=False):
            await verification_record(
                actor=Actor.from_row(verifier),
                task_id=task_id,
                outcome=outcome,
                note=NOTES[outcome],
            )
        planted += 1
    return planted

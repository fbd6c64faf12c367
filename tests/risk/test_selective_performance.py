"""SELECTIVE_PERFORMANCE: a period's verified delivery (its drawn units found delivered, of
those reached) diverges from the report's claim — fires, stays quiet, and at its boundaries:
the threshold on the Wilson interval's upper bound and the minimum of units reached."""

from __future__ import annotations

import hashlib
import secrets
from decimal import Decimal
from typing import Any

from procure import clock
from procure.keyring import get_keyring
from procure.risk.registry import Finding
from procure.spotchecks.sampling import commitment_of, new_seed, wilson_interval
from procure.spotchecks.tables import SpotCheckSeed, TaskStatus, VerificationTask
from tests.risk.conftest import contract_findings, make_contract, submit_report, within

RULE = "SELECTIVE_PERFORMANCE"


async def checked(
    confirmed: int,
    not_delivered: int,
    unreachable: int = 0,
    open_: int = 0,
    *,
    period: str = "2026-03",
    contract: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A contract whose period's report was sampled, with the drawn units' outcomes in this
    order: confirmed, not delivered, not reached, still open."""
    contract = contract or await make_contract()
    report = await submit_report(contract["id"], period, [within(contract["lines"][0], 40)])
    seed = secrets.token_bytes(32)
    rows = await SpotCheckSeed.insert(
        SpotCheckSeed(
            contract=contract["id"],
            period=period,
            commitment=hashlib.sha256(seed).hexdigest(),
            sealed_seed=b"sealed",
            revealed_seed=seed.hex(),
            revealed_at=clock.now(),
            report=report,
        )
    )
    statuses = (
        [TaskStatus.confirmed] * confirmed
        + [TaskStatus.not_delivered] * not_delivered
        + [TaskStatus.unreachable] * unreachable
        + [TaskStatus.open] * open_
    )
    for draw_no, status in enumerate(statuses, start=1):
        await VerificationTask.insert(
            VerificationTask(
                seed=rows[0]["id"],
                draw_no=draw_no,
                line_no=1,
                kind="household_visit",
                code=f"HV-{draw_no:04d}",
                rank=f"{draw_no:064x}",
                status=status,
                note="" if status in {TaskStatus.confirmed, TaskStatus.open} else "核查记录",
            )
        )
    return contract


async def findings(contract: dict[str, Any], **overrides: object) -> list[Finding]:
    return await contract_findings(RULE, contract["id"], **overrides)


def upper_percent(confirmed: int, reached: int) -> Decimal:
    interval = wilson_interval(confirmed, reached)
    assert interval is not None
    return Decimal(repr(interval.high * 100))


async def test_fires_when_the_verified_delivery_is_clearly_below_the_report(
    database: None,
) -> None:
    # 3 of 6 reached were delivered: 50 %, Wilson 18.76 % … 81.24 %, below 90 %.
    contract = await checked(3, 3, unreachable=2, open_=1)
    (finding,) = await findings(contract)
    assert finding.period == "2026-03" and finding.subject_id == str(contract["id"])
    assert finding.department_id == contract["department"]
    evidence = finding.evidence
    assert evidence["period"] == "2026-03"
    assert evidence["reported_delivery_percent"] == 100
    assert (evidence["sample_size"], evidence["confirmed"], evidence["not_delivered"]) == (9, 3, 3)
    assert (evidence["unreachable"], evidence["open"]) == (2, 1)
    assert evidence["verified_delivery_percent"] == 50.0
    assert evidence["interval_low_percent"] == 18.76
    assert evidence["interval_high_percent"] == 81.24
    assert (evidence["threshold_percent"], evidence["minimum_reached"]) == (90.0, 5)
    assert evidence["not_delivered_units"] == [
        {"line_no": 1, "kind": "household_visit", "code": code}
        for code in ("HV-0004", "HV-0005", "HV-0006")
    ]
    assert evidence["report"]["version"] == 1
    assert evidence["spot_checks"]["url"] == f"/contracts/{contract['id']}/spotchecks"
    assert finding.value == 50.0


async def test_silent_when_what_was_reached_was_delivered(database: None) -> None:
    assert await findings(await checked(5, 0, unreachable=3)) == []
    # One miss in five: 80 %, but the upper bound (96.38 %) does not rule out 90 %.
    assert await findings(await checked(4, 1)) == []


async def test_units_not_reached_say_nothing_about_delivery(database: None) -> None:
    # Nothing found missing, and too few reached: never judged however many doors stayed shut.
    assert await findings(await checked(1, 0, unreachable=8)) == []


async def test_the_threshold_is_on_the_interval_s_upper_bound(database: None) -> None:
    contract = await checked(3, 3)
    high = upper_percent(3, 6)
    assert await findings(contract, threshold_percent=high) == []  # at the bound: silent
    (finding,) = await findings(contract, threshold_percent=high + Decimal("0.0001"))
    assert finding.evidence["interval_high_percent"] == 81.24


async def test_judged_only_once_enough_units_are_reached(database: None) -> None:
    # Four reached, all four not delivered, the rest still open: too early at the default 5.
    contract = await checked(0, 4, unreachable=3, open_=3)
    assert await findings(contract) == []
    (finding,) = await findings(contract, minimum_reached=4)
    assert finding.evidence["verified_delivery_percent"] == 0.0
    assert finding.evidence["minimum_reached"] == 4


async def test_each_period_is_judged_on_its_own_sample(database: None) -> None:
    contract = await checked(6, 0, period="2026-02")
    await checked(1, 5, period="2026-03", contract=contract)
    assert [f.period for f in await findings(contract)] == ["2026-03"]


async def test_a_seed_not_yet_revealed_is_not_judged(database: None) -> None:
    contract = await make_contract()
    # Sealed as the platform seals it: the suite's key rotation re-wraps every unrevealed seed.
    seed = new_seed()
    sealed = get_keyring().wrap(seed)
    await SpotCheckSeed.insert(
        SpotCheckSeed(
            contract=contract["id"],
            period="2026-04",
            commitment=commitment_of(seed),
            sealed_seed=sealed.wrapped,
            key_version=sealed.version,
        )
    )
    assert await findings(contract) == []

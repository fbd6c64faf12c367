"""The credit rating counts only settlements in force: after their objection period, or once
the regulator rejected the objection; never an upheld one; a later decision by hand wins."""

from __future__ import annotations

from datetime import datetime, timedelta

from procure.organizations.tables import (
    DecisionKind,
    OversightDecision,
)
from procure.performance.effects import rating_in_force
from procure.performance.tables import ObjectionStatus, PerformanceScore
from tests.performance.helpers import ZONE, fresh_organization
from tests.risk.conftest import make_contract

NOW = datetime(2026, 10, 20, 10, tzinfo=ZONE)


async def settle(contract_id: int, month: int, score: int, **objection: object) -> None:
    await PerformanceScore.insert(
        PerformanceScore(
            contract=contract_id,
            period=f"2026-{month:02d}",
            score_hundredths=score * 100,
            grade="failing" if score < 60 else "good",
            recommendation="withhold" if score < 60 else "pay",
            settled_at=NOW - timedelta(days=30 - month),
            **objection,
        )
    )


async def test_only_settlements_in_force_move_the_rating(database: None) -> None:
    organization = await fresh_organization()
    contract = (await make_contract(organization=organization["credit_code"]))["id"]
    ended, running = NOW - timedelta(hours=1), NOW + timedelta(days=2)
    await settle(contract, 1, 40, objection_ends_at=running)  # window running
    await settle(contract, 2, 30, objection_ends_at=ended, objection=ObjectionStatus.lodged)
    await settle(contract, 3, 30, objection_ends_at=ended, objection=ObjectionStatus.upheld)
    assert await rating_in_force(organization["id"], "AAA", NOW) == "AAA"

    await settle(contract, 4, 85, objection_ends_at=ended)  # in force: the window ended
    assert await rating_in_force(organization["id"], "AAA", NOW) == "AA"
    assert await rating_in_force(organization["id"], "AAA", NOW + timedelta(days=3)) == "B"

    await settle(
        contract,
        5,
        40,
        objection_ends_at=ended,
        objection=ObjectionStatus.rejected,
        objection_decided_at=NOW - timedelta(minutes=5),
    )
    assert await rating_in_force(organization["id"], "AAA", NOW) == "B"  # mean of 85 and 40

    # The regulator sets the rating by hand afterwards: that decision stands.
    await OversightDecision.insert(
        OversightDecision(
            organization=organization["id"],
            kind=DecisionKind.credit_rating,
            before_value="B",
            after_value="A",
            reason="复核",
            decided_at=NOW,
        )
    )
    assert await rating_in_force(organization["id"], "A", NOW) == "A"


async def test_the_public_ratings_rest_on_the_settlements_in_force(
    database: None, moving_clock
) -> None:  # type: ignore[no-untyped-def]
    from procure.disclosure.selectors import credit_ratings
    from tests.performance.helpers import at

    at(moving_clock, 2026, 10, 20, 10)
    organization = await fresh_organization()
    contract = (await make_contract(organization=organization["credit_code"]))["id"]
    await settle(contract, 1, 90, objection_ends_at=NOW - timedelta(days=1))
    await settle(contract, 2, 30, objection_ends_at=NOW + timedelta(days=2))  # window running
    [row] = (await credit_ratings(q=organization["credit_code"])).items
    assert (row["settled_periods"], str(row["recent_mean"]), row["credit_rating"]) == (
        1,
        "90.00",
        "AAA",
    )
    moving_clock.advance(days=3)
    [row] = (await credit_ratings(q=organization["credit_code"])).items
    assert (row["settled_periods"], str(row["recent_mean"]), row["credit_rating"]) == (
        2,
        "60.00",
        "B",
    )

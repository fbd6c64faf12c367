"""A contract records the local day it was completed or terminated: no report is owed for a
period that begins after it (LATE_REPORT)."""

from __future__ import annotations

from datetime import date

import pytest

from procure.contracts.services import contract_close
from procure.contracts.tables import Contract
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from tests.acceptance.helpers import passed_final_acceptance
from tests.risk.conftest import FixedClock, make_contract
from tests.risk.conftest import fixed_clock as fixed_clock  # the fixture


@pytest.mark.parametrize("reason", [None, "服务严重不达标"])
async def test_closing_records_the_local_day(
    database: None, fixed_clock: FixedClock, reason: str | None
) -> None:
    contract = await make_contract(department="D-MZJ")
    await passed_final_acceptance(contract["id"])  # completion needs it
    buyer = await user_by_username("buyer")
    assert buyer is not None
    fixed_clock.set(date(2026, 8, 1), hour=1)  # 2026-07-31 in UTC
    await contract_close(
        actor=Actor.from_row(buyer), contract_id=contract["id"], terminate_reason=reason
    )
    row = await Contract.select(Contract.status, Contract.closed_on).where(
        Contract.id == contract["id"]
    )
    assert row[0]["closed_on"] == date(2026, 8, 1)
    assert row[0]["status"] == ("completed" if reason is None else "terminated")

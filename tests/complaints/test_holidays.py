"""The remedies' periods across the 2026 National Day week: 10-01…10-07 off, 10-10 (a Saturday)
worked. Every period counts working days from the day after the event and ends at 24:00."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from tests.complaints.helpers import answer, awarded, challenge, filed, local, set_clock
from tests.conftest import Clock


async def test_challenge_answer_and_complaint_periods_skip_the_holiday(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    set_clock(moving_clock, local(2026, 9, 16, 10))
    who = await awarded(client, moving_clock)  # awarded on 2026-09-29 (13 days later)

    # A challenge of the process on 09-30: 10-08, 10-09, 10-10 (make-up Saturday), 10-12 …
    set_clock(moving_clock, local(2026, 9, 30, 10))
    process = await challenge(client, who, "process", headers=who.winner)
    assert process.status_code == 201, process.text
    assert process.json()["answer_deadline"]["last_day"] == "2026-10-15"

    # The result's challenge period: 7 working days from the award on 09-29 → 10-14.
    set_clock(moving_clock, local(2026, 10, 14, 23, 30))
    challenge_id = await filed(client, who)
    view = (await client.get(f"/api/v1/challenges/{challenge_id}", headers=who.loser)).json()
    assert view["filing_deadline"]["last_day"] == "2026-10-14"
    assert view["filing_deadline"]["provisional"] is False
    assert view["answer_deadline"]["last_day"] == "2026-10-23"
    assert view["complaint_deadline"]["last_day"] == "2026-11-13"

    # Half an hour after 24:00 on the last day the winner is too late.
    set_clock(moving_clock, local(2026, 10, 15, 0, 30))
    late = await challenge(client, who, headers=who.winner)
    assert late.status_code == 409 and "ended on 2026-10-14" in late.json()["detail"]

    # Unanswered at 24:00 on 10-23: the complaint opens, until 24:00 on 11-13.
    set_clock(moving_clock, local(2026, 10, 23, 23, 0))
    assert (
        await client.post(
            f"/api/v1/challenges/{challenge_id}/complaint",
            json={"grounds": "未答复"},
            headers=who.loser,
        )
    ).status_code == 409
    set_clock(moving_clock, local(2026, 11, 14, 0, 10))
    view = (await client.get(f"/api/v1/challenges/{challenge_id}", headers=who.loser)).json()
    assert view["overdue"] is True and view["may_complain"] is False
    set_clock(moving_clock, local(2026, 11, 13, 22, 0))
    assert (await answer(client, who, challenge_id, "rejected")).status_code == 200
    complaint = await client.post(
        f"/api/v1/challenges/{challenge_id}/complaint",
        json={"grounds": "答复逾期且理由不成立"},
        headers=who.loser,
    )
    assert complaint.status_code == 201, complaint.text
    # Admissibility in 5 working days from 11-13: 11-16 … 11-20.
    assert complaint.json()["admissibility_deadline"]["last_day"] == "2026-11-20"

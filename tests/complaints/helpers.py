"""A tender awarded through the API with two bidders, and the remedies' steps as each party
takes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar.testing import AsyncTestClient

from procure import clock
from procure.bids.tables import Award
from tests.conftest import Clock, bearer
from tests.tenders.conftest import award_a_tender

Headers = dict[str, str]


@dataclass
class Parties:
    tender_id: int
    value_fen: int
    buyer: Headers
    winner: Headers  # org: the first-ranked bidder
    loser: Headers  # org2: the other bidder, who challenges
    outsider: Headers  # org3: no bid on the tender
    other_buyer: Headers  # buyer2: another department
    regulator: Headers
    auditor: Headers


async def awarded(client: AsyncTestClient, moving_clock: Clock) -> Parties:
    buyer = await bearer("buyer")
    winner, loser = await bearer("org"), await bearer("org2")
    tender_id = await award_a_tender(client, buyer, [winner, loser], moving_clock)
    award = (
        await Award.select(Award.bid.total_fen.as_alias("value"))
        .where(Award.tender == tender_id)
        .first()
    )
    assert award is not None
    return Parties(
        tender_id=tender_id,
        value_fen=award["value"],
        buyer=buyer,
        winner=winner,
        loser=loser,
        outsider=await bearer("org3"),
        other_buyer=await bearer("buyer2"),
        regulator=await bearer("regulator"),
        auditor=await bearer("auditor"),
    )


def set_clock(moving_clock: Clock, moment: datetime) -> None:
    """Put the server's clock at ``moment`` (it keeps running from there)."""
    moving_clock.advance(seconds=(moment - clock.now()).total_seconds())


async def challenge(
    client: AsyncTestClient, who: Parties, subject: str = "result", headers: Headers | None = None
) -> Any:
    return await client.post(
        f"/api/v1/tenders/{who.tender_id}/challenges",
        json={
            "subject": subject,
            "grounds": "评审委员会未按招标文件规定的评分标准打分。",
            "evidence": "评分表第3项与招标文件第5章不一致。",
        },
        headers=headers or who.loser,
    )


async def filed(client: AsyncTestClient, who: Parties, subject: str = "result") -> int:
    response = await challenge(client, who, subject)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def answer(
    client: AsyncTestClient,
    who: Parties,
    challenge_id: int,
    outcome: str,
    step: str | None = None,
    headers: Headers | None = None,
) -> Any:
    body: dict[str, Any] = {"outcome": outcome, "answer": "经复核，答复如下：……"}
    if step:
        body["corrective_step"] = step
    return await client.post(
        f"/api/v1/challenges/{challenge_id}/answer", json=body, headers=headers or who.buyer
    )


async def complained(client: AsyncTestClient, who: Parties, challenge_id: int) -> int:
    response = await client.post(
        f"/api/v1/challenges/{challenge_id}/complaint",
        json={"grounds": "对质疑答复不满意。"},
        headers=who.loser,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def accept(client: AsyncTestClient, who: Parties, complaint_id: int) -> Any:
    response = await client.post(
        f"/api/v1/complaints/{complaint_id}/admissibility",
        json={"accept": True},
        headers=who.regulator,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def suspend(client: AsyncTestClient, who: Parties, complaint_id: int) -> dict:
    response = await client.post(
        f"/api/v1/complaints/{complaint_id}/suspension",
        json={"reason": "投诉处理期间暂停采购活动"},
        headers=who.regulator,
    )
    assert response.status_code == 201, response.text
    return response.json()


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A Beijing wall-clock time as an aware instant."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))

"""Who may do what with a challenge and a complaint, and what each party sees."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from tests.complaints.helpers import answer, awarded, challenge, complained, filed
from tests.concurrency import exactly_one_success, race
from tests.conftest import Clock, bearer


async def test_role_boundaries(client: AsyncTestClient, moving_clock: Clock) -> None:
    who = await awarded(client, moving_clock)
    # Only a bidder challenges.
    outsider = await challenge(client, who, headers=who.outsider)
    assert outsider.status_code == 409 and "took part" in outsider.text
    buyer_files = await challenge(client, who, headers=who.buyer)
    assert buyer_files.status_code == 403
    challenge_id = await filed(client, who)
    twice = await challenge(client, who)
    assert twice.status_code == 409 and "第十一条" in twice.text

    path = f"/api/v1/challenges/{challenge_id}"
    # Out of scope: 404, for another organization and another department's buyer.
    assert (await client.get(path, headers=who.outsider)).status_code == 404
    assert (await client.get(path, headers=who.other_buyer)).status_code == 404
    assert (
        await answer(client, who, challenge_id, "rejected", headers=who.other_buyer)
    ).status_code == 404
    # Only a buyer answers: not the other bidder, the regulator or the auditor.
    for headers in (who.winner, who.regulator, who.auditor):
        assert (
            await answer(client, who, challenge_id, "rejected", headers=headers)
        ).status_code == 403
    # Oversight reads everything; the auditor writes nothing.
    audited = await client.get(path, headers=who.auditor)
    assert audited.status_code == 200 and audited.json()["grounds"]
    committee = await bearer("committee")
    assert (await client.get("/api/v1/challenges", headers=committee)).status_code == 403

    assert (await answer(client, who, challenge_id, "rejected")).status_code == 200
    # Only the challenger complains about its challenge.
    others = await client.post(f"{path}/complaint", json={"grounds": "x"}, headers=who.winner)
    assert others.status_code == 404
    complaint_id = await complained(client, who, challenge_id)
    complaint = f"/api/v1/complaints/{complaint_id}"
    assert (await client.get(complaint, headers=who.winner)).status_code == 404
    assert (await client.get(complaint, headers=who.other_buyer)).status_code == 404
    assert (await client.get(complaint, headers=who.buyer)).status_code == 200
    # Only the regulator decides.
    for headers in (who.buyer, who.auditor, who.loser):
        decided = await client.post(
            f"{complaint}/admissibility", json={"accept": True}, headers=headers
        )
        assert decided.status_code == 403
        suspended = await client.post(
            f"{complaint}/suspension", json={"reason": "x"}, headers=headers
        )
        assert suspended.status_code == 403


async def test_parallel_identical_answers_and_decisions_succeed_once(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    challenge_id = await filed(client, who)
    codes = await race(lambda: answer(client, who, challenge_id, "rejected"), racers=20)
    exactly_one_success(codes)
    complaint_id = await complained(client, who, challenge_id)

    async def admit():  # type: ignore[no-untyped-def]
        return await client.post(
            f"/api/v1/complaints/{complaint_id}/admissibility",
            json={"accept": True},
            headers=who.regulator,
        )

    exactly_one_success(await race(admit, racers=20))

    async def decide():  # type: ignore[no-untyped-def]
        return await client.post(
            f"/api/v1/complaints/{complaint_id}/decision",
            json={"outcome": "upheld", "public_text": "投诉成立，责令重新评审。"},
            headers=who.regulator,
        )

    exactly_one_success(await race(decide, racers=20))


async def test_parallel_identical_challenges_file_once(
    client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    codes = await race(lambda: challenge(client, who), racers=20)
    exactly_one_success(codes, success=201)

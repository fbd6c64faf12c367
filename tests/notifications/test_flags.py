"""Risk flags: their parties are told when one is raised and when someone takes a step on it,
and nobody else: never an organization or department the flag does not name, never an auditor
or committee, the regulator only for what it decides (conduct flags), never the one who acted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.testing import AsyncTestClient

from procure.notifications.jobs import risk_flag_raised
from procure.notifications.messages import title
from procure.notifications.tables import Notification
from procure.risk.tables import FlagStatus, RiskFlag
from tests.notifications.test_triggers import told
from tests.risk.flag_helpers import HT_007, Flags
from tests.risk.test_lifecycle import post_step

Headers = Callable[[str], Awaitable[dict[str, str]]]
# HT-2026-007: 心连心 (org) for 海湾街道 (buyer2, approver2).
PARTIES = {"org", "buyer2", "approver2"}
OUTSIDERS = {"org2", "org3", "buyer", "approver", "buyer3", "auditor", "committee", "expert"}


async def forget(flag_id: int) -> None:
    """SQLite reuses a deleted flag's id: a test forgets what earlier ones were told of it."""
    await Notification.delete().where(Notification.key.like(f"risk_flag_%:{flag_id}:%"))
    await Notification.delete().where(Notification.kind == "risk_flag_decided")


async def raised_to(flag_id: int) -> set[str]:
    users = set()
    for username in PARTIES | OUTSIDERS | {"regulator"}:
        if await told(username, "risk_flag_raised", f"risk_flag_raised:{flag_id}:"):
            users.add(username)
    return users


async def test_a_raised_flag_is_told_to_its_parties_only_once(flags: Flags) -> None:
    flag_id = await flags.on_contract(HT_007, dataset="platform", rule="UNDERPRICED_BID")
    await forget(flag_id)
    event = {"scope": {"risk_flag": [str(flag_id)]}}
    await risk_flag_raised(event)
    await risk_flag_raised(event)  # delivered twice: told once
    assert await raised_to(flag_id) == PARTIES
    [row] = await told("org", "risk_flag_raised", f"risk_flag_raised:{flag_id}:")
    assert row["link"] == f"/risk/flags/{flag_id}" and row["data"] == {"rule": "UNDERPRICED_BID"}

    # A flag about the department's own conduct: the regulator, who decides it, is told too.
    conduct = await flags.on_contract(HT_007, dataset="platform", rule="CONCENTRATION")
    await forget(conduct)
    await risk_flag_raised({"scope": {"risk_flag": [str(conduct)]}})
    assert await raised_to(conduct) == PARTIES | {"regulator"}

    # A flag on imported data, or one already closed, tells nobody.
    external = await flags.add(rule="UNDERPRICED_BID")
    closed = await flags.on_contract(HT_007, dataset="platform", rule="AMENDMENT_CREEP")
    await RiskFlag.update({RiskFlag.status: FlagStatus.dismissed}).where(RiskFlag.id == closed)
    for other in (external, closed):
        await forget(other)
        await risk_flag_raised({"scope": {"risk_flag": [str(other)]}})
        assert await raised_to(other) == set()


async def test_each_step_on_a_flag_is_told_to_its_other_parties(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    flag_id = await flags.on_contract(HT_007, dataset="platform", rule="CONCENTRATION")
    await forget(flag_id)
    explained = await post_step(
        client, await as_user("org"), flag_id, "explain", explanation="价格依据见附件。"
    )
    assert explained.status_code == 200, explained.text
    # The organization explained: the department and the regulator learn it, not the org.
    decided = {u for u in PARTIES | OUTSIDERS | {"regulator"} if await told(u, "risk_flag_decided")}
    assert decided == {"buyer2", "approver2", "regulator"}
    [row] = await told("buyer2", "risk_flag_decided")
    assert row["data"] == {"rule": "CONCENTRATION", "status": "explained"}

    dismissed = await post_step(
        client, await as_user("regulator"), flag_id, "dismiss", reason="集中度系服务特殊性所致。"
    )
    assert dismissed.status_code == 200, dismissed.text
    [row] = [
        r for r in await told("org", "risk_flag_decided") if r["data"]["status"] == "dismissed"
    ]
    assert row["link"] == f"/risk/flags/{flag_id}"
    assert [
        r
        for r in await told("regulator", "risk_flag_decided")
        if r["data"]["status"] == "dismissed"
    ] == []
    for outsider in OUTSIDERS:
        assert await told(outsider, "risk_flag_decided") == []

    # In the recipient's language: Chinese by default (the API, the e-mail), English on request.
    listed = (await client.get("/api/v1/notifications", headers=await as_user("org"))).json()
    item = next(i for i in listed["items"] if i["kind"] == "risk_flag_decided")
    assert "CONCENTRATION" in item["title"] and "不成立" in item["title"]
    english = title("risk_flag_decided", row["data"], "en")
    assert english == "The risk flag (CONCENTRATION) was dismissed as unfounded"

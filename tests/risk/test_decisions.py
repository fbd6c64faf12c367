"""Independent decisions on flags: the department a flag accuses never judges itself; the
regulator decides; the regulator or an auditor reopens a dismissed flag; every step once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from litestar.testing import AsyncTestClient

from procure.organizations.tables import Organization
from procure.risk.engine import load_rules
from procure.risk.guards import CONDUCT_RULES, is_conduct_flag
from procure.risk.registry import RULES, SubjectType
from procure.risk.tables import FlagStatus
from tests.concurrency import exactly_one_success, race
from tests.conftest import csrf_headers, login
from tests.organizations.conftest import registered
from tests.risk.flag_helpers import HT_007, Flags, contract
from tests.risk.test_lifecycle import audit_events, history, post_step, status_of

Headers = Callable[[str], Awaitable[dict[str, str]]]


def test_the_conduct_rules_exist_and_department_subjects_count_as_conduct() -> None:
    load_rules()
    assert set(RULES) >= CONDUCT_RULES
    flag = {"rule": "R038", "subject_type": SubjectType.procuring_entity}
    assert is_conduct_flag(flag)
    assert is_conduct_flag({"rule": "R038", "subject_type": SubjectType.buyer})
    assert not is_conduct_flag({"rule": "UNDERPRICED_BID", "subject_type": "contract"})


@pytest.mark.parametrize("rule", sorted(CONDUCT_RULES))
@pytest.mark.parametrize("step", ["resolve", "dismiss"])
async def test_a_department_cannot_dismiss_a_flag_about_itself(
    client: AsyncTestClient, as_user: Headers, flags: Flags, rule: str, step: str
) -> None:
    flag_id = await flags.on_contract(HT_007, rule=rule)  # 海湾街道 (buyer2)
    buyer2 = await as_user("buyer2")
    detail = await client.get(f"/api/v1/risk/flags/{flag_id}", headers=buyer2)
    assert detail.json()["conduct"] is True
    assert detail.json()["allowed_transitions"] == ["explain"]
    refused = await post_step(client, buyer2, flag_id, step, reason="我们认为没有问题。")
    assert refused.status_code == 403
    assert "only the finance department" in refused.json()["detail"]
    # Its approver is the same department: refused as well.
    refused = await post_step(client, await as_user("approver2"), flag_id, step, reason="同上")
    assert refused.status_code == 403
    assert await status_of(flag_id) == FlagStatus.open and await history(flag_id) == []
    assert await audit_events(flags, flag_id) == []


async def test_a_flag_on_a_department_itself_is_the_regulators_to_decide(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    department = (await contract(HT_007))["department"]
    flag_id = await flags.add(
        rule="R038", subject_type="buyer", subject_id=str(department), department=department
    )
    buyer2 = await as_user("buyer2")
    explained = await post_step(
        client, buyer2, flag_id, "explain", explanation="多数投标人资格不符系公告要求所致。"
    )
    assert explained.status_code == 200 and explained.json()["allowed_transitions"] == []
    assert (await post_step(client, buyer2, flag_id, "dismiss", reason="x")).status_code == 403
    decided = await post_step(
        client, await as_user("regulator"), flag_id, "resolve", reason="已约谈,要求修改资格条件。"
    )
    assert decided.status_code == 200 and decided.json()["status"] == "resolved"
    assert [h["username"] for h in await history(flag_id)] == ["buyer2", "regulator"]


async def test_other_flags_keep_the_departments_decision(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    flag_id = await flags.on_contract(HT_007, rule="UNDERPRICED_BID")
    detail = await client.get(f"/api/v1/risk/flags/{flag_id}", headers=await as_user("buyer2"))
    assert detail.json()["conduct"] is False
    assert detail.json()["allowed_transitions"] == ["explain", "resolve", "dismiss"]
    regulator = await client.get(
        f"/api/v1/risk/flags/{flag_id}", headers=await as_user("regulator")
    )
    assert regulator.json()["allowed_transitions"] == ["resolve", "dismiss"]
    auditor = await client.get(f"/api/v1/risk/flags/{flag_id}", headers=await as_user("auditor"))
    assert auditor.json()["allowed_transitions"] == []


@pytest.mark.parametrize("reopener", ["regulator", "auditor"])
async def test_a_dismissed_flag_is_reopened_with_a_reason(
    client: AsyncTestClient, as_user: Headers, flags: Flags, reopener: str
) -> None:
    flag_id = await flags.on_contract(HT_007, rule="UNDERPRICED_BID")
    dismissed = await post_step(
        client, await as_user("buyer2"), flag_id, "dismiss", reason="报价合理。"
    )
    assert dismissed.status_code == 200
    headers = await as_user(reopener)
    detail = await client.get(f"/api/v1/risk/flags/{flag_id}", headers=headers)
    assert detail.json()["allowed_transitions"] == ["reopen"]
    empty = await post_step(client, headers, flag_id, "reopen", reason=" ")
    assert empty.status_code == 400 and empty.json()["field"] == "reason"
    reopened = await post_step(
        client, headers, flag_id, "reopen", reason="投诉材料显示报价低于成本,需重新核查。"
    )
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "open"
    assert (await history(flag_id))[-1] == {
        "from_status": "dismissed",
        "to_status": "open",
        "note": "投诉材料显示报价低于成本,需重新核查。",
        "username": reopener,
    }
    events = await audit_events(flags, flag_id)
    assert [e["action"] for e in events] == ["risk_flag.dismissed", "risk_flag.reopened"]
    assert events[1]["data"]["from"] == "dismissed" and events[1]["data"]["to"] == "open"
    # Open again: the department may take it up afresh.
    again = await client.get(f"/api/v1/risk/flags/{flag_id}", headers=await as_user("buyer2"))
    assert again.json()["allowed_transitions"] == ["explain", "resolve", "dismiss"]


@pytest.mark.parametrize(
    ("start", "username", "status"),
    [
        (FlagStatus.open, "regulator", 409),
        (FlagStatus.explained, "auditor", 409),
        (FlagStatus.resolved, "regulator", 409),  # only a dismissed flag is reopened
        (FlagStatus.dismissed, "buyer2", 403),
        (FlagStatus.dismissed, "org", 403),
        (FlagStatus.dismissed, "admin", 403),
        (FlagStatus.dismissed, "committee", 403),
    ],
)
async def test_who_reopens_what(
    client: AsyncTestClient,
    as_user: Headers,
    flags: Flags,
    start: FlagStatus,
    username: str,
    status: int,
) -> None:
    flag_id = await flags.on_contract(HT_007, status=start)
    answer = await post_step(client, await as_user(username), flag_id, "reopen", reason="复查")
    assert answer.status_code == status, answer.text
    assert await status_of(flag_id) == start and await history(flag_id) == []


async def test_the_flag_page_shows_the_regulator_and_auditor_their_steps(
    client: AsyncTestClient, flags: Flags
) -> None:
    conduct = await flags.on_contract(HT_007, rule="AMENDMENT_CREEP")
    dismissed = await flags.on_contract(HT_007, status=FlagStatus.dismissed)

    await login(client, "buyer2")
    page = await client.get(f"/risk/flags/{conduct}")
    assert 'data-testid="conduct-note"' in page.text
    assert 'data-testid="explain-form"' in page.text
    assert 'data-testid="dismiss-form"' not in page.text

    await login(client, "auditor")
    page = await client.get(f"/risk/flags/{conduct}")
    assert "-form" not in page.text.split("flag-history")[1]
    page = await client.get(f"/risk/flags/{dismissed}")
    assert 'data-testid="reopen-form"' in page.text

    await login(client, "regulator")
    page = await client.get(f"/risk/flags/{conduct}")
    assert 'data-testid="resolve-form"' in page.text and 'data-testid="dismiss-form"' in page.text
    token = client.cookies.get("csrftoken")
    done = await client.post(
        f"/risk/flags/{conduct}/dismiss",
        data={"reason": "补充协议有正当理由,金额在法定比例内。", "_csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert await status_of(conduct) == FlagStatus.dismissed
    reopened = await client.post(
        f"/risk/flags/{dismissed}/reopen",
        data={"reason": "复查", "_csrf_token": token},
        follow_redirects=False,
    )
    assert reopened.status_code == 303
    assert await status_of(dismissed) == FlagStatus.open


async def test_fifty_parallel_dismissals_dismiss_once(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    flag_id = await flags.on_contract(HT_007, rule="AMENDMENT_CREEP")
    regulator = await as_user("regulator")
    codes = await race(
        lambda: post_step(client, regulator, flag_id, "dismiss", reason="金额在法定比例内。")
    )
    exactly_one_success(codes)
    # SQLite reuses a deleted flag's id: count only this test's events.
    assert [e["action"] for e in await audit_events(flags, flag_id)] == ["risk_flag.dismissed"]
    assert len(await history(flag_id)) == 1


async def test_fifty_parallel_reopenings_reopen_once(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    flag_id = await flags.on_contract(HT_007, status=FlagStatus.dismissed)
    auditor = await as_user("auditor")
    codes = await race(lambda: post_step(client, auditor, flag_id, "reopen", reason="复查"))
    exactly_one_success(codes)
    assert [e["action"] for e in await audit_events(flags, flag_id)] == ["risk_flag.reopened"]
    assert len(await history(flag_id)) == 1


async def test_the_regulator_start_page_shows_what_waits(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    newest = await flags.after_every_flag()  # the start page lists the latest flags
    waiting = await flags.on_contract(
        HT_007, rule="INTERNALIZATION", status=FlagStatus.explained, first_seen_at=newest
    )
    other = await flags.on_contract(HT_007, rule="UNDERPRICED_BID", first_seen_at=newest)
    dismissed = await flags.on_contract(HT_007, rule="LATE_REPORT", first_seen_at=newest)
    answer = await post_step(
        client, await as_user("buyer2"), dismissed, "dismiss", reason="系统故障导致逾期。"
    )
    assert answer.status_code == 200
    await login(client, "regulator")
    rated = await registered()
    decided = await client.put(
        f"/api/v1/organizations/{rated}/credit-rating",
        json={"rating": "A", "reason": "首次评级"},
        headers=csrf_headers(client),
    )
    assert decided.status_code == 200, decided.text
    name = (await Organization.select(Organization.name).where(Organization.id == rated))[0]
    page = await client.get("/regulator")
    assert page.status_code == 200
    waiting_table = page.text.split('data-testid="waiting-flags"')[1].split("</table>")[0]
    assert f'data-flag="{waiting}"' in waiting_table
    assert f'data-flag="{other}"' not in waiting_table  # the department's own to decide
    dismissed_table = page.text.split('data-testid="dismissed-flags"')[1].split("</table>")[0]
    assert f'data-flag="{dismissed}"' in dismissed_table and "系统故障导致逾期。" in dismissed_table
    decisions = page.text.split('data-testid="recent-decisions"')[1].split("</table>")[0]
    assert name["name"] in decisions and "首次评级" in decisions
    for link in ("/risk", "/organizations", "/approvals", "/experts"):
        assert f'href="{link}"' in page.text

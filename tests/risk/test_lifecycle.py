"""A flag's life — open → explained → resolved or dismissed — by whom, with what, audited."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.tables import AuditEvent
from procure.errors import Conflict, InvalidInput, NotFound
from procure.risk import services
from procure.risk.tables import FlagStatus, RiskFlag, RiskFlagEvent
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.web import labels
from tests.conftest import csrf_headers, login
from tests.risk.flag_helpers import (
    HT_007,
    HT_011,
    QIMINGXING,
    Flags,
    contract,
    organization_id,
    underpriced_evidence,
)

Headers = Callable[[str], Awaitable[dict[str, str]]]


async def actor(username: str) -> Actor:
    row = await user_by_username(username)
    assert row is not None
    return Actor.from_row(row)


async def status_of(flag_id: int) -> str:
    row = await RiskFlag.select(RiskFlag.status).where(RiskFlag.id == flag_id).first()
    assert row is not None
    return str(row["status"])


async def history(flag_id: int) -> list[dict[str, Any]]:
    return (
        await RiskFlagEvent.select(
            RiskFlagEvent.from_status,
            RiskFlagEvent.to_status,
            RiskFlagEvent.note,
            RiskFlagEvent.actor.username.as_alias("username"),
        )
        .where(RiskFlagEvent.flag == flag_id)
        .order_by(RiskFlagEvent.id)
    )


async def audit_events(flags: Flags, flag_id: int) -> list[dict[str, Any]]:
    """The flag's audit events since the test began."""
    rows = (
        await AuditEvent.select(AuditEvent.action, AuditEvent.actor_label, AuditEvent.data)
        .where(
            (AuditEvent.subject_type == "risk_flag")
            & (AuditEvent.subject_id == str(flag_id))
            & (AuditEvent.seq > flags.audit_since)
        )
        .order_by(AuditEvent.seq)
    )
    return [
        {**r, "data": json.loads(r["data"]) if isinstance(r["data"], str) else r["data"]}
        for r in rows
    ]


async def post_step(
    client: AsyncTestClient, headers: dict[str, str], flag_id: int, step: str, **body: str
) -> Any:
    return await client.post(f"/api/v1/risk/flags/{flag_id}/{step}", json=body, headers=headers)


async def test_the_organization_explains_then_the_buyer_resolves(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    flag_id = await flags.on_contract(HT_007, dataset="platform", evidence=underpriced_evidence(7))

    explained = await post_step(
        client,
        await as_user("org"),
        flag_id,
        "explain",
        explanation="报价低是因为本机构有社区志愿者队伍承担部分入户探访,人员成本已附说明。",
    )
    assert explained.status_code == 200, explained.text
    body = explained.json()
    assert body["status"] == "explained"
    assert body["allowed_transitions"] == []  # an organization never closes its own flag

    resolved = await post_step(
        client,
        await as_user("buyer2"),
        flag_id,
        "resolve",
        reason="已核实志愿者协议及排班表,要求每季度报送志愿服务时长,纳入履约监督。",
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert await status_of(flag_id) == FlagStatus.resolved

    assert await history(flag_id) == [
        {
            "from_status": "open",
            "to_status": "explained",
            "note": "报价低是因为本机构有社区志愿者队伍承担部分入户探访,人员成本已附说明。",
            "username": "org",
        },
        {
            "from_status": "explained",
            "to_status": "resolved",
            "note": "已核实志愿者协议及排班表,要求每季度报送志愿服务时长,纳入履约监督。",
            "username": "buyer2",
        },
    ]
    events = await audit_events(flags, flag_id)
    assert [e["action"] for e in events] == ["risk_flag.explained", "risk_flag.resolved"]
    assert events[0]["actor_label"] == "org (organization)"
    assert events[0]["data"]["from"] == "open" and events[0]["data"]["to"] == "explained"
    assert events[0]["data"]["rule"] == "UNDERPRICED_BID"
    assert events[1]["data"]["reason"].startswith("已核实志愿者协议")

    # The whole history is visible to the parties and to auditors.
    for username in ("org", "buyer2", "auditor", "committee"):
        detail = await client.get(f"/api/v1/risk/flags/{flag_id}", headers=await as_user(username))
        assert detail.status_code == 200, username
        steps = [(h["from_status"], h["to_status"]) for h in detail.json()["history"]]
        assert steps == [("open", "explained"), ("explained", "resolved")], username


async def test_the_buying_department_may_explain_too(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    flag_id = await flags.on_contract(HT_007, rule="AMENDMENT_CREEP")
    answer = await post_step(
        client,
        await as_user("buyer2"),
        flag_id,
        "explain",
        explanation="补充协议系服务人数增加所致。",
    )
    assert answer.status_code == 200
    # Amendment creep is about the department's own conduct: it explains, the regulator decides.
    assert answer.json()["allowed_transitions"] == []
    assert answer.json()["conduct"] is True
    regulator = await client.get(
        f"/api/v1/risk/flags/{flag_id}", headers=await as_user("regulator")
    )
    assert regulator.json()["allowed_transitions"] == ["resolve", "dismiss"]


async def test_the_regulator_dismisses_an_open_flag_and_decides_flags_without_a_department(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    open_flag = await flags.on_contract(HT_011, rule="LATE_REPORT")
    external = await flags.add(rule="R018", subject_type="tender", subject_id="ocds-x-0001")
    regulator = await as_user("regulator")
    dismissed = await post_step(
        client, regulator, open_flag, "dismiss", reason="报告逾期系系统故障,已有情况说明。"
    )
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    resolved = await post_step(client, regulator, external, "resolve", reason="已移交采购人整改。")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert [h["username"] for h in await history(external)] == ["regulator"]


@pytest.mark.parametrize(
    ("start", "step", "body"),
    [
        (FlagStatus.explained, "explain", {"explanation": "再说明一次"}),
        (FlagStatus.resolved, "explain", {"explanation": "已经关闭"}),
        (FlagStatus.resolved, "resolve", {"reason": "重复处理"}),
        (FlagStatus.resolved, "dismiss", {"reason": "重复处理"}),
        (FlagStatus.dismissed, "resolve", {"reason": "重新处理"}),
        (FlagStatus.dismissed, "dismiss", {"reason": "重复处理"}),
    ],
)
async def test_invalid_transitions_conflict_and_change_nothing(
    client: AsyncTestClient,
    as_user: Headers,
    flags: Flags,
    start: FlagStatus,
    step: str,
    body: dict[str, str],
) -> None:
    flag_id = await flags.on_contract(HT_007, status=start)
    answer = await post_step(client, await as_user("buyer2"), flag_id, step, **body)
    assert answer.status_code == 409
    assert f"risk flag {flag_id} is {start.value}" in answer.json()["detail"]
    assert await status_of(flag_id) == start
    assert await history(flag_id) == [] and await audit_events(flags, flag_id) == []


@pytest.mark.parametrize(
    ("step", "field", "note"),
    [
        ("explain", "explanation", ""),
        ("explain", "explanation", "   \n "),
        ("resolve", "reason", ""),
        ("dismiss", "reason", "  "),
        ("dismiss", "reason", "长" * 4001),
    ],
)
async def test_a_step_needs_its_reason(
    client: AsyncTestClient, as_user: Headers, flags: Flags, step: str, field: str, note: str
) -> None:
    flag_id = await flags.on_contract(HT_007)
    answer = await post_step(client, await as_user("buyer2"), flag_id, step, **{field: note})
    assert answer.status_code == 400
    assert answer.json()["field"] == field
    assert await status_of(flag_id) == FlagStatus.open and await history(flag_id) == []


async def test_a_missing_reason_names_its_field(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    flag_id = await flags.on_contract(HT_007)
    answer = await client.post(
        f"/api/v1/risk/flags/{flag_id}/resolve", json={}, headers=await as_user("buyer2")
    )
    assert answer.status_code == 400 and answer.json()["field"] == "reason"


@pytest.mark.parametrize(
    ("username", "step", "status"),
    [
        # Roles the policy refuses outright.
        ("org", "resolve", 403),
        ("org", "dismiss", 403),
        ("committee", "explain", 403),
        ("committee", "resolve", 403),
        ("auditor", "explain", 403),
        ("admin", "explain", 403),
        ("admin", "resolve", 403),
        # Auditors read everything and write nothing but reopen.
        ("auditor", "resolve", 403),
        ("auditor", "dismiss", 403),
        ("regulator", "explain", 403),
        ("buyer2", "reopen", 403),
        ("org", "reopen", 403),
        # Roles that may, on flags that do not involve them: as if the flag did not exist.
        ("org2", "explain", 404),
        ("buyer", "explain", 404),
        ("buyer", "resolve", 404),
        ("buyer3", "dismiss", 404),
    ],
)
async def test_who_may_not_move_a_flag(
    client: AsyncTestClient,
    as_user: Headers,
    flags: Flags,
    username: str,
    step: str,
    status: int,
) -> None:
    flag_id = await flags.on_contract(HT_007)  # 心连心 (org) for 海湾街道 (buyer2)
    field = "explanation" if step == "explain" else "reason"
    answer = await post_step(client, await as_user(username), flag_id, step, **{field: "理由"})
    assert answer.status_code == status, answer.text
    assert await status_of(flag_id) == FlagStatus.open and await history(flag_id) == []


async def test_anonymous_may_not_move_a_flag(client: AsyncTestClient, flags: Flags) -> None:
    flag_id = await flags.on_contract(HT_007)
    await client.get("/")
    answer = await client.post(
        f"/api/v1/risk/flags/{flag_id}/resolve",
        json={"reason": "匿名"},
        headers=csrf_headers(client),
    )
    assert answer.status_code == 401
    assert await status_of(flag_id) == FlagStatus.open


async def test_an_organization_explains_only_flags_that_name_it(
    client: AsyncTestClient, as_user: Headers, flags: Flags
) -> None:
    """A flag on the buyer alone (no organization) is not the organization's to explain."""
    contract_flag = await flags.on_contract(HT_011)  # 启明星 (org2)
    buyer_only = await flags.add(
        rule="REPORTING_BURDEN",
        subject_type="buyer",
        subject_id="D-HWJD",
        department=(await contract(HT_011))["department"],
    )
    org2 = await as_user("org2")
    assert (
        await post_step(client, org2, buyer_only, "explain", explanation="x")
    ).status_code == 404
    ok = await post_step(client, org2, contract_flag, "explain", explanation="康复服务人数已补报。")
    assert ok.status_code == 200
    assert ok.json()["organization_id"] == await organization_id(QIMINGXING)


async def test_the_services_check_the_actor_themselves(flags: Flags) -> None:
    """Called without HTTP (a command, another service), the rules still hold."""
    flag_id = await flags.on_contract(HT_007)
    with pytest.raises(NotFound):
        await services.flag_explain(actor=await actor("auditor"), flag_id=flag_id, explanation="x")
    with pytest.raises(NotFound):
        await services.flag_resolve(actor=await actor("org"), flag_id=flag_id, reason="x")
    with pytest.raises(NotFound):
        await services.flag_resolve(actor=await actor("admin"), flag_id=flag_id, reason="x")
    with pytest.raises(NotFound):
        await services.flag_resolve(actor=await actor("auditor"), flag_id=flag_id, reason="x")
    with pytest.raises(InvalidInput) as empty:
        await services.flag_dismiss(actor=await actor("regulator"), flag_id=flag_id, reason=" ")
    assert empty.value.field == "reason"
    await services.flag_dismiss(actor=await actor("regulator"), flag_id=flag_id, reason="误报")
    with pytest.raises(Conflict, match="only a flag that is explained or open can be resolved"):
        await services.flag_resolve(actor=await actor("buyer2"), flag_id=flag_id, reason="x")
    with pytest.raises(NotFound):
        await services.flag_dismiss(actor=await actor("regulator"), flag_id=987654, reason="x")


async def test_the_flag_page_forms_take_each_step(client: AsyncTestClient, flags: Flags) -> None:
    flag_id = await flags.on_contract(HT_007, evidence=underpriced_evidence(7))
    await login(client, "org")
    page = await client.get(f"/risk/flags/{flag_id}")
    assert 'data-testid="explain-form"' in page.text
    assert 'data-testid="resolve-form"' not in page.text
    token = client.cookies.get("csrftoken")

    refused = await client.post(
        f"/risk/flags/{flag_id}/explain", data={"explanation": "  ", "_csrf_token": token}
    )
    assert refused.status_code == 400
    assert 'data-testid="step-error"' in refused.text and "不能为空" in refused.text
    assert await status_of(flag_id) == FlagStatus.open

    too_long = "长" * 4001
    refused = await client.post(
        f"/risk/flags/{flag_id}/explain", data={"explanation": too_long, "_csrf_token": token}
    )
    assert refused.status_code == 400 and "请控制在 4000 字以内" in refused.text
    assert too_long in refused.text  # what was typed is kept

    no_csrf = await client.post(f"/risk/flags/{flag_id}/explain", data={"explanation": "说明"})
    assert no_csrf.status_code == 403
    assert await status_of(flag_id) == FlagStatus.open

    sent = await client.post(
        f"/risk/flags/{flag_id}/explain",
        data={"explanation": "志愿者承担部分探访。", "_csrf_token": token},
        follow_redirects=False,
    )
    assert (
        sent.status_code == 303
        and sent.headers["location"] == f"/risk/flags/{flag_id}?done=flag_explained"
    )
    again = await client.post(
        f"/risk/flags/{flag_id}/explain",
        data={"explanation": "再次说明", "_csrf_token": token},
    )
    assert again.status_code == 409 and 'data-testid="step-error"' in again.text

    await login(client, "buyer2")
    page = await client.get(f"/risk/flags/{flag_id}")
    assert 'data-testid="resolve-form"' in page.text and 'data-testid="dismiss-form"' in page.text
    assert 'data-testid="explain-form"' not in page.text  # already explained
    assert "志愿者承担部分探访。" in page.text
    done = await client.post(
        f"/risk/flags/{flag_id}/dismiss",
        data={"reason": "经核实报价合理。", "_csrf_token": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert await status_of(flag_id) == FlagStatus.dismissed
    closed = await client.get(f"/risk/flags/{flag_id}")
    assert "-form" not in closed.text.split("flag-history")[1]  # no forms on a closed flag


async def test_a_refused_step_reads_in_chinese(flags: Flags) -> None:
    """The refusal's catalog message as a page shows it: in Chinese, the rule it breaks."""
    flag_id = await flags.on_contract(HT_007)
    await services.flag_dismiss(actor=await actor("regulator"), flag_id=flag_id, reason="误报")
    with pytest.raises(Conflict) as refused:
        await services.flag_resolve(actor=await actor("buyer2"), flag_id=flag_id, reason="x")
    assert str(refused.value) == (
        f"risk flag {flag_id} is dismissed; only a flag that is explained or open can be resolved"
    )
    said = labels.message("zh-CN", refused.value.template, refused.value.variables)
    assert said == (f"风险提示 {flag_id} 当前状态为“已驳回”：只有待处理或已说明的风险提示可以办结")
    with pytest.raises(InvalidInput) as long:
        await services.flag_dismiss(
            actor=await actor("regulator"), flag_id=flag_id, reason="长" * 4001
        )
    assert labels.message("zh-CN", long.value.template, long.value.variables) == (
        "不得超过 4000 个字符"
    )

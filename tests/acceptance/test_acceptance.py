"""履约验收: the buyer's acceptance with its group, the service recipients' opinions, a result
per requirement and an overall result an approver other than who prepared it confirms; the
result is published without the recipients' personal data; completion and the final payment
need a passed final acceptance."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from procure.acceptance.selectors import final_acceptance_passed
from procure.acceptance.tables import Acceptance
from procure.audit.events import AuditAction
from procure.departments.tables import Department
from procure.security.services import user_create
from procure.security.tables import Role, User
from procure.web import labels
from tests.acceptance.helpers import GROUP, set_up
from tests.concurrency import audit_count, exactly_one_success, race
from tests.conftest import bearer, login
from tests.contracts.helpers import approve, requested
from tests.risk.conftest import HAIBIN, XINLIANXIN, YUGANG, id_of, make_contract, unique


async def contract(**overrides: Any) -> dict[str, Any]:
    return await make_contract(
        **{
            "department": "D-MZJ",
            "organization": XINLIANXIN,
            "communities": (HAIBIN, YUGANG),
            "quantities": (100, 20),
            "value_fen": 200,
            "starts_on": date.today() - timedelta(days=200),
            "ends_on": date.today() + timedelta(days=20),
            "payments": [
                (date.today() - timedelta(days=30), "scheduled"),
                (date.today(), "scheduled"),
            ],
            **overrides,
        }
    )


async def recorded(
    client: AsyncTestClient,
    contract_id: int,
    buyer: dict,
    committee: dict,
    *,
    results=("met", "met"),
) -> int:
    """An acceptance with every requirement judged and two recipients heard; its id."""
    created = await set_up(client, contract_id, buyer)
    assert created.status_code == 201, created.text
    acceptance_id = created.json()["id"]
    base = f"/api/v1/acceptances/{acceptance_id}"
    for line_no, result in enumerate(results, start=1):
        notes = "" if result == "met" else "入户探访次数不足"
        answer = await client.put(
            f"{base}/items/{line_no}",
            json={"result": result, "notes": notes, "evidence": "服务台账、签到表"},
            headers=buyer,
        )
        assert answer.status_code == 200, answer.text
    haibin = await client.post(
        f"{base}/recipients",
        json={
            "name": "李阿姨",
            "community": HAIBIN,
            "kind": "beneficiary",
            "contact": "13812345678",
        },
        headers=buyer,
    )
    yugang = await client.post(
        f"{base}/recipients",
        json={"name": "陈伯", "community": YUGANG, "kind": "resident_representative"},
        headers=buyer,
    )
    assert haibin.status_code == 201 and yugang.status_code == 201, haibin.text
    # The committee of 海滨 records its resident's opinion; the buyer the other one.
    by_committee = await client.put(
        f"{base}/recipients/{haibin.json()['id']}/opinion",
        json={"opinion": "satisfied", "comment": "服务很及时"},
        headers=committee,
    )
    assert by_committee.status_code == 200, by_committee.text
    by_buyer = await client.put(
        f"{base}/recipients/{yugang.json()['id']}/opinion",
        json={"opinion": "basically_satisfied"},
        headers=buyer,
    )
    assert by_buyer.status_code == 200, by_buyer.text
    return acceptance_id


async def conclude(client: AsyncTestClient, acceptance_id: int, buyer: dict, result: str) -> Any:
    return await client.post(
        f"/api/v1/acceptances/{acceptance_id}/conclude",
        json={"result": result, "conclusion": "验收小组一致认为服务达到合同要求"},
        headers=buyer,
    )


async def test_acceptance_with_recipients_end_to_end(client: AsyncTestClient, as_user) -> None:
    c = await contract()
    buyer, approver = await as_user("buyer"), await as_user("approver")
    committee = await as_user("committee")
    acceptance_id = await recorded(client, c["id"], buyer, committee)

    detail = (await client.get(f"/api/v1/acceptances/{acceptance_id}", headers=buyer)).json()
    assert detail["final"] is True and detail["status"] == "draft"
    assert [m["kind"] for m in detail["members"]] == [m["kind"] for m in GROUP]
    assert {r["contact_masked"] for r in detail["recipients"]} == {"138****5678", ""}
    assert [i["result"] for i in detail["items"]] == ["met", "met"]
    # A committee sees its own community's recipient only.
    seen = (await client.get(f"/api/v1/acceptances/{acceptance_id}", headers=committee)).json()
    assert [r["name"] for r in seen["recipients"]] == ["李阿姨"]

    approval_id = await requested(await conclude(client, acceptance_id, buyer, "passed"))
    row = await Acceptance.select().where(Acceptance.id == acceptance_id).first()
    assert row is not None and row["status"] == "draft"  # submitted, not yet confirmed
    await approve(client, approval_id, approver)
    confirmed = (await client.get(f"/api/v1/acceptances/{acceptance_id}", headers=buyer)).json()
    assert confirmed["status"] == "passed" and confirmed["result"] == "passed"
    assert confirmed["confirmed_by_name"] and confirmed["prepared_by_name"]
    assert await final_acceptance_passed(c["id"])
    changed = await client.put(
        f"/api/v1/acceptances/{acceptance_id}/items/1", json={"result": "met"}, headers=buyer
    )
    assert changed.status_code == 409

    public = await client.get(f"/disclosure/acceptances/{acceptance_id}")
    assert public.status_code == 200
    assert 'data-status="passed"' in public.text and "验收小组一致认为" in public.text
    for personal in ("李阿姨", "陈伯", "138****5678", "13812345678", "服务很及时", "王敏"):
        assert personal not in public.text
    listing = await client.get("/disclosure/acceptances")
    assert f'data-acceptance="{acceptance_id}"' in listing.text
    on_contract = await client.get(f"/disclosure/contracts/{c['id']}")
    assert f"/disclosure/acceptances/{acceptance_id}" in on_contract.text

    # Passed: the contract may be completed and its last instalment paid.
    voucher = {"paid_on": date.today().isoformat(), "amount_fen": 100, "voucher_no": "PZ-AC-1"}
    paid = await client.post(
        f"/api/v1/contracts/{c['id']}/payments/2/record", json=voucher, headers=buyer
    )
    assert paid.status_code == 202, paid.text
    completed = await client.post(f"/api/v1/contracts/{c['id']}/complete", headers=buyer)
    assert completed.status_code in (200, 201), completed.text


async def test_failed_acceptance_blocks_completion_and_final_payment(
    client: AsyncTestClient, as_user
) -> None:
    c = await contract()
    buyer, approver = await as_user("buyer"), await as_user("approver")
    voucher = {"paid_on": date.today().isoformat(), "amount_fen": 100, "voucher_no": "PZ-AC-2"}
    last = f"/api/v1/contracts/{c['id']}/payments/2/record"

    none_yet = await client.post(f"/api/v1/contracts/{c['id']}/complete", headers=buyer)
    assert none_yet.status_code == 409 and "履约验收" in none_yet.json()["detail"]
    blocked = await client.post(last, json=voucher, headers=buyer)
    assert blocked.status_code == 409 and "final payment" in blocked.json()["detail"]
    # An earlier instalment does not wait for the acceptance.
    first = await client.post(
        f"/api/v1/contracts/{c['id']}/payments/1/record",
        json={**voucher, "voucher_no": "PZ-AC-3"},
        headers=buyer,
    )
    assert first.status_code == 202, first.text

    acceptance_id = await recorded(
        client, c["id"], buyer, await as_user("committee"), results=("met", "not_met")
    )
    cannot_pass = await conclude(client, acceptance_id, buyer, "passed")
    assert cannot_pass.status_code == 400 and cannot_pass.json()["field"] == "result"
    await approve(
        client, await requested(await conclude(client, acceptance_id, buyer, "failed")), approver
    )
    assert not await final_acceptance_passed(c["id"])
    still = await client.post(f"/api/v1/contracts/{c['id']}/complete", headers=buyer)
    assert still.status_code == 409
    assert (await client.post(last, json=voucher, headers=buyer)).status_code == 409
    public = await client.get(f"/disclosure/acceptances/{acceptance_id}")
    assert 'data-status="failed"' in public.text

    # After rectification (整改) a new attempt passes and unblocks both.
    again = await recorded(client, c["id"], buyer, await as_user("committee"))
    rows = await Acceptance.select(Acceptance.attempt).where(Acceptance.id == again).first()
    assert rows is not None and rows["attempt"] == 2
    await approve(client, await requested(await conclude(client, again, buyer, "passed")), approver)
    assert (await client.post(last, json=voucher, headers=buyer)).status_code == 202


async def test_per_requirement_results_and_the_group(client: AsyncTestClient, as_user) -> None:
    c = await contract()
    buyer = await as_user("buyer")
    two = await set_up(client, c["id"], buyer, members=GROUP[:2])
    assert two.status_code == 400 and two.json()["field"] == "members"
    no_staff = [{**m, "kind": "expert"} for m in GROUP]
    assert (await set_up(client, c["id"], buyer, members=no_staff)).status_code == 400
    with_org = [*GROUP, {"name": "黄晓燕", "kind": "expert", "affiliation": "心连心社工服务中心"}]
    org_name = (
        await User.select(User.organization.name.as_alias("name"))
        .where(User.username == "org")
        .first()
    )
    assert org_name is not None
    with_org[-1]["affiliation"] = org_name["name"]
    sits = await set_up(client, c["id"], buyer, members=with_org)
    assert sits.status_code == 400 and sits.json()["field"] == "members[3].affiliation"
    bad_stage = await set_up(client, c["id"], buyer, stage="2020-01")
    assert bad_stage.status_code == 400 and bad_stage.json()["field"] == "stage"

    stage = (date.today() - timedelta(days=40)).strftime("%Y-%m")
    staged = await set_up(client, c["id"], buyer, stage=stage)
    assert staged.status_code == 201, staged.text
    acceptance_id = staged.json()["id"]
    detail = (await client.get(f"/api/v1/acceptances/{acceptance_id}", headers=buyer)).json()
    assert detail["final"] is False and detail["stage"] == stage
    assert [i["line_no"] for i in detail["items"]] == [1, 2]
    twice = await set_up(client, c["id"], buyer, stage=stage)
    assert twice.status_code == 409

    base = f"/api/v1/acceptances/{acceptance_id}"
    unexplained = await client.put(f"{base}/items/1", json={"result": "partly_met"}, headers=buyer)
    assert unexplained.status_code == 400 and unexplained.json()["field"] == "notes"
    ok = await client.put(
        f"{base}/items/1",
        json={"result": "partly_met", "notes": "少两次活动", "evidence": "签到表"},
        headers=buyer,
    )
    assert ok.status_code == 200
    assert (
        await client.put(f"{base}/items/9", json={"result": "met"}, headers=buyer)
    ).status_code == 404
    early = await conclude(client, acceptance_id, buyer, "passed")
    assert early.status_code == 409 and "2" in early.json()["detail"]
    await client.put(f"{base}/items/2", json={"result": "met"}, headers=buyer)
    unheard = await conclude(client, acceptance_id, buyer, "passed")
    assert unheard.status_code == 409 and "第四十五条" in unheard.json()["detail"]
    outside = await client.post(
        f"{base}/recipients",
        json={"name": "某居民", "community": "440319999999", "kind": "beneficiary"},
        headers=buyer,
    )
    assert outside.status_code == 400 and outside.json()["field"] == "community"


async def test_role_boundaries(client: AsyncTestClient, as_user) -> None:
    c = await contract()
    buyer = await as_user("buyer")
    acceptance_id = await recorded(client, c["id"], buyer, await as_user("committee"))
    base = f"/api/v1/acceptances/{acceptance_id}"
    org, auditor = await as_user("org"), await as_user("auditor")
    other, committee2 = await as_user("buyer2"), await as_user("committee2")

    # The organization under review cannot record anything; it sees no recipient's name.
    assert (await set_up(client, c["id"], org)).status_code == 403
    assert (
        await client.put(f"{base}/items/1", json={"result": "met"}, headers=org)
    ).status_code == 403
    recipients = (await client.get(base, headers=buyer)).json()["recipients"]
    opinion = f"{base}/recipients/{recipients[0]['id']}/opinion"
    assert (
        await client.put(opinion, json={"opinion": "satisfied"}, headers=org)
    ).status_code == 403
    seen = await client.get(base, headers=org)
    assert seen.status_code == 200
    assert {r["name"] for r in seen.json()["recipients"]} == {""}
    # Another department's buyer: not found.
    assert (await client.get(base, headers=other)).status_code == 404
    assert (await set_up(client, c["id"], other)).status_code == 404
    assert (
        await client.put(f"{base}/items/1", json={"result": "met"}, headers=other)
    ).status_code == 404
    assert (await conclude(client, acceptance_id, other, "passed")).status_code == 404
    # Another community's committee: not its resident.
    assert (
        await client.put(opinion, json={"opinion": "satisfied"}, headers=committee2)
    ).status_code == 404
    # The auditor reads, and writes nothing.
    assert (await client.get(base, headers=auditor)).status_code == 200
    assert (
        await client.put(f"{base}/items/1", json={"result": "met"}, headers=auditor)
    ).status_code == 403
    assert (await conclude(client, acceptance_id, auditor, "passed")).status_code == 403
    # An approver (not a handler) prepares nothing.
    approver = await as_user("approver")
    assert (
        await client.put(f"{base}/items/1", json={"result": "met"}, headers=approver)
    ).status_code == 403


async def _dual_user() -> dict[str, str]:
    """A member of the department who is both handler and approver."""
    username = unique("dual")
    await user_create(
        actor=None,
        username=username,
        display_name="兼任经办与审批",
        password="a-long-test-password",
        role=Role.buyer,
        department_id=await id_of(Department, Department.code, "D-MZJ"),
    )
    await User.update({User.is_handler: True, User.is_approver: True}).where(
        User.username == username
    )
    return await bearer(username)


async def test_no_one_confirms_their_own_acceptance(client: AsyncTestClient, as_user) -> None:
    c = await contract()
    dual = await _dual_user()
    acceptance_id = await recorded(client, c["id"], dual, await as_user("committee"))
    approval_id = await requested(await conclude(client, acceptance_id, dual, "passed"))
    own = await client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=dual)
    assert own.status_code == 403

    # Prepared by one, submitted by another handler: the preparer still cannot confirm it.
    c2 = await contract()
    prepared = await recorded(client, c2["id"], dual, await as_user("committee"))
    submitted = await requested(await conclude(client, prepared, await as_user("buyer"), "passed"))
    refused = await client.post(f"/api/v1/approvals/{submitted}/approve", json={}, headers=dual)
    assert refused.status_code == 403
    assert not await final_acceptance_passed(c2["id"])
    await approve(client, submitted, await as_user("approver"))
    assert await final_acceptance_passed(c2["id"])


async def test_a_change_after_submission_is_not_confirmed(client: AsyncTestClient, as_user) -> None:
    c = await contract()
    buyer = await as_user("buyer")
    acceptance_id = await recorded(client, c["id"], buyer, await as_user("committee"))
    approval_id = await requested(await conclude(client, acceptance_id, buyer, "passed"))
    await client.put(
        f"/api/v1/acceptances/{acceptance_id}/items/2",
        json={"result": "partly_met", "notes": "复核发现不足"},
        headers=buyer,
    )
    stale = await client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={}, headers=await as_user("approver")
    )
    assert stale.status_code == 409
    assert not await final_acceptance_passed(c["id"])


async def test_parallel_confirmations_give_one_success(client: AsyncTestClient, as_user) -> None:
    c = await contract()
    buyer, approver = await as_user("buyer"), await as_user("approver")
    acceptance_id = await recorded(client, c["id"], buyer, await as_user("committee"))
    approval_id = await requested(await conclude(client, acceptance_id, buyer, "passed"))
    codes = await race(
        lambda: client.post(f"/api/v1/approvals/{approval_id}/approve", json={}, headers=approver)
    )
    exactly_one_success(codes)
    assert await audit_count(AuditAction.acceptance_passed, "acceptance", acceptance_id) == 1


async def test_pages(client: AsyncTestClient, as_user) -> None:
    c = await contract()
    buyer = await as_user("buyer")
    acceptance_id = await recorded(client, c["id"], buyer, await as_user("committee"))
    await login(client, "buyer")
    index = await client.get(f"/contracts/{c['id']}/acceptances")
    assert index.status_code == 200 and "履约验收" in index.text
    assert 'data-testid="create-acceptance"' in index.text
    page = await client.get(f"/acceptances/{acceptance_id}")
    assert page.status_code == 200 and 'data-testid="conclude"' in page.text
    assert "138****5678" in page.text
    english = await client.get(f"/acceptances/{acceptance_id}", cookies={"lang": "en"})
    assert "Result per requirement" in english.text
    await login(client, "approver")
    await conclude(client, acceptance_id, buyer, "passed")
    pending = await client.get(f"/acceptances/{acceptance_id}")
    assert "/approve" in pending.text
    await login(client, "org")
    seen = await client.get(f"/acceptances/{acceptance_id}")
    assert seen.status_code == 200 and "138****5678" not in seen.text and "李阿姨" not in seen.text


async def test_a_refusal_on_the_acceptance_pages_reads_in_chinese(
    client: AsyncTestClient, as_user
) -> None:
    c = await contract()
    buyer, approver = await as_user("buyer"), await as_user("approver")
    created = await set_up(client, c["id"], buyer)
    assert created.status_code == 201, created.text
    early_id = created.json()["id"]
    await login(client, "buyer")
    token = client.cookies.get("csrftoken") or ""
    conclusion = {"_csrf_token": token, "result": "passed", "conclusion": "服务达到合同要求"}
    # No requirement judged yet: which ones, listed as Chinese lists them.
    early = await client.post(f"/acceptances/{early_id}/conclude", data=conclusion)
    assert early.status_code == 409
    assert "第 1、2 项验收项目尚未登记验收结果" in early.text
    assert "have no result yet" not in early.text

    # A confirmed acceptance's result stands: its status by its label.
    c2 = await contract()
    passed_id = await recorded(client, c2["id"], buyer, await as_user("committee"))
    await approve(
        client, await requested(await conclude(client, passed_id, buyer, "passed")), approver
    )
    changed = await client.post(
        f"/acceptances/{passed_id}/items/1", data={"_csrf_token": token, "result": "met"}
    )
    assert changed.status_code == 409
    passed = labels.label("zh-CN", "acceptance_status", "passed")
    assert f"验收 {passed_id} 当前状态为“{passed}”，验收结果已确定，不能再修改" in changed.text


async def test_a_date_that_is_not_a_date_reads_with_its_label_in_either_language(
    client: AsyncTestClient,
) -> None:
    """The acceptance form's schema refuses a date that is not one: the catalog's message naming
    the field, in Chinese or in English, never Pydantic's English."""
    c = await contract()
    await login(client, "buyer")
    posted = {"_csrf_token": client.cookies.get("csrftoken") or "", "accepted_on": "下周一"}
    refused = await client.post(f"/contracts/{c['id']}/acceptances", data=posted)
    assert refused.status_code == 400
    assert '<div class="card"><p>验收日期应为日期，例如 2026-12-31</p>' in refused.text
    assert "Input should" not in refused.text
    english = await client.post(
        f"/contracts/{c['id']}/acceptances", data=posted, cookies={"lang": "en"}
    )
    assert english.status_code == 400
    assert "<p>Accepted on must be a date, like 2026-12-31</p>" in english.text

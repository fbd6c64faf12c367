"""Resident monitors (居民监督员): a committee registers them for its own community; they see
and verify the spot-check samples of the contracts serving it — and nothing else: no other
community's samples, no contract, report, bid or score. The clock stands at 2026-05-20."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.tables import AuditEvent
from procure.errors import InvalidInput
from procure.jobs import outbox
from procure.organizations.tables import Organization
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.security.services import user_create
from procure.security.tables import Role
from procure.spotchecks.services import spotcheck_seeds_commit
from procure.tenders.tables import Tender
from tests.conftest import bearer, csrf_headers, login
from tests.reports.conftest import MakeContract
from tests.spotchecks.test_spotchecks import TODAY, period_of, spotchecks_url, submitted

pytestmark = pytest.mark.usefixtures("report_clock")

PASSWORD = "monitor-password-2026"
_numbers = itertools.count(1)


async def register(
    client: AsyncTestClient, committee: dict[str, str], **fields: str
) -> dict[str, Any]:
    number = next(_numbers)
    body = {
        "username": f"monitor-t{number:03d}-{id(client) % 10_000}",
        "display_name": f"测试监督员{number}",
        "password": PASSWORD,
        **fields,
    }
    done = await client.post("/api/v1/monitors/", json=body, headers=committee)
    assert done.status_code == 201, done.text
    return done.json()


async def sampled(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A contract for 海滨 whose 2026-04 report is submitted and sampled: its open tasks."""
    contract = await make_contract()
    await spotcheck_seeds_commit(TODAY)
    await submitted(client, await as_user("org"), contract)
    await outbox.run_due()
    body = (await client.get(spotchecks_url(contract), headers=await as_user("committee"))).json()
    return contract, period_of(body, "2026-04")["tasks"]


async def test_a_monitor_verifies_its_own_community_s_samples_and_nothing_else(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    committee = await as_user("committee")
    contract, tasks = await sampled(client, as_user, make_contract)
    monitor = await register(client, committee)
    assert monitor["is_active"] is True
    headers = await bearer(monitor["username"])

    # Its start list names the open tasks; the contract's samples are readable.
    waiting = await client.get("/api/v1/verification-tasks/", headers=headers)
    assert waiting.status_code == 200, waiting.text
    mine = [t for t in waiting.json() if t["contract_id"] == contract["id"]]
    assert [t["id"] for t in mine] == [t["id"] for t in tasks]
    assert {"code", "kind", "period", "reference"} <= set(mine[0])
    assert (await client.get(spotchecks_url(contract), headers=headers)).status_code == 200

    done = await client.post(
        f"/api/v1/verification-tasks/{tasks[0]['id']}",
        json={"outcome": "not_delivered", "note": "住户称未探访"},
        headers=headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "not_delivered"
    row = await user_by_username(monitor["username"])
    assert row is not None
    recorded = await AuditEvent.count().where(
        (AuditEvent.action == "verification.not_delivered") & (AuditEvent.actor_id == row["id"])
    )
    assert recorded == 1

    # Nothing else of the contract: not the contract, its reports, performance or flags.
    base = f"/api/v1/contracts/{contract['id']}"
    for path in (
        base,
        f"{base}/reports/2026-04",
        f"{base}/performance/?period=2026-04",
        f"{base}/evaluations/",
        "/api/v1/risk/flags",
    ):
        assert (await client.get(path, headers=headers)).status_code == 403, path


async def test_a_monitor_of_another_community_gets_404(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract, tasks = await sampled(client, as_user, make_contract)
    # 渔港's committee (committee2) registers a monitor of its own; the contract serves 海滨.
    other = await register(client, await as_user("committee2"))
    headers = await bearer(other["username"])
    assert (await client.get(spotchecks_url(contract), headers=headers)).status_code == 404
    refused = await client.post(
        f"/api/v1/verification-tasks/{tasks[0]['id']}", json={"outcome": "confirm"}, headers=headers
    )
    assert refused.status_code == 404
    waiting = (await client.get("/api/v1/verification-tasks/", headers=headers)).json()
    assert all(t["contract_id"] != contract["id"] for t in waiting)
    # A draft contract of its own community shows no samples either (404 like any other).
    draft = await make_contract(status="draft", community="440319001002")
    assert (await client.get(spotchecks_url(draft), headers=headers)).status_code == 404


async def test_a_monitor_cannot_score_read_bids_or_manage_monitors(
    client: AsyncTestClient, as_user: Any
) -> None:
    monitor = await register(client, await as_user("committee"))
    headers = await bearer(monitor["username"])
    tender = await Tender.select(Tender.id).where(Tender.reference == "ZB-2026-030").first()
    assert tender is not None
    for method, path, body in (
        ("get", f"/api/v1/tenders/{tender['id']}/evaluation", None),
        ("put", f"/api/v1/tenders/{tender['id']}/evaluation/scores", {"scores": []}),
        ("get", f"/api/v1/tenders/{tender['id']}/bids/mine", None),
        ("put", "/api/v1/contracts/1/evaluations/2026-04", {"scores": []}),
        ("get", "/api/v1/monitors/", None),
        ("post", "/api/v1/monitors/", {"username": "x", "display_name": "x", "password": PASSWORD}),
    ):
        call = getattr(client, method)
        response = await (
            call(path, headers=headers) if body is None else call(path, json=body, headers=headers)
        )
        assert response.status_code == 403, (path, response.text)


async def test_only_a_committee_registers_and_only_its_own_monitors_are_deactivated(
    client: AsyncTestClient, as_user: Any
) -> None:
    committee, committee2 = await as_user("committee"), await as_user("committee2")
    body = {"username": "monitor-by-org", "display_name": "某人", "password": PASSWORD}
    for who in ("org", "buyer2", "admin"):
        refused = await client.post("/api/v1/monitors/", json=body, headers=await as_user(who))
        assert refused.status_code == 403, who
    monitor = await register(client, committee)
    headers = await bearer(monitor["username"])
    assert (await client.get("/api/v1/verification-tasks/", headers=headers)).status_code == 200
    # Its community's monitors are the committee's alone.
    listed = (await client.get("/api/v1/monitors/", headers=committee2)).json()
    assert monitor["id"] not in [m["id"] for m in listed]
    url = f"/api/v1/monitors/{monitor['id']}/deactivate"
    assert (await client.post(url, headers=committee2)).status_code == 404
    done = await client.post(url, headers=committee)
    assert done.status_code == 200 and done.json()["is_active"] is False
    assert (await client.post(url, headers=committee)).status_code == 404  # already
    # A deactivated monitor's token no longer works.
    assert (await client.get("/api/v1/verification-tasks/", headers=headers)).status_code == 401
    # A username is taken once.
    again = await client.post(
        "/api/v1/monitors/",
        json={"username": monitor["username"], "display_name": "x", "password": PASSWORD},
        headers=committee,
    )
    assert again.status_code == 400


async def test_an_organization_s_account_can_never_be_a_monitor(database: None) -> None:
    organization = await Organization.select(Organization.id).first()
    assert organization is not None
    with pytest.raises(InvalidInput, match="cannot act for an organization"):
        await user_create(
            actor=None,
            username="monitor-of-org",
            display_name="承接主体员工",
            password=PASSWORD,
            role=Role.monitor,
            organization_id=organization["id"],
            community_id=1,
        )
    committee = await user_by_username("committee")
    assert committee is not None and Actor.from_row(committee).role == Role.committee


async def test_the_committee_s_page_registers_and_deactivates_and_the_monitor_s_start_page(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract, tasks = await sampled(client, as_user, make_contract)
    await login(client, "committee")
    page = await client.get("/committee/monitors")
    assert page.status_code == 200 and 'data-testid="register-monitor"' in page.text
    username = f"monitor-page-{contract['id']}"
    form = {"username": username, "display_name": "林晓燕", "password": PASSWORD}
    weak = await client.post(
        "/committee/monitors",
        data={**form, "password": "short", "_csrf_token": client.cookies.get("csrftoken")},
    )
    assert weak.status_code == 400 and 'data-testid="refusal"' in weak.text
    done = await client.post(
        "/committee/monitors",
        data={**form, "_csrf_token": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert done.status_code == 303
    listed = await client.get("/committee/monitors")
    assert f'data-username="{username}" data-active="true"' in listed.text

    client.cookies.clear()
    await login(client, username, PASSWORD)
    home = await client.get("/", follow_redirects=False)
    assert home.headers["location"] == "/monitor"
    start = await client.get("/monitor")
    assert start.status_code == 200 and 'data-role="monitor"' in start.text
    assert f"#task-{tasks[0]['id']}" in start.text
    samples = await client.get(f"/contracts/{contract['id']}/spotchecks")
    assert samples.status_code == 200
    assert f'action="/contracts/{contract["id"]}/spotchecks/tasks/{tasks[0]["id"]}"' in samples.text
    assert f'href="/contracts/{contract["id"]}"' not in samples.text
    recorded = await client.post(
        f"/contracts/{contract['id']}/spotchecks/tasks/{tasks[0]['id']}",
        data={"outcome": "confirm", "note": "", "_csrf_token": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    assert (await client.get(f"/contracts/{contract['id']}")).status_code == 403

    client.cookies.clear()
    await login(client, "committee")
    row = await user_by_username(username)
    assert row is not None
    gone = await client.post(
        f"/committee/monitors/{row['id']}/deactivate",
        data={"_csrf_token": client.cookies.get("csrftoken")},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert gone.status_code == 303
    assert 'data-active="false"' in (await client.get("/committee/monitors")).text

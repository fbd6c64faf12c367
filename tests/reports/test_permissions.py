"""Who reads and who writes a contract's reports: its buyer department, its organization, the
committees of its communities, auditors and administrators read; only the organization writes.
Anyone else gets 404, as if the contract did not exist."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.reports.conftest import MakeContract, in_scope, report

pytestmark = pytest.mark.usefixtures("report_clock")

# The test contract: 心连心 (org) for 海湾街道 (buyer2), covering 海滨社区 (committee).
READERS = ["org", "buyer2", "committee", "auditor", "admin"]
STRANGERS = ["org2", "org3", "buyer", "buyer3", "committee2"]


@pytest.fixture
async def submitted(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> dict[str, Any]:
    contract = await make_contract()
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    org = await as_user("org")
    body = report(in_scope(contract["scope_line_ids"][0]))
    assert (await client.put(f"{url}/draft", json=body, headers=org)).status_code == 200
    upload = await client.post(
        f"{url}/attachments", files={"file": ("签到表.pdf", b"%PDF-1.7 sign-in")}, headers=org
    )
    assert upload.status_code == 201, upload.text
    assert (await client.post(f"{url}/submit", headers=org)).status_code == 200
    return {**contract, "url": url, "attachment": upload.json()["id"]}


@pytest.mark.parametrize("username", READERS)
async def test_the_parties_the_committee_and_oversight_read(
    client: AsyncTestClient, as_user: Any, submitted: dict[str, Any], username: str
) -> None:
    headers = await as_user(username)
    calendar = await client.get(f"/api/v1/contracts/{submitted['id']}/reports", headers=headers)
    assert calendar.status_code == 200
    assert calendar.json()["contract_reference"] == submitted["reference"]
    detail = await client.get(submitted["url"], headers=headers)
    assert detail.status_code == 200 and detail.json()["report"]["status"] == "submitted"
    download = await client.get(
        f"/api/v1/reports/attachments/{submitted['attachment']}", headers=headers
    )
    assert download.status_code == 200 and download.content == b"%PDF-1.7 sign-in"
    page = await client.get(f"/contracts/{submitted['id']}/reports", headers=headers)
    assert page.status_code == 200


@pytest.mark.parametrize("username", STRANGERS)
async def test_anyone_else_gets_404(
    client: AsyncTestClient, as_user: Any, submitted: dict[str, Any], username: str
) -> None:
    headers = await as_user(username)
    for path in (
        f"/api/v1/contracts/{submitted['id']}/reports",
        submitted["url"],
        f"/api/v1/reports/attachments/{submitted['attachment']}",
        f"/contracts/{submitted['id']}/reports",
        f"/contracts/{submitted['id']}/reports/2026-04",
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == 404, (username, path)
        assert b"sign-in" not in response.content


@pytest.mark.parametrize("username", ["org2", "org3"])
async def test_another_organization_cannot_write(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract, username: str
) -> None:
    contract = await make_contract()
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    headers = await as_user(username)
    body = report(in_scope(contract["scope_line_ids"][0]))
    assert (await client.put(f"{url}/draft", json=body, headers=headers)).status_code == 404
    assert (await client.post(f"{url}/submit", headers=headers)).status_code == 404
    upload = await client.post(
        f"{url}/attachments", files={"file": ("a.pdf", b"%PDF-1.7")}, headers=headers
    )
    assert upload.status_code == 404


@pytest.mark.parametrize("username", ["buyer2", "committee", "auditor", "admin"])
async def test_readers_who_are_not_the_organization_may_not_write(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract, username: str
) -> None:
    contract = await make_contract()
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    headers = await as_user(username)
    body = report(in_scope(contract["scope_line_ids"][0]))
    assert (await client.put(f"{url}/draft", json=body, headers=headers)).status_code == 403
    assert (await client.post(f"{url}/submit", headers=headers)).status_code == 403
    assert (
        await client.post(f"/contracts/{contract['id']}/reports/2026-04", headers=headers)
    ).status_code == 403


async def test_drafts_and_their_files_stay_with_the_organization(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    org = await as_user("org")
    assert (await client.put(f"{url}/draft", json=report(), headers=org)).status_code == 200
    upload = await client.post(
        f"{url}/attachments", files={"file": ("a.pdf", b"%PDF-1.7 x")}, headers=org
    )
    attachment = f"/api/v1/reports/attachments/{upload.json()['id']}"
    assert (await client.get(attachment, headers=org)).status_code == 200
    for username in ("buyer2", "committee", "auditor", "admin"):
        headers = await as_user(username)
        assert (await client.get(attachment, headers=headers)).status_code == 404
        seen = (await client.get(url, headers=headers)).json()
        assert seen["report"] is None and seen["versions"] == []
        assert (await client.get(f"{url}?version=1", headers=headers)).status_code == 404

"""An organization keeps its own profile and qualifications, and nobody else's."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.tables import AuditEvent
from procure.organizations.tables import Organization, Qualification
from procure.security.tables import User
from tests.conftest import csrf_headers, login
from tests.organizations.conftest import PASSWORD, registered, registration

ME = "/api/v1/organizations/me"
QUALIFICATIONS = "/api/v1/organizations/me/qualifications"

PROFILE = {
    "name": "滨海区测试社会工作服务中心(更名)",
    "short_name": "更名社工",
    "founded_on": "2018-03-03",
    "certified_social_workers": 12,
    "address": "滨海区桂园街道桂园路2号",
    "contact_person": "李测试",
    "phone": "13800138000",
}
QUALIFICATION = {
    "kind": "social_work_qualification",
    "document_no": "深社协评〔2025〕第001号",
    "issued_on": "2025-01-01",
    "expires_on": "2030-01-01",
    "required": True,
}


async def sign_in_new_organization(client: AsyncTestClient) -> int:
    """Register a fresh organization and sign its user in; returns the organization's id."""
    body = registration()
    organization_id = await registered(**body)
    await login(client, body["username"], PASSWORD)
    return organization_id


async def last_event(action: str, subject_id: int) -> dict:
    event = (
        await AuditEvent.select(AuditEvent.action, AuditEvent.data)
        .where((AuditEvent.action == action) & (AuditEvent.subject_id == str(subject_id)))
        .order_by(AuditEvent.seq, ascending=False)
        .output(load_json=True)
        .first()
    )
    assert event is not None, f"no {action} event for {subject_id}"
    return event


async def test_an_organization_reads_its_own_profile_with_contact_details(
    client: AsyncTestClient,
) -> None:
    await login(client, "org")
    me = (await client.get(ME)).json()
    user = await User.select(User.organization).where(User.username == "org").first()
    assert user is not None and me["id"] == user["organization"]
    assert me["contact_person"] == "黄晓燕" and me["phone"] == "0755-27613358"
    assert all(q["document_no"] for q in me["qualifications"])


async def test_an_organization_edits_its_profile_but_not_its_credit_code(
    client: AsyncTestClient,
) -> None:
    organization_id = await sign_in_new_organization(client)
    before = await Organization.select().where(Organization.id == organization_id).first()
    assert before is not None
    response = await client.put(
        ME,
        json={**PROFILE, "credit_code": "52440319MJL018363J", "credit_rating": "AAA"},
        headers=csrf_headers(client),
    )
    assert response.status_code == 200, response.text
    after = response.json()
    assert {k: after[k] for k in PROFILE} == PROFILE
    assert after["credit_code"] == before["credit_code"]
    assert after["credit_rating"] == "unrated"
    event = await last_event("organization.profile_updated", organization_id)
    assert event["data"]["name"] == [before["name"], PROFILE["name"]]
    assert "credit_code" not in event["data"]


async def test_a_bad_profile_edit_names_its_field(client: AsyncTestClient) -> None:
    organization_id = await sign_in_new_organization(client)
    response = await client.put(ME, json={**PROFILE, "name": " "}, headers=csrf_headers(client))
    assert response.status_code == 400
    assert response.json() == {"status_code": 400, "detail": "must not be empty", "field": "name"}
    stored = await Organization.select(Organization.name).where(Organization.id == organization_id)
    assert stored[0]["name"] != " "


async def test_qualifications_are_added_changed_and_removed(client: AsyncTestClient) -> None:
    organization_id = await sign_in_new_organization(client)
    headers = csrf_headers(client)
    added = await client.post(QUALIFICATIONS, json=QUALIFICATION, headers=headers)
    assert added.status_code == 201, added.text
    qualification = added.json()
    assert qualification["document_no"] == QUALIFICATION["document_no"]
    assert qualification["expired"] is False
    listed = (await client.get(QUALIFICATIONS)).json()
    assert [q["id"] for q in listed] == [qualification["id"]]

    changed = await client.put(
        f"{QUALIFICATIONS}/{qualification['id']}",
        json={**QUALIFICATION, "expires_on": "2031-06-30"},
        headers=headers,
    )
    assert changed.status_code == 200 and changed.json()["expires_on"] == "2031-06-30"
    event = await last_event("qualification.updated", qualification["id"])
    assert event["data"]["expires_on"] == ["2030-01-01", "2031-06-30"]

    removed = await client.delete(f"{QUALIFICATIONS}/{qualification['id']}", headers=headers)
    assert removed.status_code == 204
    assert await Qualification.count().where(Qualification.organization == organization_id) == 0
    await last_event("qualification.added", qualification["id"])
    await last_event("qualification.removed", qualification["id"])


async def test_a_registration_certificate_is_always_required(client: AsyncTestClient) -> None:
    await sign_in_new_organization(client)
    added = await client.post(
        QUALIFICATIONS,
        json={**QUALIFICATION, "kind": "registration_certificate", "required": False},
        headers=csrf_headers(client),
    )
    assert added.status_code == 201 and added.json()["required"] is True


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"expires_on": "2025-01-01"}, "expires_on", "must be after issued_on (2025-01-01)"),
        ({"expires_on": "2024-12-31"}, "expires_on", "must be after issued_on (2025-01-01)"),
        ({"issued_on": "2999-01-01", "expires_on": None}, "issued_on", "cannot be in the future"),
        ({"document_no": " "}, "document_no", "must not be empty"),
    ],
)
async def test_a_bad_qualification_names_its_field(
    client: AsyncTestClient, changes: dict[str, Any], field: str, reason: str
) -> None:
    organization_id = await sign_in_new_organization(client)
    response = await client.post(
        QUALIFICATIONS, json={**QUALIFICATION, **changes}, headers=csrf_headers(client)
    )
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["detail"]) == (field, reason)
    assert await Qualification.count().where(Qualification.organization == organization_id) == 0


async def test_an_expired_qualification_cannot_be_revived_by_editing(
    client: AsyncTestClient,
) -> None:
    await sign_in_new_organization(client)
    headers = csrf_headers(client)
    expired = {**QUALIFICATION, "issued_on": "2019-01-01", "expires_on": "2024-01-01"}
    added = (await client.post(QUALIFICATIONS, json=expired, headers=headers)).json()
    assert added["expired"] is True
    response = await client.put(
        f"{QUALIFICATIONS}/{added['id']}",
        json={**expired, "expires_on": "2030-01-01"},
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "expires_on"
    assert response.json()["detail"] == (
        "the qualification expired on 2024-01-01 and cannot be changed; add the renewed "
        "document as a new qualification"
    )


async def test_another_organizations_qualification_is_not_found(client: AsyncTestClient) -> None:
    owner = await User.select(User.organization).where(User.username == "org").first()
    assert owner is not None
    theirs = (
        await Qualification.select()
        .where(Qualification.organization == owner["organization"])
        .first()
    )
    assert theirs is not None
    await login(client, "org2")
    headers = csrf_headers(client)
    url = f"{QUALIFICATIONS}/{theirs['id']}"
    body = {**QUALIFICATION, "kind": theirs["kind"], "document_no": "篡改"}
    assert (await client.put(url, json=body, headers=headers)).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404
    page_url = f"/organization/profile/qualifications/{theirs['id']}"
    form = {**body, "expires_on": "", "_csrf_token": client.cookies.get("csrftoken")}
    assert (await client.post(page_url, data=form)).status_code == 404
    assert (await client.post(f"{page_url}/delete", data=form)).status_code == 404
    unchanged = await Qualification.select().where(Qualification.id == theirs["id"]).first()
    assert unchanged == theirs


async def test_the_profile_page_marks_expired_qualifications(client: AsyncTestClient) -> None:
    await sign_in_new_organization(client)
    headers = csrf_headers(client)
    for issued, expires in (("2019-01-01", "2024-01-01"), ("2025-01-01", "2030-01-01")):
        await client.post(
            QUALIFICATIONS,
            json={**QUALIFICATION, "issued_on": issued, "expires_on": expires},
            headers=headers,
        )
    await client.get("/lang/en")
    page = await client.get("/organization/profile")
    assert page.status_code == 200
    assert page.text.count('data-testid="expired"') == 1
    assert "2024-01-01" in page.text and "Expired" in page.text
    assert 'data-testid="obstacle-card"' in page.text  # still no registration certificate


async def test_the_profile_forms_save_and_refuse_like_the_api(client: AsyncTestClient) -> None:
    organization_id = await sign_in_new_organization(client)
    await client.get("/organization/profile")
    token = client.cookies.get("csrftoken")
    saved = await client.post(
        "/organization/profile",
        data={**PROFILE, "certified_social_workers": "9", "_csrf_token": token},
        follow_redirects=False,
    )
    assert (
        saved.status_code == 303
        and saved.headers["location"] == "/organization/profile?done=profile_saved"
    )
    row = await Organization.select().where(Organization.id == organization_id).first()
    assert row is not None and row["certified_social_workers"] == 9

    refused = await client.post(
        "/organization/profile/qualifications",
        data={**QUALIFICATION, "issued_on": "", "required": "", "_csrf_token": token},
    )
    assert refused.status_code == 400
    assert 'data-field="issued_on"' in refused.text
    assert f'value="{QUALIFICATION["document_no"]}"' in refused.text  # the input is kept

    added = await client.post(
        "/organization/profile/qualifications",
        data={
            **QUALIFICATION,
            "kind": "registration_certificate",
            "expires_on": "",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    stored = await Qualification.select().where(Qualification.organization == organization_id)
    assert [(q["kind"], q["expires_on"], q["required"]) for q in stored] == [
        ("registration_certificate", None, True)
    ]
    start = await client.get("/organization")
    assert 'data-testid="obstacle-card"' not in start.text

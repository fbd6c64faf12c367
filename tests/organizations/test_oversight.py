"""Buyers and administrators rate and debar organizations; organizations cannot; all is public."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.tables import AuditEvent
from procure.departments.tables import Department
from procure.organizations.selectors import bidding_obstacles, debarred_ids, local_today
from procure.organizations.tables import Debarment, Organization
from procure.security.tables import User
from tests.conftest import csrf_headers, login
from tests.organizations.conftest import iso, organization_named, registered

TODAY = local_today()


async def events(action: str, subject_id: int) -> list[dict]:
    return (
        await AuditEvent.select(AuditEvent.actor_label, AuditEvent.data)
        .where((AuditEvent.action == action) & (AuditEvent.subject_id == str(subject_id)))
        .output(load_json=True)
    )


def debarment(starts_on: date, ends_on: date, reason: str = "提供虚假材料") -> dict[str, Any]:
    return {"starts_on": iso(starts_on), "ends_on": iso(ends_on), "reason": reason}


async def test_a_buyer_sets_the_credit_rating_with_a_reason(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "buyer")
    response = await client.put(
        f"/api/v1/organizations/{organization_id}/credit-rating",
        json={"rating": "AA", "reason": "年度绩效评价良好"},
        headers=csrf_headers(client),
    )
    assert response.status_code == 200, response.text
    assert response.json()["credit_rating"] == "AA"
    assert await events("organization.credit_rated", organization_id) == [
        {
            "actor_label": "buyer (buyer)",
            "data": {"from": "unrated", "to": "AA", "reason": "年度绩效评价良好"},
        }
    ]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [({"rating": "AA", "reason": "  "}, "reason", "must not be empty")],
)
async def test_a_rating_needs_a_reason(
    client: AsyncTestClient, body: dict, field: str, reason: str
) -> None:
    organization_id = await registered()
    await login(client, "admin")
    response = await client.put(
        f"/api/v1/organizations/{organization_id}/credit-rating",
        json=body,
        headers=csrf_headers(client),
    )
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["detail"]) == (field, reason)
    row = await Organization.select(Organization.credit_rating).where(
        Organization.id == organization_id
    )
    assert row[0]["credit_rating"] == "unrated"


async def test_an_unknown_rating_is_refused(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "buyer")
    response = await client.put(
        f"/api/v1/organizations/{organization_id}/credit-rating",
        json={"rating": "AAAA", "reason": "x"},
        headers=csrf_headers(client),
    )
    assert response.status_code == 400
    assert [e["key"] for e in response.json()["errors"]] == ["rating"]


async def test_a_buyer_debars_for_its_department(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "buyer")
    response = await client.post(
        f"/api/v1/organizations/{organization_id}/debarments",
        json=debarment(TODAY, TODAY + timedelta(days=365)),
        headers=csrf_headers(client),
    )
    assert response.status_code == 201, response.text
    buyer = await User.select(User.department).where(User.username == "buyer").first()
    assert buyer is not None
    department = await Department.select(Department.name).where(
        Department.id == buyer["department"]
    )
    created = response.json()
    assert created["decided_by"] == department[0]["name"]
    assert created["in_force"] is True
    assert organization_id in await debarred_ids()
    assert [o.code for o in await bidding_obstacles(organization_id, on=TODAY)] == [
        "debarred",
        "qualification_missing",
    ]
    recorded = await events("debarment.imposed", created["id"])
    assert recorded[0]["data"]["decided_by"] == buyer["department"]

    public = (await client.get(f"/api/v1/organizations/{organization_id}")).json()
    assert public["debarment"]["reason"] == "提供虚假材料"
    assert public["debarment"]["ends_on"] == iso(TODAY + timedelta(days=365))


async def test_an_administrators_debarment_names_no_department(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "admin")
    response = await client.post(
        f"/api/v1/organizations/{organization_id}/debarments",
        json=debarment(TODAY, TODAY + timedelta(days=30)),
        headers=csrf_headers(client),
    )
    assert response.status_code == 201 and response.json()["decided_by"] is None


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (
            debarment(TODAY, TODAY),
            "ends_on",
            f"must be after starts_on ({iso(TODAY)})",
        ),
        (
            debarment(TODAY, TODAY - timedelta(days=1)),
            "ends_on",
            f"must be after starts_on ({iso(TODAY)})",
        ),
        (debarment(TODAY, TODAY + timedelta(days=1), reason=""), "reason", "must not be empty"),
    ],
    ids=["empty-period", "reversed-period", "no-reason"],
)
async def test_a_bad_debarment_names_its_field(
    client: AsyncTestClient, body: dict, field: str, reason: str
) -> None:
    organization_id = await registered()
    await login(client, "buyer")
    response = await client.post(
        f"/api/v1/organizations/{organization_id}/debarments",
        json=body,
        headers=csrf_headers(client),
    )
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["detail"]) == (field, reason)
    assert await Debarment.count().where(Debarment.organization == organization_id) == 0


async def test_an_unknown_organization_cannot_be_debarred(client: AsyncTestClient) -> None:
    await login(client, "buyer")
    response = await client.post(
        "/api/v1/organizations/987654/debarments",
        json=debarment(TODAY, TODAY + timedelta(days=1)),
        headers=csrf_headers(client),
    )
    assert response.status_code == 404


async def test_a_debarment_is_lifted_early_to_today(client: AsyncTestClient) -> None:
    organization_id = await registered()
    started = TODAY - timedelta(days=10)
    await login(client, "buyer")
    headers = csrf_headers(client)
    created = (
        await client.post(
            f"/api/v1/organizations/{organization_id}/debarments",
            json=debarment(started, TODAY + timedelta(days=100)),
            headers=headers,
        )
    ).json()
    lift = f"/api/v1/organizations/{organization_id}/debarments/{created['id']}/lift"
    response = await client.post(lift, json={"reason": "复议撤销"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["debarment"] is None
    row = await Debarment.select().where(Debarment.id == created["id"]).first()
    assert row is not None and (row["starts_on"], row["ends_on"]) == (started, TODAY)
    assert organization_id not in await debarred_ids()
    assert "debarred" not in [o.code for o in await bidding_obstacles(organization_id, on=TODAY)]
    recorded = await events("debarment.lifted", created["id"])
    assert recorded[0]["data"]["reason"] == "复议撤销"
    assert recorded[0]["data"]["lifted_on"] == iso(TODAY)

    again = await client.post(lift, json={"reason": "再次"}, headers=headers)
    assert again.status_code == 400
    assert again.json() == {
        "status_code": 400,
        "detail": f"the debarment ended on {iso(TODAY)}; nothing to lift",
        "field": "debarment_id",
    }


async def test_a_debarment_not_yet_begun_is_withdrawn(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "buyer")
    headers = csrf_headers(client)
    created = (
        await client.post(
            f"/api/v1/organizations/{organization_id}/debarments",
            json=debarment(TODAY, TODAY + timedelta(days=30)),
            headers=headers,
        )
    ).json()
    response = await client.post(
        f"/api/v1/organizations/{organization_id}/debarments/{created['id']}/lift",
        json={"reason": "决定有误"},
        headers=headers,
    )
    assert response.status_code == 200
    assert await Debarment.count().where(Debarment.id == created["id"]) == 0
    recorded = await events("debarment.withdrawn", created["id"])
    assert recorded[0]["data"]["debarment_reason"] == "提供虚假材料"
    assert recorded[0]["data"]["reason"] == "决定有误"


async def test_a_lift_needs_a_reason_and_the_right_organization(client: AsyncTestClient) -> None:
    debarred = await organization_named("惠邻社区服务")
    row = await Debarment.select(Debarment.id).where(Debarment.organization == debarred).first()
    assert row is not None
    other = await registered()
    await login(client, "buyer")
    headers = csrf_headers(client)
    wrong_organization = await client.post(
        f"/api/v1/organizations/{other}/debarments/{row['id']}/lift",
        json={"reason": "x"},
        headers=headers,
    )
    assert wrong_organization.status_code == 404
    no_reason = await client.post(
        f"/api/v1/organizations/{debarred}/debarments/{row['id']}/lift",
        json={"reason": ""},
        headers=headers,
    )
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    assert debarred in await debarred_ids()


async def test_an_organization_can_neither_rate_nor_debar(client: AsyncTestClient) -> None:
    target = await registered()
    await login(client, "org")
    headers = csrf_headers(client)
    rating = await client.put(
        f"/api/v1/organizations/{target}/credit-rating",
        json={"rating": "C", "reason": "竞争对手"},
        headers=headers,
    )
    debar = await client.post(
        f"/api/v1/organizations/{target}/debarments",
        json=debarment(TODAY, TODAY + timedelta(days=30)),
        headers=headers,
    )
    assert (rating.status_code, debar.status_code) == (403, 403)
    assert await Debarment.count().where(Debarment.organization == target) == 0


async def test_the_public_profile_hides_contact_details_and_document_numbers(
    client: AsyncTestClient,
) -> None:
    organization_id = await organization_named("阳光家庭")
    public = (await client.get(f"/api/v1/organizations/{organization_id}")).json()
    assert "phone" not in public and "contact_person" not in public
    assert public["qualifications"] and all(
        "document_no" not in q for q in public["qualifications"]
    )
    expired = [q for q in public["qualifications"] if q["expired"]]
    assert [(q["kind"], q["expires_on"]) for q in expired] == [
        ("registration_certificate", "2025-07-07")
    ]
    assert [o["code"] for o in public["obstacles"]] == ["qualification_expired"]
    assert (await client.get("/api/v1/organizations/987654")).status_code == 404


async def test_the_registry_lists_the_debarment_period(client: AsyncTestClient) -> None:
    debarred = await organization_named("惠邻社区服务")
    row = await Debarment.select().where(Debarment.organization == debarred).first()
    assert row is not None
    listed = {o["id"]: o for o in (await client.get("/api/v1/organizations")).json()}
    assert listed[debarred]["debarred"] is True
    assert (listed[debarred]["debarred_from"], listed[debarred]["debarred_until"]) == (
        iso(row["starts_on"]),
        iso(row["ends_on"]),
    )
    clean = [o for o in listed.values() if o["name"] == "滨海区心连心社会工作服务中心"]
    assert clean[0]["debarred"] is False and clean[0]["debarred_until"] is None

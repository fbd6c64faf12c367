"""The finance department (regulator) rates and debars organizations, an administrator corrects
data errors; buyers and organizations cannot; every decision is public, with its reason and
the organization's statement."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.tables import AuditEvent
from procure.calendar import local_today
from procure.departments.tables import Department
from procure.organizations.selectors import bidding_obstacles, debarred_ids
from procure.organizations.tables import Debarment, Organization
from procure.security.tables import User
from tests.conftest import csrf_headers, login
from tests.organizations.conftest import iso, organization_named, registered


async def events(action: str, subject_id: int) -> list[dict]:
    return (
        await AuditEvent.select(AuditEvent.actor_label, AuditEvent.data)
        .where((AuditEvent.action == action) & (AuditEvent.subject_id == str(subject_id)))
        .output(load_json=True)
    )


def debarment(
    starts_on: date,
    ends_on: date,
    reason: str = "提供虚假材料",
    appeal_note: str = "已告知陈述、申辩权利,该机构书面陈述理由不成立。",
) -> dict[str, Any]:
    return {
        "starts_on": iso(starts_on),
        "ends_on": iso(ends_on),
        "reason": reason,
        "appeal_note": appeal_note,
    }


async def test_the_regulator_sets_the_credit_rating_with_a_reason(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "regulator")
    response = await client.put(
        f"/api/v1/organizations/{organization_id}/credit-rating",
        json={"rating": "AA", "reason": "年度绩效评价良好"},
        headers=csrf_headers(client),
    )
    assert response.status_code == 200, response.text
    assert response.json()["credit_rating"] == "AA"
    assert await events("organization.credit_rated", organization_id) == [
        {
            "actor_label": "regulator (regulator)",
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
    await login(client, "regulator")
    response = await client.put(
        f"/api/v1/organizations/{organization_id}/credit-rating",
        json={"rating": "AAAA", "reason": "x"},
        headers=csrf_headers(client),
    )
    assert response.status_code == 400
    assert [e["key"] for e in response.json()["errors"]] == ["rating"]


async def test_the_regulator_debars_for_the_finance_department(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "regulator")
    response = await client.post(
        f"/api/v1/organizations/{organization_id}/debarments",
        json=debarment(local_today(), local_today() + timedelta(days=365)),
        headers=csrf_headers(client),
    )
    assert response.status_code == 201, response.text
    regulator = await User.select(User.department).where(User.username == "regulator").first()
    assert regulator is not None
    department = await Department.select(Department.name).where(
        Department.id == regulator["department"]
    )
    created = response.json()
    assert created["decided_by"] == department[0]["name"]
    assert created["in_force"] is True
    assert organization_id in await debarred_ids()
    assert [o.code for o in await bidding_obstacles(organization_id, on=local_today())] == [
        "debarred",
        "qualification_missing",
    ]
    recorded = await events("debarment.imposed", created["id"])
    assert recorded[0]["data"]["decided_by"] == regulator["department"]

    public = (await client.get(f"/api/v1/organizations/{organization_id}")).json()
    assert public["debarment"]["reason"] == "提供虚假材料"
    assert public["debarment"]["ends_on"] == iso(local_today() + timedelta(days=365))


async def test_an_administrators_debarment_names_no_department(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "admin")
    response = await client.post(
        f"/api/v1/organizations/{organization_id}/debarments",
        json=debarment(local_today(), local_today() + timedelta(days=30)),
        headers=csrf_headers(client),
    )
    assert response.status_code == 201 and response.json()["decided_by"] is None


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (
            debarment(local_today(), local_today()),
            "ends_on",
            f"must be after starts_on ({iso(local_today())})",
        ),
        (
            debarment(local_today(), local_today() - timedelta(days=1)),
            "ends_on",
            f"must be after starts_on ({iso(local_today())})",
        ),
        (
            debarment(local_today(), local_today() + timedelta(days=1), reason=""),
            "reason",
            "must not be empty",
        ),
        (
            debarment(local_today(), local_today() + timedelta(days=1), appeal_note=" "),
            "appeal_note",
            "must not be empty: record the organization's statement and defence (陈述、申辩) "
            "heard before the debarment, or that it waived it (行政处罚法 第四十五条)",
        ),
    ],
    ids=["empty-period", "reversed-period", "no-reason", "no-appeal-note"],
)
async def test_a_bad_debarment_names_its_field(
    client: AsyncTestClient, body: dict, field: str, reason: str
) -> None:
    organization_id = await registered()
    await login(client, "regulator")
    response = await client.post(
        f"/api/v1/organizations/{organization_id}/debarments",
        json=body,
        headers=csrf_headers(client),
    )
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["detail"]) == (field, reason)
    assert await Debarment.count().where(Debarment.organization == organization_id) == 0


async def test_an_unknown_organization_cannot_be_debarred(client: AsyncTestClient) -> None:
    await login(client, "regulator")
    response = await client.post(
        "/api/v1/organizations/987654/debarments",
        json=debarment(local_today(), local_today() + timedelta(days=1)),
        headers=csrf_headers(client),
    )
    assert response.status_code == 404


async def test_a_debarment_is_lifted_early_to_today(client: AsyncTestClient) -> None:
    organization_id = await registered()
    started = local_today() - timedelta(days=10)
    await login(client, "regulator")
    headers = csrf_headers(client)
    created = (
        await client.post(
            f"/api/v1/organizations/{organization_id}/debarments",
            json=debarment(started, local_today() + timedelta(days=100)),
            headers=headers,
        )
    ).json()
    lift = f"/api/v1/organizations/{organization_id}/debarments/{created['id']}/lift"
    response = await client.post(lift, json={"reason": "复议撤销"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["debarment"] is None
    row = await Debarment.select().where(Debarment.id == created["id"]).first()
    assert row is not None and (row["starts_on"], row["ends_on"]) == (started, local_today())
    assert organization_id not in await debarred_ids()
    assert "debarred" not in [
        o.code for o in await bidding_obstacles(organization_id, on=local_today())
    ]
    recorded = await events("debarment.lifted", created["id"])
    assert recorded[0]["data"]["reason"] == "复议撤销"
    assert recorded[0]["data"]["lifted_on"] == iso(local_today())

    again = await client.post(lift, json={"reason": "再次"}, headers=headers)
    assert again.status_code == 400
    assert again.json() == {
        "status_code": 400,
        "detail": f"the debarment ended on {iso(local_today())}; nothing to lift",
        "field": "debarment_id",
    }


async def test_a_debarment_not_yet_begun_is_withdrawn(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "regulator")
    headers = csrf_headers(client)
    created = (
        await client.post(
            f"/api/v1/organizations/{organization_id}/debarments",
            json=debarment(local_today(), local_today() + timedelta(days=30)),
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
    await login(client, "regulator")
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
        json=debarment(local_today(), local_today() + timedelta(days=30)),
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


@pytest.mark.parametrize("username", ["buyer", "approver", "buyer2"])
async def test_debarment_by_a_buyer_is_refused(client: AsyncTestClient, username: str) -> None:
    """A buying department deals with organizations as a party: it neither debars nor rates."""
    target = await registered()
    debarred = await organization_named("惠邻社区服务")
    row = await Debarment.select(Debarment.id).where(Debarment.organization == debarred).first()
    assert row is not None
    await login(client, username)
    headers = csrf_headers(client)
    debar = await client.post(
        f"/api/v1/organizations/{target}/debarments",
        json=debarment(local_today(), local_today() + timedelta(days=30)),
        headers=headers,
    )
    rating = await client.put(
        f"/api/v1/organizations/{target}/credit-rating",
        json={"rating": "C", "reason": "履约不佳"},
        headers=headers,
    )
    lift = await client.post(
        f"/api/v1/organizations/{debarred}/debarments/{row['id']}/lift",
        json={"reason": "已整改"},
        headers=headers,
    )
    assert (debar.status_code, rating.status_code, lift.status_code) == (403, 403, 403)
    assert await Debarment.count().where(Debarment.organization == target) == 0
    assert debarred in await debarred_ids()
    page = await client.get(f"/organizations/{target}")
    assert 'data-testid="debarment-form"' not in page.text
    assert 'data-testid="rating-form"' not in page.text


async def test_the_services_refuse_a_buyer_too() -> None:
    from litestar.exceptions import PermissionDeniedException

    from procure.organizations import services
    from procure.security.actors import Actor
    from procure.security.selectors import user_by_username

    target = await registered()
    user = await user_by_username("buyer")
    assert user is not None
    with pytest.raises(PermissionDeniedException, match="finance department"):
        await services.debarment_impose(
            actor=Actor.from_row(user),
            organization_id=target,
            starts_on=local_today(),
            ends_on=local_today() + timedelta(days=30),
            reason="x",
            appeal_note="x",
        )


async def test_an_auditor_reads_but_does_not_debar(client: AsyncTestClient) -> None:
    target = await registered()
    await login(client, "auditor")
    debar = await client.post(
        f"/api/v1/organizations/{target}/debarments",
        json=debarment(local_today(), local_today() + timedelta(days=30)),
        headers=csrf_headers(client),
    )
    assert debar.status_code == 403


async def test_each_decision_is_kept_in_the_public_history(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "regulator")
    headers = csrf_headers(client)
    rated = await client.put(
        f"/api/v1/organizations/{organization_id}/credit-rating",
        json={
            "rating": "B",
            "reason": "2026年一季度绩效评价不合格",
            "appeal_note": "机构称人员流动所致,已提交整改计划。",
        },
        headers=headers,
    )
    assert rated.status_code == 200, rated.text
    created = await client.post(
        f"/api/v1/organizations/{organization_id}/debarments",
        json=debarment(local_today() - timedelta(days=5), local_today() + timedelta(days=365)),
        headers=headers,
    )
    assert created.status_code == 201, created.text
    lifted = await client.post(
        f"/api/v1/organizations/{organization_id}/debarments/{created.json()['id']}/lift",
        json={"reason": "行政复议决定撤销", "appeal_note": "复议申请书"},
        headers=headers,
    )
    assert lifted.status_code == 200, lifted.text

    public = (await client.get(f"/api/v1/organizations/{organization_id}")).json()
    decisions = [
        (d["kind"], d["before"], d["after"], d["reason"], d["appeal_note"], d["decider_role"])
        for d in reversed(public["decisions"])
    ]
    period = f"{iso(local_today() - timedelta(days=5))}/{iso(local_today() + timedelta(days=365))}"
    assert decisions == [
        (
            "credit_rating",
            "unrated",
            "B",
            "2026年一季度绩效评价不合格",
            "机构称人员流动所致,已提交整改计划。",
            "regulator",
        ),
        (
            "debarment_imposed",
            "",
            period,
            "提供虚假材料",
            "已告知陈述、申辩权利,该机构书面陈述理由不成立。",
            "regulator",
        ),
        (
            "debarment_lifted",
            period,
            f"{iso(local_today() - timedelta(days=5))}/{iso(local_today())}",
            "行政复议决定撤销",
            "复议申请书",
            "regulator",
        ),
    ]
    assert {d["decided_by"] for d in public["decisions"]} == {"滨海区财政局"}
    recorded = await events("debarment.imposed", created.json()["id"])
    assert recorded[0]["data"]["appeal_note"].startswith("已告知陈述")

    page = await client.get(f"/organizations/{organization_id}")
    assert 'data-testid="decisions"' in page.text
    assert "机构称人员流动所致" in page.text and "行政复议决定撤销" in page.text


async def test_an_administrator_corrects_a_rating(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "admin")
    response = await client.put(
        f"/api/v1/organizations/{organization_id}/credit-rating",
        json={"rating": "A", "reason": "录入错误更正"},
        headers=csrf_headers(client),
    )
    assert response.status_code == 200
    decision = response.json()["decisions"][0]
    assert (decision["decider_role"], decision["decided_by"]) == ("admin", None)


async def test_the_regulator_debars_through_the_page(client: AsyncTestClient) -> None:
    organization_id = await registered()
    await login(client, "regulator")
    page = await client.get(f"/organizations/{organization_id}")
    assert 'data-testid="debarment-form"' in page.text
    token = client.cookies.get("csrftoken")
    form = {
        "starts_on": iso(local_today()),
        "ends_on": iso(local_today() + timedelta(days=365)),
        "reason": "提供虚假材料",
        "_csrf_token": token,
    }
    refused = await client.post(f"/organizations/{organization_id}/debarments", data=form)
    assert refused.status_code == 400
    assert 'data-field="appeal_note"' in refused.text
    done = await client.post(
        f"/organizations/{organization_id}/debarments",
        data={**form, "appeal_note": "放弃陈述、申辩"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert organization_id in await debarred_ids()


async def test_the_demo_debarment_was_decided_by_the_finance_department(
    client: AsyncTestClient,
) -> None:
    debarred = await organization_named("惠邻社区服务")
    public = (await client.get(f"/api/v1/organizations/{debarred}")).json()
    assert public["debarment"]["decided_by"] == "滨海区财政局"
    assert [d["kind"] for d in public["decisions"]] == ["debarment_imposed"]
    assert public["decisions"][0]["appeal_note"]

"""The expert pool's JSON writes: create or update one expert, add and end a relationship; each
audited; and who may do them."""

from __future__ import annotations

import json
from datetime import date

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.events import AuditAction
from procure.audit.tables import AuditEvent
from procure.committees.tables import Expert
from tests.committees.pool_helpers import (
    QIMINGXING,
    XINLIANXIN,
    csv_bytes,
    expert_json,
    own_district,
    row,
)
from tests.concurrency import audit_count, exactly_one_success, race

EXPERTS = "/api/v1/experts"


async def events(action: str, subject_id: int) -> list[dict]:
    rows = await AuditEvent.select(AuditEvent.data).where(
        (AuditEvent.action == action) & (AuditEvent.subject_id == str(subject_id))
    )
    return [json.loads(r["data"]) if isinstance(r["data"], str) else r["data"] for r in rows]


async def test_put_creates_then_updates_an_expert(client: AsyncTestClient, as_user) -> None:
    headers = await as_user("regulator")
    body = expert_json(
        "T-API-001",
        employer_credit_code=XINLIANXIN,
        username="",
        relationships=[{"credit_code": QIMINGXING, "kind": "family", "note": "配偶为负责人"}],
    )
    created = await client.put(f"{EXPERTS}/T-API-001", json=body, headers=headers)
    assert created.status_code == 201, created.text
    expert = created.json()
    assert (expert["code"], expert["employer_credit_code"]) == ("T-API-001", XINLIANXIN)
    assert [(r["credit_code"], r["kind"], r["note"]) for r in expert["relationships"]] == [
        (QIMINGXING, "family", "配偶为负责人")
    ]
    assert len(await events("expert.created", expert["id"])) == 1

    same = await client.put(f"{EXPERTS}/T-API-001", json=body, headers=headers)
    assert same.status_code == 200
    assert await events("expert.updated", expert["id"]) == []  # nothing changed, nothing recorded

    changed = {**body, "name": "改了名", "active_until": "2028-12-31"}
    del changed["relationships"]  # left out: the recorded relationships stay
    updated = await client.put(f"{EXPERTS}/T-API-001", json=changed, headers=headers)
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "改了名"
    assert len(updated.json()["relationships"]) == 1
    [event] = await events("expert.updated", expert["id"])
    assert event["changes"] == {
        "name": ["测试专家", "改了名"],
        "active_until": ["", "2028-12-31"],
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"categories": []}, "categories", "name at least one category of the service catalog"),
        (
            {"employer_department_code": "D-NOPE"},
            "employer_department_code",
            "no buying department with the code D-NOPE",
        ),
        (
            {"code": "T-OTHER"},
            "code",
            "the code in the body (T-OTHER) differs from the address (T-API-BAD)",
        ),
        ({"username": "expert"}, "username", "the account expert already belongs to expert ZJ-001"),
        (
            {
                "relationships": [
                    {
                        "credit_code": XINLIANXIN,
                        "kind": "employment",
                        "started_on": "2024-05-01",
                        "ended_on": "2024-01-01",
                    }
                ]
            },
            "relationships",
            "relationship 1 ends before it starts",
        ),
    ],
)
async def test_a_bad_expert_is_refused_naming_the_field(
    client: AsyncTestClient, as_user, overrides: dict, field: str, message: str
) -> None:
    response = await client.put(
        f"{EXPERTS}/T-API-BAD",
        json={**expert_json("T-API-BAD"), **overrides},
        headers=await as_user("regulator"),
    )
    assert response.status_code == 400, response.text
    assert (response.json()["field"], response.json()["detail"]) == (field, message)
    assert not await Expert.exists().where(Expert.code == "T-API-BAD")


async def test_a_relationship_is_added_then_ended_once(client: AsyncTestClient, as_user) -> None:
    headers = await as_user("regulator")
    created = await client.put(
        f"{EXPERTS}/T-API-REL", json=expert_json("T-API-REL"), headers=headers
    )
    expert_id = created.json()["id"]
    added = await client.post(
        f"{EXPERTS}/{expert_id}/relationships",
        json={"credit_code": XINLIANXIN, "kind": "employment", "started_on": "2023-04-01"},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    [relationship] = added.json()["relationships"]
    assert (relationship["kind"], relationship["ended_on"]) == ("employment", None)
    again = await client.post(
        f"{EXPERTS}/{expert_id}/relationships",
        json={"credit_code": XINLIANXIN, "kind": "employment", "started_on": "2023-04-01"},
        headers=headers,
    )
    assert again.status_code == 409
    unknown = await client.post(
        f"{EXPERTS}/{expert_id}/relationships",
        json={"credit_code": "52440319MJL000000X", "kind": "cousin"},
        headers=headers,
    )
    assert unknown.status_code == 400
    assert [(e["field"], e["message"]) for e in unknown.json()["errors"]] == [
        (
            "kind",
            "unknown kind cousin: use one of employment (劳动关系), directorship (董事监事), "
            "family (亲属关系), other (其他利害关系)",
        ),
        (
            "credit_code",
            "no organization with the credit code 52440319MJL000000X in the registry: "
            "register it first",
        ),
    ]
    end = f"{EXPERTS}/{expert_id}/relationships/{relationship['id']}/end"
    too_early = await client.post(end, json={"ended_on": "2023-01-01"}, headers=headers)
    assert too_early.status_code == 400
    assert too_early.json()["detail"] == "must not be before the relationship started (2023-04-01)"
    codes = await race(lambda: client.post(end, json={"ended_on": "2025-06-30"}, headers=headers))
    exactly_one_success(codes)
    assert await audit_count(AuditAction.expert_relationship_ended, "expert", expert_id) == 1
    assert await audit_count(AuditAction.expert_relationship_added, "expert", expert_id) == 1
    shown = (await client.get(f"{EXPERTS}/{expert_id}", headers=headers)).json()
    assert shown["relationships"][0]["ended_on"] == "2025-06-30"


async def test_parallel_creations_of_one_code_make_one_expert(
    client: AsyncTestClient, as_user
) -> None:
    headers = await as_user("regulator")
    codes = await race(
        lambda: client.put(f"{EXPERTS}/T-RACE-001", json=expert_json("T-RACE-001"), headers=headers)
    )
    assert codes[201] == 1, codes
    assert set(codes) <= {200, 201}
    expert_id = (await Expert.select(Expert.id).where(Expert.code == "T-RACE-001").first())["id"]
    assert await audit_count(AuditAction.expert_created, "expert", expert_id) == 1


@pytest.mark.parametrize("username", ["buyer", "org", "expert", "committee", "auditor"])
async def test_only_the_finance_department_and_admin_write_the_pool(
    client: AsyncTestClient, as_user, username: str
) -> None:
    headers = await as_user(username)
    target = await Expert.select(Expert.id).where(Expert.code == "ZJ-001").first()
    calls = [
        client.put(f"{EXPERTS}/T-ROLE-001", json=expert_json("T-ROLE-001"), headers=headers),
        client.post(
            f"{EXPERTS}/{target['id']}/relationships",
            json={"credit_code": XINLIANXIN, "kind": "other"},
            headers=headers,
        ),
        client.post(
            f"{EXPERTS}/import",
            files={"file": ("a.csv", csv_bytes([row("T-ROLE-002")]))},
            headers=headers,
        ),
    ]
    for call in calls:
        assert (await call).status_code == 403
    assert not await Expert.exists().where(Expert.code.is_in(["T-ROLE-001", "T-ROLE-002"]))
    reads = await client.get(EXPERTS, headers=headers)
    assert reads.status_code == (200 if username == "auditor" else 403)


async def test_anonymous_callers_get_401(client: AsyncTestClient) -> None:
    assert (await client.get(EXPERTS)).status_code == 401
    assert (await client.get(f"{EXPERTS}/export")).status_code == 401


async def test_another_districts_expert_is_not_found_for_the_regulator(
    client: AsyncTestClient, as_user
) -> None:
    other = await own_district("T-OTHER-2")
    rows = await Expert.insert(
        Expert(code="T-FAR-001", name="外区专家", district=other, active_from=date(2024, 1, 1))
    )
    far = rows[0]["id"]
    regulator = await as_user("regulator")
    assert (await client.get(f"{EXPERTS}/{far}", headers=regulator)).status_code == 404
    added = await client.post(
        f"{EXPERTS}/{far}/relationships",
        json={"credit_code": XINLIANXIN, "kind": "other"},
        headers=regulator,
    )
    assert added.status_code == 404
    listed = (await client.get(EXPERTS, params={"q": "T-FAR"}, headers=regulator)).json()
    assert listed["total"] == 0
    overwrite = await client.put(
        f"{EXPERTS}/T-FAR-001", json=expert_json("T-FAR-001"), headers=regulator
    )
    assert overwrite.status_code == 400
    assert overwrite.json()["detail"] == "T-FAR-001 belongs to the pool of another district"
    # Oversight reads every district.
    assert (
        await client.get(f"{EXPERTS}/{far}", headers=await as_user("auditor"))
    ).status_code == 200


async def test_the_list_filters_and_pages_in_sql(client: AsyncTestClient, as_user) -> None:
    headers = await as_user("regulator")
    page = (await client.get(EXPERTS, params={"per_page": 5}, headers=headers)).json()
    assert len(page["items"]) == 5 and page["pages"] >= 9
    codes = [item["code"] for item in page["items"]]
    assert codes == sorted(codes)
    care = (
        await client.get(EXPERTS, params={"category": "care", "per_page": 200}, headers=headers)
    ).json()
    assert all("care" in item["categories"] for item in care["items"])
    found = (await client.get(EXPERTS, params={"q": "许文"}, headers=headers)).json()
    assert [item["code"] for item in found["items"]] == ["ZJ-001"]
    retired = (
        await client.get(EXPERTS, params={"active": False, "q": "ZJ-0"}, headers=headers)
    ).json()
    assert [item["code"] for item in retired["items"]] == ["ZJ-041"]
    assert (await client.get(EXPERTS, params={"page": 0}, headers=headers)).status_code == 400

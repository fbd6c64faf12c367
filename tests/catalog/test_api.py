"""The catalog API: reading, creating, updating, the rules' errors, and who may write."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.exceptions import PermissionDeniedException
from litestar.testing import AsyncTestClient

from procure.audit.tables import AuditEvent
from procure.catalog.schemas import CatalogItemIn
from procure.catalog.services import catalog_item_create
from procure.catalog.tables import CatalogItem
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from tests.catalog.helpers import item_json
from tests.conftest import csrf_headers, login

ITEMS = "/api/v1/catalog/items"


async def as_buyer(client: AsyncTestClient) -> dict[str, str]:
    await login(client, "buyer")
    return csrf_headers(client)


async def create(client: AsyncTestClient, headers: dict[str, str], **item: Any) -> dict[str, Any]:
    response = await client.post(ITEMS, json=item, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def audit_events(action: str, subject_id: int) -> list[dict[str, Any]]:
    rows = await AuditEvent.select(AuditEvent.actor_label, AuditEvent.data).where(
        (AuditEvent.action == action) & (AuditEvent.subject_id == str(subject_id))
    )
    return [{**row, "data": json.loads(row["data"])} for row in rows]


async def test_everyone_reads_the_active_catalog(client: AsyncTestClient) -> None:
    items = (await client.get(ITEMS)).json()
    assert {"C-APPR-001", "C-CARE-001"} <= {item["code"] for item in items}
    assert all(item["active"] for item in items)
    one = (await client.get(f"{ITEMS}/{items[0]['id']}")).json()
    assert one == items[0]
    assert (await client.get(f"{ITEMS}/987654")).status_code == 404


async def test_filters_by_category_name_and_activity(client: AsyncTestClient) -> None:
    headers = await as_buyer(client)
    await create(
        client, headers, **item_json("T-API-FILTER", name="100%_特殊字符助浴", active=False)
    )
    care = (await client.get(ITEMS, params={"category": "care"})).json()
    assert care and {item["category"] for item in care} == {"care"}
    assert "T-API-FILTER" not in {item["code"] for item in care}
    hidden = (await client.get(ITEMS, params={"q": "特殊字符助浴"})).json()
    assert "T-API-FILTER" not in {item["code"] for item in hidden}
    everything = (
        await client.get(ITEMS, params={"q": "特殊字符助浴", "include_inactive": "true"})
    ).json()
    assert "T-API-FILTER" in {item["code"] for item in everything}
    found = await client.get(ITEMS, params={"q": "100%_特殊", "include_inactive": "true"})
    assert [item["code"] for item in found.json()] == ["T-API-FILTER"]
    # % and _ are searched for, not wildcards
    assert (await client.get(ITEMS, params={"q": "0%x", "include_inactive": "true"})).json() == []
    assert [i["code"] for i in (await client.get(ITEMS, params={"q": "居家养老上门"})).json()] == [
        "C-CARE-001"
    ]
    unknown = await client.get(ITEMS, params={"category": "elderly"})
    assert unknown.status_code == 400


async def test_a_buyer_creates_an_item_and_the_audit_log_records_it(
    client: AsyncTestClient,
) -> None:
    headers = await as_buyer(client)
    created = await create(client, headers, **item_json("T-API-001", name="  社区助浴服务 "))
    assert created == {"id": created["id"], **item_json("T-API-001")}
    events = await audit_events("catalog_item.created", created["id"])
    assert [e["actor_label"] for e in events] == ["buyer (buyer)"]
    assert events[0]["data"]["code"] == "T-API-001"


async def test_an_organization_cannot_create_an_item(client: AsyncTestClient) -> None:
    await login(client, "org")
    response = await client.post(ITEMS, json=item_json("T-API-ORG"), headers=csrf_headers(client))
    assert response.status_code == 403
    assert not await CatalogItem.exists().where(CatalogItem.code == "T-API-ORG")


async def test_an_admin_creates_and_anonymous_may_not(client: AsyncTestClient) -> None:
    await client.get("/")
    anonymous = await client.post(ITEMS, json=item_json("T-API-ANON"), headers=csrf_headers(client))
    assert anonymous.status_code == 401
    await login(client, "admin")
    await create(client, csrf_headers(client), **item_json("T-API-ADMIN"))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"code": "t-api-lower"},
            "code",
            "must be 3–32 characters: uppercase letters A–Z, digits and hyphens",
        ),
        ({"code": "C-CARE-001"}, "code", "C-CARE-001 is already used by another item"),
        (
            {"category": "elderly"},
            "category",
            "unknown category elderly: use one of approval "
            "(审批类), care (关照类), mutual_aid (互助类), capacity (能力类), technology (技术类)",
        ),
        (
            {"unit": "minute"},
            "unit",
            "unknown unit minute: use one of hour (小时), session (次), "
            "household (户), person (人), month (月), project (项目), event (场)",
        ),
        ({"ref_price_min_fen": 8000}, "ref_price_max_fen", "must not be less than the lower limit"),
        ({"ref_price_min_fen": -100}, "ref_price_min_fen", "must not be negative"),
        ({"name": "   "}, "name", "must not be empty"),
        (
            {"outcome_indicators": ["满意度；完整率"]},
            "outcome_indicators",
            "indicator 1 must not contain ；, which separates indicators",
        ),
    ],
)
async def test_a_bad_item_is_refused_naming_the_field(
    client: AsyncTestClient, overrides: dict[str, Any], field: str, message: str
) -> None:
    headers = await as_buyer(client)
    body = {**item_json("T-API-BAD"), **overrides}
    response = await client.post(ITEMS, json=body, headers=headers)
    assert response.status_code == 400
    answer = response.json()
    assert (answer["field"], answer["detail"]) == (field, message)
    assert answer["errors"] == [{"field": field, "message": message}]
    assert not await CatalogItem.exists().where(CatalogItem.code == "T-API-BAD")


async def test_every_problem_of_an_item_is_listed(client: AsyncTestClient) -> None:
    headers = await as_buyer(client)
    body = item_json("x", name="", ref_price_min_fen=-1)
    answer = (await client.post(ITEMS, json=body, headers=headers)).json()
    assert answer["errors"] == [
        {
            "field": "code",
            "message": "must be 3–32 characters: uppercase letters A–Z, digits and hyphens",
        },
        {"field": "name", "message": "must not be empty"},
        {"field": "ref_price_min_fen", "message": "must not be negative"},
    ]


async def test_a_price_that_is_not_whole_fen_is_refused(client: AsyncTestClient) -> None:
    headers = await as_buyer(client)
    body = item_json("T-API-FLOAT", ref_price_min_fen=40.5)
    response = await client.post(ITEMS, json=body, headers=headers)
    assert response.status_code == 400
    assert [e["key"] for e in response.json()["errors"]] == ["ref_price_min_fen"]


async def test_an_update_replaces_the_values_and_records_what_changed(
    client: AsyncTestClient,
) -> None:
    headers = await as_buyer(client)
    item = await create(client, headers, **item_json("T-API-UPD"))
    changed = item_json("T-API-UPD", ref_price_max_fen=8000, unit="session", active=False)
    response = await client.put(f"{ITEMS}/{item['id']}", json=changed, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"id": item["id"], **changed}
    assert "T-API-UPD" not in {i["code"] for i in (await client.get(ITEMS)).json()}
    [event] = await audit_events("catalog_item.updated", item["id"])
    assert event["data"] == {
        "code": "T-API-UPD",
        "changes": {
            "unit": ["hour", "session"],
            "ref_price_max_fen": [7050, 8000],
            "active": [True, False],
        },
    }
    again = await client.put(f"{ITEMS}/{item['id']}", json=changed, headers=headers)
    assert again.status_code == 200
    assert len(await audit_events("catalog_item.updated", item["id"])) == 1


async def test_the_code_of_an_item_never_changes(client: AsyncTestClient) -> None:
    headers = await as_buyer(client)
    item = await create(client, headers, **item_json("T-API-CODE"))
    response = await client.put(
        f"{ITEMS}/{item['id']}", json=item_json("T-API-CODE2"), headers=headers
    )
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["detail"]) == (
        "code",
        "cannot change (it is T-API-CODE): deactivate this item and create a new one",
    )


async def test_the_unit_of_an_item_in_use_never_changes(client: AsyncTestClient) -> None:
    headers = await as_buyer(client)
    used = next(i for i in (await client.get(ITEMS)).json() if i["code"] == "C-CARE-003")
    other_unit = "month" if used["unit"] != "month" else "hour"
    body = {**used, "unit": other_unit}
    response = await client.put(f"{ITEMS}/{used['id']}", json=body, headers=headers)
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["detail"]) == (
        "unit",
        "cannot change once tenders or contracts use this item: create a new item",
    )
    renamed = await client.put(
        f"{ITEMS}/{used['id']}",
        json={**used, "target_group": used["target_group"]},
        headers=headers,
    )
    assert renamed.status_code == 200


async def test_updating_a_missing_item_is_404(client: AsyncTestClient) -> None:
    headers = await as_buyer(client)
    response = await client.put(f"{ITEMS}/987654", json=item_json("T-API-404"), headers=headers)
    assert response.status_code == 404


async def test_the_services_check_the_policy_again(database: None) -> None:
    row = await user_by_username("committee")
    assert row is not None
    with pytest.raises(PermissionDeniedException):
        await catalog_item_create(
            actor=Actor.from_row(row), item=CatalogItemIn(**item_json("T-API-SVC"))
        )
    assert not await CatalogItem.exists().where(CatalogItem.code == "T-API-SVC")

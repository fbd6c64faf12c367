"""Rubric templates: weights that sum to 100, unique codes, names in two languages, the default
rubric, and versions: a rubric in use is never edited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.tables import AuditEvent
from procure.evaluations.services import DEFAULT_RUBRIC_NAME, default_rubric
from procure.evaluations.tables import Rubric, RubricCriterion
from tests.conftest import csrf_headers, login
from tests.evaluations.conftest import ALL_80, WEIGHTS, save

Headers = Callable[[str], Any]
pytestmark = pytest.mark.usefixtures("database")


def criteria(**weights: int) -> list[dict[str, Any]]:
    return [
        {"code": code, "name_zh": f"指标{code}", "name_en": code.title(), "weight": weight}
        for code, weight in weights.items()
    ]


def unique_name() -> str:
    return f"评估标准 {uuid4().hex[:8]}"


async def test_the_default_rubric_is_created_once_with_the_four_criteria() -> None:
    first, second = await default_rubric(), await default_rubric()
    assert first == second
    versions = await Rubric.select(Rubric.id).where(
        (Rubric.name == DEFAULT_RUBRIC_NAME) & (Rubric.version == 1)
    )
    assert len(versions) == 1
    rows = (
        await RubricCriterion.select(
            RubricCriterion.code,
            RubricCriterion.name_zh,
            RubricCriterion.name_en,
            RubricCriterion.weight,
        )
        .where(RubricCriterion.rubric == versions[0]["id"])
        .order_by(RubricCriterion.id)
    )
    assert [(r["name_zh"], r["name_en"], r["weight"]) for r in rows] == [
        ("服务计划完成情况", "Delivery", 30),
        ("服务质量", "Quality", 30),
        ("响应及时性", "Responsiveness", 20),
        ("居民参与度", "Resident participation", 20),
    ]


async def test_everyone_signed_in_reads_the_rubrics(
    client: AsyncTestClient, as_user: Headers
) -> None:
    listed = await client.get("/api/v1/rubrics", headers=await as_user("committee"))
    assert listed.status_code == 200
    default = [r for r in listed.json() if r["name"] == DEFAULT_RUBRIC_NAME and r["version"] == 1]
    assert [c["code"] for c in default[0]["criteria"]] == [
        "delivery",
        "quality",
        "responsiveness",
        "participation",
    ]
    assert (await client.get("/api/v1/rubrics")).status_code == 401


async def test_a_buyer_creates_a_rubric(client: AsyncTestClient, as_user: Headers) -> None:
    name = unique_name()
    created = await client.post(
        "/api/v1/rubrics",
        json={"name": name, "criteria": criteria(plan=60, outcome=40)},
        headers=await as_user("buyer"),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["version"], body["in_use"], body["latest"]) == (name, 1, False, True)
    assert [(c["code"], c["weight"]) for c in body["criteria"]] == [("plan", 60), ("outcome", 40)]
    event = (
        await AuditEvent.select(AuditEvent.action, AuditEvent.actor_label)
        .where((AuditEvent.subject_type == "rubric") & (AuditEvent.subject_id == str(body["id"])))
        .first()
    )
    assert event == {"action": "rubric.created", "actor_label": "buyer (buyer)"}


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        (
            {"criteria": criteria(plan=60, outcome=30)},
            "criteria",
            "weights must sum to 100, got 90",
        ),
        (
            {"criteria": criteria(plan=60, outcome=30, extra=20)},
            "criteria",
            "weights must sum to 100, got 110",
        ),
        (
            {
                "criteria": [
                    *criteria(plan=50),
                    {"code": "plan", "name_zh": "重复", "name_en": "Again", "weight": 50},
                ]
            },
            "criteria",
            "criterion codes must be unique: plan appears twice",
        ),
    ],
)
async def test_a_bad_rubric_is_refused_and_changes_nothing(
    client: AsyncTestClient, as_user: Headers, body: dict[str, Any], field: str, detail: str
) -> None:
    name = unique_name()
    refused = await client.post(
        "/api/v1/rubrics", json={"name": name, **body}, headers=await as_user("admin")
    )
    assert refused.status_code == 400
    assert (refused.json()["field"], refused.json()["detail"]) == (field, detail)
    assert not await Rubric.exists().where(Rubric.name == name)


@pytest.mark.parametrize(
    ("criterion", "field"),
    [
        ({"name_en": ""}, "name_en"),
        ({"name_zh": ""}, "name_zh"),
        ({"code": "Plan A"}, "code"),
        ({"weight": 0}, "weight"),
        ({"weight": 101}, "weight"),
    ],
)
async def test_each_criterion_needs_a_code_both_names_and_a_weight(
    client: AsyncTestClient, as_user: Headers, criterion: dict[str, Any], field: str
) -> None:
    bad = {**criteria(plan=100)[0], **criterion}
    refused = await client.post(
        "/api/v1/rubrics",
        json={"name": unique_name(), "criteria": [bad]},
        headers=await as_user("buyer"),
    )
    assert refused.status_code == 400
    assert refused.json()["field"].endswith(field)


async def test_a_name_in_use_takes_a_version_not_a_second_rubric(
    client: AsyncTestClient, as_user: Headers
) -> None:
    refused = await client.post(
        "/api/v1/rubrics",
        json={"name": DEFAULT_RUBRIC_NAME, "criteria": criteria(plan=100)},
        headers=await as_user("buyer"),
    )
    assert refused.status_code == 400
    assert refused.json()["field"] == "name"
    assert refused.json()["detail"] == (
        f"a rubric named '{DEFAULT_RUBRIC_NAME}' exists: change it by adding a version"
    )


async def test_committees_and_organizations_do_not_manage_rubrics(
    client: AsyncTestClient, as_user: Headers
) -> None:
    body = {"name": unique_name(), "criteria": criteria(plan=100)}
    for username in ("committee", "org", "auditor"):
        response = await client.post("/api/v1/rubrics", json=body, headers=await as_user(username))
        assert response.status_code == 403, username


async def test_a_rubric_nobody_uses_is_changed_in_place(
    client: AsyncTestClient, as_user: Headers, rubric_id: int
) -> None:
    changed = await client.post(
        f"/api/v1/rubrics/{rubric_id}/versions",
        json={"criteria": criteria(delivery=50, quality=50)},
        headers=await as_user("buyer"),
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["id"], body["version"]) == (rubric_id, 1)
    assert [c["code"] for c in body["criteria"]] == ["delivery", "quality"]


async def test_a_rubric_in_use_is_never_edited_a_change_makes_the_next_version(
    client: AsyncTestClient, as_user: Headers, contract: int, rubric_id: int
) -> None:
    committee = await as_user("committee")
    assert (
        await save(client, committee, contract, "2025-01", rubric_id, ALL_80)
    ).status_code == 200
    buyer = await as_user("buyer")
    revised = await client.post(
        f"/api/v1/rubrics/{rubric_id}/versions",
        json={"criteria": criteria(delivery=40, quality=40, participation=20)},
        headers=buyer,
    )
    assert revised.status_code == 200, revised.text
    new = revised.json()
    assert new["id"] != rubric_id and new["version"] == 2 and new["latest"] and not new["in_use"]
    old = (await client.get("/api/v1/rubrics", headers=buyer)).json()
    old_v1 = next(r for r in old if r["id"] == rubric_id)
    assert old_v1["name"] == new["name"] and old_v1["in_use"] and not old_v1["latest"]
    assert {c["code"]: c["weight"] for c in old_v1["criteria"]} == WEIGHTS
    # The draft keeps the version it was made with, and still totals against it.
    kept = await save(client, committee, contract, "2025-01", None, ALL_80)
    assert (kept.json()["rubric_id"], kept.json()["total"]) == (rubric_id, "80.00")
    # Revising version 1 again continues the numbering after the newest version.
    again = await client.post(
        f"/api/v1/rubrics/{rubric_id}/versions",
        json={"criteria": criteria(delivery=100)},
        headers=buyer,
    )
    assert again.json()["version"] == 3
    events = await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.subject_type == "rubric") & (AuditEvent.subject_id == str(new["id"]))
    )
    assert [e["action"] for e in events] == ["rubric.versioned"]


async def test_a_revision_that_changes_nothing_makes_no_version(
    client: AsyncTestClient, as_user: Headers, contract: int, rubric_id: int
) -> None:
    committee = await as_user("committee")
    await save(client, committee, contract, "2025-01", rubric_id, ALL_80)
    same = await client.post(
        f"/api/v1/rubrics/{rubric_id}/versions",
        json={
            "criteria": [
                {"code": code, "name_zh": f"指标{code}", "name_en": code.title(), "weight": w}
                for code, w in WEIGHTS.items()
            ]
        },
        headers=await as_user("buyer"),
    )
    assert (same.json()["id"], same.json()["version"]) == (rubric_id, 1)


async def test_a_bad_revision_is_refused(
    client: AsyncTestClient, as_user: Headers, rubric_id: int
) -> None:
    buyer = await as_user("buyer")
    refused = await client.post(
        f"/api/v1/rubrics/{rubric_id}/versions",
        json={"criteria": criteria(delivery=50, quality=30)},
        headers=buyer,
    )
    assert (refused.status_code, refused.json()["detail"]) == (
        400,
        "weights must sum to 100, got 80",
    )
    missing = await client.post(
        "/api/v1/rubrics/987654/versions", json={"criteria": criteria(a=100)}, headers=buyer
    )
    assert missing.status_code == 404


async def test_the_rubric_page_creates_and_versions(client: AsyncTestClient) -> None:
    await login(client, "admin")
    page = await client.get("/rubrics")
    assert page.status_code == 200
    assert DEFAULT_RUBRIC_NAME in page.text and "服务计划完成情况" in page.text
    name = unique_name()
    form = {
        "_csrf_token": csrf_headers(client)["x-csrftoken"],
        "name": name,
        "code": ["plan", "outcome", ""],
        "name_zh": ["计划", "成效", ""],
        "name_en": ["Plan", "Outcome", ""],
        "weight": ["60", "30", ""],
    }
    refused = await client.post("/rubrics", data=form)
    assert refused.status_code == 400
    assert 'data-field="criteria"' in refused.text
    assert "各项权重之和应为 100，当前为 90" in refused.text  # in the reader's language
    assert f'value="{name}"' in refused.text  # what was typed is kept
    created = await client.post("/rubrics", data={**form, "weight": ["60", "40", ""]})
    assert created.status_code == 200 and name in created.text
    rubric = await Rubric.select(Rubric.id).where(Rubric.name == name).first()
    assert rubric is not None
    changed = await client.post(
        f"/rubrics/{rubric['id']}/versions",
        data={**form, "weight": ["50", "50", ""]},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert changed.headers["location"].startswith(f"/rubrics?saved={rubric['id']}")


async def test_the_rubric_page_is_for_buyers_and_admins(client: AsyncTestClient) -> None:
    await login(client, "committee")
    assert (await client.get("/rubrics")).status_code == 403


async def test_the_rubric_page_names_a_field_pydantic_refused_in_the_reader_s_language(
    client: AsyncTestClient,
) -> None:
    """A weight that is not a number is refused by the schema: the catalog's message with the
    field's label and row, in Chinese or in English, never Pydantic's own English."""
    await login(client, "admin")
    form = {
        "_csrf_token": csrf_headers(client)["x-csrftoken"],
        "name": unique_name(),
        "code": ["plan", "outcome"],
        "name_zh": ["计划", "成效"],
        "name_en": ["Plan", "Outcome"],
        "weight": ["60", "四十"],
    }
    refused = await client.post("/rubrics", data=form)
    assert refused.status_code == 400
    assert 'data-field="criteria.1.weight"' in refused.text
    assert "第2行 · 权重应为整数，例如 12</p>" in refused.text
    assert "Input should be" not in refused.text
    english = await client.post("/rubrics", data=form, cookies={"lang": "en"})
    assert english.status_code == 400
    assert "Row 2 · Weight must be a whole number, like 12</p>" in english.text

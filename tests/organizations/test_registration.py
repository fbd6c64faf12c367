"""Registering an organization and its first user: one transaction, every bad input named."""

from __future__ import annotations

import html
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.tables import AuditEvent
from procure.organizations.credit_code import ALPHABET, check_character
from procure.organizations.tables import Organization
from procure.security.tables import User
from tests.conftest import csrf_headers, login
from tests.organizations.conftest import PASSWORD, credit_code, registration

REGISTER = "/api/v1/organizations/register"


async def post_registration(client: AsyncTestClient, body: dict[str, Any]) -> Any:
    await client.get("/")  # an anonymous visitor holds a CSRF cookie like anyone else
    return await client.post(REGISTER, json=body, headers=csrf_headers(client))


async def test_registration_creates_the_organization_and_its_user(
    client: AsyncTestClient,
) -> None:
    body = registration(credit_code=credit_code("53").lower(), registration_type="foundation")
    response = await post_registration(client, body)
    assert response.status_code == 201, response.text
    answer = response.json()
    organization = answer["organization"]
    assert organization["credit_code"] == body["credit_code"].upper()  # normalised
    assert organization["name"] == body["name"]
    assert organization["registration_type"] == "foundation"
    assert organization["credit_rating"] == "unrated"
    assert organization["phone"] == body["phone"]
    assert answer["username"] == body["username"]

    user = await User.select().where(User.id == answer["user_id"]).first()
    assert user is not None
    assert user["role"] == "organization" and user["organization"] == organization["id"]
    assert user["display_name"] == body["display_name"]
    assert user["password_hash"] != PASSWORD

    # Each event on its own subject: an organization's id may equal another user's.
    events = await AuditEvent.select(AuditEvent.action, AuditEvent.subject_id).where(
        (
            (AuditEvent.action == "organization.registered")
            & (AuditEvent.subject_id == str(organization["id"]))
        )
        | (
            (AuditEvent.action == "user.created")
            & (AuditEvent.subject_id == str(answer["user_id"]))
        )
    )
    assert {(e["action"], e["subject_id"]) for e in events} == {
        ("organization.registered", str(organization["id"])),
        ("user.created", str(answer["user_id"])),
    }

    await login(client, body["username"], PASSWORD)
    me = await client.get("/api/v1/organizations/me")
    assert me.status_code == 200 and me.json()["id"] == organization["id"]


def wrong_check_character() -> tuple[str, str]:
    code = credit_code()
    wrong = next(ch for ch in ALPHABET if ch != code[17])
    return (
        code[:17] + wrong,
        f"check character is {wrong!r} but GB 32100-2015 gives {code[17]!r}",
    )


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


BAD_CODE, BAD_CODE_REASON = wrong_check_character()

BAD_INPUTS = [
    pytest.param({"credit_code": BAD_CODE}, "credit_code", BAD_CODE_REASON, id="check-character"),
    pytest.param(
        {"credit_code": BAD_CODE[:17]}, "credit_code", "must be 18 characters, got 17", id="length"
    ),
    pytest.param(
        {"credit_code": with_check("91440300MA5DXXXX0")},
        "credit_code",
        "registration authority '9' is not civil affairs ('5'): only social organizations "
        "registered with civil affairs (民政) can be contractors here",
        id="company-authority",
    ),
    pytest.param(
        {"credit_code": with_check("59440319MA0000001")},
        "credit_code",
        "second character '9' is not a social group ('1'), social service agency ('2') or "
        "foundation ('3')",
        id="other-civil-affairs-category",
    ),
    pytest.param(
        {"credit_code": with_check("51440319MA0000002")},
        "registration_type",
        "is social_service_agency but the credit code's second character '1' stands for "
        "social_group",
        id="type-mismatch",
    ),
    pytest.param(
        {"credit_code": "52440319MJL018363J"},
        "credit_code",
        "52440319MJL018363J is already registered",
        id="duplicate-code",
    ),
    pytest.param({"username": "org"}, "username", "'org' is already taken", id="duplicate-user"),
    pytest.param(
        {"password": "short"}, "password", "must be at least 10 characters", id="short-password"
    ),
    pytest.param({"name": "  "}, "name", "must not be empty", id="empty-name"),
    pytest.param({"address": ""}, "address", "must not be empty", id="empty-address"),
    pytest.param({"contact_person": ""}, "contact_person", "must not be empty", id="no-contact"),
    pytest.param({"phone": ""}, "phone", "must not be empty", id="empty-phone"),
    pytest.param(
        {"phone": "call me"},
        "phone",
        "must be a phone number: at least 7 digits, with - + ( ) or spaces",
        id="bad-phone",
    ),
    pytest.param(
        {"founded_on": "2999-01-01"}, "founded_on", "cannot be in the future", id="future-founding"
    ),
    pytest.param({"username": " "}, "username", "must be 1–60 characters", id="empty-username"),
]


@pytest.mark.parametrize(("overrides", "field", "reason"), BAD_INPUTS)
async def test_a_bad_registration_names_its_field_and_changes_nothing(
    client: AsyncTestClient, overrides: dict[str, Any], field: str, reason: str
) -> None:
    body = registration(**overrides)
    organizations, users = await Organization.count(), await User.count()
    response = await post_registration(client, body)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert response.json()["detail"] == reason
    assert await Organization.count() == organizations
    assert await User.count() == users


@pytest.mark.parametrize(
    ("missing", "invalid"),
    [
        ("name", {}),
        ("credit_code", {}),
        ("password", {}),
        ("founded_on", {}),
        ("registration_type", {"registration_type": "company"}),
        ("certified_social_workers", {"certified_social_workers": -1}),
    ],
)
async def test_missing_or_malformed_fields_are_named(
    client: AsyncTestClient, missing: str, invalid: dict[str, Any]
) -> None:
    body = registration(**invalid)
    if not invalid:
        del body[missing]
    response = await post_registration(client, body)
    assert response.status_code == 400
    assert [error["key"] for error in response.json()["errors"]] == [missing]


async def test_the_registration_page_registers_and_signs_in(client: AsyncTestClient) -> None:
    page = await client.get("/register")
    assert page.status_code == 200 and 'data-testid="register-form"' in page.text
    body = registration()
    response = await client.post(
        "/register",
        data={**body, "_csrf_token": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert (
        response.status_code == 303
        and response.headers["location"] == "/organization?done=registered"
    )
    start = await client.get("/organization")
    assert start.status_code == 200 and body["name"] in start.text
    # A new organization has no registration certificate on file yet: the page says so.
    assert 'data-code="qualification_missing"' in start.text
    assert "缺少有效的必备资质：登记证书" in start.text


async def test_the_registration_page_shows_the_reason_and_keeps_the_form(
    client: AsyncTestClient,
) -> None:
    await client.get("/lang/en")
    await client.get("/register")
    body = registration(credit_code=BAD_CODE)
    response = await client.post(
        "/register", data={**body, "_csrf_token": client.cookies.get("csrftoken")}
    )
    assert response.status_code == 400
    assert 'data-field="credit_code"' in response.text
    assert "Unified social credit code: check character is" in response.text
    assert f'value="{body["name"]}"' in response.text
    assert PASSWORD not in response.text  # a refused password is never sent back
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_the_registration_page_reads_its_refusals_in_chinese(
    client: AsyncTestClient,
) -> None:
    """The reader's language (Chinese by default) for the service's refusal and for a field the
    form could not read; the API keeps the English text."""
    await client.get("/register")
    token = {"_csrf_token": client.cookies.get("csrftoken")}
    wrong_authority = registration(credit_code=with_check("91440300MA5DXXXX0"))
    response = await client.post("/register", data={**wrong_authority, **token})
    assert response.status_code == 400 and 'data-field="credit_code"' in response.text
    text = html.unescape(response.text)
    assert "登记管理部门代码 '9' 不是民政（“5”）" in text
    assert "is not civil affairs" not in text
    undated = await client.post("/register", data={**registration(founded_on="明年"), **token})
    assert undated.status_code == 400 and 'data-field="founded_on"' in undated.text
    assert "应为日期，例如 2026-12-31" in undated.text
    api = await post_registration(client, wrong_authority)
    assert api.status_code == 400 and api.json()["detail"] == (
        "registration authority '9' is not civil affairs ('5'): only social organizations "
        "registered with civil affairs (民政) can be contractors here"
    )


@pytest.mark.parametrize(
    ("overrides", "field", "chinese", "english"),
    [
        (
            {"founded_on": "明年"},
            "founded_on",
            "成立日期应为日期，例如 2026-12-31",
            "Founded on must be a date, like 2026-12-31",
        ),
        (
            {"certified_social_workers": "六"},
            "certified_social_workers",
            "持证社工应为整数，例如 12",
            "Certified social workers must be a whole number, like 12",
        ),
        (
            {"short_name": "简" * 61},
            "short_name",
            "简称不能超过 60 个字",
            "Short name must be at most 60 characters",
        ),
    ],
)
async def test_a_field_the_schema_refuses_reads_with_its_label_in_either_language(
    client: AsyncTestClient, overrides: dict[str, str], field: str, chinese: str, english: str
) -> None:
    """Pydantic's complaint on the registration page is the catalog's message naming the
    field's label, never Pydantic's English."""
    await client.get("/register")
    posted = {**registration(**overrides), "_csrf_token": client.cookies.get("csrftoken")}
    refused = await client.post("/register", data=posted)
    assert refused.status_code == 400
    assert f'data-field="{field}">\n{chinese}</p>' in html.unescape(refused.text)
    assert "Input should" not in refused.text
    en = await client.post("/register", data=posted, cookies={"lang": "en"})
    assert en.status_code == 400
    assert f'data-field="{field}">\n{english}</p>' in html.unescape(en.text)

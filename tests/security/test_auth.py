"""Sign-in, sessions, CSRF and API tokens."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from procure.app import create_app
from procure.audit.tables import AuditEvent
from procure.errors import InvalidInput
from procure.security.services import user_create
from procure.security.tables import ApiToken, Role, SessionRecord
from procure.settings import get_settings
from procure.web import labels
from tests.conftest import csrf_headers, login


async def test_form_login_starts_a_session_and_lands_on_the_start_page(
    client: AsyncTestClient,
) -> None:
    await login(client, "buyer")
    page = await client.get("/buyer")
    assert page.status_code == 200
    assert 'data-role="buyer"' in page.text
    home = await client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/buyer"


async def test_wrong_password_is_refused_and_recorded(client: AsyncTestClient) -> None:
    await client.get("/login")
    before = await AuditEvent.count().where(AuditEvent.action == "user.login_failed")
    response = await client.post(
        "/login",
        data={
            "username": "buyer",
            "password": "not-the-password",
            "_csrf_token": client.cookies["csrftoken"],
        },
    )
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert "procure_session" not in client.cookies
    assert await AuditEvent.count().where(AuditEvent.action == "user.login_failed") == before + 1


async def test_session_cookie_is_httponly_and_samesite_lax(client: AsyncTestClient) -> None:
    await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "username": "org",
            "password": "demo-password-2026",
            "_csrf_token": client.cookies["csrftoken"],
        },
        follow_redirects=False,
    )
    cookie = next(
        v for v in response.headers.get_list("set-cookie") if v.startswith("procure_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain http here; see the https test


async def test_session_cookie_is_secure_over_https(app) -> None:  # type: ignore[no-untyped-def]
    async with AsyncTestClient(app=app, base_url="https://procure.example") as client:
        await client.get("/login")
        response = await client.post(
            "/login",
            data={
                "username": "org",
                "password": "demo-password-2026",
                "_csrf_token": client.cookies["__Host-csrftoken"],
            },
            follow_redirects=False,
        )
        cookie = next(
            v
            for v in response.headers.get_list("set-cookie")
            if v.startswith("__Host-procure_session=")
        )
        assert "Secure" in cookie


async def test_login_gives_a_new_session_id(client: AsyncTestClient) -> None:
    await client.get("/login")
    planted = "a" * 64
    client.cookies.set("procure_session", planted, domain="testserver.local")
    await client.post(
        "/login",
        data={
            "username": "org",
            "password": "demo-password-2026",
            "_csrf_token": client.cookies["csrftoken"],
        },
    )
    assert client.cookies.get("procure_session") not in (None, planted)


async def test_unsafe_requests_under_a_cookie_session_need_the_csrf_token(
    client: AsyncTestClient,
) -> None:
    await login(client, "auditor")
    refused = await client.post("/logout", follow_redirects=False)
    assert refused.status_code == 403
    assert (await client.get("/auditor")).status_code == 200  # still signed in
    accepted = await client.post("/logout", headers=csrf_headers(client), follow_redirects=False)
    assert accepted.status_code == 303
    assert (await client.get("/auditor", follow_redirects=False)).status_code == 303


async def test_json_login_and_me(client: AsyncTestClient) -> None:
    csrf = (await client.get("/api/v1/auth/csrf")).json()["csrf_token"]
    response = await client.post(
        "/api/v1/auth/login",
        json={"username": "committee", "password": "demo-password-2026"},
        headers={"x-csrftoken": csrf},
    )
    assert response.status_code == 200
    assert response.json()["start_page"] == "/committee"
    me = (await client.get("/api/v1/auth/me")).json()
    assert me["role"] == "committee" and me["community_id"] is not None


async def test_api_token_lifecycle(client: AsyncTestClient) -> None:
    issued = await client.post(
        "/api/v1/auth/tokens",
        json={
            "username": "buyer",
            "password": "demo-password-2026",
            "name": "ERP sync",
        },
    )
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert (
        await ApiToken.count().where(ApiToken.token_sha256 == token) == 0
    )  # only the hash is kept
    bearer = {"authorization": f"Bearer {token}"}
    me = await client.get("/api/v1/auth/me", headers=bearer)
    assert me.json()["username"] == "buyer"
    listed = (await client.get("/api/v1/auth/tokens", headers=bearer)).json()
    token_id = next(t["id"] for t in listed if t["name"] == "ERP sync")
    # Token clients send no CSRF token: an Authorization header cannot be forged by a browser.
    revoked = await client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer)
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=bearer)).status_code == 401


async def test_wrong_password_gets_no_token(client: AsyncTestClient) -> None:
    response = await client.post(
        "/api/v1/auth/tokens",
        json={
            "username": "buyer",
            "password": "guess-guess-guess",
            "name": "x",
        },
    )
    assert response.status_code == 401
    assert "token" not in response.json()


async def test_a_garbage_bearer_token_is_refused(client: AsyncTestClient) -> None:
    response = await client.get("/api/v1/tenders", headers={"authorization": "Bearer prc_nope"})
    assert response.status_code == 401


async def test_login_redirect_refuses_other_sites(client: AsyncTestClient) -> None:
    await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "username": "buyer",
            "password": "demo-password-2026",
            "next": "//evil.example/x",
            "_csrf_token": client.cookies["csrftoken"],
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/buyer"


async def test_anonymous_visits_store_no_session(client: AsyncTestClient) -> None:
    before = await SessionRecord.count()
    await client.get("/")
    await client.get("/login")
    assert "procure_session" not in client.cookies
    assert await SessionRecord.count() == before


async def test_a_session_is_written_at_sign_in_and_removed_at_sign_out(
    client: AsyncTestClient,
) -> None:
    await login(client, "buyer")
    session_id = client.cookies["procure_session"]
    assert await SessionRecord.exists().where(SessionRecord.key == session_id)
    page = await client.get("/buyer")
    assert not any(c.startswith("procure_session=") for c in page.headers.get_list("set-cookie"))
    await client.post("/logout", headers=csrf_headers(client), follow_redirects=False)
    assert not await SessionRecord.exists().where(SessionRecord.key == session_id)


async def test_password_guessing_is_throttled() -> None:
    app = create_app(get_settings().model_copy(update={"login_attempts_per_minute": 3}))
    # The count is shared with every app of the run (it lives in the database): start afresh.
    await app.stores.get("sign_in_limit").delete_all()
    async with AsyncTestClient(app=app) as client:
        await client.get("/login")
        form = {
            "username": "buyer",
            "password": "guess-guess",
            "_csrf_token": client.cookies["csrftoken"],
        }
        statuses = [(await client.post("/login", data=form)).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        assert (await client.get("/")).status_code == 200  # reading is not throttled


async def test_a_user_without_its_department_is_refused_in_either_language(
    database: None,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await user_create(
            actor=None,
            username="no-department",
            display_name="无部门",
            password="Qx7!lantern-harbour",
            role=Role.buyer,
        )
    assert refused.value.field == "department"
    assert refused.value.message == "a buyer user must act for a department"
    said = labels.message("zh-CN", refused.value.template, refused.value.variables)
    assert said == "角色为“购买主体”的用户须隶属于某一部门"

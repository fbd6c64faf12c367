"""A machine client's whole flow with no cookie and no CSRF dance, as docs/api.md shows it:
register, get a token, list tenders, submit a bid, file a report. And where the CSRF check
still holds: any request carrying the session cookie, and any body a plain HTML form can send."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient

from procure.organizations.tables import Organization
from procure.security.middleware import is_cookieless_json
from procure.security.tables import User
from tests.conftest import login
from tests.organizations.conftest import registration
from tests.risk.conftest import make_contract
from tests.tenders.conftest import bid_payload, publish, tender_payload


async def test_register_token_tender_bid_report_without_csrf(app: Any, as_user: Any) -> None:
    body = registration()
    async with AsyncTestClient(app=app) as robot:
        registered = await robot.post("/api/v1/organizations/register", json=body)
        assert registered.status_code == 201, registered.text
        assert "procure_session" not in robot.cookies  # registering signs nobody in
        issued = await robot.post(
            "/api/v1/auth/tokens",
            json={"username": body["username"], "password": body["password"], "name": "bot"},
        )
        assert issued.status_code == 201, issued.text
        auth = {"authorization": f"Bearer {issued.json()['token']}"}
        qualified = await robot.post(
            "/api/v1/organizations/me/qualifications",
            json={
                "kind": "registration_certificate",
                "document_no": "粤民政登字-测试",
                "issued_on": "2019-05-04",
            },
            headers=auth,
        )
        assert qualified.status_code == 201, qualified.text

        buyer = await as_user("buyer")
        created = await robot.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
        tender_id = created.json()["id"]
        assert (await publish(robot, buyer, tender_id)).status_code == 200
        tenders = await robot.get("/api/v1/tenders", params={"status": "published"})
        assert tender_id in [t["id"] for t in tenders.json()]
        bid = await robot.put(
            f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(25_000_000), headers=auth
        )
        assert bid.status_code == 201, bid.text
        mine = await robot.get(f"/api/v1/tenders/{tender_id}/bid", headers=auth)
        assert mine.json()["content_sha256"] == bid.json()["content_sha256"]

        contract = await make_contract(
            organization=body["credit_code"],
            starts_on=date(2026, 1, 1),
            quantities=(100,),
        )
        detail = (await robot.get(f"/api/v1/contracts/{contract['id']}", headers=auth)).json()
        line = detail["lines"][0]["id"]
        draft = {
            "summary": "四月服务按计划开展。",
            "lines": [{"scope_line_id": line, "description": "入户探访", "quantity": 8}],
        }
        url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
        saved = await robot.put(f"{url}/draft", json=draft, headers=auth)
        assert saved.status_code == 200, saved.text
        submitted = await robot.post(f"{url}/submit", json={}, headers=auth)
        assert submitted.status_code == 200, submitted.text
        assert "procure_session" not in robot.cookies


async def test_the_session_cookie_always_meets_the_csrf_check(
    client: AsyncTestClient,
) -> None:
    await login(client, "org")
    assert "procure_session" in client.cookies
    before = await Organization.select(Organization.phone).first()
    refused = await client.put(
        "/api/v1/organizations/me",
        json={"phone": "0755-99999999"},
        headers={"content-type": "application/json"},
    )
    assert refused.status_code == 403
    assert await Organization.select(Organization.phone).first() == before


async def test_form_and_text_bodies_meet_the_csrf_check(app: Any) -> None:
    body = registration()
    async with AsyncTestClient(app=app) as browser:
        # What another site's plain HTML form can send: form-encoded or text/plain.
        form = await browser.post("/register", data=body)
        assert form.status_code == 403
        text = await browser.post(
            "/api/v1/organizations/register",
            content=str(body).encode(),
            headers={"content-type": "text/plain"},
        )
        assert text.status_code == 403
    assert not await User.exists().where(User.username == body["username"])


def test_what_counts_as_cookieless_json() -> None:
    def scope(path: str, content_type: str, cookie: str = "") -> Any:
        headers = [(b"content-type", content_type.encode())]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        return {"type": "http", "path": path, "headers": headers}

    assert is_cookieless_json(scope("/api/v1/auth/login", "application/json"))
    assert is_cookieless_json(scope("/api/v1/x", "application/json; charset=utf-8", "csrftoken=a"))
    assert not is_cookieless_json(scope("/register", "application/json"))
    assert not is_cookieless_json(scope("/api/v1/x", "text/plain"))
    assert not is_cookieless_json(scope("/api/v1/x", "application/x-www-form-urlencoded"))
    assert not is_cookieless_json(scope("/api/v1/x", "application/json", "procure_session=s"))
    assert not is_cookieless_json(
        scope("/api/v1/x", "application/json", "a=1; __Host-procure_session=s")
    )

"""Hostile input gets a clear 4xx and changes nothing, on every route (procure.web.input): ids
beyond the id columns, control characters in the path, the query, JSON and forms, bodies that
are not UTF-8, JSON nested without end; and a 405 says which methods the path takes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from procure.i18n import LANG_COOKIE
from procure.tenders.tables import Tender
from tests.conftest import csrf_headers, login
from tests.tenders.conftest import tender_payload

BEYOND = [2**31, 2**63, -(2**63) - 1, 10**30]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _routes(app: Litestar) -> Iterator[HTTPRoute]:
    return (route for route in app.routes if isinstance(route, HTTPRoute))


def _with_ids(route: HTTPRoute, value: int) -> str:
    path = route.path
    for definition in route.path_parameters.values():
        filler = str(value) if definition.type is int else "x"
        path = path.replace("{" + definition.full + "}", filler)
    return path


def _methods(route: HTTPRoute) -> list[str]:
    return sorted(route.methods - {"OPTIONS", "HEAD"})


async def _anonymous(client: AsyncTestClient) -> dict[str, str]:
    await client.get("/login")
    return csrf_headers(client)


@pytest.mark.parametrize("value", BEYOND, ids=str)
async def test_an_id_no_column_holds_is_not_found_on_every_route(
    app: Litestar, client: AsyncTestClient, as_user: Any, value: int
) -> None:
    headers = {**await _anonymous(client), **await as_user("admin")}
    wrong = []
    checked = 0
    for route in _routes(app):
        if not any(p.type is int for p in route.path_parameters.values()):
            continue
        for method in _methods(route):
            response = await client.request(method, _with_ids(route, value), headers=headers)
            checked += 1
            if response.status_code != 404:
                wrong.append(f"{method} {route.path} → {response.status_code}")
    assert checked > 100
    assert wrong == []


async def test_an_id_beyond_the_columns_reads_as_any_unknown_id(client: AsyncTestClient) -> None:
    response = await client.get(f"/api/v1/tenders/{2**31}")
    assert response.status_code == 404
    assert response.json()["detail"] == f"no tender {2**31}"
    # A page names the kind of object in the reader's language.
    page = await client.get(f"/disclosure/tenders/{2**31}")
    assert page.status_code == 404 and f"编号为 {2**31} 的采购项目不存在" in page.text


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/tenders?department={2**31}",
        f"/api/v1/tenders?department={'9' * 5000}",
        f"/api/v1/audit/events?before_seq={2**63}",
    ],
    ids=["int32", "5000-digits", "int64"],
)
async def test_a_whole_number_query_beyond_the_columns_is_refused_naming_it(
    client: AsyncTestClient, as_user: Any, url: str
) -> None:
    response = await client.get(url, headers=await as_user("auditor"))
    assert response.status_code == 400, response.text
    field = url.split("?")[1].split("=")[0]
    assert response.json()["field"] == field


@pytest.mark.parametrize("page", [2**31, 2**63, 10**30])
async def test_a_page_far_past_the_end_of_the_open_data_is_empty(
    client: AsyncTestClient, page: int
) -> None:
    response = await client.get("/api/v1/ocds/releases", params={"page": str(page)})
    assert response.status_code == 200, response.text
    assert response.json()["releases"] == []


@pytest.mark.parametrize("url", ["/api/v1/tenders?q=a%00b", "/api/v1/catalog/items?q=%1Fx"])
async def test_a_control_character_in_the_query_is_refused_naming_the_parameter(
    client: AsyncTestClient, as_user: Any, url: str
) -> None:
    response = await client.get(url, headers=await as_user("buyer"))
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "q"
    assert "not allowed" in response.json()["detail"]


async def test_a_control_character_in_a_page_query_is_refused_in_the_readers_language(
    client: AsyncTestClient,
) -> None:
    chinese = await client.get("/tenders?q=a%00b")
    assert chinese.status_code == 400
    assert "不允许的字符" in chinese.text and "U+0000" in chinese.text
    client.cookies.set(LANG_COOKIE, "en")
    english = await client.get("/tenders?q=a%00b")
    assert english.status_code == 400
    assert "contains a character that is not allowed (U+0000)" in english.text


async def test_a_control_character_in_the_path_is_refused(client: AsyncTestClient) -> None:
    response = await client.get("/api/v1/ocds/releases/ocds-a%00b")
    assert response.status_code == 400
    assert response.json()["field"] == "ocid"


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("title", {"title": "长者\x00助餐"}),
        ("lines[1].description", {"lines": "LINES"}),
        ("description", {"description": "\ud800"}),
        ("ceiling_fen", {"ceiling_fen": 2**63}),
    ],
)
async def test_hostile_json_is_refused_naming_the_field_and_changes_nothing(
    client: AsyncTestClient, as_user: Any, field: str, change: dict[str, Any]
) -> None:
    payload = await tender_payload()
    if change.get("lines") == "LINES":
        payload["lines"][1]["description"] = "第二\x07项"
    else:
        payload.update(change)
    before = await Tender.count()
    response = await client.post(
        "/api/v1/tenders",
        content=json.dumps(payload),  # escapes a lone surrogate as JSON may
        headers={**await as_user("buyer"), "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert await Tender.count() == before


async def test_json_nested_without_end_is_refused_before_it_is_parsed(
    client: AsyncTestClient, as_user: Any
) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = await client.post(
        "/api/v1/tenders",
        content=body,
        headers={**await as_user("buyer"), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "nested more than 32 levels" in response.json()["detail"]


async def test_a_control_character_in_a_form_field_is_refused(client: AsyncTestClient) -> None:
    headers = await _anonymous(client)
    response = await client.post(
        "/login", data={"username": "buyer\x00", "password": "x"}, headers=headers
    )
    assert response.status_code == 400
    # The page names the field by its label in the reader's language, never its internal name.
    assert '<p class="muted" data-testid="error-field">字段: 用户名</p>' in response.text
    assert "username" not in response.text


def _multipart(boundary: str, value: bytes) -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n'.encode()
        + value
        + f"\r\n--{boundary}--\r\n".encode()
    )


async def test_a_form_that_is_not_utf8_is_refused_on_every_route(
    app: Litestar, client: AsyncTestClient
) -> None:
    await login(client, "admin")
    headers = csrf_headers(client)
    multipart = {**headers, "content-type": "multipart/form-data; boundary=xyz"}
    urlencoded = {**headers, "content-type": "application/x-www-form-urlencoded"}
    wrong = []
    for route in _routes(app):
        for method in _methods(route):
            if method == "GET":
                continue
            path = _with_ids(route, 987654)
            for body, kind in (
                (_multipart("xyz", b"\xff\xfe caf\xe9"), multipart),
                (b"title=caf%E9", urlencoded),
            ):
                response = await client.request(method, path, content=body, headers=kind)
                if response.status_code != 400:
                    wrong.append(f"{method} {route.path} → {response.status_code}")
    assert wrong == []


async def test_login_refuses_a_form_that_is_not_utf8(client: AsyncTestClient) -> None:
    headers = await _anonymous(client)
    response = await client.post(
        "/login",
        content=_multipart("xyz", b"\xff"),
        headers={**headers, "content-type": "multipart/form-data; boundary=xyz"},
    )
    assert response.status_code == 400
    assert "UTF-8" in response.text


async def test_a_method_a_path_does_not_take_answers_405_with_allow(
    app: Litestar, client: AsyncTestClient
) -> None:
    # Routes that differ only in their parameters' types share a path (and its Allow).
    taken: dict[str, set[str]] = {}
    example: dict[str, str] = {}
    for route in _routes(app):
        shape = re.sub(r"\{[^}]+\}", "{}", route.path)
        taken.setdefault(shape, set()).update(route.methods)
        example.setdefault(shape, _with_ids(route, 987654))
    wrong = []
    for shape, methods in taken.items():
        for method in set(METHODS) - methods:
            response = await client.request(method, example[shape])
            allow = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
            if response.status_code != 405 or allow != methods:
                wrong.append(f"{method} {shape} → {response.status_code} allow={allow}")
    assert len(taken) > 100
    assert wrong == []

"""Every route × every role (and anonymous) against the one policy table.

Generated from the app's own route table: a new route is covered the moment it exists, and a
route without a policy entry fails here. Path parameters get ids that match nothing, so an
allowed call can answer 200, 400 or 404 but never touches data; a refused call must answer 401
(anonymous; a page redirects to the login form) or 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from procure.security.actors import Actor
from procure.security.guards import is_preflight
from procure.security.policy import POLICY, Action
from procure.security.selectors import user_by_username
from procure.security.services import api_token_create
from procure.security.tables import Role
from tests.conftest import USERNAMES

NOWHERE = {int: "987654", str: "zz", "path": "no-such-file.txt", date: "1999-01-01"}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    action: Action | None

    @property
    def is_page(self) -> bool:
        return not self.path.startswith(("/api/", "/schema"))


def routed_calls(app: Litestar) -> Iterator[Call]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = route.path
        for definition in route.path_parameters.values():
            value = (
                NOWHERE["path"] if definition.full.endswith(":path") else NOWHERE[definition.type]
            )
            path = path.replace("{" + definition.full + "}", value)
        for handler in route.route_handlers:
            if is_preflight(handler):
                continue
            for method in sorted(handler.http_methods):
                yield Call(method, path, handler.opt.get("action"))


def test_every_route_has_a_policy_entry(app: Litestar) -> None:
    calls = list(routed_calls(app))
    assert len(calls) > 30
    missing = [f"{c.method} {c.path}" for c in calls if c.action not in POLICY]
    assert missing == [], f"routes without an entry in security.policy.POLICY: {missing}"


async def bearer_for(role: Role) -> dict[str, str]:
    row = await user_by_username(USERNAMES[role])
    assert row is not None
    actor = Actor.from_row(row)
    token = await api_token_create(actor=actor, name="route policy test", valid_days=1)
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r or "anonymous")
async def test_every_route_answers_every_role_as_the_policy_says(
    app: Litestar, client: AsyncTestClient, role: Role | None
) -> None:
    headers = await bearer_for(role) if role else {}
    if role is None:
        await client.get("/")  # an anonymous browser holds a CSRF cookie like anyone else
        headers = {"x-csrftoken": client.cookies.get("csrftoken") or ""}
    wrong = []
    for call in routed_calls(app):
        assert call.action is not None
        if call.action is Action.metrics_read:
            continue  # by address or token, not by role: tests/observability/test_metrics.py
        response = await client.request(
            call.method, call.path, headers=headers, follow_redirects=False
        )
        allowed = role in POLICY[call.action]
        status = response.status_code
        if allowed:
            ok = status not in (401, 403) and status < 500
        elif role is None:
            login_redirect = status == 303 and response.headers["location"].startswith("/login")
            ok = login_redirect if call.is_page and call.method == "GET" else status == 401
        else:
            ok = status == 403
        if not ok:
            wrong.append(f"{call.method} {call.path} [{call.action}] → {status}")
    assert wrong == [], f"as {role or 'anonymous'}:\n" + "\n".join(wrong)

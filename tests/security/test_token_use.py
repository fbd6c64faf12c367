"""API tokens' last use: a request notes it in the shared store (bookkeeping, at most once a
minute per token and process, never failing the request), the ``security.token_use`` job writes
it to ``api_token.last_used_at``; a GET with a token still writes no table of the platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from procure.jobs.schedule import periodic_jobs
from procure.security import token_use
from procure.security.jobs import token_use as token_use_job
from procure.security.selectors import token_digest
from procure.security.tables import ApiToken
from tests.conftest import bearer
from tests.web.test_get_never_writes import Statements, statements  # noqa: F401 (fixture)


async def token_row(headers: dict[str, str]) -> dict[str, Any]:
    secret = headers["authorization"].removeprefix("Bearer ")
    row = await ApiToken.select().where(ApiToken.token_sha256 == token_digest(secret)).first()
    assert row is not None
    return row


@pytest.fixture(autouse=True)
def forget_noted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(token_use, "_noted", {})


async def test_a_used_token_gets_its_last_use_written_by_the_job(
    client: AsyncTestClient, database: None
) -> None:
    headers = await bearer("auditor")
    assert (await token_row(headers))["last_used_at"] is None
    before = datetime.now(UTC) - timedelta(seconds=1)
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    assert (await token_row(headers))["last_used_at"] is None  # the request only noted it
    assert await token_use_job() >= 1
    used = (await token_row(headers))["last_used_at"]
    assert used is not None and before <= used <= datetime.now(UTC)
    # The owner sees it in the token list.
    listed = (await client.get("/api/v1/auth/tokens", headers=headers)).json()
    assert any(t["last_used_at"] is not None for t in listed)
    # Run again: nothing newer, nothing changes (and never moves back).
    assert await token_use_job() == 0
    assert (await token_row(headers))["last_used_at"] == used


async def test_a_get_with_a_token_writes_only_bookkeeping_once_a_minute(
    app: Litestar, request: pytest.FixtureRequest, database: None
) -> None:
    recorded: Statements = request.getfixturevalue("statements")
    headers = await bearer("buyer")
    store = app.stores.get(token_use.TOKEN_USE_STORE)
    token_id = (await token_row(headers))["id"]
    async with AsyncTestClient(app=app) as client:
        recorded.recording = True
        for path in ("/api/v1/auth/me", "/api/v1/tenders", "/api/v1/contracts"):
            assert (await client.get(path, headers=headers)).status_code == 200
        recorded.recording = False
    assert recorded.writes == []  # only the shared store's bookkeeping, which it ignores
    first = await store.get(str(token_id))
    assert first is not None
    # Within the minute the process does not note it again.
    await store.delete(str(token_id))
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    assert await store.get(str(token_id)) is None


async def test_a_failing_store_never_fails_the_request(
    app: Litestar, monkeypatch: pytest.MonkeyPatch, database: None
) -> None:
    headers = await bearer("admin")
    store = app.stores.get(token_use.TOKEN_USE_STORE)

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("the store is down")

    monkeypatch.setattr(type(store), "set", broken)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200


async def test_a_revoked_token_is_not_stamped(client: AsyncTestClient, database: None) -> None:
    headers = await bearer("committee")
    row = await token_row(headers)
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    await ApiToken.update({ApiToken.revoked_at: datetime.now(UTC)}).where(ApiToken.id == row["id"])
    await token_use_job()
    assert (await token_row(headers))["last_used_at"] is None


def test_the_job_is_scheduled_every_minute() -> None:
    [job] = [j for j in periodic_jobs() if j.name == "security.token_use"]
    assert job.cron == "* * * * *"

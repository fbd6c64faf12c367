"""The store every server process shares: the database table by default, Redis when
PROCURE_REDIS_URL is set. Two apps (as two workers would be) count sign-in attempts together."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from procure.app import create_app
from procure.settings import Settings, get_settings
from procure.stores import DatabaseStore, close_store, shared_store
from procure.stores.tables import SharedEntry

REDIS_URL = os.environ.get("PROCURE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_reachable() -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2):
            return True
    except OSError:
        return False


async def test_the_database_store_keeps_expires_and_forgets(database: None) -> None:
    store = DatabaseStore("test-store").with_namespace("a")
    other = DatabaseStore("test-store").with_namespace("b")
    await store.delete_all()
    await other.delete_all()

    await store.set("k", "one", expires_in=60)
    await store.set("k", b"two", expires_in=120)  # an upsert: still one row
    assert await store.get("k") == b"two"
    assert await store.exists("k")
    remaining = await store.expires_in("k")
    assert remaining is not None and 60 < remaining <= 120
    assert await SharedEntry.count().where(SharedEntry.namespace == "test-store:a") == 1
    assert await other.get("k") is None  # namespaces do not see each other

    await store.set("forever", "x")
    assert await store.expires_in("forever") is None
    await store.set("gone", "x", expires_in=timedelta(seconds=-1))
    assert await store.get("gone") is None and not await store.exists("gone")

    await other.set("k", "b's")
    await store.delete("k")
    assert await store.get("k") is None and await other.get("k") == b"b's"
    await DatabaseStore("test-store").delete_all()  # a namespace and every one under it
    assert await SharedEntry.count().where(SharedEntry.namespace.like("test-store%")) == 0


async def _sign_in_attempts(first: Litestar, second: Litestar, settings: Settings) -> list[int]:
    # A store of its own: a Redis connection belongs to the event loop that opened it, and the
    # test client serves the apps on another.
    fresh = shared_store(settings)
    await fresh.with_namespace("sign_in_limit").delete_all()
    await close_store(fresh)
    statuses = []
    async with AsyncTestClient(app=first) as one, AsyncTestClient(app=second) as two:
        for client in (one, two):
            await client.get("/login")
        for client in (one, two, one, two):
            form = {
                "username": "buyer",
                "password": "guess-guess",
                "_csrf_token": client.cookies["csrftoken"],
            }
            statuses.append((await client.post("/login", data=form)).status_code)
    return statuses


async def test_two_workers_share_the_sign_in_limit(database: None) -> None:
    settings = get_settings().model_copy(update={"login_attempts_per_minute": 3})
    statuses = await _sign_in_attempts(create_app(settings), create_app(settings), settings)
    # Three attempts across both workers use up the limit: the fourth is refused.
    assert statuses == [401, 401, 401, 429]


@pytest.mark.skipif(not redis_reachable(), reason=f"Redis unreachable at {REDIS_URL}")
async def test_two_workers_share_the_sign_in_limit_through_redis(database: None) -> None:
    settings = get_settings().model_copy(
        update={"login_attempts_per_minute": 3, "redis_url": REDIS_URL}
    )
    first, second = create_app(settings), create_app(settings)
    before = await SharedEntry.count()
    statuses = await _sign_in_attempts(first, second, settings)
    assert statuses == [401, 401, 401, 429]
    store = shared_store(settings).with_namespace("sign_in_limit")
    assert await store.get("RateLimitMiddleware::testclient") is not None  # counted in Redis
    assert await SharedEntry.count() == before  # and not in the database
    await store.delete_all()
    await close_store(store)


async def test_redis_is_used_when_configured() -> None:
    from litestar.stores.redis import RedisStore

    store = shared_store(get_settings().model_copy(update={"redis_url": REDIS_URL}))
    assert isinstance(store, RedisStore)
    await close_store(store)
    assert isinstance(shared_store(get_settings()), DatabaseStore)

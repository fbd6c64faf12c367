"""X-Forwarded-For and X-Forwarded-Proto count only from the proxies PROCURE_TRUSTED_PROXIES
names: anyone else who sends them is the address that connected, and the sign-in throttle
counts that address."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import uvicorn

from procure.app import create_app
from procure.cli import server_options
from procure.settings import ConfigurationError, get_settings, load_settings


def throttled_app(**settings: Any) -> Any:
    return create_app(
        get_settings().model_copy(update={"login_attempts_per_minute": 3, **settings})
    )


def as_served(app: Any) -> Any:
    """The app wrapped as `procure serve` runs it: uvicorn's own layers from the same options."""
    options = server_options(get_settings(), "127.0.0.1", 8000, 1)
    options.update(log_config=None, log_level=None)
    config = uvicorn.Config(app, **options)
    config.load()
    return config.loaded_app


async def sign_in_attempts(
    app: Any, asgi: Any, peer: str, forwarded: list[dict[str, str]]
) -> list[int]:
    """Wrong passwords from ``peer``, one per header set in ``forwarded``; the answers."""
    await app.stores.get("sign_in_limit").delete_all()
    transport = httpx.ASGITransport(app=asgi, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await client.get("/login")
        form = {"username": "buyer", "password": "guess-guess"}
        statuses = []
        for headers in forwarded:
            form["_csrf_token"] = client.cookies["csrftoken"]
            statuses.append((await client.post("/login", data=form, headers=headers)).status_code)
    return statuses


async def test_rotating_forwarded_for_does_not_escape_the_throttle(database: None) -> None:
    app = throttled_app()
    rotating = [{"x-forwarded-for": f"198.51.100.{n}"} for n in range(1, 5)]
    # The peer is this machine, as a local reverse proxy (or anyone on it) would be.
    assert await sign_in_attempts(app, as_served(app), "127.0.0.1", rotating) == [
        401,
        401,
        401,
        429,
    ]


async def test_a_trusted_proxys_forwarded_address_is_the_client(database: None) -> None:
    app = throttled_app(trusted_proxies=["10.1.0.0/16"])
    same = [{"x-forwarded-for": "203.0.113.7"}] * 4
    assert await sign_in_attempts(app, as_served(app), "10.1.2.3", same) == [401, 401, 401, 429]
    # Each client behind the proxy has its own count; the proxy appends the address it saw.
    two = [{"x-forwarded-for": "192.0.2.1"}, {"x-forwarded-for": "198.51.100.9, 203.0.113.8"}]
    assert await sign_in_attempts(app, as_served(app), "10.1.2.3", two * 2) == [401] * 4


async def test_forwarded_proto_counts_only_from_a_trusted_proxy(database: None) -> None:
    app = throttled_app(trusted_proxies=["10.1.2.3"])
    https = {"x-forwarded-proto": "https"}
    for peer, secure in (("10.1.2.3", True), ("10.9.9.9", False)):
        transport = httpx.ASGITransport(app=as_served(app), client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            page = await client.get("/login", headers=https)
        assert ("strict-transport-security" in page.headers) is secure, peer
        cookie = page.headers["set-cookie"]
        assert cookie.startswith("__Host-csrftoken=" if secure else "csrftoken="), peer


def test_trusted_proxies_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCURE_TRUSTED_PROXIES", "10.0.0.5, 10.2.0.0/16,::1")
    assert load_settings().trusted_proxies == ["10.0.0.5", "10.2.0.0/16", "::1"]
    monkeypatch.setenv("PROCURE_TRUSTED_PROXIES", "10.0.0.5,*")
    with pytest.raises(ConfigurationError, match="PROCURE_TRUSTED_PROXIES: '\\*' is not an IP"):
        load_settings()
    monkeypatch.delenv("PROCURE_TRUSTED_PROXIES")
    assert load_settings().trusted_proxies == []

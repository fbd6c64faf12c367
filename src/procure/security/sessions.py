"""Server-side sessions kept in the database, with cookies that are HttpOnly, SameSite=Lax,
Secure and named with the ``__Host-`` prefix whenever the request came over https, and a fresh
session id at every login."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.stores.base import Store
from litestar.types import Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

from procure.db import transaction
from procure.security.tables import SessionRecord

SESSION_COOKIE = "procure_session"
#: Over https a cookie's name carries this prefix: the browser then accepts it only Secure, for
#: the whole site (Path=/) and from this host alone (no Domain), so neither a sibling subdomain
#: nor a plain-http page can plant or overwrite it.
HOST_PREFIX = "__Host-"


def cookie_name(name: str, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The cookie's name for this request: ``__Host-`` prefixed over https."""
    return HOST_PREFIX + name if connection.url.scheme == "https" else name


#: A session that carries this key gets a new id when it is next stored (set it at login).
ROTATE = "_rotate"


def _now() -> datetime:
    return datetime.now(UTC)


def _expiry(seconds: int | timedelta | None) -> datetime | None:
    if seconds is None:
        return None
    return _now() + (seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds))


class DatabaseSessionStore(Store):
    """Litestar's Store interface over the ``web_session`` table."""

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        expires_at = _expiry(expires_in)
        async with transaction():
            updated = (
                await SessionRecord.update(
                    {SessionRecord.data: data, SessionRecord.expires_at: expires_at}
                )
                .where(SessionRecord.key == key)
                .returning(SessionRecord.id)
            )
            if not updated:
                await SessionRecord.insert(SessionRecord(key=key, data=data, expires_at=expires_at))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        row = (
            await SessionRecord.select(SessionRecord.data, SessionRecord.expires_at)
            .where(SessionRecord.key == key)
            .first()
        )
        if row is None:
            return None
        if row["expires_at"] is not None and row["expires_at"] <= _now():
            await self.delete(key)
            return None
        if renew_for is not None:
            await SessionRecord.update({SessionRecord.expires_at: _expiry(renew_for)}).where(
                SessionRecord.key == key
            )
        return bytes(row["data"])

    async def delete(self, key: str) -> None:
        await SessionRecord.delete().where(SessionRecord.key == key)

    async def delete_all(self) -> None:
        await SessionRecord.delete(force=True)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = (
            await SessionRecord.select(SessionRecord.expires_at)
            .where(SessionRecord.key == key)
            .first()
        )
        if row is None or row["expires_at"] is None:
            return None
        return int((row["expires_at"] - _now()).total_seconds())


_LOADED = "procure.session_loaded"


class SessionBackend(ServerSideSessionBackend):
    """Litestar's server-side backend, with four changes: an anonymous visit stores nothing, an
    unchanged session is not written again, ``ROTATE`` gives the session a new id, and the
    cookie's Secure flag and name follow the request's scheme (without touching the shared
    config)."""

    async def load_from_connection(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if session_id := connection.cookies.get(cookie_name(self.config.key, connection)):
            store = self.config.get_store_from_app(connection.scope["app"])
            stored = await self.get(session_id, store=store)
            data = self.deserialize_data(stored) if stored is not None else {}
        connection.scope[_LOADED] = self.serialize_data(data) if data else None  # type: ignore[literal-required]
        return data

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        store = self.config.get_store_from_app(connection.scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        cookie_params = dict(
            extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys())
        )
        cookie_params["secure"] = connection.url.scheme == "https"
        key = cookie_name(self.config.key, connection)
        existing_id = connection.cookies.get(key)
        if existing_id == "null":
            existing_id = None

        if not scope_session or not isinstance(scope_session, dict):
            if existing_id:
                await self.delete(existing_id, store=store)
                expired = Cookie(value="null", key=key, expires=0, **cookie_params)
                headers.add("Set-Cookie", expired.to_header(header=""))
            return

        rotate = bool(scope_session.pop(ROTATE, False))
        if rotate and existing_id:
            # Drop the pre-login id, so a planted cookie never becomes a signed-in session.
            await self.delete(existing_id, store=store)
        session_id = self.generate_session_id() if rotate or not existing_id else existing_id
        data = self.serialize_data(scope_session, connection.scope)
        if session_id == existing_id and data == connection.scope.get(_LOADED):
            return
        await self.set(session_id=session_id, data=data, store=store)
        cookie = Cookie(value=session_id, key=key, **cookie_params)
        headers.add("Set-Cookie", cookie.to_header(header=""))


class SessionConfig(ServerSideSessionConfig):
    _backend_class = SessionBackend


def session_config(max_age: int) -> SessionConfig:
    return SessionConfig(
        store="sessions", key=SESSION_COOKIE, httponly=True, samesite="lax", max_age=max_age
    )

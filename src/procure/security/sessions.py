"""Server-side sessions kept in the database, with cookies that are HttpOnly, SameSite=Lax,
Secure whenever the request came over https, and a fresh session id at every login."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.stores.base import Store
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.scope.state import ScopeState

from procure.db import transaction
from procure.security.tables import SessionRecord

SESSION_COOKIE = "procure_session"
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


class SessionBackend(ServerSideSessionBackend):
    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        if not scope_session:
            # An anonymous visit stores nothing and sets no cookie; an emptied session is deleted.
            if connection.cookies.get(self.config.key):
                await super().store_in_message(Empty, message, connection)
            return
        if isinstance(scope_session, dict) and scope_session.pop(ROTATE, False):
            # Drop the pre-login session id, so a planted cookie never becomes a signed-in one.
            old_id = connection.cookies.get(self.config.key)
            if old_id:
                await self.delete(
                    old_id, store=self.config.get_store_from_app(connection.scope["app"])
                )
            connection.cookies.pop(self.config.key, None)
            ScopeState.from_scope(connection.scope).session_id = self.generate_session_id()
        self.config.secure = connection.url.scheme == "https"
        await super().store_in_message(scope_session, message, connection)


class SessionConfig(ServerSideSessionConfig):
    _backend_class = SessionBackend


def session_config(max_age: int) -> SessionConfig:
    return SessionConfig(
        store="sessions", key=SESSION_COOKIE, httponly=True, samesite="lax", max_age=max_age
    )

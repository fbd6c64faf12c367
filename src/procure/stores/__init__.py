"""Stores shared by every server process: Litestar's ``Store`` interface over a database table
(the default, on SQLite and PostgreSQL alike) or over Redis/Valkey when PROCURE_REDIS_URL is
set. Rate limits live here, so ``procure serve --workers N`` does not multiply them by N.
Sessions keep their own table (procure.security.sessions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Self

from litestar.stores.base import NamespacedStore, Store
from litestar.stores.registry import StoreRegistry

from procure.settings import Settings
from procure.stores.tables import SharedEntry

#: Expired rows are swept once in this many writes of a process (each read ignores them anyway).
SWEEP_EVERY = 200


def _now() -> datetime:
    return datetime.now(UTC)


def _expiry(expires_in: int | timedelta | None) -> datetime | None:
    if expires_in is None:
        return None
    seconds = expires_in if isinstance(expires_in, timedelta) else timedelta(seconds=expires_in)
    return _now() + seconds


class DatabaseStore(NamespacedStore):
    """Litestar's Store over the ``shared_store`` table.

    Each operation is one statement, so it is atomic on both engines: ``set`` is an upsert
    (INSERT … ON CONFLICT (namespace, key) DO UPDATE), never a read followed by a write.
    """

    _writes = count()

    def __init__(self, namespace: str = "procure") -> None:
        self.namespace = namespace

    def with_namespace(self, namespace: str) -> Self:
        return type(self)(f"{self.namespace}:{namespace}")

    def _this(self, key: str) -> object:
        return (SharedEntry.namespace == self.namespace) & (SharedEntry.key == key)

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        expires_at = _expiry(expires_in)
        await SharedEntry.insert(
            SharedEntry(namespace=self.namespace, key=key, value=data, expires_at=expires_at)
        ).on_conflict(
            target=(SharedEntry.namespace, SharedEntry.key),
            action="DO UPDATE",
            values=[SharedEntry.value, SharedEntry.expires_at],
        )
        if next(self._writes) % SWEEP_EVERY == SWEEP_EVERY - 1:
            await self.delete_expired()

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        row = (
            await SharedEntry.select(SharedEntry.value, SharedEntry.expires_at)
            .where(self._this(key))  # type: ignore[arg-type]
            .first()
        )
        if row is None or (row["expires_at"] is not None and row["expires_at"] <= _now()):
            return None
        if renew_for is not None and row["expires_at"] is not None:
            await SharedEntry.update({SharedEntry.expires_at: _expiry(renew_for)}).where(
                self._this(key)  # type: ignore[arg-type]
            )
        return bytes(row["value"])

    async def delete(self, key: str) -> None:
        await SharedEntry.delete().where(self._this(key))  # type: ignore[arg-type]

    async def delete_all(self) -> None:
        """Every key of this namespace and of the namespaces under it."""
        await SharedEntry.delete().where(
            (SharedEntry.namespace == self.namespace)
            | SharedEntry.namespace.like(f"{self.namespace}:%")
        )

    async def delete_expired(self) -> None:
        await SharedEntry.delete().where(SharedEntry.expires_at < _now())

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = (
            await SharedEntry.select(SharedEntry.expires_at)
            .where(self._this(key))  # type: ignore[arg-type]
            .first()
        )
        if row is None or row["expires_at"] is None:
            return None
        return int((row["expires_at"] - _now()).total_seconds())


def shared_store(settings: Settings) -> NamespacedStore:
    """Redis (or Valkey) when PROCURE_REDIS_URL is set, the database otherwise."""
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=settings.redis_url, namespace="procure")
    return DatabaseStore()


def store_registry(root: NamespacedStore, **named: Store) -> StoreRegistry:
    """Every store the app asks for by name (e.g. the rate limits') is a namespace of the one
    shared store; ``named`` ones (the sessions) are kept as given."""
    return StoreRegistry(stores=dict(named), default_factory=root.with_namespace)


async def close_store(root: NamespacedStore) -> None:
    """Close the Redis connection pool, if the store has one (stores made on demand by the
    registry are not part of the app's lifespan)."""
    await root.__aexit__(None, None, None)

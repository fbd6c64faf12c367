"""When each API token was last used (``api_token.last_used_at``), without a GET writing.

A read never writes the platform's tables (tests/web/test_get_never_writes.py), and most token
requests are reads. So a request only *notes* the use in the shared store — the throttles'
bookkeeping store, the one place a GET may write (the ``shared_store`` table, or Redis) — at
most once a minute per token and server process; a periodic job (``security.token_use``, every
minute) copies the noted times into ``api_token.last_used_at``. The column is thus at most about
two minutes behind. Noting never fails a request: if the store is down, the use goes unnoted
and the request goes on.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from litestar.stores.base import Store

from procure.security.tables import ApiToken

TOKEN_USE_STORE = "token_use"
#: A token's use is noted at most this often by one server process.
NOTE_EVERY = timedelta(minutes=1)
#: A noted use waits this long in the store for the job (which runs every minute).
KEEP_FOR = timedelta(days=2)
#: The tokens this process noted, and when (forgotten wholesale past this many).
_MAX_REMEMBERED = 10_000
_noted: dict[int, datetime] = {}

logger = logging.getLogger(__name__)


async def note_token_use(store: Store, token_id: int, now: datetime | None = None) -> None:
    """Note that the token was used now, unless this process did less than a minute ago."""
    now = now or datetime.now(UTC)
    last = _noted.get(token_id)
    if last is not None and now - last < NOTE_EVERY:
        return
    if len(_noted) >= _MAX_REMEMBERED:
        _noted.clear()
    _noted[token_id] = now
    try:
        await store.set(str(token_id), now.isoformat(), expires_in=KEEP_FOR)
    except Exception:  # the store is bookkeeping: its failure never fails a request
        logger.warning("could not note the use of API token %s", token_id, exc_info=True)


async def record_token_uses(store: Store) -> int:
    """Copy the noted uses into ``api_token.last_used_at`` (never moving it back); returns how
    many tokens changed. Idempotent: a run missed or repeated changes nothing."""
    changed = 0
    for row in await ApiToken.select(ApiToken.id).where(ApiToken.revoked_at.is_null()):
        noted = await store.get(str(row["id"]))
        if noted is None:
            continue
        used_at = datetime.fromisoformat(noted.decode())
        updated = (
            await ApiToken.update({ApiToken.last_used_at: used_at})
            .where(
                (ApiToken.id == row["id"])
                & (ApiToken.last_used_at.is_null() | (ApiToken.last_used_at < used_at))
            )
            .returning(ApiToken.id)
        )
        changed += len(updated)
    return changed

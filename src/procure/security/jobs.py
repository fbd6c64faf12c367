"""The security kernel's time-driven work: API tokens' last use, from the shared store."""

from __future__ import annotations

from procure.jobs.schedule import periodic
from procure.security.token_use import TOKEN_USE_STORE, record_token_uses
from procure.settings import get_settings
from procure.stores import close_store, shared_store


@periodic(
    "security.token_use",
    cron="* * * * *",
    description="copies the API tokens' noted uses into api_token.last_used_at",
)
async def token_use() -> int:
    root = shared_store(get_settings())
    try:
        return await record_token_uses(root.with_namespace(TOKEN_USE_STORE))
    finally:
        await close_store(root)

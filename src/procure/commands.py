"""What every `procure` command shares: one-line failures and running against the database.

Kept apart from procure.cli, which registers the areas' command groups: an area's commands
import these helpers, never procure.cli (no import cycle)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

import click

from procure.settings import ConfigurationError, load_settings

T = TypeVar("T")


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def run(coroutine: Awaitable[T]) -> T:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


async def _with_database(work: Callable[[], Awaitable[T]]) -> T:
    from procure.db import ping

    settings = load_settings()
    try:
        await ping()
    except Exception as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ConfigurationError(
            f"PROCURE_DATABASE_URL: cannot reach the {settings.database_engine} database ({reason})"
        ) from None
    return await work()


def needs_database(func: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """Check the settings and reach the database first; either failing is one line and exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return run(_with_database(lambda: func(*args, **kwargs)))
        except ConfigurationError as error:
            fail(str(error))

    return wrapper

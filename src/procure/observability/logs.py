"""Logs as JSON objects in production (one per line, for a log shipper) and as readable text in
development, through Litestar's logging config; one access line per HTTP request."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.logging.config import LoggingConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from procure.settings import Settings

access_logger = logging.getLogger("procure.access")

#: The attributes every LogRecord has; anything else was passed as ``extra`` and is logged.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's copy of the message with terminal colours
}
REQUEST_ID_HEADER = "x-request-id"
#: A resident's survey link: with the time and the address of a request, its token would link
#: an answer to the code handed to that resident, so no log keeps it.
TOKEN_PATH = re.compile(r"^(/s/)[^/?\s]+")


def redact_path(path: str) -> str:
    return TOKEN_PATH.sub(r"\1…", path)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the record's
    ``extra`` fields and, for an exception, its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger message key=value …`` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extras = " ".join(f"{key}={value}" for key, value in _extras(record).items())
        return f"{text} {extras}" if extras else text


def logging_config(settings: Settings) -> LoggingConfig:
    formatter = JsonFormatter if settings.json_logs else TextFormatter
    handler = {"handlers": ["queue_listener"], "level": settings.log_level, "propagate": False}
    return LoggingConfig(
        formatters={"standard": {"()": formatter}},
        loggers={"litestar": dict(handler), "procure": dict(handler)},
        root={"handlers": ["queue_listener"], "level": "WARNING"},
    )


def _request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when it is a plausible id (so a proxy's id follows the request
    through), else a fresh one."""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            given = value.decode("latin-1")
            if 0 < len(given) <= 64 and all(c.isalnum() or c in "-_." for c in given):
                return given
    return uuid.uuid4().hex


_STARTED = "procure.access"


class AccessLogMiddleware:
    """Notes when a request reached its route, and its id, for the access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[_STARTED] = (time.perf_counter(), _request_id(scope))  # type: ignore[literal-required]
        await self.app(scope, receive, send)


async def log_access(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: one access line per HTTP response — request_id, method, path,
    status, duration_ms, client — and the request id in the X-Request-ID response header.

    At the app's own send, so it sees every answer, including those made by the exception
    handlers and the 404 of a path no route matches (which has no duration: no route ran)."""
    if message["type"] != "http.response.start" or scope["type"] != "http":
        return
    noted = scope.get(_STARTED)
    started, request_id = noted if isinstance(noted, tuple) else (None, _request_id(scope))
    MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id
    status = int(message["status"])
    method = str(scope.get("method", ""))
    path = redact_path(scope["path"])
    client = scope.get("client")
    access_logger.log(
        logging.ERROR if status >= 500 else logging.INFO,
        "%s %s %s",
        method,
        path,
        status,
        extra={
            "request_id": request_id,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": (
                round((time.perf_counter() - started) * 1000, 1) if started is not None else None
            ),
            "client": client[0] if client else None,
        },
    )

"""Logs: one access line per request, valid JSON in production, with the request's id, path,
status and duration; the survey token never reaches them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from litestar.testing import AsyncTestClient

from procure.observability.logs import JsonFormatter, TextFormatter, logging_config
from procure.settings import get_settings


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def access_lines() -> Iterator[list[logging.LogRecord]]:
    handler = Collect()
    logger = logging.getLogger("procure.access")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


async def test_an_access_line_is_json_with_the_request_fields(
    client: AsyncTestClient, access_lines: list[logging.LogRecord]
) -> None:
    response = await client.get("/healthz", headers={"x-request-id": "req-42.a"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-42.a"  # a proxy's id follows the request
    record = next(r for r in access_lines if getattr(r, "path", None) == "/healthz")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42.a"
    assert line["method"] == "GET" and line["path"] == "/healthz" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == "procure.access"
    assert line["message"] == "GET /healthz 200"
    assert line["time"].endswith("+00:00")


async def test_answers_made_by_error_handlers_and_unrouted_paths_are_logged_too(
    client: AsyncTestClient, access_lines: list[logging.LogRecord]
) -> None:
    refused = await client.post("/api/v1/auth/logout")  # no CSRF token: refused before the route
    missing = await client.get("/no-such-page")
    lines = {getattr(r, "path", None): r for r in access_lines}
    assert getattr(lines["/api/v1/auth/logout"], "status", None) == refused.status_code == 403
    unrouted = lines["/no-such-page"]
    assert getattr(unrouted, "status", None) == missing.status_code == 404
    assert getattr(unrouted, "request_id", None) == missing.headers["x-request-id"]
    assert json.loads(JsonFormatter().format(unrouted))["duration_ms"] is None  # no route ran


async def test_a_request_without_an_id_gets_one_and_a_bad_one_is_replaced(
    client: AsyncTestClient, access_lines: list[logging.LogRecord]
) -> None:
    plain = await client.get("/healthz")
    hostile = await client.get("/healthz", headers={"x-request-id": 'x" injected\n'})
    assert len(plain.headers["x-request-id"]) == 32
    assert (
        len(hostile.headers["x-request-id"]) == 32
        and "injected" not in hostile.headers["x-request-id"]
    )


async def test_a_survey_token_is_not_logged(
    client: AsyncTestClient, access_lines: list[logging.LogRecord]
) -> None:
    await client.get("/s/Secret-Token_123")
    paths = [getattr(r, "path", "") for r in access_lines]
    assert "/s/…" in paths and not any("Secret" in path for path in paths)


def test_production_logs_json_and_development_text() -> None:
    settings = get_settings()
    production = logging_config(settings.model_copy(update={"environment": "production"}))
    development = logging_config(settings.model_copy(update={"environment": "development"}))
    forced = logging_config(settings.model_copy(update={"log_format": "json"}))
    assert production.formatters["standard"]["()"] is JsonFormatter
    assert forced.formatters["standard"]["()"] is JsonFormatter
    assert development.formatters["standard"]["()"] is TextFormatter


def test_an_exception_is_one_json_line_with_its_traceback() -> None:
    try:
        raise ValueError("无法解析")
    except ValueError:
        record = logging.LogRecord("procure", logging.ERROR, __file__, 1, "failed", (), None)
        import sys

        record.exc_info = sys.exc_info()
    text = JsonFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert "ValueError: 无法解析" in line["exception"]

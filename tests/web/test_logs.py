"""The access log never records a resident's survey token."""

from __future__ import annotations

import logging

from procure.web.logs import RedactSurveyTokens, logging_config


def access_record(path: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", path, "1.1", 303),
        None,
    )


def test_survey_tokens_are_redacted() -> None:
    record = access_record("/s/Abc123-secret_token?lang=en")
    assert RedactSurveyTokens().filter(record)
    assert "secret" not in record.getMessage() and "/s/…?lang=en" in record.getMessage()


def test_other_paths_are_kept() -> None:
    record = access_record("/tenders/5")
    RedactSurveyTokens().filter(record)
    assert "/tenders/5" in record.getMessage()


def test_the_server_uses_the_filter() -> None:
    config = logging_config()
    assert config["handlers"]["access"]["filters"] == ["redact_survey_tokens"]

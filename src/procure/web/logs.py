"""Server logging that keeps residents anonymous: the access log never records a survey token."""

from __future__ import annotations

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from procure.observability.logs import TOKEN_PATH, JsonFormatter


class RedactSurveyTokens(logging.Filter):
    """Replace the token in /s/<token> with "…": with the time and the address of a request
    it would link a resident's answer to the code that was handed to them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            path = args[2]
            if isinstance(path, str):
                args[2] = TOKEN_PATH.sub(r"\1…", path)
                record.args = tuple(args)
        return True


def logging_config(*, json_logs: bool = False) -> dict[str, Any]:
    """uvicorn's own logging; its lines are JSON objects too when the app's are."""
    config = copy.deepcopy(LOGGING_CONFIG)
    if json_logs:
        for name in ("default", "access"):
            config["formatters"][name] = {"()": JsonFormatter}
    config.setdefault("filters", {})["redact_survey_tokens"] = {"()": RedactSurveyTokens}
    config["handlers"]["access"]["filters"] = ["redact_survey_tokens"]
    return config

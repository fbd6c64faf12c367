"""Hostile input refused before any handler, CSRF check or form parser sees it: one place for
every route, pages and API alike.

- a whole number in the path (an id) that no id column can hold answers 404, as any id that
  matches nothing does; one in the query for an ``int`` parameter answers 400 naming it;
- a control character (NUL and the other C0 characters but tab and line breaks, DEL) or a lone
  surrogate, which no column can store, anywhere in the path, the query, a JSON body or a form,
  answers 400 naming the field (the JSON path for a body);
- a JSON body nested deeper than ``MAX_DEPTH`` answers 400; so does a form that is not UTF-8.

Nothing has been read from the database or written to it when these answer."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.handlers import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from procure.errors import InvalidInput, NotFound
from procure.i18n import N_
from procure.inputs import (
    ID_MAX,
    ID_MIN,
    NOT_UTF8,
    TOO_DEEP,
    check_json,
    check_text,
    check_whole,
)

#: Deeper than any of the API's schemas.
MAX_DEPTH = 32


@cache
def _int_parameters(handler: BaseRouteHandler) -> frozenset[str]:
    """The query parameters a handler takes as a whole number."""
    names = set()
    for name, field in handler.parsed_fn_signature.parameters.items():
        types = [inner.annotation for inner in field.inner_types] if field.is_union else []
        if int in types or field.annotation is int:
            names.add(getattr(field.kwarg_definition, "query", None) or name)
    return frozenset(names)


class InputMiddleware:
    """Checks the path, the query and the body of every HTTP request (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self._check_path(scope)
            request = scope["litestar_app"].request_class(scope=scope, receive=receive)
            self._check_query(scope, request)
            await self._check_body(request)
        await self.app(scope, receive, send)

    @staticmethod
    def _check_path(scope: Scope) -> None:
        for name, value in scope.get("path_params", {}).items():
            if isinstance(value, int) and not ID_MIN <= value <= ID_MAX:
                raise NotFound(
                    N_("no %(subject)s %(id)s"), subject=name.removesuffix("_id"), id=value
                )
            if isinstance(value, str):
                check_text(name, value)

    @staticmethod
    def _check_query(scope: Scope, request: Any) -> None:
        whole = _int_parameters(scope["route_handler"])
        for name, value in request.query_params.multi_items():
            check_text(name, name)
            check_text(name, value)
            # Longer numbers are beyond any column too; Litestar's own parsing refuses them.
            if name in whole and re.fullmatch(r"\s*[-+]?\d{1,40}\s*", value):
                check_whole(name, int(value), ID_MIN, ID_MAX)

    @staticmethod
    async def _check_body(request: Any) -> None:
        content_type, _ = request.content_type
        if content_type == "application/json" or content_type.endswith("+json"):
            body = await request.body()
            if body:
                check_json(_parse_json(body), root="", max_depth=MAX_DEPTH)
        elif content_type == RequestEncodingType.URL_ENCODED:
            try:
                parse_qsl((await request.body()).decode(), errors="strict")
            except UnicodeDecodeError:
                raise InvalidInput("body", NOT_UTF8) from None
            _check_form(await request.form())
        elif content_type == RequestEncodingType.MULTI_PART:
            try:
                form = await request.form()
            except (UnicodeDecodeError, LookupError):  # not UTF-8, or no such charset
                raise InvalidInput("body", NOT_UTF8) from None
            _check_form(form)


def _parse_json(body: bytes) -> Any:
    """The parsed body, or None where it is not JSON (the handler's own parsing refuses it)."""
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput("body", NOT_UTF8) from None
    except RecursionError:  # nested far deeper than MAX_DEPTH
        raise InvalidInput("body", TOO_DEEP, depth=MAX_DEPTH) from None
    except ValueError:
        return None


def _check_form(form: Any) -> None:
    for name, value in form.multi_items():
        check_text(name, name)
        check_text(name, (value.filename or "") if isinstance(value, UploadFile) else value)

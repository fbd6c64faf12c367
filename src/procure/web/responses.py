"""What each API operation may answer besides its success, declared once for the OpenAPI
document from what the app does to every request: the input checks (procure.web.input), the
authentication middleware, the policy guard, CSRF, the throttles and the domain errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, Schema
from litestar.routes import HTTPRoute

from procure.security.guards import is_preflight
from procure.security.policy import ANYONE, POLICY

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class ErrorBody:
    """Every error the API answers: its status, what went wrong, and for bad input the field
    (and, for a body that fails its schema, every problem)."""

    status_code: int
    detail: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorBody, description=description, generate_examples=False)


BAD_INPUT = _spec("Bad input: the field and why (a control character, a number out of range, …)")
SIGN_IN = _spec("Not signed in, or the API token is invalid, expired or revoked")
REFUSED = _spec("The role may not do this, or (a cookie session) the CSRF token is missing")
NOT_FOUND = _spec("No such object, or it lies outside the caller's scope")
CONFLICT = _spec("The object's state does not allow this (someone else acted first)")
TOO_LARGE = _spec("The request body is larger than the server accepts")
TOO_MANY = _spec("Too many attempts: try again after Retry-After seconds")


def _error_responses(
    *, writes: bool, action: Any, has_path_parameters: bool, throttled: bool
) -> dict[int, ResponseSpec]:
    """The errors one operation may answer."""
    responses = {400: BAD_INPUT, 401: SIGN_IN}
    if POLICY.get(action) != ANYONE or writes:
        responses[403] = REFUSED
    if has_path_parameters or writes:  # a write's body may name an object too
        responses[404] = NOT_FOUND
    if writes:
        responses |= {409: CONFLICT, 413: TOO_LARGE}
    if throttled:
        responses[429] = TOO_MANY
    return responses


def declare_error_responses(app: Litestar, *, throttled: Any) -> None:
    """Adds the errors to every operation in the OpenAPI document (before it is first built);
    ``throttled(path, handler)`` says whether a rate limit applies. A handler's own
    ``responses=`` win."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema() or is_preflight(handler):
                continue
            handler.responses = {
                **_error_responses(
                    writes=not handler.http_methods <= SAFE,
                    action=handler.opt.get("action"),
                    has_path_parameters=bool(route.path_parameters),
                    throttled=throttled(route.path, handler),
                ),
                **(handler.responses or {}),
            }


def file_operation(*media_types: str) -> type[Operation]:
    """The ``operation_class`` of a route whose success is a file in any of ``media_types``
    (the format the query asks for): the document lists each, where Litestar lists one."""

    @dataclass
    class FileOperation(Operation):
        def __post_init__(self) -> None:
            if self.responses and (success := self.responses.get("200")) is not None:
                binary = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
                success.content = {kind: OpenAPIMediaType(schema=binary) for kind in media_types}  # type: ignore[union-attr]

    return FileOperation

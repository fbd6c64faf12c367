"""create_app(): the one place that wires settings, database, sessions, auth, CSRF, the policy
guard, templates, OpenAPI, error handling and every area's routes."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from litestar import Litestar, MediaType, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig, get_remote_address
from litestar.openapi import OpenAPIConfig
from litestar.response import Redirect, Template
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_303_SEE_OTHER
from litestar.stores.registry import StoreRegistry
from piccolo.engine.postgres import PostgresEngine

from procure import PACKAGE_DIR, i18n
from procure import __doc__ as package_doc
from procure.acceptance.controllers import AcceptanceController, ContractAcceptanceController
from procure.acceptance.pages import AcceptancePages
from procure.approvals.controllers import ApprovalController
from procure.approvals.pages import ApprovalPages
from procure.audit.controllers import AuditController, CheckpointController
from procure.audit.pages import CheckpointPages
from procure.bids.controllers import BidController, BidReviewController
from procure.catalog.controllers import CatalogController
from procure.catalog.pages import CatalogPageController
from procure.committees.controllers import CommitteeController, ExpertTaskController
from procure.committees.pages import CommitteePages
from procure.committees.pool_controllers import ExpertPoolController
from procure.committees.pool_pages import ExpertPoolPages
from procure.complaints.controllers import ChallengeController, ComplaintController
from procure.complaints.pages import RemedyPages
from procure.contracts.controllers import AwardContractController, ContractController
from procure.contracts.pages import ContractPages
from procure.db import get_engine, ping
from procure.db.engines import DurableSQLiteEngine, roll_back_if_open
from procure.disclosure.controllers import DisclosureController
from procure.disclosure.pages import DisclosurePages
from procure.errors import Conflict, InvalidInput, NotFound, NotYet
from procure.evaluations.controllers import (
    ContractEvaluationController,
    EvaluationController,
    RubricController,
)
from procure.evaluations.pages import EvaluationPages
from procure.geography.controllers import ReferenceController
from procure.notifications.controllers import NotificationController
from procure.notifications.pages import NotificationPages, unread_in_header
from procure.observability.logs import AccessLogMiddleware, log_access, logging_config
from procure.observability.metrics import metrics_controller, prometheus_config
from procure.ocds.controllers import OCDSController
from procure.organizations.controllers import OrganizationController
from procure.organizations.pages import (
    ProfilePageController,
    RegistrationPageController,
    RegistryPageController,
)
from procure.pdf.controllers import DocumentController
from procure.performance.controllers import (
    ObjectionController,
    PerformanceController,
    PerformancePages,
)
from procure.reports.controllers import ReportAttachmentController, ReportController
from procure.reports.pages import ReportPages
from procure.risk.controllers import RiskFlagController
from procure.risk.pages import RiskPages
from procure.security.controllers import AuthController, UserController
from procure.security.guards import authorize, current_actor
from procure.security.headers import security_headers
from procure.security.middleware import AuthenticationMiddleware, SessionCSRFMiddleware
from procure.security.policy import Action
from procure.security.proxies import trust_proxies
from procure.security.sessions import DatabaseSessionStore, session_config
from procure.settings import Settings, get_settings
from procure.setup.controllers import SetupController
from procure.setup.pages import SetupPages
from procure.spotchecks.controllers import (
    MonitorController,
    SpotCheckController,
    VerificationTaskController,
)
from procure.spotchecks.pages import MonitorPages, SpotCheckPages
from procure.stores import close_store, shared_store, store_registry
from procure.surveys.controllers import (
    ContractSurveyController,
    SurveyRoundController,
    SurveyTemplateController,
)
from procure.surveys.pages import ResidentPages, SurveyPages
from procure.tenders.controllers import ClarificationController, TenderController
from procure.tenders.pages import TenderPages
from procure.web import labels
from procure.web.audit_log import AuditLogPages
from procure.web.input import InputMiddleware
from procure.web.pages import PageController, WorkspaceController
from procure.web.responses import declare_error_responses
from procure.web.templating import request_locale, template_config
from procure.worker import InProcessWorker
from procure.workrequests.controllers import WorkRequestController
from procure.workrequests.pages import WorkRequestPages

API_CONTROLLERS = [
    AuthController,
    UserController,
    ReferenceController,
    OrganizationController,
    CatalogController,
    TenderController,
    ClarificationController,
    BidController,
    BidReviewController,
    CommitteeController,
    ExpertTaskController,
    ContractController,
    AwardContractController,
    PerformanceController,
    ObjectionController,
    RubricController,
    ContractEvaluationController,
    EvaluationController,
    ReportController,
    ReportAttachmentController,
    SpotCheckController,
    VerificationTaskController,
    MonitorController,
    DocumentController,
    SurveyTemplateController,
    SurveyRoundController,
    ContractSurveyController,
    AuditController,
    CheckpointController,
    OCDSController,
    RiskFlagController,
    ApprovalController,
    WorkRequestController,
    ExpertPoolController,
    ContractAcceptanceController,
    AcceptanceController,
    ChallengeController,
    ComplaintController,
    SetupController,
    DisclosureController,
    NotificationController,
]
PAGE_CONTROLLERS = [
    PageController,
    WorkspaceController,
    CatalogPageController,
    RegistrationPageController,
    ProfilePageController,
    RegistryPageController,
    TenderPages,
    SurveyPages,
    ResidentPages,
    ReportPages,
    SpotCheckPages,
    MonitorPages,
    ContractPages,
    PerformancePages,
    EvaluationPages,
    RiskPages,
    DisclosurePages,
    CheckpointPages,
    AuditLogPages,
    ApprovalPages,
    WorkRequestPages,
    ExpertPoolPages,
    CommitteePages,
    AcceptancePages,
    RemedyPages,
    SetupPages,
    NotificationPages,
]


@get("/healthz", opt={"action": Action.public_read}, include_in_schema=False, cache=False)
async def healthz() -> Response[dict[str, str]]:
    engine = get_settings().database_engine
    try:
        await ping()
    except Exception as error:
        return Response(
            {"status": "unavailable", "database": engine, "error": type(error).__name__},
            status_code=503,
        )
    return Response({"status": "ok", "database": engine})


@cache
def _favicon() -> bytes:
    return (PACKAGE_DIR / "static" / "favicon.ico").read_bytes()


@get("/favicon.ico", opt={"action": Action.public_read}, include_in_schema=False)
async def favicon() -> Response[bytes]:
    """The site's icon where browsers look for it without asking the page."""
    return Response(
        _favicon(),
        media_type="image/x-icon",
        headers={"cache-control": "public, max-age=86400"},
    )


# Registration hashes a password and signs in too, so it shares the sign-in throttle.
SIGN_IN_PATHS = frozenset(
    {
        "/login",
        "/api/v1/auth/login",
        "/api/v1/auth/tokens",
        "/register",
        "/api/v1/organizations/register",
    }
)


def _is_sign_in(request: Request[Any, Any, Any]) -> bool:
    """Password guessing is throttled; everything else is not."""
    return request.method == "POST" and request.url.path in SIGN_IN_PATHS


def _renders_pdf(handler: Any) -> bool:
    """Every route that answers a PDF document: rendering one costs a worker thread and CPU."""
    return getattr(handler, "media_type", None) == "application/pdf"


def _is_pdf(request: Request[Any, Any, Any]) -> bool:
    return _renders_pdf(request.scope.get("route_handler"))


def _client(request: Request[Any, Any, Any]) -> str:
    """Who a PDF download counts against: the signed-in user (on any address), else the
    address."""
    actor = current_actor(request)
    return f"user:{actor.id}" if actor is not None else f"address:{get_remote_address(request)}"


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(("/api/", "/schema", "/metrics"))


def _is_page(request: Request[Any, Any, Any]) -> bool:
    """Whether the answer is a page: any path outside the API, and a document (PDF) a browser
    followed a link to, which asks for HTML first."""
    if not _is_api(request):
        return True
    return _is_pdf(request) and "text/html" in request.headers.get("accept", "")


def _error(
    request: Request[Any, Any, Any], status: int, detail: str, **extra: Any
) -> Response[Any]:
    if not _is_page(request):
        return Response(
            {"status_code": status, "detail": detail, **extra},
            status_code=status,
            media_type=MediaType.JSON,
        )
    if extra.get("field"):
        # A page names the field by its label in the reader's language (the JSON keeps the name).
        extra["field"] = labels.field_label(request_locale(request), str(extra["field"]))
    return Template(
        "error.html", context={"status": status, "detail": detail, **extra}, status_code=status
    )


def _not_found(request: Request[Any, Any, Any], exc: NotFound) -> Response[Any]:
    if not _is_api(request):
        return _error(request, 404, labels.refusal(request_locale(request), exc))
    return _error(request, 404, str(exc))


def _conflict(request: Request[Any, Any, Any], exc: Conflict) -> Response[Any]:
    if isinstance(exc, NotYet):
        # Asked too early: said in the asker's language, as a page to a browser.
        return _error(request, 409, labels.refusal(request_locale(request), exc))
    if not _is_api(request):
        # A catalog message (marked with N_) reads in the reader's language; others as given.
        return _error(request, 409, labels.refusal(request_locale(request), exc))
    return _error(request, 409, str(exc))


def _invalid_input(request: Request[Any, Any, Any], exc: InvalidInput) -> Response[Any]:
    if not _is_api(request):
        # A catalog message (marked with N_) reads in the reader's language; others as given.
        return _error(request, 400, labels.refusal(request_locale(request), exc), field=exc.field)
    return _error(request, 400, exc.message, field=exc.field)


def _not_authorized(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    if not _is_api(request) and request.method == "GET":
        # A page asks an anonymous visitor to sign in, then brings them back.
        return Redirect(f"/login?next={request.url.path}", status_code=HTTP_303_SEE_OTHER)
    return _error(request, 401, exc.detail)


_INDEX = re.compile(r"\.(\d+)(?=\.|$)")


def field_path(key: str) -> str:
    """A field's path as every API error writes it, arrays indexed from 0 in brackets:
    ``lines[0].price_fen`` (Litestar joins the schema's location with dots, ``lines.0.…``)."""
    return _INDEX.sub(r"[\1]", key)


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Input that fails its schema: the first problem names its field, all are listed."""
    errors = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        {**error, "key": field_path(str(error["key"]))}
        if isinstance(error, dict) and error.get("key")
        else error
        for error in errors
    ]
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    field = str(first.get("key") or "body")
    return _error(request, 400, str(first.get("message") or exc.detail), field=field, errors=errors)


def _too_many(request: Request[Any, Any, Any], exc: TooManyRequestsException) -> Response[Any]:
    """429 in the reader's language, saying what was limited and when to try again."""
    headers = exc.headers or {}
    seconds = headers.get("RateLimit-Reset", "60")
    locale = request_locale(request)
    if _is_sign_in(request):
        message = i18n.N_(
            "Too many sign-in attempts from this address. Please try again in %(seconds)s seconds."
        )
    else:
        message = i18n.N_("Too many document downloads. Please try again in %(seconds)s seconds.")
    response = _error(request, 429, i18n.gettext(locale, message, seconds=seconds))
    response.headers.update({**headers, "Retry-After": str(seconds)})
    return response


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    # A page reads a catalog message (a guard's refusal) in the reader's language.
    detail = (
        exc.detail
        if _is_api(request)
        else labels.message(request_locale(request), exc.detail, {}, exc.detail)
    )
    response = _error(request, exc.status_code, detail)
    response.headers.update(exc.headers or {})  # a 405's Allow, a 401's WWW-Authenticate
    return response


class _Wiring:
    """The named steps of building the app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secret = settings.resolved_secret_key()
        # Rate limits live in the store every server process shares (database or Redis).
        self.shared = shared_store(settings)
        self.worker: InProcessWorker | None = None

    def middleware(self) -> list[Any]:
        csrf = CSRFConfig(secret=self.secret, cookie_samesite="lax")
        login_throttle = RateLimitConfig(
            rate_limit=("minute", self.settings.login_attempts_per_minute),
            check_throttle_handler=_is_sign_in,
            store="sign_in_limit",
        )
        # After authentication, so that a signed-in user is counted as one client anywhere.
        pdf_throttle = RateLimitConfig(
            rate_limit=("minute", self.settings.pdf_requests_per_minute),
            check_throttle_handler=_is_pdf,
            identifier_for_request=_client,
            store="pdf_limit",
        )
        return [
            DefineMiddleware(AccessLogMiddleware),
            prometheus_config().middleware,
            login_throttle.middleware,
            session_config(self.settings.session_max_age_seconds).middleware,
            DefineMiddleware(AuthenticationMiddleware),
            pdf_throttle.middleware,
            # Before the CSRF check, which parses a form's body.
            DefineMiddleware(InputMiddleware),
            DefineMiddleware(SessionCSRFMiddleware, config=csrf),
        ]

    def stores(self) -> StoreRegistry:
        return store_registry(self.shared, sessions=DatabaseSessionStore())

    def routes(self) -> list[Any]:
        static = create_static_files_router(
            path="/static",
            directories=[PACKAGE_DIR / "static"],
            name="static",
            opt={"action": Action.public_read},
            include_in_schema=False,
        )
        metrics = metrics_controller(self.settings.metrics_token)
        return [healthz, favicon, metrics, static, *API_CONTROLLERS, *PAGE_CONTROLLERS]

    def openapi(self) -> OpenAPIConfig:
        return OpenAPIConfig(
            title="procure API",
            version="1",
            description=package_doc,
            path="/schema",
            openapi_router=Router(
                path="/schema",
                route_handlers=[],
                opt={"action": Action.public_read},
                include_in_schema=False,  # the document describes the API, not itself
            ),
        )

    def exception_handlers(self) -> dict[Any, Any]:
        return {
            NotFound: _not_found,
            InvalidInput: _invalid_input,
            Conflict: _conflict,
            NotAuthorizedException: _not_authorized,
            ValidationException: _validation,
            TooManyRequestsException: _too_many,
            HTTPException: _http,
        }

    async def start_database(self) -> None:
        engine = get_engine()
        if isinstance(engine, PostgresEngine) and self.settings.database_pool_size:
            await engine.start_connection_pool(
                min_size=1, max_size=self.settings.database_pool_size, reset=roll_back_if_open
            )

    async def start_jobs(self) -> None:
        """The SQLite default runs the task queue's worker in the server process."""
        if self.settings.runs_jobs_in_process:
            self.worker = InProcessWorker(self.settings)
            await self.worker.start()

    async def stop_jobs(self) -> None:
        if self.worker is not None:
            await self.worker.stop()
            self.worker = None

    async def stop_database(self) -> None:
        engine = get_engine()
        if isinstance(engine, PostgresEngine) and engine.pool is not None:
            await engine.close_connection_pool()
        if isinstance(engine, DurableSQLiteEngine):
            await engine.close_idle_connections()
        await close_store(self.shared)


def _throttled(path: str, handler: Any) -> bool:
    """Whether a route answers 429 (for the OpenAPI document)."""
    return path in SIGN_IN_PATHS or _renders_pdf(handler)


def create_app(settings: Settings | None = None) -> Litestar:
    wiring = _Wiring(settings or get_settings())
    app = Litestar(
        route_handlers=wiring.routes(),
        middleware=wiring.middleware(),
        guards=[authorize],
        before_request=unread_in_header,
        stores=wiring.stores(),
        template_config=template_config(wiring.settings.templates_dir),
        openapi_config=wiring.openapi(),
        exception_handlers=wiring.exception_handlers(),
        on_startup=[wiring.start_database, wiring.start_jobs],
        on_shutdown=[wiring.stop_jobs, wiring.stop_database],
        logging_config=logging_config(wiring.settings),
        before_send=[log_access, security_headers],
        debug=False,
    )
    declare_error_responses(app, throttled=_throttled)
    trust_proxies(app, wiring.settings.trusted_proxies)
    return app

"""Prometheus metrics: requests (count and latency per route, from Litestar's Prometheus
middleware), PDF renders and PDF cache hits; served at /metrics to this machine or to a
scraper holding PROCURE_METRICS_TOKEN.

Each server process counts its own. With ``procure serve --workers N``, set
PROMETHEUS_MULTIPROC_DIR to an empty directory (before the server starts) to have /metrics sum
every worker; without it, a scrape sees the one worker that answered it."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client import Counter, Histogram

from procure.security.middleware import bearer_token
from procure.security.policy import Action

PDF_RENDERS = Counter(
    "procure_pdf_renders_total", "PDF documents rendered by WeasyPrint", ["template"]
)
PDF_CACHE_HITS = Counter(
    "procure_pdf_cache_hits_total", "PDF documents served from the PDF cache", ["template"]
)
PDF_RENDER_SECONDS = Histogram(
    "procure_pdf_render_seconds",
    "Time to render one PDF document (template to bytes)",
    ["template"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)


def prometheus_config() -> PrometheusConfig:
    return PrometheusConfig(
        app_name="procure",
        prefix="procure",
        # The route's template (/api/v1/tenders/{tender_id:int}), not each id: bounded series.
        group_path=True,
        exclude=["^/metrics", "^/static/"],
    )


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def metrics_reader(token: str | None) -> Callable[..., None]:
    """A guard: loopback addresses always; others only with the metrics token as a Bearer
    token."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        given = bearer_token(connection.headers)
        if token and given and hmac.compare_digest(given.encode(), token.encode()):
            return
        if _loopback(connection.client.host if connection.client else None):
            return
        raise NotAuthorizedException(
            "metrics are served to this machine, or with PROCURE_METRICS_TOKEN as a Bearer token"
        )

    return guard


def metrics_controller(token: str | None) -> type[PrometheusController]:
    """Litestar's Prometheus endpoint at /metrics, behind the metrics guard. The token is not
    an API token: the sign-in middleware leaves this route to its own guard."""

    class MetricsController(PrometheusController):
        path = "/metrics"
        include_in_schema = False
        opt = {"action": Action.metrics_read, "exclude_from_auth": True}
        guards = [metrics_reader(token)]

    return MetricsController

"""Behind a reverse proxy the connecting address is the proxy's; the client's is in
``X-Forwarded-For`` and the scheme it used in ``X-Forwarded-Proto``. Anyone can send those
headers, so they are believed only from the proxies PROCURE_TRUSTED_PROXIES names (none by
default), by uvicorn's ProxyHeadersMiddleware around the whole app: the sign-in throttle, the
access log, the Secure cookies and HSTS all see the real client and scheme, on every route."""

from __future__ import annotations

from typing import Any, cast

from litestar import Litestar
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


def trust_proxies(app: Litestar, proxies: list[str]) -> None:
    """Wrap the app's request handling (inside its lifespan and ``before_send`` hooks, outside
    routing, middleware and exception handling) so that ``scope["client"]`` and
    ``scope["scheme"]`` come from the forwarded headers when a trusted proxy connected."""
    if not proxies:
        return
    handler = cast(Any, app.asgi_handler)
    app.asgi_handler = cast(Any, ProxyHeadersMiddleware(handler, trusted_hosts=proxies))

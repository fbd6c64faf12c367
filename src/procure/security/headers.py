"""The security headers every response carries, set in one place (a ``before_send`` hook, so the
answers of the exception handlers and of a path no route matches carry them too).

- ``Content-Security-Policy``: scripts, styles, images, fonts and form targets from this site
  only; no inline script, no inline event handler, no inline style; no plugin; the page may not
  be framed (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older browsers).
- ``X-Content-Type-Options: nosniff``: a response is what its ``Content-Type`` says.
- ``Referrer-Policy: same-origin``: another site never learns which page linked to it.
- ``Strict-Transport-Security`` only on a response served over https (directly or through a
  trusted proxy, see ``procure.security.proxies``): a browser that reached the site over
  plain http is not told to insist on https it may not have.

A header a handler set itself (an attachment's own ``X-Content-Type-Options``) is kept.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
#: The interactive API reference under /schema (Litestar's Swagger, ReDoc, RapiDoc, Stoplight
#: Elements pages) loads its viewer from a public CDN (jsDelivr, unpkg, redoc.ly) and starts it
#: with an inline script. Those pages show only the public API description, never a user's
#: data, and still may not be framed.
API_REFERENCE_POLICY = "; ".join(
    (
        "default-src 'self' https:",
        "script-src 'self' 'unsafe-inline' https:",
        "style-src 'self' 'unsafe-inline' https:",
        "img-src 'self' data: https:",
        "font-src 'self' data: https:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def content_security_policy(path: str) -> str:
    return API_REFERENCE_POLICY if path.startswith("/schema") else CONTENT_SECURITY_POLICY


async def security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: the headers above on every HTTP response."""
    if message["type"] != "http.response.start" or scope["type"] != "http":
        return
    headers = MutableScopeHeaders.from_message(message)
    wanted = {
        "Content-Security-Policy": content_security_policy(scope["path"]),
        **SECURITY_HEADERS,
    }
    if scope.get("scheme") == "https":
        wanted["Strict-Transport-Security"] = HSTS
    for name, value in wanted.items():
        if headers.get(name) is None:
            headers[name] = value

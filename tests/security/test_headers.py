"""Security headers on every answer, a CSP the pages keep (no inline script, handler or style),
and cookies that over https are Secure and ``__Host-`` prefixed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from procure import PACKAGE_DIR
from procure.settings import get_settings
from tests.conftest import login

TEMPLATES = get_settings().templates_dir
#: PDF templates are rendered by WeasyPrint into documents, never served as HTML.
SERVED_TEMPLATES = sorted(p for p in TEMPLATES.rglob("*.html") if "pdf" not in p.parts)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def directives(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    policy = response.headers["content-security-policy"]
    return {
        name: value.strip()
        for name, _, value in (d.strip().partition(" ") for d in policy.split(";"))
    }


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/login",
        "/tenders",
        "/disclosure",
        "/static/procure.css",
        "/no-such-page",
        "/api/v1/tenders",
        "/api/v1/no-such-thing",
    ],
)
async def test_every_answer_carries_the_security_headers(
    client: AsyncTestClient, path: str
) -> None:
    response = await client.get(path)
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # plain http here


async def test_hsts_only_over_https(app) -> None:  # type: ignore[no-untyped-def]
    async with AsyncTestClient(app=app, base_url="https://procure.example") as client:
        response = await client.get("/login")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_the_api_reference_may_load_its_viewer_but_not_be_framed(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/schema/swagger")
    policy = directives(response)
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" in policy["script-src"]
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("template", SERVED_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_has_inline_script_handler_or_style(template: Path) -> None:
    text = template.read_text()
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to /static/procure.js"
    assert not EVENT_HANDLER.search(text), "inline on…= handler: use data-confirm/data-autosubmit"
    assert not INLINE_STYLE.search(text), "inline style: move it to a stylesheet under /static"


def test_the_pages_script_is_served_from_the_static_dir() -> None:
    script = (PACKAGE_DIR / "static" / "procure.js").read_text()
    assert "data-confirm" in script and "data-autosubmit" in script


@pytest.mark.parametrize(
    ("username", "path"),
    [("buyer", "/buyer"), ("auditor", "/auditor"), ("regulator", "/risk"), (None, "/tenders")],
)
async def test_rendered_pages_keep_the_policy(
    client: AsyncTestClient, username: str | None, path: str
) -> None:
    if username:
        await login(client, username)
    page = await client.get(path)
    assert page.status_code == 200
    assert '<script src="/static/procure.js" defer></script>' in page.text
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, INLINE_STYLE):
        assert not pattern.search(page.text), pattern.pattern


async def test_cookies_over_https_are_secure_and_host_prefixed(app) -> None:  # type: ignore[no-untyped-def]
    async with AsyncTestClient(app=app, base_url="https://procure.example") as client:
        form = await client.get("/login")
        csrf = next(
            v for v in form.headers.get_list("set-cookie") if v.startswith("__Host-csrftoken=")
        )
        assert "Secure" in csrf and "Path=/" in csrf and "Domain" not in csrf
        assert "csrftoken" not in client.cookies  # only the prefixed one
        response = await client.post(
            "/login",
            data={
                "username": "org",
                "password": "demo-password-2026",
                "_csrf_token": client.cookies["__Host-csrftoken"],
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        session = next(
            v
            for v in response.headers.get_list("set-cookie")
            if v.startswith("__Host-procure_session=")
        )
        assert "Secure" in session and "HttpOnly" in session and "Path=/" in session
        assert "Domain" not in session
        # The prefixed cookie is the one that carries the session.
        start = await client.get("/", follow_redirects=False)
        assert start.headers["location"] == "/organization"


async def test_a_plain_http_cookie_does_not_sign_in_over_https(app) -> None:  # type: ignore[no-untyped-def]
    """A cookie planted without the prefix (say, by a plain-http page) is not the session."""
    async with AsyncTestClient(app=app) as plain:
        await login(plain, "org")
        planted = plain.cookies["procure_session"]
    async with AsyncTestClient(app=app, base_url="https://procure.example") as client:
        client.cookies.set("procure_session", planted)
        start = await client.get("/", follow_redirects=False)
        assert start.status_code == 200  # the public home page, not the organization's

"""A real server in a subprocess and headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from procure import i18n

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "procure"), "serve", "--port", str(port)],
            env={**os.environ, "PROCURE_DATABASE_POOL_SIZE": "5"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make system-deps` installs Debian's chromium")
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        await instance.close()


#: Every walk runs once in each language the UI speaks.
LANGUAGES = tuple(i18n.LOCALES)


@pytest.fixture(params=LANGUAGES)
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Words:
    """The UI's words in the walk's language, from the catalog the pages use: a walk written
    once reads the Chinese page and the English page alike, and fails where a word is missing."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def __call__(self, message: str, **values: Any) -> str:
        return i18n.gettext(self.locale, message, **values)


@pytest.fixture
def t(lang: str) -> Words:
    return Words(lang)


#: Opens another signed-out tab in the walk's language (another user's browser).
NewTab = Callable[..., Awaitable[Page]]


@pytest.fixture
async def new_tab(browser: Browser, live_server: str, lang: str) -> AsyncIterator[NewTab]:
    contexts: list[BrowserContext] = []

    async def open_tab(**options: Any) -> Page:
        context = await browser.new_context(locale=lang, **options)
        # The UI's language is the visitor's choice, kept in a cookie (/lang/{code}).
        await context.add_cookies([{"name": i18n.LANG_COOKIE, "value": lang, "url": live_server}])
        contexts.append(context)
        return await context.new_page()

    yield open_tab
    for context in contexts:
        await context.close()


@pytest.fixture
async def page(new_tab: NewTab) -> Page:
    return await new_tab()


@pytest.fixture
async def phone(new_tab: NewTab) -> Page:
    return await new_tab(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)

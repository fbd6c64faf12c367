"""A crawl of the site as each role sees it: from the start page, every same-site link breadth
first (each route pattern at most a couple of times, a bounded number of pages), asserting that
no link answers an error and that the Chinese pages show no untranslated English word."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from litestar.testing import AsyncTestClient

from procure.errors import NotYet
from procure.pdf.documents import DOCUMENTS
from procure.security.tables import Role
from tests.conftest import USERNAMES, login

#: Route patterns visited at most this often (a list and two of its records, not all of them).
PER_PATTERN = 2
#: Pages visited per role at most (the crawl stays well within a minute per engine).
PER_ROLE = 30
#: Links a crawl leaves alone: the language switch, signing out, static files.
SKIPPED = ("/lang/", "/logout", "/static/", "/metrics", "/schema")

#: A tender's PDF document: checked by building what it shows (a document asked too early
#: raises NotYet), not rendered (rendering is the PDF tests' part, and takes seconds).
DOCUMENT = re.compile(r"^/api/v1/tenders/(\d+)/documents/([a-z-]+)$")
#: The other PDF downloads (a contract's text, a performance report), left to their own tests.
OTHER_PDF = re.compile(r"^/api/v1/contracts/\d+/(document|performance/[^/]+/report)$")

#: Words the Chinese UI may show as they are: names of standards, formats and identifiers.
ALLOWED = frozenset(
    {
        "OCDS",
        "ocds",
        "ocid",
        "ocids",
        "PDF",
        "CSV",
        "Excel",
        "XLSX",
        "xlsx",
        "JSON",
        "API",
        "HTML",
        "URL",
        "ID",
        "SHA",
        "Ed25519",
        "Wilson",  # the Wilson score interval of a spot-check's verified delivery
        "UTC",
        "procure",
        "HTMX",
        "OK",
        "AAA",
        "AA",
        "AB",
        "QR",
        "IQR",
        "HT",
        "ZB",
        "CG",
        "FW",
        "PM",
        "AM",
        "ISO",
        "Word",
        "CPV",
        "GB",
        "base64",
        "Bearer",
        "Token",
        "https",
        "http",
        "www",
        "OCDS-ID",
        "tlog",
        "C2SP",
    }
)
#: Pages that explain a file format or a command: its column names, values and commands are
#: English identifiers, quoted as such beside their Chinese names.
FORMAT_WORDS = {
    "/setup/import": frozenset(
        {
            "Code",
            "Committee",
            "Committees",
            "Community",
            "Departments",
            "Division",
            "Divisions",
            "Duties",
            "Households",
            "Initial",
            "Level",
            "Name",
            "Parent",
            "Population",
            "Role",
            "Unit",
            "Username",
            "Users",
            "admin",
            "auditor",
            "buyer",
            "code",
            "committee",
            "expert",
            "name",
            "password",
            "regulator",
            "Sub",
            "district",
        }
    ),
    "/experts/import": frozenset(
        {"capacity", "care", "directorship", "employment", "family", "other"}
    ),
    "/disclosure/audit": frozenset({"procure", "audit", "verify", "checkpoint"}),
}
#: A word is an English word when it is Latin letters only, at least three of them, and not an
#: identifier (codes such as ZB-2026-030, hashes, ocids carry digits or dashes next to it).
WORD = re.compile(r"(?<![\w\-./:@#])[A-Za-z]{3,}(?![\w\-./:@])")


def pattern(path: str) -> str:
    """The route a path belongs to: numbers and long codes replaced."""
    return re.sub(r"/(\d+|[0-9a-f]{16,}|\d{4}-\d{2}(-\d{2})?|\d{4}-Q\d)(?=/|$)", "/{}", path)


class Page(HTMLParser):
    """A page's same-site links and its visible text: not scripts, styles or code, nor text
    marked as another language (the "English" switch) or as not to be translated (usernames,
    codes: ``translate="no"``)."""

    HIDDEN = frozenset({"script", "style", "code", "pre", "textarea", "option", "kbd", "samp"})
    VOID = frozenset(
        {
            "area",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "track",
            "wbr",
        }
    )

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.texts: list[str] = []
        self._open: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag not in self.VOID:
            foreign = (values.get("lang") or "zh").lower().startswith("en") or (
                values.get("translate") == "no"
            )
            self._open.append((tag, tag in self.HIDDEN or foreign))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and not any(hiding for _, hiding in self._open):
            self.texts.append(data.strip())


def same_site(href: str, base: str) -> str | None:
    href, _ = urldefrag(href)
    if not href or href.startswith(("mailto:", "tel:", "javascript:", "//")):
        return None
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path.startswith("/"):
        if not parts.path:
            return f"{urlsplit(base).path}?{parts.query}" if parts.query else None
        return None
    if parts.path.startswith(SKIPPED):
        return None
    return href


def english_words(texts: list[str], where: str = "") -> set[str]:
    """The English words of the texts, each with the text it was found in ("word: text").
    All-capital words are codes (a rule's code such as CONCENTRATION, a currency such as CNY)."""
    allowed = ALLOWED | FORMAT_WORDS.get(where, frozenset())
    found: set[str] = set()
    for text in texts:
        for word in WORD.findall(text):
            if word not in allowed and not word.isupper():
                found.add(f"{word}: {text[:80]!r}")
    return found


async def crawl(client: AsyncTestClient, start: str) -> tuple[list[str], dict[str, set[str]]]:
    errors: list[str] = []
    untranslated: dict[str, set[str]] = {}
    seen: set[str] = {start}
    per_pattern: dict[str, int] = {}
    queue = deque([(start, "(start)")])
    visited = 0
    while queue and visited < PER_ROLE:
        url, referrer = queue.popleft()
        path = urlsplit(url).path
        if document := DOCUMENT.match(path):
            try:
                await DOCUMENTS[document[2]][1](int(document[1]))
            except NotYet as error:
                errors.append(f"409 {url} (linked from {referrer}): {error}")
            continue
        if OTHER_PDF.match(path):
            continue
        visited += 1
        response = await client.get(url, follow_redirects=True)
        if response.status_code >= 400:
            errors.append(f"{response.status_code} {url} (linked from {referrer})")
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        page = Page()
        page.feed(response.text)
        where = pattern(path)
        if words := english_words(page.texts, where):
            untranslated.setdefault(where, set()).update(words)
        for href in page.links:
            link = same_site(href, url)
            if link is None or link in seen:
                continue
            key = pattern(urlsplit(link).path)
            if per_pattern.get(key, 0) >= PER_PATTERN:
                continue
            per_pattern[key] = per_pattern.get(key, 0) + 1
            seen.add(link)
            queue.append((link, url))
    return errors, untranslated


@pytest.mark.parametrize("role", [None, *Role])
async def test_every_link_works_and_reads_in_chinese(
    client: AsyncTestClient, role: Role | None
) -> None:
    await client.get("/lang/zh-CN")
    if role is not None:
        await login(client, USERNAMES[role])
    start = "/" if role is None else f"/{role.value}"
    errors, untranslated = await crawl(client, start)
    for error in errors:
        print(error)
    for where, words in sorted(untranslated.items()):
        print(f"untranslated on {where}:", *sorted(words), sep="\n  ")
    assert errors == []
    assert untranslated == {}

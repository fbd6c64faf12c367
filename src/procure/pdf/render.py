"""Turning a template into PDF bytes: the page Jinja2 environment in Chinese, WeasyPrint with a
URL fetcher that serves only the project's own resources, and the Noto CJK faces to embed."""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import time
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio
import anyio.to_thread
from fontTools.ttLib import TTCollection, TTFont
from jinja2 import Environment
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from procure import i18n
from procure.observability.metrics import PDF_CACHE_HITS, PDF_RENDER_SECONDS, PDF_RENDERS
from procure.pdf.cache import PDFCache, Unkeyable, cache_key, renderer_version
from procure.policy import Policy, get_policy
from procure.settings import get_settings
from procure.web.templating import build_environment, render_to_string

logger = logging.getLogger(__name__)

#: Documents of Chinese government procurement are in Chinese whatever the reader's language.
DOCUMENT_LOCALE = "zh-CN"
#: The scheme under which templates reach the project's own resources (fonts, stylesheets).
SCHEME = "procure-pdf"
FONT_PACKAGE = "fonts-noto-cjk"
#: Where distributions put the Noto CJK collections (Debian first); fc-match is asked otherwise.
FONT_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/google-noto-cjk"),
)


class CJKFontMissing(RuntimeError):
    """No Noto CJK font on this machine: Chinese would come out as empty boxes."""


class ResourceRefused(ValueError):
    """A document asked for something other than the project's own resources."""


@cache
def _face_sources() -> dict[str, tuple[str, Path]]:
    """The faces the stylesheet fetches as procure-pdf:/fonts/NAME: the Simplified Chinese
    family, and the collection or font file it is in."""
    wanted = {
        "serif": ("Noto Serif CJK SC", "Regular", "NotoSerifCJK-Regular.ttc"),
        "serif-bold": ("Noto Serif CJK SC", "Bold", "NotoSerifCJK-Bold.ttc"),
        "sans-bold": ("Noto Sans CJK SC", "Bold", "NotoSansCJK-Bold.ttc"),
    }
    return {
        name: (family, find_font(family, style, filename))
        for name, (family, style, filename) in wanted.items()
    }


def find_font(family: str, style: str, filename: str) -> Path:
    for folder in FONT_DIRS:
        if (folder / filename).is_file():
            return folder / filename
    fc_match = shutil.which("fc-match")
    if fc_match is not None:
        found = subprocess.run(  # noqa: S603 - a fixed program with a fixed pattern
            [fc_match, "-f", "%{file}", f"{family}:style={style}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
        # fc-match always answers, falling back to any font: only a CJK one will do.
        if "CJK" in Path(found).name and Path(found).is_file():
            return Path(found)
    raise CJKFontMissing(
        f"no {family} {style} font found (looked in {', '.join(map(str, FONT_DIRS))} and asked "
        f"fc-match): install Debian's {FONT_PACKAGE} package (`make system-deps`)"
    )


@cache
def font_face(name: str) -> bytes:
    """One face as a standalone OpenType font, cut out of its collection once per process: a
    .ttc holds the Japanese, Korean and both Chinese variants, whose glyphs differ."""
    family, path = _face_sources()[name]
    if path.suffix.lower() != ".ttc":
        return path.read_bytes()
    collection = TTCollection(path, lazy=True)
    for font in collection.fonts:
        if font["name"].getDebugName(1) == family:
            return _font_bytes(font)
    raise CJKFontMissing(f"{path} has no {family} face: reinstall {FONT_PACKAGE}")


def _font_bytes(font: TTFont) -> bytes:
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def asset_dir() -> Path:
    return get_settings().templates_dir / "pdf" / "assets"


class SafeURLFetcher(URLFetcher):
    """Serves procure-pdf:/fonts/NAME, procure-pdf:/assets/FILE and data: URLs; refuses
    everything else — file://, http(s) to any host (so no private address and no redirect),
    ftp — so that no template or data can make a document read the server's files or network.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols={SCHEME, "data"}, allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
        if parts.scheme == SCHEME:
            return self._own(url, unquote(parts.path))
        raise ResourceRefused(f"refused {url[:200]!r}: documents use only their own resources")

    @staticmethod
    def _own(url: str, path: str) -> URLFetcherResponse:
        kind, _, name = path.lstrip("/").partition("/")
        if kind == "fonts" and name in _face_sources():
            return URLFetcherResponse(url, font_face(name), {"Content-Type": "font/otf"})
        if kind == "assets":
            root = asset_dir().resolve()
            target = (root / name).resolve()
            if target.is_relative_to(root) and target.is_file():
                return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": "text/css"})
        raise ResourceRefused(f"refused {url[:200]!r}: no such resource of the documents")


@cache
def _environment() -> Environment:
    return build_environment(get_settings().templates_dir)


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML string; no base URL, so a relative reference resolves to nothing."""
    for name in _face_sources():
        font_face(name)  # a missing font fails here, loudly, not as boxes in the PDF
    pdf = HTML(string=html, url_fetcher=SafeURLFetcher()).write_pdf()
    assert pdf is not None  # write_pdf returns bytes when given no target
    return pdf


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render templates/TEMPLATE_NAME with plain data (never ORM objects) into PDF bytes."""
    started = time.perf_counter()
    html = render_to_string(_environment(), template_name, context, locale=DOCUMENT_LOCALE)
    pdf = html_to_pdf(html)
    PDF_RENDERS.labels(template_name).inc()
    PDF_RENDER_SECONDS.labels(template_name).observe(time.perf_counter() - started)
    return pdf


def pdf_cache() -> PDFCache | None:
    settings = get_settings()
    if settings.pdf_cache_max_mb == 0:
        return None
    return PDFCache(settings.resolved_pdf_cache_dir, settings.pdf_cache_max_mb * 1024 * 1024)


_policy_digests: dict[int, tuple[Policy, str]] = {}


def _policy_digest(policy: Policy) -> str:
    """The policy's hash, once per policy object (get_policy() keeps one per process)."""
    known = _policy_digests.get(id(policy))
    if known is None or known[0] is not policy:
        known = _policy_digests[id(policy)] = (
            policy,
            hashlib.sha256(policy.model_dump_json().encode()).hexdigest(),
        )
    return known[1]


def _outside_the_data() -> list[str]:
    """What templates read besides their data: the time zone of the time filters, the policy
    (legal periods), and the compiled message catalog of the documents' language."""
    settings = get_settings()
    catalog = i18n.LOCALE_DIR / i18n.babel_locale(DOCUMENT_LOCALE) / "LC_MESSAGES" / "messages.mo"
    stat = catalog.stat()
    return [
        f"timezone {settings.timezone}",
        f"policy {_policy_digest(get_policy())}",
        f"catalog {stat.st_size} {stat.st_mtime_ns}",
    ]


def _key(template_name: str, context: dict[str, Any]) -> str | None:
    fonts = [path for _, path in _face_sources().values()]
    renderer = renderer_version(get_settings().templates_dir, fonts, _outside_the_data())
    try:
        return cache_key(template_name, context, locale=DOCUMENT_LOCALE, renderer=renderer)
    except Unkeyable as error:
        logger.warning("PDF not cached: %s", error, extra={"template": template_name})
        return None


def _cached(template_name: str, context: dict[str, Any]) -> tuple[str | None, bytes | None]:
    store = pdf_cache()
    key = _key(template_name, context) if store is not None else None
    return key, store.get(key) if store is not None and key is not None else None


def _render_and_keep(template_name: str, context: dict[str, Any], key: str | None) -> bytes:
    store = pdf_cache()
    # Another request may have rendered it while this one waited for a render slot.
    if store is not None and key is not None and (pdf := store.get(key)) is not None:
        PDF_CACHE_HITS.labels(template_name).inc()
        return pdf
    pdf = render_pdf(template_name, context)
    if store is not None and key is not None:
        try:
            store.put(key, pdf)
        except OSError as error:  # a full or read-only disk costs the cache, not the document
            logger.warning("PDF cache write failed: %s", error, extra={"template": template_name})
    return pdf


_limiters: dict[int, anyio.CapacityLimiter] = {}


def render_slots() -> anyio.CapacityLimiter:
    """The worker threads PDF renders may hold at once in this process
    (PROCURE_PDF_RENDER_CONCURRENCY): a burst of downloads queues here instead of taking every
    thread of the pool and the CPU the other requests need."""
    size = get_settings().pdf_render_concurrency
    limiter = _limiters.get(size)
    if limiter is None:
        limiter = _limiters[size] = anyio.CapacityLimiter(size)
    return limiter


async def render_pdf_async(
    template_name: str, context: dict[str, Any], *, use_cache: bool = True
) -> bytes:
    """render_pdf off the event loop, served from the PDF cache when the same content was
    rendered before. ``use_cache=False`` for documents that must not be kept on disk (one-time
    secrets such as survey tokens)."""
    if use_cache:
        key, pdf = await anyio.to_thread.run_sync(_cached, template_name, context)
        if pdf is not None:
            PDF_CACHE_HITS.labels(template_name).inc()
            return pdf
    else:
        key = None
    return await anyio.to_thread.run_sync(
        _render_and_keep, template_name, context, key, limiter=render_slots()
    )

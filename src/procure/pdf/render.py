"""Turning a template into PDF bytes: the page Jinja2 environment in Chinese, WeasyPrint with a
URL fetcher that serves only the project's own resources, and the Noto CJK faces to embed."""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio.to_thread
from fontTools.ttLib import TTCollection, TTFont
from jinja2 import Environment
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

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


# WeasyPrint drives Pango and Fontconfig, whose shared state is not documented as safe to use
# from several threads at once: one render at a time.
_rendering = threading.Lock()


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML string; no base URL, so a relative reference resolves to nothing."""
    with _rendering:
        for name in _face_sources():
            font_face(name)  # a missing font fails here, loudly, not as boxes in the PDF
        pdf = HTML(string=html, url_fetcher=SafeURLFetcher()).write_pdf()
    assert pdf is not None  # write_pdf returns bytes when given no target
    return pdf


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render templates/TEMPLATE_NAME with plain data (never ORM objects) into PDF bytes."""
    html = render_to_string(_environment(), template_name, context, locale=DOCUMENT_LOCALE)
    return html_to_pdf(html)


async def render_pdf_async(template_name: str, context: dict[str, Any]) -> bytes:
    """render_pdf in a worker thread: a render takes a fraction of a second of CPU."""
    return await anyio.to_thread.run_sync(render_pdf, template_name, context)

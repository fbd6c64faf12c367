"""The QR sheet of freshly issued survey tokens: twelve cut-out cards per A4 page, each with the
QR code, the short URL under it and the community's name."""

from __future__ import annotations

import io
import re
from typing import Any

import anyio.to_thread
import segno
from markupsafe import Markup

from procure import clock
from procure.settings import get_settings
from procure.surveys.services import IssuedTokens

TEMPLATE = "pdf/survey_tokens.html"
CARDS_PER_PAGE = 12  # 3 columns × 4 rows
COLUMNS = 3


def answer_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def qr_svg(data: str) -> Markup:
    """An inline SVG QR code that scales to its box (viewBox, no fixed size). Level M survives a
    crease or a smudge on a paper card; segno encodes the data as path geometry, so nothing
    in it can become markup."""
    out = io.BytesIO()
    segno.make(data, error="m", micro=False).save(
        out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, border=2
    )
    return Markup(out.getvalue().decode())  # noqa: S704 - segno's own SVG, no user markup


def sheet_context(issued: IssuedTokens, base_url: str) -> dict[str, Any]:
    """Plain data for the template: pages of rows of cards."""
    prefix = answer_url(base_url, "")
    cards = [
        {"prefix": prefix, "token": token, "qr": qr_svg(answer_url(base_url, token))}
        for token in issued.tokens
    ]
    pages = [
        [
            cards[row : row + COLUMNS]
            for row in range(start, min(start + CARDS_PER_PAGE, len(cards)), COLUMNS)
        ]
        for start in range(0, len(cards), CARDS_PER_PAGE)
    ]
    zone = get_settings().timezone
    return {
        "document_title": "居民满意度调查二维码",
        "round": {
            "contract_reference": issued.contract_reference,
            "contract_title": issued.contract_title,
            "community_name": issued.community_name,
            "committee_name": issued.committee_name,
            "period": issued.period,
            "closes_at": issued.closes_at,
        },
        "pages": pages,
        "count": len(cards),
        "generated_at": clock.now(),
        "time_zone": "北京时间" if zone == "Asia/Shanghai" else zone,
    }


def sheet_filename(issued: IssuedTokens) -> str:
    name = f"{issued.contract_reference}-{issued.community_name}-{issued.period}-调查二维码.pdf"
    return re.sub(r'[\\/:*?"<>|\s\x00-\x1f]+', "_", name)


async def token_sheet_pdf(issued: IssuedTokens, base_url: str) -> bytes:
    """The PDF, rendered off the event loop: a QR code takes about 10 ms of CPU to encode, so
    2,000 of them would stall every other request for 20 s."""
    # WeasyPrint takes half a second to import: only what renders a document pays for it.
    from procure.pdf.render import render_pdf_async

    context = await anyio.to_thread.run_sync(sheet_context, issued, base_url)
    # The sheet prints one-time tokens: it is never kept in the PDF cache.
    return await render_pdf_async(TEMPLATE, context, use_cache=False)

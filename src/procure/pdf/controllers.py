"""The documents API: a tender's notices, records and reports as PDF downloads."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from procure.pdf.documents import document_pdf
from procure.security.guards import current_actor
from procure.security.policy import Action


def attachment(filename: str, fallback: str) -> str:
    """Content-Disposition with the UTF-8 name (RFC 5987/6266) and an ASCII one for old clients."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", fallback)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


class DocumentController(Controller):
    path = "/api/v1/tenders/{tender_id:int}/documents"
    tags = ["documents"]

    @get("/{kind:str}", opt={"action": Action.document_read}, media_type="application/pdf")
    async def document(
        self, request: Request[Any, Any, Any], tender_id: FromPath[int], kind: FromPath[str]
    ) -> Response[bytes]:
        """tender-notice (招标公告), opening-record (开标记录, 409 until the deadline),
        evaluation-report (评标报告) or award-notice (中标/成交公告). A draft answers 404 to
        everyone but its own department."""
        filename, pdf = await document_pdf(kind, tender_id, actor=current_actor(request))
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "content-disposition": attachment(filename, f"tender-{tender_id}-{kind}.pdf"),
                # What a document shows depends on who asks and on the tender's progress.
                "cache-control": "private, no-cache",
            },
        )

"""Helpers for the PDF tests: find demo tenders by status, render once, read PDFs with poppler."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from procure.pdf.documents import document_pdf
from procure.tenders.tables import Tender


@dataclass(frozen=True)
class Rendered:
    filename: str
    pdf: bytes
    text: str
    layout: str  # pdftotext -layout: a table row stays on one line
    fonts: list[dict[str, str]]
    pages: int


def poppler(tool: str, pdf: bytes, folder: Path, *args: str) -> str:
    path = folder / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def read_pdf(filename: str, pdf: bytes, folder: Path) -> Rendered:
    fonts = []
    for line in poppler("pdffonts", pdf, folder).splitlines()[2:]:
        fields = line.split()
        # name, type (several words), encoding, then emb sub uni object-number generation
        fonts.append({"name": fields[0], "emb": fields[-5]})
    info = poppler("pdfinfo", pdf, folder)
    pages = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert pages is not None, info
    text, layout = poppler("pdftotext", pdf, folder), poppler("pdftotext", pdf, folder, "-layout")
    return Rendered(filename, pdf, text, layout, fonts, int(pages[1]))


async def demo_tender(status: str, **where: Any) -> dict[str, Any]:
    """A tender of the demo district in this status (their references start with ZB-)."""
    query = Tender.select().where((Tender.status == status) & Tender.reference.like("ZB-%"))
    for column, value in where.items():
        query = query.where(getattr(Tender, column) == value)
    tender = await query.order_by(Tender.id).first()
    assert tender is not None, f"the demo data has no {status} tender with {where}"
    return tender


@pytest.fixture(scope="session")
def pdf_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="session")
def render(database: None, pdf_folder: Path):  # type: ignore[no-untyped-def]
    """Render a document once per run (a render takes a good fraction of a second)."""
    done: dict[tuple[str, int], Rendered] = {}

    async def rendered(kind: str, tender_id: int) -> Rendered:
        if (kind, tender_id) not in done:
            filename, pdf = await document_pdf(kind, tender_id)
            done[kind, tender_id] = read_pdf(filename, pdf, pdf_folder)
        return done[kind, tender_id]

    return rendered

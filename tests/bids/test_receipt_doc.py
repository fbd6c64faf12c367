"""docs/api.md's worked example of the bid receipt: the canonical content and the SHA-256 it
shows follow from the request body it shows, both by the recipe the page gives and by the code
that seals bids."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from procure.bids.schemas import BidIn
from procure.bids.sealing import canonical_bytes, receipt_hash
from procure.bids.services import canonical_content

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
TENDER, ORGANIZATION = "ZB-2026-038", "52440319MJL018363J"


def example(name: str) -> str:
    """The fenced block after ``<!-- receipt-example:name -->``."""
    found = re.search(
        rf"<!-- receipt-example:{name} -->\n```[a-z]*\n(.*?)\n```", DOC.read_text(), re.S
    )
    assert found is not None, name
    return found.group(1)


def by_the_recipe(body: dict[str, Any]) -> bytes:
    """The page's table and encoding rules, followed by hand."""
    content = {
        "tender": TENDER,
        "organization": ORGANIZATION,
        "total_fen": body["total_fen"],
        "lines": sorted(body["lines"], key=lambda line: line["line_no"]),
        "technical_proposal": body["technical_proposal"],
        "staffing_plan": body["staffing_plan"],
        "attachments": body.get("attachments", []),
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def test_the_worked_example_recomputes() -> None:
    body = json.loads(example("request"))
    canonical, sha256 = example("canonical"), example("sha256").strip()
    assert TENDER in DOC.read_text() and ORGANIZATION in DOC.read_text()
    assert by_the_recipe(body) == canonical.encode("utf-8")
    assert f"{len(canonical.encode('utf-8'))} bytes" in DOC.read_text()
    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == sha256
    # The code that seals bids agrees with the page.
    content = canonical_content({"reference": TENDER}, ORGANIZATION, BidIn(**body))
    assert canonical_bytes(content) == canonical.encode("utf-8")
    assert receipt_hash(content) == sha256

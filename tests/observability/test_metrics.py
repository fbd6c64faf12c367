"""/metrics: Prometheus text with request counts and latencies, PDF renders and PDF cache
hits; only for this machine or for a scraper holding the metrics token."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from procure.app import create_app
from procure.observability.metrics import _loopback
from procure.pdf import render
from procure.pdf.cache import PDFCache
from procure.settings import get_settings
from tests.pdf.conftest import demo_tender

TOKEN = "metrics-token-for-the-tests-0123456789"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series in Prometheus text format (0 if absent)."""
    for line in text.splitlines():
        named = line.startswith((f"{name}{{", f"{name} "))
        if named and all(f'{key}="{value}"' in line for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_count_requests_renders_and_cache_hits(
    database: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "pdf_cache", lambda: PDFCache(tmp_path, 64 * 1024 * 1024))
    app = create_app(get_settings().model_copy(update={"metrics_token": TOKEN}))
    bearer = {"authorization": f"Bearer {TOKEN}"}
    tender = await demo_tender("evaluation")
    template = "pdf/opening_record.html"
    async with AsyncTestClient(app=app) as client:
        before = (await client.get("/metrics", headers=bearer)).text
        for _ in range(2):
            url = f"/api/v1/tenders/{tender['id']}/documents/opening-record"
            assert (await client.get(url)).status_code == 200
        response = await client.get("/metrics", headers=bearer)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE procure_requests_total counter" in text
    assert "# TYPE procure_request_duration_seconds histogram" in text
    route = "/api/v1/tenders/{tender_id}/documents/{kind}"
    assert sample(text, "procure_requests_total", path=route, status_code="200") >= 2
    renders = sample(text, "procure_pdf_renders_total", template=template)
    hits = sample(text, "procure_pdf_cache_hits_total", template=template)
    assert renders - sample(before, "procure_pdf_renders_total", template=template) == 1
    assert hits - sample(before, "procure_pdf_cache_hits_total", template=template) == 1
    assert "procure_pdf_render_seconds_bucket" in text


async def test_metrics_are_refused_to_other_machines_without_the_token(
    client: AsyncTestClient,
) -> None:
    # The test client's address is "testclient", not a loopback address.
    response = await client.get("/metrics")
    assert response.status_code == 401
    assert "PROCURE_METRICS_TOKEN" in response.text
    wrong = await client.get("/metrics", headers={"authorization": "Bearer not-the-token-at-all"})
    assert wrong.status_code == 401


def test_loopback_addresses_are_this_machine() -> None:
    assert _loopback("127.0.0.1") and _loopback("::1")
    assert not _loopback("10.0.0.5") and not _loopback("testclient") and not _loopback(None)

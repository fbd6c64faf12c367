"""The PDF cache (a repeat of the same content is not rendered again; any change of content,
template or renderer is), the bound on renders running at once, and the per-client throttle of
PDF downloads."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.app import create_app
from procure.pdf import render
from procure.pdf.cache import PDFCache, Unkeyable, cache_key, canonical, renderer_version
from procure.pdf.documents import tender_notice_context
from procure.settings import get_settings
from procure.stores import close_store, shared_store
from tests.pdf.conftest import demo_tender


class Renders:
    """Counts the renders that really reach WeasyPrint."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.templates: list[str] = []
        real = render.render_pdf

        def counted(template_name: str, context: dict[str, Any]) -> bytes:
            self.templates.append(template_name)
            return real(template_name, context)

        monkeypatch.setattr(render, "render_pdf", counted)

    @property
    def count(self) -> int:
        return len(self.templates)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache of the test's own, so that no other test's documents are in it."""
    folder = tmp_path / "pdf-cache"
    monkeypatch.setattr(render, "pdf_cache", lambda: PDFCache(folder, 64 * 1024 * 1024))
    return folder


def test_equal_contexts_have_one_key_whatever_their_order() -> None:
    one = {"b": [1, Decimal("2.50")], "a": {"y": datetime(2026, 1, 2, tzinfo=UTC), "x": None}}
    two = {"a": {"x": None, "y": datetime(2026, 1, 2, tzinfo=UTC)}, "b": [1, Decimal("2.50")]}
    assert canonical(one) == canonical(two)
    key = cache_key("pdf/t.html", one, locale="zh-CN", renderer="r1")
    assert key == cache_key("pdf/t.html", two, locale="zh-CN", renderer="r1")
    assert key != cache_key(
        "pdf/t.html", {**one, "b": [1, Decimal("2.51")]}, locale="zh-CN", renderer="r1"
    )
    assert key != cache_key("pdf/u.html", one, locale="zh-CN", renderer="r1")
    assert key != cache_key("pdf/t.html", one, locale="en", renderer="r1")
    assert key != cache_key("pdf/t.html", one, locale="zh-CN", renderer="r2")
    # When it was made is not what it shows.
    stamped = {**one, "generated_at": datetime.now(UTC), "generated_on": "2026年1月2日"}
    assert cache_key("pdf/t.html", stamped, locale="zh-CN", renderer="r1") == key
    with pytest.raises(Unkeyable):
        canonical({"orm": object()})


def test_a_changed_template_or_asset_is_a_new_renderer_version(tmp_path: Path) -> None:
    (tmp_path / "pdf").mkdir()
    page = tmp_path / "pdf" / "notice.html"
    page.write_text("<p>{{ title }}</p>")
    first = renderer_version(tmp_path, [])
    assert renderer_version(tmp_path, []) == first
    page.write_text("<p>{{ title }}!</p>")
    assert renderer_version(tmp_path, []) != first
    # What templates read outside their data counts too (the time filters' zone, the policy).
    shanghai = renderer_version(tmp_path, [], ["timezone Asia/Shanghai"])
    assert renderer_version(tmp_path, [], ["timezone Asia/Urumqi"]) != shanghai


def test_the_cache_keeps_whole_files_and_evicts_the_least_recently_served(tmp_path: Path) -> None:
    store = PDFCache(tmp_path, max_bytes=10_000)
    for number, key in enumerate(("aa" + "1" * 62, "bb" + "2" * 62, "cc" + "3" * 62)):
        store.put(key, b"%PDF-" + bytes(995))
        stamp = 1_700_000_000 + number * 10
        os.utime(tmp_path / key[:2] / f"{key}.pdf", (stamp, stamp))
    assert not list(tmp_path.rglob(".tmp-*"))  # written under a temporary name, then renamed
    assert store.evict() == 0
    # 3000 bytes > 2500: the least recently served goes, down to 80% of the bound.
    store.max_bytes = 2500
    assert store.evict() == 1
    assert store.get("aa" + "1" * 62) is None
    # Serving a file makes it recent: the next file in pushes out the other one.
    assert store.get("bb" + "2" * 62) == b"%PDF-" + bytes(995)
    store.put("dd" + "4" * 62, b"%PDF-" + bytes(995))
    assert store.get("cc" + "3" * 62) is None
    assert store.get("bb" + "2" * 62) is not None and store.get("dd" + "4" * 62) is not None
    damaged = tmp_path / "bb" / ("bb" + "2" * 62 + ".pdf")
    damaged.write_bytes(b"garbage")
    assert store.get("bb" + "2" * 62) is None  # a damaged file is a miss, and is dropped
    assert not damaged.exists()


async def test_the_second_request_for_a_document_is_served_from_the_cache(
    client: AsyncTestClient, monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    renders = Renders(monkeypatch)
    tender = await demo_tender("evaluation")
    url = f"/api/v1/tenders/{tender['id']}/documents/opening-record"
    first = await client.get(url)
    assert first.status_code == 200 and renders.count == 1
    second = await client.get(url)
    assert second.status_code == 200
    assert renders.count == 1  # not rendered again
    assert second.content == first.content
    assert len(list(cache_dir.rglob("*.pdf"))) == 1
    # Another document is other content: it is rendered.
    assert (
        await client.get(f"/api/v1/tenders/{tender['id']}/documents/tender-notice")
    ).status_code == 200
    assert renders.count == 2


async def test_changed_content_is_rendered_again(
    database: None, monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    renders = Renders(monkeypatch)
    tender = await demo_tender("published")
    context = await tender_notice_context(tender["id"])
    first = await render.render_pdf_async("pdf/tender_notice.html", context)
    # Built again a moment later: the same content, only its generation time differs.
    again = await tender_notice_context(tender["id"])
    assert await render.render_pdf_async("pdf/tender_notice.html", again) == first
    assert renders.count == 1
    changed = {**again, "tender": {**again["tender"], "title": "更正后的项目名称"}}
    assert await render.render_pdf_async("pdf/tender_notice.html", changed) != first
    assert renders.count == 2
    # Without the cache (documents with one-time secrets), every call renders.
    await render.render_pdf_async("pdf/tender_notice.html", changed, use_cache=False)
    assert renders.count == 3


async def test_renders_at_once_stay_within_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    limit = get_settings().pdf_render_concurrency
    active = peak = 0
    lock = threading.Lock()

    def slow_render(template_name: str, context: dict[str, Any]) -> bytes:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return b"%PDF-fake"

    monkeypatch.setattr(render, "render_pdf", slow_render)
    results = await asyncio.gather(
        *(
            render.render_pdf_async("pdf/x.html", {"n": n}, use_cache=False)
            for n in range(4 * limit)
        )
    )
    assert results == [b"%PDF-fake"] * (4 * limit)
    assert 1 <= peak <= limit


async def _clear_pdf_limit() -> None:
    store = shared_store(get_settings())
    await store.with_namespace("pdf_limit").delete_all()
    await close_store(store)


@pytest.mark.parametrize(
    ("lang", "words"),
    [(None, "下载文件过于频繁"), ("en", "Too many document downloads")],
)
async def test_pdf_downloads_are_throttled_per_client(
    database: None, cache_dir: Path, lang: str | None, words: str
) -> None:
    app = create_app(get_settings().model_copy(update={"pdf_requests_per_minute": 2}))
    await _clear_pdf_limit()
    tender = await demo_tender("evaluation")
    url = f"/api/v1/tenders/{tender['id']}/documents/tender-notice"
    async with AsyncTestClient(app=app) as client:
        if lang:
            client.cookies.set("lang", lang)
        statuses = [(await client.get(url)).status_code for _ in range(2)]
        refused = await client.get(url)
        assert statuses == [200, 200]
        assert refused.status_code == 429
        assert words in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) > 0
        page = await client.get(f"/tenders/{tender['id']}")  # pages are not throttled
        assert page.status_code == 200
    await _clear_pdf_limit()

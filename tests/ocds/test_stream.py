"""`procure ocds export` streams: the package is written one release (record, compiled release)
at a time from processes read in batches, and is the very text the whole package would give."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from procure import clock
from procure.ocds import export, selectors
from procure.ocds.imports import ocds_import
from procure.ocds.stored import stored_process_count
from tests.ocds.test_import import COMPILED, RELEASE_1, RELEASE_2, package, unique_dataset
from tests.test_cli import procure

FORMATS = ("release-package", "record-package", "jsonl")


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """One moment for the whole test: both ways of writing name the same publishedDate."""
    moment = clock.now()
    monkeypatch.setattr(clock, "now", lambda: moment)
    return moment


async def whole(fmt: str, uri: str, dataset: str | None = None) -> str:
    """The package as the export wrote it before it streamed: built whole, dumped at once."""
    if fmt == "jsonl":
        compiled = await export.compiled_releases(dataset=dataset)
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in compiled)
    if fmt == "record-package":
        data = await export.record_package(uri=uri, dataset=dataset)
    else:
        data = await export.release_package(uri=uri, dataset=dataset)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


async def streamed(fmt: str, uri: str, batch_size: int, dataset: str | None = None) -> str:
    parts: list[str] = []
    await export.write_package(
        parts.append, fmt=fmt, uri=uri, dataset=dataset, batch_size=batch_size
    )
    return "".join(parts)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_the_platform_s_export_streams_the_same_text(
    database: None, fixed_clock: datetime, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    uri = "https://example.org/ocds.json"
    expected = await whole(fmt, uri)
    assert json.loads(expected.splitlines()[0] if fmt == "jsonl" else expected)

    batches: list[int] = []
    read = selectors.published_tenders

    async def spy(**kwargs: Any) -> list[dict[str, Any]]:
        rows = await read(**kwargs)
        if kwargs.get("limit") is not None:
            batches.append(len(rows))
        return rows

    monkeypatch.setattr(selectors, "published_tenders", spy)
    assert await streamed(fmt, uri, batch_size=2) == expected
    tenders = await selectors.published_tender_count()
    assert tenders > 2 and max(batches) == 2 and sum(batches) == tenders
    assert len(batches) in (math.ceil(tenders / 2), math.ceil(tenders / 2) + 1)
    assert await streamed(fmt, uri, batch_size=1000) == expected


@pytest.mark.parametrize("fmt", FORMATS)
async def test_an_imported_dataset_streams_as_published(
    database: None, fixed_clock: datetime, fmt: str
) -> None:
    dataset = unique_dataset()
    await ocds_import(actor=None, source=package(RELEASE_1, RELEASE_2, COMPILED), dataset=dataset)
    assert await stored_process_count(dataset) == 2
    uri = "https://example.org/imported.json"
    expected = await whole(fmt, uri, dataset)
    assert await streamed(fmt, uri, batch_size=1, dataset=dataset) == expected
    assert await streamed(fmt, uri, batch_size=500, dataset=dataset) == expected


async def test_an_empty_package_is_still_valid_json(database: None, fixed_clock: datetime) -> None:
    async def nothing(**kwargs: Any) -> list[dict[str, Any]]:
        return []

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selectors, "published_tenders", nothing)
        text = await streamed("release-package", "urn:x", batch_size=2)
    assert json.loads(text)["releases"] == []
    assert (
        text
        == json.dumps(
            {**export.package_metadata("urn:x"), "releases": []}, ensure_ascii=False, indent=2
        )
        + "\n"
    )


def test_the_command_takes_a_batch_size(database: None, tmp_path: Path) -> None:
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    first = procure(
        "ocds", "export", "--out", str(small), "--format", "jsonl", "--batch-size", "2", env={}
    )
    second = procure("ocds", "export", "--out", str(large), "--format", "jsonl", env={})
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert small.read_bytes() == large.read_bytes()
    assert [json.loads(line)["ocid"] for line in small.read_text(encoding="utf-8").splitlines()]
    assert not list(tmp_path.glob(".*.partial"))
    bad = procure("ocds", "export", "--out", str(small), "--batch-size", "0", env={})
    assert bad.returncode == 2 and "--batch-size" in bad.stderr

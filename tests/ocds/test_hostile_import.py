"""`procure ocds import` refuses hostile files with the line and JSON path, imports nothing and
exits 2 without a traceback: control characters no column stores, text beyond MAX_TEXT, JSON
nested beyond MAX_DEPTH (or beyond what the decoder recurses), files beyond MAX_BYTES."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from procure.audit.tables import AuditEvent
from procure.cli import main
from procure.ocds import reader
from procure.ocds.imports import ocds_import
from procure.ocds.reader import OcdsInputError
from tests.ocds.test_import import COMPILED, RELEASE_1, json_lines, processes, unique_dataset


def _nested(depth: int) -> dict[str, object]:
    value: dict[str, object] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


HOSTILE = [
    (
        json_lines(COMPILED, {**RELEASE_1, "buyer": {"id": "b\x00", "name": "x"}}),
        "line 2: $.buyer.id: contains a character that is not allowed (U+0000)",
    ),
    (
        json.dumps({"releases": [{**RELEASE_1, "title": "\ud800"}]}, indent=1).encode(),
        "$.releases[0].title: contains a character that is not allowed (U+D800)",
    ),
    (
        json_lines({**COMPILED, "tender": {"title": "长" * 50_000_000}}),
        "line 1: $.tender.title: is longer than 100000 characters",
    ),
    (
        json_lines({**COMPILED, "tender": _nested(70)}),
        "line 1: $.tender" + ".a" * 64 + ": is nested more than 64 levels deep",
    ),
    (
        json_lines(COMPILED, COMPILED)[:-1] + b"\n" + b"[" * 100_000 + b"]" * 100_000,
        "line 3: nested more than 64 levels deep",
    ),
    (b"[" * 100_000 + b"]" * 100_000, "line 1: nested more than 64 levels deep"),
]


@pytest.mark.parametrize(("data", "message"), HOSTILE, ids=range(len(HOSTILE)))
async def test_a_hostile_file_imports_nothing(database: None, data: bytes, message: str) -> None:
    dataset = unique_dataset()
    before = await AuditEvent.count()
    with pytest.raises(OcdsInputError) as caught:
        await ocds_import(actor=None, source=data, dataset=dataset)
    assert caught.value.message.startswith(message), caught.value.message[:300]
    assert await processes(dataset) == []
    assert await AuditEvent.count() == before


async def test_a_file_beyond_the_size_limit_is_refused_before_it_is_read(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json_lines(COMPILED)
    monkeypatch.setattr(reader, "MAX_BYTES", len(data) - 1)
    with pytest.raises(OcdsInputError, match="split it into files"):
        await ocds_import(actor=None, source=data, dataset=unique_dataset())


@pytest.mark.parametrize("case", [0, 2, 5], ids=["nul", "huge-text", "deep"])
def test_the_command_names_the_place_and_exits_2(database: None, tmp_path: Path, case: int) -> None:
    data, message = HOSTILE[case]
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_bytes(data)
    result = CliRunner().invoke(main, ["ocds", "import", str(hostile), "--dataset", "hostile"])
    assert result.exit_code == 2, result.output[-2000:]
    assert result.stderr.startswith(f"error: {hostile}: {message}")
    assert "Traceback" not in result.output

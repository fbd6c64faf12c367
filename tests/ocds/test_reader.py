"""Reading OCDS input: every shape, several releases compiled, errors with line and JSON path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from procure.ocds.reader import OcdsInputError, read_processes


def release(ocid: str, date: str, release_id: str, **fields: Any) -> dict[str, Any]:
    return {"ocid": ocid, "id": release_id, "date": date, "tag": ["tender"], **fields}


TENDER = release("ocds-a-1", "2024-01-01T00:00:00Z", "1", tender={"id": "t", "status": "active"})
AWARD = release(
    "ocds-a-1",
    "2024-02-01T00:00:00Z",
    "2",
    tender={"id": "t", "status": "complete"},
    awards=[{"id": "a1", "status": "active", "suppliers": [{"id": "S"}]}],
)
OTHER = release("ocds-a-2", "2024-01-05T00:00:00Z", "1", tender={"id": "u"})


def dump(value: Any) -> bytes:
    return json.dumps(value).encode()


def lines(*values: Any) -> bytes:
    return "\n".join(json.dumps(value) for value in values).encode() + b"\n"


def ocids(data: bytes) -> list[str]:
    return [process.ocid for process in read_processes(data).processes]


def test_release_package() -> None:
    reading = read_processes(dump({"uri": "u", "releases": [TENDER, OTHER, AWARD]}))
    assert [p.ocid for p in reading.processes] == ["ocds-a-1", "ocds-a-2"]
    assert reading.objects == 3
    compiled = reading.processes[0].compiled_release
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["status"] == "complete"  # the later release wins
    assert compiled["awards"][0]["suppliers"] == [{"id": "S"}]
    assert reading.processes[0].releases == [TENDER, AWARD]  # the originals, as read


def test_compiling_orders_releases_by_date_and_merges_bids_by_id() -> None:
    first = release(
        "ocds-b",
        "2024-01-01T00:00:00Z",
        "1",
        bids={"details": [{"id": "b1", "status": "pending", "value": {"amount": 5}}]},
    )
    second = release(
        "ocds-b",
        "2024-01-02T00:00:00Z",
        "2",
        bids={"details": [{"id": "b1", "status": "valid"}, {"id": "b2", "status": "valid"}]},
    )
    (process,) = read_processes(lines(second, first)).processes
    details = process.compiled_release["bids"]["details"]
    assert details == [
        {"id": "b1", "status": "valid", "value": {"amount": 5}},
        {"id": "b2", "status": "valid"},
    ]


def test_one_release_is_kept_exactly_as_published() -> None:
    odd = {"ocid": "x", "tender": {"tenderPeriod": {"startDate": "2024-01-01"}}, "extra": None}
    (process,) = read_processes(dump(odd)).processes
    assert process.compiled_release is not None
    assert process.compiled_release == odd  # not compiled: no tag, no id, the null kept
    assert process.releases == [odd]


def test_record_package_uses_the_compiled_release() -> None:
    compiled = {"ocid": "r-1", "tag": ["compiled"], "tender": {"status": "active"}}
    record = {
        "ocid": "r-1",
        "releases": [{"url": "https://example.com/1.json", "date": "2024-01-01T00:00:00Z"}],
        "compiledRelease": compiled,
    }
    (process,) = read_processes(dump({"records": [record]})).processes
    assert process.compiled_release == compiled
    assert process.releases == record["releases"]


def test_record_with_embedded_releases_is_compiled() -> None:
    record = {"ocid": "ocds-a-1", "releases": [TENDER, AWARD]}
    (process,) = read_processes(dump({"records": [record]})).processes
    assert process.compiled_release["tender"]["status"] == "complete"


def test_shapes_in_json_lines_and_arrays() -> None:
    assert ocids(lines(TENDER, OTHER)) == ["ocds-a-1", "ocds-a-2"]
    assert ocids(dump([TENDER, OTHER])) == ["ocds-a-1", "ocds-a-2"]
    assert ocids(
        lines({"releases": [TENDER]}, {"records": [{"ocid": "r", "compiledRelease": {}}]})
    ) == [
        "ocds-a-1",
        "r",
    ]
    assert ocids(b"\xef\xbb\xbf" + lines(TENDER) + b"\n\n") == ["ocds-a-1"]  # BOM, blank lines


def error(data: bytes) -> str:
    with pytest.raises(OcdsInputError) as caught:
        read_processes(data)
    return caught.value.message


def test_not_json() -> None:
    assert error(b'{"releases": [\n  {"ocid": "x"},\n  oops\n]}') == (
        "line 3 column 3: not JSON: Expecting value"
    )
    assert error(lines(TENDER, OTHER) + b'{"ocid": "z",\n') == (
        "line 3 column 14: not JSON: Expecting property name enclosed in double quotes"
    )
    assert error(b'{"ocid": "x", "amount": NaN}') == "not JSON: NaN is not a JSON value"
    assert error(b'{"ocid": "x", "amount": 1e400}') == "not JSON: number out of range: 1e400"
    assert error(b"   \n") == "the file is empty: no release to import"
    assert error(b'{"ocid": "\xff"}') == "line 1: not UTF-8 text"


def test_not_a_release() -> None:
    bad = dump({"ocid": "x"}).replace(b'"ocid"', b'"id"')
    assert error(lines(TENDER, {"releases": [OTHER, {"id": "1"}]})) == (
        'line 2: $.releases[1]: not a release: no "ocid"'
    )
    assert error(bad) == 'line 1: $: not a release: no "ocid"'
    assert error(dump({"releases": [TENDER], "uri": 1}).replace(b"\n", b"") + b"\n" + bad) == (
        'line 2: $: not a release: no "ocid"'
    )
    assert error(dump({"records": [{"ocid": 5, "releases": []}]})) == (
        'line 1: $.records[0]: not a record: "ocid" is a number'
    )
    assert error(dump([TENDER, "text"])) == "line 1: $[1]: not a release: a string, not an object"
    assert (
        error(b"[\n" + dump(TENDER) + b",\n 7\n]") == "$[1]: not a release: a number, not an object"
    )


def test_records_and_compiling_that_cannot_work() -> None:
    linked = {"ocid": "r", "releases": [{"url": "https://example.com/1.json"}]}
    assert error(lines(OTHER, linked)) == (
        "line 2: $: a record without a compiledRelease, whose releases are links: nothing to import"
    )
    undated = {k: v for k, v in AWARD.items() if k != "date"}
    message = error(lines(TENDER, OTHER, undated))
    assert message.startswith("line 3: $: cannot compile the 2 releases of ocid 'ocds-a-1': ")


def test_lenient_reading_skips_what_cardinal_skips() -> None:
    warnings: list[str] = []
    data = lines(TENDER, {}) + b"not json\n" + lines({"ocid": 3}, OTHER)
    reading = read_processes(data, lenient=True, warn=warnings.append)
    assert [p.ocid for p in reading.processes] == ["ocds-a-1", "ocds-a-2"]
    assert warnings == [
        "Line 3 is invalid JSON, skipping. [Expecting value: line 1 column 1 (char 0)]"
    ]
    assert reading.skipped == [
        'line 2: $: not a release: no "ocid"',
        'line 4: $: not a release: "ocid" is a number',
    ]

"""Reading OCDS input into one compiled release per ocid, or a clear error saying where.

The input is a JSON document or JSON Lines. A document, or each line, is a release package, a
record package, a release, a compiled release, a record, or an array of any of these. Several
releases of one ocid are compiled with ocdsmerge; a single release or compiled release is kept
exactly as published. Errors name the line (JSON Lines, or the decoder's line for a document)
and the JSON path, e.g. ``line 3: $.releases[2]: not a release: no "ocid"``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from procure.errors import InvalidInput
from procure.inputs import check_json
from procure.ocds.compile import CompileError, compile_releases

#: The input's limits: OCDS nests a handful of levels and its texts are titles and descriptions;
#: far more is an attack or a broken file, refused before it is compiled or stored.
MAX_BYTES = 512 * 2**20
MAX_DEPTH = 64
MAX_TEXT = 100_000


class OcdsInputError(InvalidInput):
    """Input that is not OCDS: where (line and JSON path) and why."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__("file", f"{location}: {reason}" if location else reason)
        self.location = location
        self.reason = reason


@dataclass(frozen=True)
class Found:
    """A release or a record, where it was found."""

    line: int | None
    path: str
    kind: Literal["release", "record"]
    data: dict[str, Any]

    @property
    def location(self) -> str:
        return f"line {self.line}: {self.path}" if self.line is not None else self.path


@dataclass
class Process:
    """One contracting process read from the input: its compiled release and its releases."""

    ocid: str
    compiled_release: dict[str, Any]
    releases: list[Any]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Reading:
    processes: list[Process]
    objects: int  # releases and records read
    # Lenient reading only: what was left out, and why.
    skipped: list[str] = field(default_factory=list)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text}")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


class _TooDeep(ValueError):
    """JSON nested deeper than the decoder recurses."""


def _loads(text: str) -> Any:
    try:
        return json.loads(text, parse_float=_finite_float, parse_constant=_refuse_constant)
    except RecursionError:
        raise _TooDeep(f"nested more than {MAX_DEPTH} levels deep") from None


def _checked(value: Any, line: int | None) -> Any:
    """``value`` once every text in it is storable and within MAX_TEXT and its nesting within
    MAX_DEPTH (numbers are read leniently: procure.ocds.normalize)."""
    try:
        check_json(value, root="$", max_depth=MAX_DEPTH, text_limit=MAX_TEXT, whole_numbers=False)
    except InvalidInput as error:
        where = f"line {line}: {error.field}" if line is not None else error.field
        raise OcdsInputError(where, error.message) from None
    return value


def _json_error(line: int | None, error: ValueError) -> OcdsInputError:
    if isinstance(error, _TooDeep):
        return OcdsInputError(f"line {line}" if line is not None else "", str(error))
    if isinstance(error, json.JSONDecodeError):
        where = f"line {error.lineno if line is None else line} column {error.colno}"
        return OcdsInputError(where, f"not JSON: {error.msg}")
    return OcdsInputError(f"line {line}" if line is not None else "", f"not JSON: {error}")


class _Collector:
    """Finds the releases and records in parsed JSON; refuses the rest (lenient: notes it)."""

    def __init__(self, *, lenient: bool) -> None:
        self.lenient = lenient
        self.found: list[Found] = []
        self.skipped: list[str] = []

    def refuse(self, line: int | None, path: str, reason: str) -> None:
        error = OcdsInputError(f"line {line}: {path}" if line is not None else path, reason)
        if not self.lenient:
            raise error
        self.skipped.append(error.message)

    def value(self, value: Any, line: int | None, path: str = "$", *, top: bool = True) -> None:
        if isinstance(value, list) and top:
            for index, item in enumerate(value):
                self.value(item, line, f"{path}[{index}]", top=False)
        elif not isinstance(value, dict):
            self.refuse(line, path, f"not a release: {_kind_of(value)}, not an object")
        elif "ocid" in value:
            record = "compiledRelease" in value or "releases" in value
            self.member(value, line, path, "record" if record else "release")
        elif isinstance(value.get("releases"), list):
            for index, item in enumerate(value["releases"]):
                self.member(item, line, f"{path}.releases[{index}]", "release")
        elif isinstance(value.get("records"), list):
            for index, item in enumerate(value["records"]):
                self.member(item, line, f"{path}.records[{index}]", "record")
        else:
            self.refuse(line, path, 'not a release: no "ocid"')

    def member(
        self, value: Any, line: int | None, path: str, kind: Literal["release", "record"]
    ) -> None:
        if not isinstance(value, dict):
            self.refuse(line, path, f"not a {kind}: {_kind_of(value)}, not an object")
        elif "ocid" not in value:
            self.refuse(line, path, f'not a {kind}: no "ocid"')
        elif not isinstance(value["ocid"], str):
            self.refuse(line, path, f'not a {kind}: "ocid" is {_kind_of(value["ocid"])}')
        else:
            self.found.append(Found(line, path, kind, value))


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise OcdsInputError(f"line {line}", "not UTF-8 text") from None


def _collect(text: str, *, lenient: bool, warn: Callable[[str], None]) -> _Collector:
    collector = _Collector(lenient=lenient)
    try:
        document = _loads(text)
    except ValueError as whole:
        lines = text.split("\n")
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None:
            if lenient:
                return collector
            raise OcdsInputError("", "the file is empty: no release to import") from None
        if not lenient:
            try:
                _loads(lines[first])
            except ValueError as error:
                # Not JSON Lines either: the document's own error, where the decoder saw it.
                deep = isinstance(error, _TooDeep) and len(lines) == first + 1
                raise _json_error(first + 1 if deep else None, whole) from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                value = _loads(line)
            except ValueError as error:
                if not lenient:
                    raise _json_error(number, error) from None
                # cardinal's warning; the reason in brackets is Python's decoder's.
                warn(f"Line {number} is invalid JSON, skipping. [{error}]")
                continue
            collector.value(_checked(value, number), number)
        return collector
    # A single line is line 1 (or wherever it is), as in JSON Lines; a document has no lines.
    filled = [number for number, line in enumerate(text.split("\n"), start=1) if line.strip()]
    single = filled[0] if len(filled) == 1 else None
    collector.value(_checked(document, single), single)
    return collector


def _embedded(found: Found) -> list[tuple[str, dict[str, Any]]]:
    """A record's releases that are full releases (not links), with their paths."""
    releases = found.data.get("releases")
    if not isinstance(releases, list):
        return []
    return [
        (f"{found.location}.releases[{index}]", release)
        for index, release in enumerate(releases)
        if isinstance(release, dict) and "ocid" in release
    ]


def _record_compiled(found: Found) -> dict[str, Any] | None:
    compiled = found.data.get("compiledRelease")
    if compiled is not None and not isinstance(compiled, dict):
        raise OcdsInputError(f"{found.location}.compiledRelease", "not an object")
    return compiled


def _to_compile(found: Found) -> list[tuple[str, dict[str, Any]]]:
    """What an input object contributes to its ocid's compiled release."""
    if found.kind == "release":
        return [(found.location, found.data)]
    releases = found.data.get("releases")
    embedded = _embedded(found)
    if embedded and isinstance(releases, list) and len(embedded) == len(releases):
        return embedded
    compiled = _record_compiled(found)
    if compiled is None:
        raise OcdsInputError(
            found.location,
            "a record without a compiledRelease, whose releases are links: nothing to import",
        )
    return [(f"{found.location}.compiledRelease", compiled)]


def _originals(found: Found) -> list[Any]:
    if found.kind == "release":
        return [found.data]
    releases = found.data.get("releases")
    return list(releases) if isinstance(releases, list) else []


def _compile(ocid: str, items: list[Found]) -> Process:
    originals = [release for found in items for release in _originals(found)]
    if len(items) == 1 and items[0].kind == "release":
        return Process(ocid, items[0].data, originals)
    if len(items) == 1 and (compiled := _record_compiled(items[0])) is not None:
        return Process(ocid, compiled, originals)
    parts = [part for found in items for part in _to_compile(found)]
    if len(parts) == 1:
        return Process(ocid, parts[0][1], originals)
    try:
        compiled, warnings = compile_releases([release for _, release in parts])
    except CompileError as error:
        undated = [where for where, release in parts if not isinstance(release.get("date"), str)]
        raise OcdsInputError(
            (undated or [parts[0][0]])[0],
            f"cannot compile the {len(parts)} releases of ocid {ocid!r}: {error}",
        ) from None
    compiled["ocid"] = ocid
    return Process(ocid, compiled, originals, warnings)


def read_processes(
    data: bytes, *, lenient: bool = False, warn: Callable[[str], None] = lambda _: None
) -> Reading:
    """Every contracting process in the input, in the order its ocid first appears.

    Strict (the default): the first problem raises OcdsInputError. Lenient, as cardinal reads:
    lines that are not JSON are skipped with cardinal's warning, objects that are not releases
    are skipped silently (both are listed in ``Reading.skipped``).
    """
    if len(data) > MAX_BYTES:
        raise OcdsInputError("", f"larger than {MAX_BYTES // 2**20} MB: split it into files")
    collector = _collect(_decode(data), lenient=lenient, warn=warn)
    groups: dict[str, list[Found]] = {}
    for found in collector.found:
        groups.setdefault(found.data["ocid"], []).append(found)
    processes = [_compile(ocid, items) for ocid, items in groups.items()]
    return Reading(processes, objects=len(collector.found), skipped=collector.skipped)

"""PDFs kept by what they show: the key is a hash of the template, the plain data it is given
(serialized deterministically), the locale, the renderer's version (every template and asset
file, the procure and WeasyPrint versions) and the fonts. A document whose content has not
changed is read from disk instead of rendered again.

The store is a directory (PROCURE_PDF_CACHE_DIR, default VAR_DIR/pdf-cache) shared by every
process on the machine: a file appears whole or not at all (written to a temporary name, then
renamed), a read refreshes the file's mtime, and when the directory outgrows
PROCURE_PDF_CACHE_MAX_MB the files least recently served are deleted first.

The moment of rendering (``generated_at``/``generated_on``) is not part of the key: a cached
document keeps the time it was first rendered, which is when that PDF was generated."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: Context keys that say when a document was made, not what it shows.
VOLATILE_KEYS = frozenset({"generated_at", "generated_on"})
#: Once the cache outgrows its bound, eviction brings it down to this share of the bound.
EVICT_TO = 0.8
SUFFIX = ".pdf"


class Unkeyable(TypeError):
    """The context holds a value with no stable serialization; that document is not cached."""


def canonical(value: Any) -> Any:
    """Plain JSON data that two equal contexts always turn into, in any process."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Enum):
        return canonical(value.value)
    if isinstance(value, Decimal):
        return f"Decimal:{value}"
    if isinstance(value, datetime | date | time):
        return f"{type(value).__name__}:{value.isoformat()}"
    if isinstance(value, timedelta):
        return f"timedelta:{value.total_seconds()}"
    if isinstance(value, bytes | bytearray | memoryview):
        return "bytes:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, Mapping):
        return {str(key): canonical(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "dataclass": type(value).__qualname__,
            **{f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if hasattr(value, "model_dump"):  # a Pydantic model
        return {"model": type(value).__qualname__, **canonical(value.model_dump())}
    if isinstance(value, set | frozenset):
        return sorted((canonical(item) for item in value), key=repr)
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    raise Unkeyable(f"{type(value).__qualname__} has no stable serialization for the PDF cache")


def _files(root: Path) -> Iterable[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


@cache
def _file_digest(path: Path, mtime_ns: int, size: int) -> str:
    """A file's content hash, computed once per version of the file (keyed by mtime and size)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def renderer_version(templates_dir: Path, fonts: Iterable[Path], extra: Iterable[str] = ()) -> str:
    """What besides the data decides the bytes: every template and asset the documents may
    use (by content), the procure and WeasyPrint versions, each embedded font file, and the
    ``extra`` settings the templates read outside their data (time zone, policy, catalog)."""
    digest = hashlib.sha256()
    for item in extra:
        digest.update(f"{item}\n".encode())
    digest.update(f"procure {version('procure') if _installed() else 'src'}\n".encode())
    digest.update(f"weasyprint {version('weasyprint')}\n".encode())
    for path in _files(templates_dir):
        stat = path.stat()
        relative = path.relative_to(templates_dir).as_posix()
        digest.update(f"{relative} {_file_digest(path, stat.st_mtime_ns, stat.st_size)}\n".encode())
    for font in sorted(fonts):
        stat = font.stat()
        digest.update(f"font {font} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@cache
def _installed() -> bool:
    try:
        version("procure")
    except Exception:
        return False
    return True


def cache_key(template_name: str, context: Mapping[str, Any], *, locale: str, renderer: str) -> str:
    """The hex SHA-256 of everything that decides a document's bytes. Raises Unkeyable."""
    content = {key: value for key, value in context.items() if key not in VOLATILE_KEYS}
    payload = json.dumps(
        {
            "template": template_name,
            "locale": locale,
            "renderer": renderer,
            "context": canonical(content),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class PDFCache:
    """A directory of PDFs named by their key (``ab/abcdef….pdf``)."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}{SUFFIX}"

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        if not data.startswith(b"%PDF"):
            logger.warning("dropping a damaged PDF cache file", extra={"path": str(path)})
            path.unlink(missing_ok=True)
            return None
        # Recently served: the last to be evicted. (If another process evicted it in between,
        # the bytes read are still good.)
        with contextlib.suppress(FileNotFoundError):
            os.utime(path)
        return data

    def put(self, key: str, pdf: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=SUFFIX)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(pdf)
            os.replace(temporary, path)  # atomic: readers see the whole file or none
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.evict()

    def evict(self) -> int:
        """Delete the least recently served files until the cache is within its bound; return
        how many went. Files another process deleted first are skipped."""
        entries = []
        total = 0
        for path in self.root.glob(f"*/*{SUFFIX}"):
            if path.name.startswith(".tmp-"):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            entries.append((stat.st_mtime_ns, stat.st_size, path))
            total += stat.st_size
        if total <= self.max_bytes:
            return 0
        removed = 0
        for _, size, path in sorted(entries):
            if total <= self.max_bytes * EVICT_TO:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed

"""The OCDS 1.1.5 release schema kept in schema/, with the bids extension applied, read offline."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).parent / "schema"

OCDS_VERSION = "1.1"
#: The bids extension as packages name it; schema/bids-*.json is a copy of it (commit d62ff4b).
BIDS_EXTENSION_URL = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/"
    "master/extension.json"
)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch, the way OCDS extensions amend the release schema: objects
    merge key by key, null deletes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return data


@cache
def _release_schema() -> dict[str, Any]:
    merged: dict[str, Any] = merge_patch(
        _read("release-schema.json"), _read("bids-release-schema.json")
    )
    return merged


def release_schema() -> dict[str, Any]:
    """The core release schema with the bids extension merged in (a fresh copy to mutate)."""
    return copy.deepcopy(_release_schema())

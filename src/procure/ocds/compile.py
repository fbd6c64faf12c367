"""Compiling an ocid's releases into its compiled release, offline.

The merge rules come from the vendored OCDS 1.1.5 release schema with the bids extension
applied as a JSON Merge Patch (RFC 7386), so ocdsmerge never fetches a schema.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

import ocdsmerge
from ocdsmerge.exceptions import OCDSMergeError

from procure.ocds.standard import release_schema


@cache
def merger() -> ocdsmerge.Merger:
    return ocdsmerge.Merger(schema=release_schema())


class CompileError(ValueError):
    """The releases cannot be compiled (no date to order them by, types that disagree)."""


def compile_releases(releases: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The compiled release of one ocid's releases, and ocdsmerge's warnings (duplicate ids)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ocdsmerge.exceptions.OCDSMergeWarning)
        try:
            compiled = merger().create_compiled_release(releases)
        except OCDSMergeError as error:
            raise CompileError(str(error)) from None
    return compiled, [str(warning.message) for warning in caught]

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


# -- the platform's own releases, compiled without flattening -----------------------------------
#
# ocdsmerge flattens every release into (path → value) pairs, merges the pairs and unflattens
# them: most of a full scan's projection time at province scale. The platform's releases are
# well formed (every date set, string ids, one type per field), so ``compile_platform`` merges
# them as trees in one pass, with ocdsmerge's rules (the schema's merge rules; objects in arrays
# merged by id, those without an id appended; a null keeps its place but is left out; an object
# a later release nulls is kept) and its key order (first appearance). Anything else it cannot
# be sure to merge the same way (a field that changes type, a non-string id) goes to ocdsmerge.


class _Node(dict[str, Any]):
    """An object of the compiled release being built: key → child (a node or a leaf value)."""


class _Array(dict[Any, Any]):
    """An array of objects merged by id: identifier → _Node, in first-appearance order."""


class _Unsure(Exception):
    """The releases need ocdsmerge itself."""


_OMIT = "omitWhenMerged"
_WHOLE = "wholeListMerge"
#: A level of the merge rules: key → (its rule, the rules below it).
_Rules = dict[str, tuple[str | None, "_Rules"]]
_NONE: _Rules = {}


@cache
def _rules() -> _Rules:
    """The schema's merge rules as a tree, so a merge walks it beside the data."""
    tree: _Rules = {}
    for path, rule in merger().merge_rules.items():
        level = tree
        for depth, key in enumerate(path, start=1):
            old_rule, below = level.get(key, (None, {}))
            level[key] = (rule if depth == len(path) else old_rule, below)
            level = below
    return tree


def _merge_object(node: _Node, data: dict[str, Any], rules: _Rules) -> None:
    for key, value in data.items():
        rule, below = rules.get(key, (None, _NONE))
        if rule == _OMIT:
            continue
        kind = type(value)
        if kind is dict:
            leaf = rule == _WHOLE
        elif kind is list:
            leaf = rule == _WHOLE or any(not isinstance(item, dict) for item in value)
        else:
            leaf = not isinstance(value, (dict, list))
            if not leaf:
                raise _Unsure  # a dict or list subclass: ocdsmerge decides
        if leaf:
            current = node.get(key)
            kind = type(current)
            if kind is _Node or kind is _Array:
                if value is None:
                    continue  # a null under an object keeps the object (ocdsmerge's unflatten)
                raise _Unsure
            node[key] = value
        elif value:
            current = node.get(key)
            wanted = _Array if kind is list else _Node
            if type(current) is not wanted:
                if current is not None:
                    raise _Unsure  # a leaf, or the other kind of container, at the same place
                current = wanted()
                node[key] = current  # a null placeholder keeps its place
            if isinstance(current, _Array):
                _merge_items(current, value, below)
            elif isinstance(current, _Node):
                _merge_object(current, value, below)


def _merge_items(array: _Array, items: list[dict[str, Any]], rules: _Rules) -> None:
    for item in items:
        if not item:
            continue  # an empty object adds nothing
        if "id" in item:
            identifier = item["id"]
            if type(identifier) is not str:
                raise _Unsure
        else:
            identifier = object()  # no id: a new object, never merged (ocdsmerge: a uuid)
        target = array.get(identifier)
        if target is None:
            target = _Node()
            if "id" in item:
                target["id"] = identifier
            array[identifier] = target
        _merge_object(target, item, rules)


def _plain(node: Any) -> Any:
    kind = type(node)
    if kind is _Node:
        return {
            key: value if type(value) is not _Node and type(value) is not _Array else _plain(value)
            for key, value in node.items()
            if value is not None
        }
    if kind is _Array:
        return [_plain(value) for value in node.values()]
    return node


def compile_platform(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release of one process of the platform's own, equal to ocdsmerge's (key
    order included)."""
    rules = _rules()
    ordered = releases if len(releases) == 1 else sorted(releases, key=lambda r: r["date"])
    root = _Node(tag=["compiled"])
    try:
        for release in ordered:
            ocid = release.get("ocid")
            date = release.get("date")
            if type(ocid) is not str or type(date) is not str:
                raise _Unsure
            root["id"] = f"{ocid}-{date}"
            root["date"] = date
            root["ocid"] = ocid
            _merge_object(root, release, rules)
    except _Unsure:
        return merger().create_compiled_release(releases)
    compiled: dict[str, Any] = _plain(root)
    return compiled

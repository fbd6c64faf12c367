"""compile_platform merges the platform's releases as ocdsmerge does, key order included, and
hands anything it cannot be sure of to ocdsmerge itself."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from procure.ocds.compile import compile_platform, merger


def _release(date: str, **fields: Any) -> dict[str, Any]:
    return {
        "ocid": "ocds-test-1",
        "id": f"ocds-test-1-{date}",
        "date": date,
        "tag": ["tender"],
        **fields,
    }


def _same(releases: list[dict[str, Any]]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ocdsmerge warns of duplicate ids; the case has some
        expected = merger().create_compiled_release(releases)
    assert json.dumps(compile_platform(releases), ensure_ascii=False) == json.dumps(
        expected, ensure_ascii=False
    )


CASES: dict[str, list[dict[str, Any]]] = {
    "one release": [
        _release("2026-01-01T00:00:00+08:00", tender={"id": "t", "title": "社区服务"}),
    ],
    "later values win, new keys come last, dates sort": [
        _release(
            "2026-01-03T00:00:00+08:00",
            tender={"id": "t", "status": "complete", "items": [{"id": "1", "quantity": 3}]},
            awards=[{"id": "a", "status": "active"}],
        ),
        _release(
            "2026-01-01T00:00:00+08:00",
            tender={"id": "t", "title": "x", "status": "active", "items": [{"id": "2"}]},
            parties=[{"id": "p", "roles": ["buyer"], "name": "民政局"}],
        ),
    ],
    "nulls keep their place, an object a later release nulls stays": [
        _release("2026-01-01T00:00:00+08:00", tender={"id": "t", "value": None, "title": "a"}),
        _release(
            "2026-01-02T00:00:00+08:00",
            tender={"id": "t", "value": {"amount": 1, "currency": "CNY"}, "title": None},
        ),
        _release("2026-01-03T00:00:00+08:00", tender={"id": "t", "value": None}),
        _release("2026-01-04T00:00:00+08:00", tender={"id": "t", "value": {"amount": None}}),
    ],
    "objects in arrays merge by id, those without one are appended": [
        _release(
            "2026-01-01T00:00:00+08:00",
            parties=[
                {"id": "p", "roles": ["buyer"], "name": "a"},
                {"name": "no id"},
                {},
                {"id": "q", "name": "b"},
                {"id": "p", "address": {"region": "dup"}},
            ],
        ),
        _release(
            "2026-01-02T00:00:00+08:00",
            parties=[{"id": "q", "roles": ["supplier"]}, {"name": "no id"}, {"id": "r"}],
        ),
    ],
    "whole lists and empty values": [
        _release(
            "2026-01-01T00:00:00+08:00",
            tender={"id": "t", "submissionMethod": ["electronicSubmission"], "items": []},
            planning={},
            awards=[{"id": "a", "suppliers": [{"id": "s", "name": "x"}]}],
        ),
        _release(
            "2026-01-02T00:00:00+08:00",
            tender={"id": "t", "submissionMethod": ["written"]},
            awards=[{"id": "a", "suppliers": []}],
        ),
    ],
    "a type that changes goes to ocdsmerge": [
        _release("2026-01-01T00:00:00+08:00", tender={"id": "t", "value": {"amount": 1}}),
        _release("2026-01-02T00:00:00+08:00", tender={"id": "t", "value": None}),
        _release("2026-01-03T00:00:00+08:00", awards=[{"id": 1, "status": "active"}]),
        _release("2026-01-04T00:00:00+08:00", awards=[{"id": "1", "date": "x"}]),
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_equal_to_ocdsmerge(name: str) -> None:
    _same(CASES[name])

"""Every status changes through its lifecycle's transition table (procure.lifecycle.advance).

A static check over the source: an ``update()`` that writes a ``status`` column with anything
but the column itself (a no-op update that only takes the row lock) is a transition taken by
hand, outside its table. The demo loader writes finished histories directly and is exempt.
"""

from __future__ import annotations

import ast
from pathlib import Path

from procure import PACKAGE_DIR

EXEMPT = {
    "lifecycle.py",
    "demo.py",
    "demo_oversight.py",
    "demo_committees.py",
    "demo_explanations.py",
}


def _is_status(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "status") or (
        isinstance(node, ast.Constant) and node.value == "status"
    )


def hand_made_transitions(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
        ):
            continue
        writes = [
            (key, value)
            for argument in node.args
            if isinstance(argument, ast.Dict)
            for key, value in zip(argument.keys, argument.values, strict=True)
            if key is not None and _is_status(key)
        ] + [(None, kw.value) for kw in node.keywords if kw.arg == "status"]
        for key, value in writes:
            if key is not None and ast.dump(key) == ast.dump(value):
                continue  # SET status = status: a row lock, not a transition
            found.append(f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}")
    return found


def test_no_status_is_written_outside_a_transition_table() -> None:
    found = [
        hit
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if path.name not in EXEMPT
        for hit in hand_made_transitions(path)
    ]
    assert found == [], f"status written by hand, not through lifecycle.advance: {found}"

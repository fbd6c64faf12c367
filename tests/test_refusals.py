"""Every refusal a user can read is a catalog message: a page shows it in the reader's language.

A domain error (``Conflict``, ``InvalidInput``, ``NotFound`` and their kinds) carries its message
as an ``N_`` template with its values as variables; an English literal or an f-string would reach
the Chinese UI untranslated. Read statically from the source, so every branch counts, including
those no other test reaches."""

from __future__ import annotations

import ast

from procure import PACKAGE_DIR

#: The domain errors, and which positional argument is the message.
MESSAGE_ARGUMENT = {"Conflict": 0, "NotFound": 0, "NotYet": 0, "InvalidInput": 1}


def _message(call: ast.Call, position: int) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in ("message", "detail"):
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def _literal(node: ast.expr) -> bool:
    """A message written out in the call: a string, an f-string, or one built from them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value != ""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _literal(node.left) or _literal(node.right)
    if isinstance(node, ast.IfExp):
        return _literal(node.body) or _literal(node.orelse)
    return False


def english_refusals(source: str, where: str) -> list[str]:
    """The refusals of ``source`` whose message is written out in English."""
    found = []
    for node in ast.walk(ast.parse(source, filename=where)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in MESSAGE_ARGUMENT:
            continue
        message = _message(node, MESSAGE_ARGUMENT[name])
        if message is not None and _literal(message):
            found.append(f"{where}:{node.lineno} {name}: {ast.unparse(message)[:80]}")
    return found


def test_every_refusal_is_a_catalog_message() -> None:
    found = [
        refusal
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        for refusal in english_refusals(
            path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE_DIR.parent))
        )
    ]
    assert found == []


def test_the_check_finds_an_english_refusal() -> None:
    code = (
        "raise Conflict(f'tender {tender_id} is closed')\n"
        "raise InvalidInput('title', 'must not be empty')\n"
        "raise NotFound(N_('Tender %(id)s not found'), id=1)\n"
        "raise errors.Conflict('closed' + reason)\n"
    )
    assert [line.split(" ")[1] for line in english_refusals(code, "x.py")] == [
        "Conflict:",
        "InvalidInput:",
        "Conflict:",
    ]

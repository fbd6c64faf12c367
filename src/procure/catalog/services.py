"""Writes to the service catalog; each is one transaction that records its audit event."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import anyio.to_thread
from litestar.exceptions import PermissionDeniedException

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.catalog.files import HEADER_OF, ROWS_REFUSED, items_from_rows, read_rows
from procure.catalog.rules import (
    CODE_IMMUTABLE,
    CODE_TAKEN,
    UNIT_IN_USE,
    Problem,
    Rejected,
    check_item,
)
from procure.catalog.schemas import CatalogItemIn, ImportResultOut
from procure.catalog.selectors import catalog_categories, catalog_item, catalog_items
from procure.catalog.tables import CatalogItem
from procure.db import transaction
from procure.db.registry import all_tables
from procure.security.actors import Actor
from procure.security.policy import Action, is_allowed

INSERT_BATCH = 500  # rows per INSERT: SQLite caps the parameters of one statement
FIELDS = tuple(CatalogItemIn.model_fields)
COLUMN_ORDER = {header: index for index, header in enumerate(HEADER_OF.values())}


def _require_manager(actor: Actor) -> None:
    if not is_allowed(Action.catalog_manage, actor):
        raise PermissionDeniedException(
            f"role {actor.role} may not perform {Action.catalog_manage}"
        )


async def _categories() -> tuple[dict[str, str], dict[str, int]]:
    """Category code → Chinese name (for the rules) and → id (for the rows)."""
    rows = await catalog_categories()
    return {r["code"]: r["name_zh"] for r in rows}, {r["code"]: r["id"] for r in rows}


def _columns(item: CatalogItemIn, category_ids: Mapping[str, int]) -> dict[Any, Any]:
    return {
        CatalogItem.category: category_ids[item.category],
        CatalogItem.name: item.name,
        CatalogItem.target_group: item.target_group,
        CatalogItem.unit: item.unit,
        CatalogItem.ref_price_min_fen: item.ref_price_min_fen,
        CatalogItem.ref_price_max_fen: item.ref_price_max_fen,
        CatalogItem.outcome_indicators: item.outcome_indicators,
        CatalogItem.active: item.active,
    }


def _new_row(item: CatalogItemIn, category_ids: Mapping[str, int]) -> CatalogItem:
    values = {column._meta.name: value for column, value in _columns(item, category_ids).items()}
    return CatalogItem(code=item.code, **values)


def _changes(current: Mapping[str, Any], item: CatalogItemIn) -> dict[str, list[Any]]:
    """Field → [before, after] for what the item changes; the audit event records it."""
    after = item.model_dump()
    return {name: [current[name], after[name]] for name in FIELDS if current[name] != after[name]}


async def _items_in_use(item_ids: Iterable[int]) -> set[int]:
    """Items that tender, contract or amendment lines point to.

    Those lines show the item's unit, so changing it would change what was bought. The
    references are read from the table registry, so a new kind of line is covered too."""
    ids = list(item_ids)
    if not ids:
        return set()
    all_tables()  # make sure every table that may reference an item is registered
    used: set[int] = set()
    for foreign_key in CatalogItem._meta.foreign_key_references:
        table = foreign_key._meta.table
        rows = await table.select(foreign_key.as_alias("item")).where(foreign_key.is_in(ids))
        used.update(row["item"] for row in rows)
    return used


async def catalog_item_create(*, actor: Actor, item: CatalogItemIn) -> int:
    _require_manager(actor)
    names, ids = await _categories()
    if problems := check_item(item, names):
        raise Rejected.because(problems)
    async with transaction():
        if await CatalogItem.exists().where(CatalogItem.code == item.code):
            raise Rejected.one("code", CODE_TAKEN, code=item.code)
        rows = await CatalogItem.insert(_new_row(item, ids))
        item_id: int = rows[0]["id"]
        await record(
            actor=actor,
            action=AuditAction.catalog_item_created,
            subject_type="catalog_item",
            subject_id=item_id,
            data=item.model_dump(),
        )
    return item_id


async def catalog_item_update(*, actor: Actor, item_id: int, item: CatalogItemIn) -> bool:
    """Replace an item's values (its code never changes); False when nothing differed."""
    _require_manager(actor)
    names, ids = await _categories()
    async with transaction():
        current = await catalog_item(item_id)
        if item.code != current["code"]:
            raise Rejected.one("code", CODE_IMMUTABLE, code=current["code"])
        problems = check_item(item, names)
        if item.unit != current["unit"] and await _items_in_use([item_id]):
            problems.append(Problem("unit", UNIT_IN_USE))
        if problems:
            raise Rejected.because(problems)
        changes = _changes(current, item)
        if not changes:
            return False
        await CatalogItem.update(_columns(item, ids)).where(CatalogItem.id == item_id)
        await record(
            actor=actor,
            action=AuditAction.catalog_item_updated,
            subject_type="catalog_item",
            subject_id=item_id,
            data={"code": item.code, "changes": changes},
        )
    return True


async def catalog_import(*, actor: Actor, filename: str, content: bytes) -> ImportResultOut:
    """All or nothing: new codes are created, known codes updated; one bad row and nothing
    changes, and the refusal lists every problem of every row."""
    _require_manager(actor)
    rows = await anyio.to_thread.run_sync(read_rows, filename, content)
    names, ids = await _categories()
    items, problems = items_from_rows(rows, names)
    async with transaction():
        existing = {row["code"]: row for row in await catalog_items(include_inactive=True)}
        unit_changes = {
            existing[item.code]["id"]: number
            for number, item in items
            if item.code in existing and item.unit != existing[item.code]["unit"]
        }
        for item_id in await _items_in_use(unit_changes):
            problems.append(
                Problem("unit", UNIT_IN_USE).at(unit_changes[item_id], HEADER_OF["unit"])
            )
        if problems:
            problems.sort(key=lambda p: (p.row or 0, COLUMN_ORDER.get(p.column or "", 0)))
            bad_rows = len({p.row for p in problems})
            raise Rejected(Problem("file", ROWS_REFUSED, {"count": bad_rows}), problems)
        new = [item for _, item in items if item.code not in existing]
        changed = [
            (existing[item.code]["id"], item)
            for _, item in items
            if item.code in existing and _changes(existing[item.code], item)
        ]
        for start in range(0, len(new), INSERT_BATCH):
            await CatalogItem.insert(*(_new_row(i, ids) for i in new[start : start + INSERT_BATCH]))
        for item_id, item in changed:
            await CatalogItem.update(_columns(item, ids)).where(CatalogItem.id == item_id)
        result = ImportResultOut(
            created=[item.code for item in new],
            updated=[item.code for _, item in changed],
            unchanged=len(items) - len(new) - len(changed),
        )
        await record(
            actor=actor,
            action=AuditAction.catalog_imported,
            subject_type="catalog_file",
            subject_id=hashlib.sha256(content).hexdigest(),
            data={"filename": filename, **result.model_dump()},
        )
    return result

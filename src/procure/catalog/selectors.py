"""Reads of the service catalog. The catalog is public: every reader sees every item."""

from __future__ import annotations

import json
from typing import Any

from procure.catalog.tables import CatalogCategory, CatalogItem, CategoryCode
from procure.db.pagination import Page, PageRequest, contains, paginate
from procure.errors import NotFound
from procure.i18n import N_

ITEM_COLUMNS = (
    CatalogItem.id,
    CatalogItem.code,
    CatalogItem.category.code.as_alias("category"),
    CatalogItem.name,
    CatalogItem.target_group,
    CatalogItem.unit,
    CatalogItem.ref_price_min_fen,
    CatalogItem.ref_price_max_fen,
    CatalogItem.outcome_indicators,
    CatalogItem.active,
)
CATEGORY_ORDER = list(CategoryCode)


def _with_indicators(row: dict[str, Any]) -> dict[str, Any]:
    """The JSON column arrives as text on some engines and drivers; callers get a list."""
    value = row["outcome_indicators"]
    return {**row, "outcome_indicators": json.loads(value) if isinstance(value, str) else value}


def _items_where(category: str | None, q: str, include_inactive: bool) -> Any:
    where: Any = CatalogItem.id.is_not_null()
    if category is not None:
        where &= CatalogItem.category.code == category
    if q.strip():
        where &= contains(q.strip(), CatalogItem.name)
    if not include_inactive:
        where &= CatalogItem.active.eq(True)
    return where


async def catalog_items(
    *, category: str | None = None, q: str = "", include_inactive: bool = False
) -> list[dict[str, Any]]:
    """Items ordered by code; ``q`` searches the names."""
    where = _items_where(category, q, include_inactive)
    query = CatalogItem.select(*ITEM_COLUMNS).where(where).order_by(CatalogItem.code)
    return [_with_indicators(row) for row in await query]


async def catalog_item_page(
    paging: PageRequest,
    *,
    category: str | None = None,
    q: str = "",
    include_inactive: bool = False,
) -> Page[dict[str, Any]]:
    """One page of the items by code, filtered in SQL (as ``catalog_items``)."""
    where = _items_where(category, q, include_inactive)
    query = CatalogItem.select(*ITEM_COLUMNS).where(where).order_by(CatalogItem.code)
    page = await paginate(query, CatalogItem.count().where(where), paging)
    return page.map(_with_indicators)


async def catalog_item(item_id: int) -> dict[str, Any]:
    row = await CatalogItem.select(*ITEM_COLUMNS).where(CatalogItem.id == item_id).first()
    if row is None:
        raise NotFound(N_("catalog item %(id)s not found"), id=item_id)
    return _with_indicators(row)


async def catalog_categories() -> list[dict[str, Any]]:
    """The categories in the order the catalog presents them (审批, 关照, 互助, 能力, 技术)."""
    rows = await CatalogCategory.select(
        CatalogCategory.id, CatalogCategory.code, CatalogCategory.name_zh, CatalogCategory.name_en
    )
    return sorted(rows, key=lambda row: CATEGORY_ORDER.index(row["code"]))


async def category_names() -> dict[str, str]:
    """Category code → Chinese name: what the rules and the files need to know."""
    return {row["code"]: row["name_zh"] for row in await catalog_categories()}

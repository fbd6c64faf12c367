"""The public service catalog (购买服务目录)."""

from __future__ import annotations

import json

from litestar import Controller, get
from pydantic import BaseModel

from procure.catalog.tables import CatalogItem
from procure.security.policy import Action


class CatalogItemOut(BaseModel):
    id: int
    code: str
    name: str
    category: str
    target_group: str
    unit: str
    ref_price_min_fen: int
    ref_price_max_fen: int
    outcome_indicators: list[str]


class CatalogController(Controller):
    path = "/api/v1/catalog"
    tags = ["catalog"]

    @get("/items", opt={"action": Action.public_read})
    async def items(self) -> list[CatalogItemOut]:
        rows = (
            await CatalogItem.select(
                CatalogItem.id,
                CatalogItem.code,
                CatalogItem.name,
                CatalogItem.category.code.as_alias("category"),
                CatalogItem.target_group,
                CatalogItem.unit,
                CatalogItem.ref_price_min_fen,
                CatalogItem.ref_price_max_fen,
                CatalogItem.outcome_indicators,
            )
            .where(CatalogItem.active.eq(True))
            .order_by(CatalogItem.code)
        )
        return [
            CatalogItemOut(**{**row, "outcome_indicators": _as_list(row["outcome_indicators"])})
            for row in rows
        ]


def _as_list(value: str | list[str]) -> list[str]:
    return json.loads(value) if isinstance(value, str) else value

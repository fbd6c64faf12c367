"""Helpers for the procurement tests: a tender payload and a bid payload."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from procure import clock
from procure.catalog.tables import CatalogItem
from procure.geography.tables import Community


async def tender_payload(**overrides: Any) -> dict[str, Any]:
    items = await CatalogItem.select(CatalogItem.code).order_by(CatalogItem.code).limit(2)
    communities = await Community.select(Community.code).order_by(Community.code).limit(2)
    now = clock.now()
    payload: dict[str, Any] = {
        "title": "测试社区长者助餐服务项目",
        "description": "为两个社区的独居长者提供助餐与探访服务。",
        "method": "competitive_consultation",
        "evaluation_method": "composite",
        "ceiling_fen": 30_000_000,
        "communities": [c["code"] for c in communities],
        "lines": [
            {"item_code": items[0]["code"], "quantity": 100, "description": "第一项"},
            {"item_code": items[1]["code"], "quantity": 50, "description": "第二项"},
        ],
        "criteria": [
            {"code": "price", "name": "价格", "kind": "price", "weight": 20},
            {"code": "T1", "name": "服务方案", "kind": "technical", "weight": 50},
            {"code": "T2", "name": "团队", "kind": "technical", "weight": 30},
        ],
        "clarification_deadline": (now + timedelta(days=3)).isoformat(),
        "submission_deadline": (now + timedelta(days=12)).isoformat(),
        "need_evidence": [{"kind": "resident_survey", "summary": "2026年居民需求调查"}],
    }
    payload.update(overrides)
    return payload


def bid_payload(total_fen: int, split: float = 0.6) -> dict[str, Any]:
    first = int(total_fen * split)
    return {
        "total_fen": total_fen,
        "lines": [
            {"line_no": 1, "price_fen": first},
            {"line_no": 2, "price_fen": total_fen - first},
        ],
        "technical_proposal": "以社区为本的助餐与探访方案。",
        "staffing_plan": "项目主管1名、社工3名、志愿者20名",
    }


async def award_a_tender(
    client: Any, buyer: dict[str, str], bidders: list[dict[str, str]], clock: Any
) -> int:
    """Run a lowest-price tender from draft to award through the API; returns its id."""
    payload = await tender_payload(
        evaluation_method="lowest_price",
        criteria=[{"code": "price", "name": "价格", "kind": "price", "weight": 100}],
    )
    tender_id = (await client.post("/api/v1/tenders", json=payload, headers=buyer)).json()["id"]
    assert (
        await client.post(f"/api/v1/tenders/{tender_id}/publish", json={}, headers=buyer)
    ).status_code == 200
    for n, headers in enumerate(bidders):
        response = await client.put(
            f"/api/v1/tenders/{tender_id}/bid",
            json=bid_payload(24_000_000 + n * 1_000_000),
            headers=headers,
        )
        assert response.status_code == 201, response.text
    clock.advance(days=13)
    assert (
        await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    ).status_code == 200
    awarded = await client.post(f"/api/v1/tenders/{tender_id}/award", json={}, headers=buyer)
    assert awarded.status_code == 200, awarded.text
    return int(tender_id)

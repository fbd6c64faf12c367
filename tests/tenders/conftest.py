"""Helpers for the procurement tests: tokens per demo user, a tender payload, a movable clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from procure import clock
from procure.catalog.tables import CatalogItem
from procure.geography.tables import Community
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.security.services import api_token_create


async def bearer(username: str) -> dict[str, str]:
    row = await user_by_username(username)
    assert row is not None, username
    token = await api_token_create(actor=Actor.from_row(row), name="procurement test", valid_days=1)
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
async def as_user(database: None) -> Callable[[str], Any]:
    cache: dict[str, dict[str, str]] = {}

    async def headers(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = await bearer(username)
        return cache[username]

    return headers


class Clock:
    """Moves the server's clock forward by whole intervals, as time passing would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        self._real = clock.now
        monkeypatch.setattr(clock, "now", self.now)

    def now(self) -> datetime:
        return self._real() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def moving_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


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

"""The arithmetic of evaluation, free of the database: price scores under 财政部令第87号,
composite and lowest-price ranking, and the abnormally-low-bid triggers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
POINTS = Decimal("0.01")


def points(value: Decimal) -> Decimal:
    """Scores are shown and compared at two decimals, rounded half up as evaluators do."""
    return value.quantize(POINTS, rounding=ROUND_HALF_UP)


def price_score(*, base_price_fen: int, bid_price_fen: int, price_weight: int) -> Decimal:
    """87号令 Art. 55: (base price ÷ bid price) × 100 × weight, with the lowest valid bid as base.

    ``price_weight`` is in percent (e.g. 20 for 20%), so a bid at the base price scores 20.
    """
    if bid_price_fen <= 0 or base_price_fen <= 0:
        raise ValueError("prices must be positive")
    return (
        Decimal(base_price_fen) / Decimal(bid_price_fen) * HUNDRED * Decimal(price_weight) / HUNDRED
    )


def technical_points(scores: Sequence[int], weight: int) -> Decimal:
    """The evaluators' mean score (0–100) on one criterion, weighted to its share of 100."""
    if not scores:
        raise ValueError("a criterion needs at least one evaluator's score")
    return Decimal(sum(scores)) / Decimal(len(scores)) * Decimal(weight) / HUNDRED


@dataclass(frozen=True)
class Candidate:
    bid_id: int
    price_fen: int
    submitted_order: int  # ties go to the earlier submission
    technical: Mapping[str, Sequence[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranked:
    bid_id: int
    price_fen: int
    price_score: Decimal | None
    technical_points: Mapping[str, Decimal]
    total: Decimal | None
    rank: int


def rank_composite(
    candidates: Sequence[Candidate], *, price_weight: int, technical_weights: Mapping[str, int]
) -> list[Ranked]:
    """综合评分法: price score plus weighted technical points; higher total ranks first, then the
    lower price, then the earlier submission (财政部令第87号 Art. 56)."""
    if not candidates:
        return []
    base = min(c.price_fen for c in candidates)
    scored = []
    for c in candidates:
        price = price_score(
            base_price_fen=base, bid_price_fen=c.price_fen, price_weight=price_weight
        )
        technical = {
            code: technical_points(c.technical.get(code, ()), weight)
            for code, weight in technical_weights.items()
        }
        scored.append((c, points(price), {k: points(v) for k, v in technical.items()}))
    scored.sort(key=lambda s: (-(s[1] + sum(s[2].values())), s[0].price_fen, s[0].submitted_order))
    return [
        Ranked(c.bid_id, c.price_fen, price, technical, price + sum(technical.values()), rank)
        for rank, (c, price, technical) in enumerate(scored, start=1)
    ]


def rank_lowest_price(candidates: Sequence[Candidate]) -> list[Ranked]:
    """最低评标价法: the lowest valid price ranks first; ties go to the earlier submission."""
    ordered = sorted(candidates, key=lambda c: (c.price_fen, c.submitted_order))
    return [
        Ranked(c.bid_id, c.price_fen, None, {}, None, rank)
        for rank, c in enumerate(ordered, start=1)
    ]


@dataclass(frozen=True)
class LowBidThresholds:
    """财库〔2026〕2号 triggers, in percent; a buyer may raise each to at most 65."""

    below_mean_of_others: int = 50
    lowest_below_second: int = 50
    below_ceiling: int = 45


@dataclass(frozen=True)
class LowBidFinding:
    bid_id: int
    reasons: tuple[str, ...]
    evidence: Mapping[str, object]


def abnormally_low(
    prices: Mapping[int, int], *, ceiling_fen: int | None, thresholds: LowBidThresholds
) -> list[LowBidFinding]:
    """The bids that must explain their price before evaluation goes on (87号令 Art. 60).

    Every trigger compares in integer fen (price × 100 < reference × percent), so a bid exactly
    at a threshold does not trigger it. Without a ceiling (imported data may have none) the
    ceiling trigger is not judged.
    """
    findings = []
    ordered = sorted(prices.items(), key=lambda item: item[1])
    for bid_id, price in ordered:
        reasons: list[str] = []
        evidence: dict[str, object] = {"price_fen": price}
        others = [p for other, p in prices.items() if other != bid_id]
        if others:
            mean_others = Decimal(sum(others)) / len(others)
            evidence["mean_of_others_fen"] = str(points(mean_others))
            if Decimal(price) * 100 < mean_others * thresholds.below_mean_of_others:
                reasons.append("below_mean_of_others")
        if len(ordered) >= 2 and bid_id == ordered[0][0]:
            second = ordered[1][1]
            evidence["second_lowest_fen"] = second
            if price * 100 < second * thresholds.lowest_below_second:
                reasons.append("lowest_below_second")
        evidence["ceiling_fen"] = ceiling_fen
        if ceiling_fen is not None and price * 100 < ceiling_fen * thresholds.below_ceiling:
            reasons.append("below_ceiling")
        if reasons:
            findings.append(LowBidFinding(bid_id, tuple(reasons), evidence))
    return findings

"""Bids: UNDERPRICED_BID, an abnormally low price (财政部令第87号 Art. 60) or one below the
service catalog's reference floor. The detection is shared with LOW_PRICE_LOW_QUALITY."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from procure.bids.scoring import LowBidThresholds, abnormally_low
from procure.bids.tables import Award, Bid, BidLine
from procure.policy import get_policy
from procure.risk.common import organization_link, scoped, tender_link, within
from procure.risk.params import FixedSeverity
from procure.risk.registry import Finding, RuleContext, Stage, SubjectType, Trigger, register
from procure.risk.tables import Severity

BELOW_CATALOG_FLOOR = "below_catalog_floor"
ARTICLE_60 = "财政部令第87号 第六十条"


class UnderpricedParams(FixedSeverity):
    # Also flag a bid that prices a scope line below the catalog item's reference floor.
    catalog_floor: bool
    # The severity once the underpriced bid has won the award.
    awarded_severity: Severity


@dataclass(frozen=True)
class Underpriced:
    bid_id: int
    tender_id: int
    organization_id: int
    department_id: int
    reasons: list[str]
    evidence: dict[str, Any]


async def underpriced_bids(
    *, tender_ids: list[int] | None, catalog_floor: bool
) -> dict[int, Underpriced]:
    """The opened bids of these tenders (None: all) that are abnormally low under the
    procurement policy's thresholds, or (with ``catalog_floor``) price a scope line below the
    catalog's reference floor; by bid id. Every opened bid counts as the evaluation counted it
    at its start, whatever happened to it since."""
    bids = await Bid.select(
        Bid.id,
        Bid.tender,
        Bid.total_fen,
        Bid.organization.as_alias("organization_id"),
        Bid.organization.name.as_alias("organization_name"),
        Bid.tender.reference.as_alias("reference"),
        Bid.tender.ceiling_fen.as_alias("ceiling_fen"),
        Bid.tender.department.as_alias("department_id"),
    ).where(Bid.total_fen.is_not_null() & within(Bid.tender, tender_ids))
    if not bids:
        return {}
    below_floor: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if catalog_floor:
        for line in await BidLine.select(
            BidLine.bid,
            BidLine.price_fen,
            BidLine.scope_line.line_no.as_alias("line_no"),
            BidLine.scope_line.quantity.as_alias("quantity"),
            BidLine.scope_line._.catalog_item._.code.as_alias("item_code"),
            BidLine.scope_line._.catalog_item._.name.as_alias("item_name"),
            BidLine.scope_line._.catalog_item._.ref_price_min_fen.as_alias("unit_floor_fen"),
        ).where(within(BidLine.bid.tender, tender_ids) & BidLine.bid.total_fen.is_not_null()):
            floor = line["quantity"] * line["unit_floor_fen"]
            if line["price_fen"] < floor:
                below_floor[line["bid"]].append(
                    {
                        "line_no": line["line_no"],
                        "item_code": line["item_code"],
                        "item_name": line["item_name"],
                        "quantity": line["quantity"],
                        "price_fen": line["price_fen"],
                        "unit_floor_fen": line["unit_floor_fen"],
                        "floor_fen": floor,
                    }
                )
    limits = get_policy().procurement.abnormally_low
    thresholds = LowBidThresholds(
        limits.below_mean_of_others, limits.lowest_below_second, limits.below_ceiling
    )
    by_tender: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for bid in bids:
        by_tender[bid["tender"]].append(bid)
    found: dict[int, Underpriced] = {}
    for tender_bids in by_tender.values():
        first = tender_bids[0]
        low = {
            f.bid_id: f
            for f in abnormally_low(
                {b["id"]: b["total_fen"] for b in tender_bids},
                ceiling_fen=first["ceiling_fen"],
                thresholds=thresholds,
            )
        }
        for bid in tender_bids:
            reasons = list(low[bid["id"]].reasons) if bid["id"] in low else []
            lines = sorted(below_floor.get(bid["id"], []), key=lambda line: line["line_no"])
            if lines:
                reasons.append(BELOW_CATALOG_FLOOR)
            if not reasons:
                continue
            found[bid["id"]] = Underpriced(
                bid_id=bid["id"],
                tender_id=bid["tender"],
                organization_id=bid["organization_id"],
                department_id=bid["department_id"],
                reasons=reasons,
                evidence={
                    "tender": tender_link(bid["tender"], bid["reference"]),
                    "organization": organization_link(
                        bid["organization_id"], bid["organization_name"]
                    ),
                    "price_fen": bid["total_fen"],
                    "bids_compared": len(tender_bids),
                    **{
                        key: value
                        for key, value in (
                            low[bid["id"]].evidence if bid["id"] in low else {}
                        ).items()
                        if key != "price_fen"
                    },
                    "ceiling_fen": bid["ceiling_fen"],
                    "reasons": reasons,
                    "thresholds_percent": {
                        "below_mean_of_others": thresholds.below_mean_of_others,
                        "lowest_below_second": thresholds.lowest_below_second,
                        "below_ceiling": thresholds.below_ceiling,
                    },
                    "lines_below_catalog_floor": lines,
                },
            )
    return found


@register(
    "UNDERPRICED_BID",
    name_zh="异常低价投标",
    name_en="Underpriced bid",
    subject=SubjectType.bid,
    severity=Severity.medium,
    stage=Stage.oversight,
    triggers={Trigger.bids_opened, Trigger.award},
    params=UnderpricedParams,
)
async def underpriced_bid(ctx: RuleContext) -> list[Finding]:
    """A bid below the abnormally-low thresholds of [procurement.abnormally_low] (below the mean
    of the others, the lowest below the second-lowest, below the ceiling), or pricing a scope
    line below the catalog's reference floor. Judged from the prices revealed at opening, which
    never change; the explanation the evaluators require (87号令 Art. 60) is linked."""
    params = UnderpricedParams.model_validate(ctx.params)
    bid_ids = scoped(ctx, SubjectType.bid)
    tender_ids = None
    if bid_ids is not None:
        tender_ids = sorted(
            {row["tender"] for row in await Bid.select(Bid.tender).where(within(Bid.id, bid_ids))}
        )
    found = await underpriced_bids(tender_ids=tender_ids, catalog_floor=params.catalog_floor)
    awarded = {
        row["bid"]
        for row in await Award.select(Award.bid).where(Award.bid.is_in(list(found) or [-1]))
    }
    findings = []
    for bid_id, bid in sorted(found.items()):
        won = bid_id in awarded
        findings.append(
            Finding(
                rule="UNDERPRICED_BID",
                subject_type=SubjectType.bid,
                subject_id=str(bid_id),
                severity=params.awarded_severity if won else params.severity,
                evidence={
                    "bid": {"id": bid_id, "url": f"/tenders/{bid.tender_id}"},
                    **bid.evidence,
                    "awarded": won,
                    "explanation": {
                        "basis": ARTICLE_60,
                        "url": f"/tenders/{bid.tender_id}",
                    },
                },
                department_id=bid.department_id,
                organization_id=bid.organization_id,
            )
        )
    return findings

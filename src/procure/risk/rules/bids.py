"""Bids: UNDERPRICED_BID, an abnormally low price (财政部令第87号 Art. 60) or one below the
service catalog's reference floor. The detection is shared with LOW_PRICE_LOW_QUALITY.

On the platform the rule reads the platform's bids; on every imported dataset it reads the
OCDS rows (/bids/details amounts, /tender/value as the ceiling) with the same thresholds and
the same arithmetic (procure.bids.scoring.abnormally_low)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from procure.bids.scoring import LowBidThresholds, abnormally_low
from procure.bids.tables import Award, Bid, BidLine
from procure.db import driver_rows
from procure.ocds.dataset import Process, dataset_processes
from procure.policy import get_policy
from procure.risk.common import among, organization_link, scoped, sql_in, tender_link, within
from procure.risk.params import FixedSeverity
from procure.risk.registry import Finding, RuleContext, Stage, SubjectType, Trigger, register
from procure.risk.rules.cardinal import NOT_SUBMITTED
from procure.risk.tables import Severity

BELOW_CATALOG_FLOOR = "below_catalog_floor"
ARTICLE_60 = "财政部令第87号 第六十条"
PLATFORM = "platform"
#: Why an imported process is not (wholly) judged: the scan summary lists them.
NO_TENDER_VALUE = "no usable /tender/value: the below-ceiling trigger is not judged"
FEWER_THAN_TWO = (
    "fewer than two submitted bids with an amount: the mean-of-others and second-lowest "
    "triggers are not judged"
)
CURRENCIES = "amounts in more than one currency (%s): not compared"


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


def policy_thresholds() -> LowBidThresholds:
    """The abnormally-low triggers of the procurement policy ([procurement.abnormally_low])."""
    limits = get_policy().procurement.abnormally_low
    return LowBidThresholds(
        limits.below_mean_of_others, limits.lowest_below_second, limits.below_ceiling
    )


def thresholds_percent(thresholds: LowBidThresholds) -> dict[str, int]:
    return {
        "below_mean_of_others": thresholds.below_mean_of_others,
        "lowest_below_second": thresholds.lowest_below_second,
        "below_ceiling": thresholds.below_ceiling,
    }


async def _lines_below_catalog_floor(tender_ids: list[int] | None) -> list[dict[str, Any]]:
    """The opened bids' lines priced below their quantity at the catalog item's reference
    floor, compared in SQL (a bid's lines are many, those below the floor few)."""
    only, args = ("", []) if tender_ids is None else sql_in(' AND b."tender"', tender_ids)
    return await BidLine.raw(
        'SELECT bl."bid" AS bid, sl."line_no" AS line_no, ci."code" AS item_code,'
        ' ci."name" AS item_name, sl."quantity" AS quantity, bl."price_fen" AS price_fen,'
        ' ci."ref_price_min_fen" AS unit_floor_fen,'
        ' sl."quantity" * ci."ref_price_min_fen" AS floor_fen'
        ' FROM "bid_line" bl JOIN "bid" b ON b."id" = bl."bid"'
        ' JOIN "scope_line" sl ON sl."id" = bl."scope_line"'
        ' JOIN "catalog_item" ci ON ci."id" = sl."catalog_item"'
        ' WHERE b."total_fen" IS NOT NULL'
        ' AND bl."price_fen" < sl."quantity" * ci."ref_price_min_fen"' + only,
        *args,
    )


async def underpriced_bids(
    *, tender_ids: list[int] | None, catalog_floor: bool
) -> dict[int, Underpriced]:
    """The opened bids of these tenders (None: all) that are abnormally low under the
    procurement policy's thresholds, or (with ``catalog_floor``) price a scope line below the
    catalog's reference floor; by bid id. Every opened bid counts as the evaluation counted it
    at its start, whatever happened to it since."""
    bids = await driver_rows(
        Bid.select(
            Bid.id,
            Bid.tender,
            Bid.total_fen,
            Bid.organization.as_alias("organization_id"),
            Bid.organization.name.as_alias("organization_name"),
            Bid.tender.reference.as_alias("reference"),
            Bid.tender.ceiling_fen.as_alias("ceiling_fen"),
            Bid.tender.department.as_alias("department_id"),
        ).where(Bid.total_fen.is_not_null() & within(Bid.tender, tender_ids))
    )
    if not bids:
        return {}
    below_floor: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if catalog_floor:
        for line in await _lines_below_catalog_floor(tender_ids):
            below_floor[line.pop("bid")].append(line)
    thresholds = policy_thresholds()
    by_tender: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
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
            lines = below_floor.get(bid["id"], [])
            lines.sort(key=lambda line: line["line_no"])
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
                    "thresholds_percent": thresholds_percent(thresholds),
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
    triggers={Trigger.bids_opened, Trigger.award, Trigger.ocds_imported},
    params=UnderpricedParams,
    imported=True,
)
async def underpriced_bid(ctx: RuleContext) -> list[Finding]:
    """A bid below the abnormally-low thresholds of [procurement.abnormally_low] (below the mean
    of the others, the lowest below the second-lowest, below the ceiling), or pricing a scope
    line below the catalog's reference floor. Judged from the prices revealed at opening, which
    never change; the explanation the evaluators require (87号令 Art. 60) is linked. On an
    imported dataset: the OCDS bids' amounts against the same thresholds (imported_underpriced)."""
    params = UnderpricedParams.model_validate(ctx.params)
    if ctx.dataset != PLATFORM:
        return await imported_underpriced(ctx, params)
    bid_ids = scoped(ctx, SubjectType.bid)
    tender_ids = None
    if bid_ids is not None:
        tender_ids = sorted(
            {row["tender"] for row in await Bid.select(Bid.tender).where(within(Bid.id, bid_ids))}
        )
    found = await underpriced_bids(tender_ids=tender_ids, catalog_floor=params.catalog_floor)
    awarded = {
        row["bid"] for row in await Award.select(Award.bid).where(among(Award.bid, bid_ids, found))
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


def _fen(amount: float) -> int:
    """An OCDS amount (a double, in the currency's units) in hundredths, as the thresholds
    compare prices: rounded half up to the cent."""
    return int((Decimal(repr(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _awarded_tenderers(process: Process) -> set[str]:
    return {
        supplier
        for award in process.awards
        if award.status == "active"
        for supplier in award.suppliers
        if supplier is not None
    }


async def imported_underpriced(ctx: RuleContext, params: UnderpricedParams) -> list[Finding]:
    """UNDERPRICED_BID over an imported dataset: per process (not cancelled), its submitted
    bids with an amount (/bids/details, not invited or withdrawn) against the abnormally-low
    thresholds, /tender/value as the ceiling. What cannot be judged is skipped, saying why:
    the below-ceiling trigger without a tender value, the other two with fewer than two bids,
    the whole process when its amounts are in more than one currency. The catalog floor is
    the platform's own: it is not judged here. The subject is the bid, named by its place in
    the process (``ocid/bids/details/<position>``)."""
    thresholds = policy_thresholds()
    findings: list[Finding] = []
    for process in await dataset_processes(ctx.dataset, bids=True, awards=True):
        if process.tender_status == "cancelled":
            continue
        bids = [
            bid
            for bid in process.bids
            if bid.status not in NOT_SUBMITTED and bid.amount is not None
        ]
        if not bids:
            continue
        ceiling = process.tender_value_amount
        currencies = {bid.currency for bid in bids} | (
            set() if ceiling is None else {process.tender_value_currency}
        )
        if len(currencies - {None}) > 1:
            listed = ", ".join(sorted(c for c in currencies if c is not None))
            ctx.skip("UNDERPRICED_BID", process.ocid, CURRENCIES % listed)
            continue
        not_judged: list[str] = []
        if ceiling is None:
            ctx.skip("UNDERPRICED_BID", process.ocid, NO_TENDER_VALUE)
            not_judged.append("below_ceiling")
        if len(bids) < 2:
            ctx.skip("UNDERPRICED_BID", process.ocid, FEWER_THAN_TWO)
            not_judged += ["below_mean_of_others", "lowest_below_second"]
        low = {
            found.bid_id: found
            for found in abnormally_low(
                {bid.position: _fen(bid.amount) for bid in bids if bid.amount is not None},
                ceiling_fen=None if ceiling is None else _fen(ceiling),
                thresholds=thresholds,
            )
        }
        winners = _awarded_tenderers(process)
        for bid in bids:
            if bid.position not in low:
                continue
            found = low[bid.position]
            won = bool(winners) and any(t in winners for t in bid.tenderers)
            findings.append(
                Finding(
                    rule="UNDERPRICED_BID",
                    subject_type=SubjectType.bid,
                    subject_id=f"{process.ocid}/bids/details/{bid.position}",
                    ocid=process.ocid,
                    severity=params.awarded_severity if won else params.severity,
                    evidence={
                        "bid": {"bid_id": bid.bid_id, "position": bid.position},
                        "tenderers": bid.tenderers,
                        "amount": bid.amount,
                        "currency": bid.currency,
                        "tender_value": ceiling,
                        "bids_compared": len(bids),
                        **found.evidence,
                        "reasons": list(found.reasons),
                        "thresholds_percent": thresholds_percent(thresholds),
                        "not_judged": not_judged,
                        "awarded": won,
                    },
                    dataset=ctx.dataset,
                )
            )
    return findings

"""cardinal's bid-stage red flags, over the OCDS rows of a dataset, codes and definitions kept.

cardinal is the Open Contracting Partnership's red-flag calculator (open-contracting/cardinal-rs,
cardinal.readthedocs.io). Each rule here restates one of its indicators: the same exclusions,
the same settings and defaults (procure.risk.cardinal_settings), the same arithmetic (R-8
quartiles and fused fences, procure.risk.statistics), so ``procure ocds indicators`` prints what
``ocdscardinal indicators --no-meta`` prints. A rule reads its dataset with one query per table
(procure.ocds.dataset) and decides in memory.

Findings map cardinal's groups onto subjects: OCID → tender (subject_id and ocid = the ocid),
Buyer → buyer, ProcuringEntity → procuring_entity, Tenderer → organization (subject_id = the
OCDS party id). ``Finding.value`` is cardinal's value; the evidence holds the numbers behind it.

Every indicator leaves out a process whose tender is cancelled or whose procurementMethodDetails
is excluded (``[exclusions]``). The indicators that compare prices (R024, R028, R036, R058) also
leave out the procedures of ``no_price_comparison_procurement_methods`` (or those not in
``price_comparison_procurement_methods``). Where cardinal takes "the first observed currency" as
the main one, these rules take the first in import order (cardinal's parallel reader makes its
choice depend on scheduling when a dataset mixes currencies).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from procure.ocds.dataset import Award, Bid, Process, dataset_processes, shared_value
from procure.risk import population
from procure.risk.cardinal_settings import (
    R003,
    R018,
    R025,
    R035,
    R038,
    R048,
    FenceThreshold,
    Globals,
    global_settings,
    policy_tables,
    rule_settings,
)
from procure.risk.registry import RULES, Finding, RuleContext, Stage, SubjectType, Trigger, register
from procure.risk.statistics import (
    divide,
    lower_fence,
    percentile,
    quartiles,
    upper_fence,
    whole_days,
)
from procure.risk.tables import Severity

FINAL_AWARD_STATUSES = {"active", "cancelled", "unsuccessful"}
NOT_SUBMITTED = {"invited", "withdrawn"}  # a bid is submitted if pending, valid or disqualified


# --- reading -------------------------------------------------------------------------------


async def _processes(
    ctx: RuleContext, *, scoped: bool, ocids: Collection[str] | None = None, **parts: bool
) -> tuple[list[Process], Globals]:
    """The processes every indicator considers (not cancelled, not excluded), with the globals.

    ``scoped``: the rule judges each process alone, so an incremental run reads only the
    processes the event named. ``ocids``: only these (those whose summaries say they can hold
    a finding, procure.risk.population).
    """
    shared = global_settings(ctx.params)
    if scoped and ctx.scope is not None and SubjectType.tender in ctx.scope:
        within = ctx.scope[SubjectType.tender]
        ocids = within if ocids is None else [ocid for ocid in ocids if ocid in within]
    excluded = set(shared.exclusions.procurement_method_details)
    processes = [
        process
        for process in await dataset_processes(ctx.dataset, ocids=ocids, **parts)
        if process.tender_status != "cancelled"
        and process.procurement_method_details not in excluded
    ]
    return processes, shared


def _compares_prices(process: Process | population.ProcessSummary, shared: Globals) -> bool:
    include = shared.price_comparison_procurement_methods
    details = process.procurement_method_details
    if details is None:
        return not include
    return (
        details in include
        if include
        else details not in shared.no_price_comparison_procurement_methods
    )


def _complete_awards(process: Process) -> list[Award] | None:
    """The active awards, or None while any award is in a non-final state (e.g. pending)."""
    if any(a.status is not None and a.status not in FINAL_AWARD_STATUSES for a in process.awards):
        return None
    return [award for award in process.awards if award.status == "active"]


def _sole_winner(process: Process) -> str | None:
    """The supplier of the one active award, when every award is final and it has one supplier."""
    complete = _complete_awards(process)
    if complete is None or len(complete) != 1 or len(complete[0].suppliers) != 1:
        return None
    return complete[0].suppliers[0]


def _submitted(bids: Iterable[Bid]) -> list[Bid]:
    return [bid for bid in bids if bid.status is not None and bid.status not in NOT_SUBMITTED]


def _sole_tenderer(bid: Bid) -> str | None:
    return bid.tenderers[0] if len(bid.tenderers) == 1 else None


def _number(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def _bid(bid: Bid) -> dict[str, Any]:
    """How evidence names a bid: its OCDS id, and its index in /bids/details."""
    return {"bid_id": bid.bid_id, "position": bid.position}


def _methods(methods: list[str], process: Process) -> bool:
    """cardinal's procurement-method filter: an empty list lets every process through."""
    return not methods or process.procurement_method in methods


# --- findings ------------------------------------------------------------------------------


def _finding(
    ctx: RuleContext,
    code: str,
    subject_type: SubjectType,
    subject_id: str,
    value: float,
    evidence: dict[str, Any],
    ocid: str = "",
) -> Finding:
    return Finding(
        rule=code,
        subject_type=subject_type,
        subject_id=subject_id,
        severity=RULES[code].severity,
        evidence={key: _number(v) if isinstance(v, float) else v for key, v in evidence.items()},
        ocid=ocid,
        value=value,
        dataset=ctx.dataset,
    )


@dataclass
class _Organizations:
    """Organizations flagged in processes, each once, with the processes that flagged it."""

    value: float
    ocids: dict[str, list[str]] = field(default_factory=dict)

    def add(self, party_id: str, ocid: str) -> None:
        listed = self.ocids.setdefault(party_id, [])
        if ocid not in listed:
            listed.append(ocid)

    def findings(self, ctx: RuleContext, code: str, **evidence: Any) -> list[Finding]:
        return [
            _finding(
                ctx,
                code,
                SubjectType.organization,
                party_id,
                self.value,
                {"ocids": ocids, **evidence},
            )
            for party_id, ocids in self.ocids.items()
        ]


# --- process indicators --------------------------------------------------------------------


@register(
    "R003",
    name_zh="投标期过短",
    name_en="Short submission period",
    subject=SubjectType.tender,
    severity=Severity.medium,
    stage=Stage.bid,
    triggers={Trigger.tender_published, Trigger.ocds_imported},
    per_process=True,
)
async def short_submission_period(ctx: RuleContext) -> list[Finding]:
    """The tender period, end − start in whole days, is shorter than the threshold for the
    process's procurementMethodDetails, else the default threshold (15). RFC 3339 dates only."""
    settings: R003 = rule_settings("R003", ctx.params)
    processes, _ = await _processes(ctx, scoped=True)
    findings = []
    for process in processes:
        start, end = process.tender_period_start, process.tender_period_end
        if start is None or end is None or not _methods(settings.procurement_methods, process):
            continue
        days = whole_days(end - start)
        details = process.procurement_method_details
        threshold = (
            settings.threshold
            if details is None
            else settings.procurement_method_details.get(details, settings.threshold)
        )
        if days < threshold:
            evidence = {"start": start.isoformat(), "end": end.isoformat(), "days": days}
            evidence |= {"threshold": threshold, "procurement_method_details": details}
            findings.append(
                _finding(ctx, "R003", SubjectType.tender, process.ocid, 1.0, evidence, process.ocid)
            )
    return findings


@register(
    "R018",
    name_zh="仅一家投标",
    name_en="Single bid received",
    subject=SubjectType.tender,
    severity=Severity.medium,
    stage=Stage.bid,
    triggers={Trigger.bids_opened, Trigger.ocds_imported},
    per_process=True,
)
async def single_bid(ctx: RuleContext) -> list[Finding]:
    """/tender/numberOfTenderers is exactly 1 in a process of the procurement methods given
    (default open and selective)."""
    settings: R018 = rule_settings("R018", ctx.params)
    processes, _ = await _processes(ctx, scoped=True)
    return [
        _finding(
            ctx,
            "R018",
            SubjectType.tender,
            process.ocid,
            1.0,
            {"number_of_tenderers": 1, "procurement_method": process.procurement_method},
            process.ocid,
        )
        for process in processes
        if _methods(settings.procurement_methods, process) and process.number_of_tenderers == 1
    ]


@register(
    "R028",
    name_zh="报价完全相同",
    name_en="Identical bid prices",
    subject=SubjectType.tender,
    severity=Severity.high,
    stage=Stage.bid,
    triggers={Trigger.bids_opened, Trigger.ocds_imported},
)
async def identical_bid_prices(ctx: RuleContext) -> list[Finding]:
    """Submitted bids of different tenderers (sets of tenderer ids) have the same amount and
    currency. A tenderer may repeat its own price. The tenderers involved are flagged too."""
    processes, shared = await _processes(ctx, scoped=True, bids=True)
    findings = []
    tenderers = _Organizations(1.0)
    for process in processes:
        if not _compares_prices(process, shared):
            continue
        prices: dict[tuple[float, str], frozenset[str]] = {}
        involved: list[str] = []
        same: list[dict[str, Any]] = []
        for bid in _submitted(process.bids):
            if bid.amount is None or bid.currency is None:
                continue
            ids = frozenset(t for t in bid.tenderers if t is not None)
            if not ids:
                continue
            price = (bid.amount, bid.currency)
            other = prices.get(price)
            if other is not None and ids != other:
                for party_id in sorted(other) + sorted(ids):
                    if party_id not in involved:
                        involved.append(party_id)
                same.append({"amount": bid.amount, "currency": bid.currency, **_bid(bid)})
            prices[price] = ids
        if same:
            evidence = {"identical_prices": same, "tenderers": involved}
            findings.append(
                _finding(ctx, "R028", SubjectType.tender, process.ocid, 1.0, evidence, process.ocid)
            )
            for party_id in involved:
                tenderers.add(party_id, process.ocid)
    return findings + tenderers.findings(ctx, "R028")


def _late_winning_bids(process: Process) -> list[tuple[Bid, str]]:
    """R030's late bids of a process: valid, dated (as text) after the deadline, from a
    supplier of an active award; with that supplier."""
    deadline = process.tender_period_end_text
    if deadline is None:
        return []
    suppliers = {
        supplier
        for award in process.awards
        if award.status == "active"
        for supplier in award.suppliers
        if supplier is not None
    }
    return [
        (bid, tenderer)
        for bid in process.bids
        if bid.status == "valid" and bid.date_text is not None and bid.date_text > deadline
        for tenderer in bid.tenderers
        if tenderer is not None and tenderer in suppliers
    ]


@register(
    "R030",
    name_zh="逾期投标中标",
    name_en="Late bid won",
    subject=SubjectType.tender,
    severity=Severity.high,
    stage=Stage.bid,
    triggers={Trigger.award, Trigger.ocds_imported},
)
async def late_bid_won(ctx: RuleContext) -> list[Finding]:
    """A valid bid dated after /tender/tenderPeriod/endDate was submitted by a supplier of an
    active award. As cardinal does, the dates are compared as published, as text. Only the
    processes whose summary says they have one are read."""
    summaries = await _summaries(ctx, global_settings(ctx.params))
    candidates = [summary.ocid for summary in summaries if summary.data["late"]]
    processes, _ = await _processes(ctx, scoped=True, ocids=candidates, bids=True, awards=True)
    findings = []
    winners = _Organizations(1.0)
    for process in processes:
        late = _late_winning_bids(process)
        if late:
            evidence = {
                "deadline": process.tender_period_end_text,
                "late_bids": [
                    {**_bid(bid), "date": bid.date_text, "tenderer": tenderer}
                    for bid, tenderer in late
                ],
            }
            findings.append(
                _finding(ctx, "R030", SubjectType.tender, process.ocid, 1.0, evidence, process.ocid)
            )
            for _, tenderer in late:
                winners.add(tenderer, process.ocid)
    return findings + winners.findings(ctx, "R030")


def _sole_valid_tenderer(process: Process) -> tuple[str, list[str]] | None:
    """R035's shape: every award final, the valid bids from one tenderer, who is the suppliers
    of the active awards; that tenderer, and the others with disqualified bids."""
    complete = _complete_awards(process)
    if complete is None:
        return None
    suppliers = {s for award in complete for s in award.suppliers if s is not None}
    valid: set[str] = set()
    disqualified: set[str] = set()
    for bid in process.bids:
        if bid.status in ("valid", "disqualified"):
            ids = {t for t in bid.tenderers if t is not None}
            (valid if bid.status == "valid" else disqualified).update(ids)
    if len(valid) != 1 or valid != suppliers:
        return None
    (winner,) = valid
    return winner, sorted(disqualified - valid)


@register(
    "R035",
    name_zh="除中标人外全部被取消资格",
    name_en="All except winning bid disqualified",
    subject=SubjectType.tender,
    severity=Severity.high,
    stage=Stage.bid,
    triggers={Trigger.award, Trigger.ocds_imported},
)
async def all_except_winner_disqualified(ctx: RuleContext) -> list[Finding]:
    """Every award is final; the valid bids come from one tenderer, who is the suppliers of the
    active awards; at least ``threshold`` (≥ 1) other tenderers have disqualified bids. The
    value is the number of those tenderers; the winner is flagged with 0.0."""
    settings: R035 = rule_settings("R035", ctx.params)
    minimum = max(settings.threshold, 1)
    summaries = await _summaries(ctx, global_settings(ctx.params))
    candidates = [
        summary.ocid
        for summary in summaries
        if summary.data["others"] is not None and summary.data["others"] >= minimum
    ]
    processes, _ = await _processes(ctx, scoped=True, ocids=candidates, bids=True, awards=True)
    findings = []
    winners = _Organizations(0.0)
    for process in processes:
        sole = _sole_valid_tenderer(process)
        if sole is None:
            continue
        winner, others = sole
        if len(others) >= minimum:
            evidence = {"winner": winner, "disqualified_tenderers": others, "threshold": minimum}
            findings.append(
                _finding(
                    ctx,
                    "R035",
                    SubjectType.tender,
                    process.ocid,
                    float(len(others)),
                    evidence,
                    process.ocid,
                )
            )
            winners.add(winner, process.ocid)
    return findings + winners.findings(ctx, "R035")


@register(
    "R036",
    name_zh="最低报价被取消资格",
    name_en="Lowest bid disqualified",
    subject=SubjectType.tender,
    severity=Severity.high,
    stage=Stage.bid,
    triggers={Trigger.award, Trigger.ocds_imported},
    per_process=True,
)
async def lowest_bid_disqualified(ctx: RuleContext) -> list[Finding]:
    """A process with an active award, in which the lowest submitted bid in the main currency
    (the first of equal ones) is disqualified while some valid bid has an amount."""
    processes, shared = await _processes(ctx, scoped=True, bids=True, awards=True)
    currency = shared.currency
    findings = []
    for process in processes:
        if not _compares_prices(process, shared):
            continue
        if not any(award.status == "active" for award in process.awards):
            continue
        lowest: Bid | None = None
        lowest_amount = math.inf
        has_valid = False
        for bid in _submitted(process.bids):
            if bid.amount is None or bid.currency is None:
                continue
            currency = currency or bid.currency
            if bid.currency != currency:
                continue
            if lowest is None or bid.amount < lowest_amount:
                lowest, lowest_amount = bid, bid.amount
            has_valid = has_valid or bid.status == "valid"
        if has_valid and lowest is not None and lowest.status == "disqualified":
            evidence = {
                "lowest_bid": _bid(lowest),
                "amount": lowest_amount,
                "currency": currency,
                "tenderers": [t for t in lowest.tenderers if t is not None],
            }
            findings.append(
                _finding(ctx, "R036", SubjectType.tender, process.ocid, 1.0, evidence, process.ocid)
            )
    return findings


@register(
    "R044",
    name_zh="投标人信息雷同",
    name_en="Business similarities between suppliers",
    subject=SubjectType.tender,
    severity=Severity.medium,
    stage=Stage.bid,
    triggers={Trigger.bids_opened, Trigger.ocds_imported},
)
async def business_similarities(ctx: RuleContext) -> list[Finding]:
    """Two parties with the role tenderer in one process share a full address (street address
    required; trimmed, lower-cased), or their contact points agree on the first field both give
    (name, email, telephone, fax number, url). cardinal's unreleased R044 (branch r044)."""
    processes, _ = await _processes(ctx, scoped=True, parties=True)
    findings = []
    similar = _Organizations(1.0)
    for process in processes:
        tenderers = {
            party.party_id: party
            for party in process.parties
            if party.party_id is not None and "tenderer" in party.roles
        }
        pairs: list[dict[str, Any]] = []
        for first, one in tenderers.items():
            for second, other in tenderers.items():
                if first == second:
                    continue
                address = one.full_address is not None and one.full_address == other.full_address
                # The first contact field both give decides, as in cardinal.
                contact = next(
                    (
                        a == b
                        for a, b in zip(one.contact, other.contact, strict=True)
                        if a is not None and b is not None
                    ),
                    False,
                )
                if address or contact:
                    pairs.append(
                        {"first": first, "second": second, "address": address, "contact": contact}
                    )
                    similar.add(first, process.ocid)
        if pairs:
            evidence = {"similar": [pair for pair in pairs if pair["first"] < pair["second"]]}
            findings.append(
                _finding(ctx, "R044", SubjectType.tender, process.ocid, 1.0, evidence, process.ocid)
            )
    return findings + similar.findings(ctx, "R044")


# --- population indicators: fences from the data ---------------------------------------------


def summarize_process(process: Process) -> dict[str, Any]:
    """What the indicators over the whole dataset need of one process (kept per process by
    procure.risk.population, so that they need not read every process's rows):

    - ``winner``: the sole winner (``_sole_winner``);
    - ``prices``: with a sole winner, per currency in the order first seen, the winner's lowest
      valid single-tenderer bid and the lowest other one, each [amount, tenderer, bid] (R024,
      R058);
    - ``submitted``: [disqualified, submitted] bids, and ``tenderers``: [tenderer,
      disqualified, submitted, valid] per tenderer named by a submitted bid (R038), ``valid``
      1 where it sent a valid single-tenderer bid (R025);
    - ``classified``: [supplier, classifications] of its active single-supplier awards (R048);
    - ``late``: whether R030 finds a late winning bid; ``others``: R035's disqualified other
      tenderers, where the process has R035's shape.
    """
    winner = _sole_winner(process)
    prices: dict[str, list[Any]] = {}
    valid: set[str] = set()
    for bid in process.bids:
        tenderer = _sole_tenderer(bid)
        if bid.status != "valid" or tenderer is None:
            continue
        valid.add(tenderer)
        if winner is None or bid.amount is None or bid.currency is None:
            continue
        sides = prices.setdefault(bid.currency, [None, None])
        side = 0 if tenderer == winner else 1
        lowest = sides[side]
        if lowest is None or bid.amount < lowest[0]:
            sides[side] = [bid.amount, tenderer, _bid(bid)]
    submitted = _submitted(process.bids)
    tenderers: dict[str, list[int]] = {}
    for bid in submitted:
        for tenderer in bid.tenderers:
            if tenderer is not None:
                count = tenderers.setdefault(tenderer, [0, 0])
                count[0] += bid.status == "disqualified"
                count[1] += 1
    classified: dict[str, set[str]] = {}
    for award in process.awards:
        if award.status != "active" or len(award.suppliers) != 1 or award.suppliers[0] is None:
            continue
        codes = {code for code in award.classifications if code is not None}
        if codes:
            classified.setdefault(award.suppliers[0], set()).update(codes)
    sole = _sole_valid_tenderer(process)
    return {
        "winner": winner,
        "prices": [[currency, *sides] for currency, sides in prices.items()],
        "submitted": [sum(bid.status == "disqualified" for bid in submitted), len(submitted)],
        "tenderers": [
            [tenderer, *count, int(tenderer in valid)] for tenderer, count in tenderers.items()
        ],
        "classified": [[supplier, sorted(codes)] for supplier, codes in classified.items()],
        "late": bool(_late_winning_bids(process)),
        "others": None if sole is None else len(sole[1]),
    }


async def _summaries(ctx: RuleContext, shared: Globals) -> list[population.ProcessSummary]:
    """The summaries of the processes every indicator considers, in import order."""
    excluded = frozenset(shared.exclusions.procurement_method_details)

    async def considered() -> list[population.ProcessSummary]:
        return [
            summary
            for summary in await population.process_summaries(ctx.dataset, summarize_process)
            if summary.tender_status != "cancelled"
            and summary.procurement_method_details not in excluded
        ]

    return await shared_value(("considered", ctx.dataset, excluded), considered)


@dataclass(frozen=True)
class _Difference:
    """The winning bid and the lowest other valid bid of a process, in the main currency."""

    ratio: float
    winner: str
    winning_bid: dict[str, Any]  # as evidence names a bid (_bid)
    winning_amount: float
    second: str
    second_bid: dict[str, Any]
    second_amount: float
    currency: str


async def _bid_ratios(ctx: RuleContext, shared: Globals) -> dict[str, _Difference]:
    """cardinal's SecondLowestBidRatio, (lowest other valid bid − winning bid) ÷ winning bid,
    of each process that has one, in import order, with the bids behind it.

    Only processes whose awards are all final, with one active award to one supplier, where the
    winner's lowest valid bid (one tenderer per bid) in the main currency (the settings', else
    the first observed) is not above the lowest other one.
    """
    currency = shared.currency
    ratios: dict[str, _Difference] = {}
    for summary in await _summaries(ctx, shared):
        if summary.data["winner"] is None or not _compares_prices(summary, shared):
            continue
        prices = summary.data["prices"]
        currency = currency or (prices[0][0] if prices else None)
        for in_currency, winning, lowest in prices:
            if in_currency != currency or winning is None or lowest is None:
                continue
            (winning_amount, winner, winning_bid), (amount, second, second_bid) = winning, lowest
            if amount >= winning_amount:
                ratios[summary.ocid] = _Difference(
                    divide(amount - winning_amount, winning_amount),
                    winner,
                    winning_bid,
                    winning_amount,
                    second,
                    second_bid,
                    amount,
                    in_currency,
                )
    return ratios


async def _beyond_fence(
    ctx: RuleContext, *, lower: bool, threshold: float | None
) -> tuple[dict[str, _Difference], dict[str, float]]:
    """R024 (``lower``) and R058: the processes whose SecondLowestBidRatio is at most the lower
    fence (at least the upper one), with the bids behind it, and the fences."""
    shared = global_settings(ctx.params)
    ratios = await shared_value(
        ("R024/R058 ratios", ctx.dataset, shared.model_dump_json()),
        lambda: _bid_ratios(ctx, shared),
    )
    name = "lower_fence" if lower else "upper_fence"
    if threshold is None:
        q1, q3 = quartiles([difference.ratio for difference in ratios.values()])
        fence = lower_fence(q1, q3) if lower else upper_fence(q1, q3)
        fences = {"q1": q1, "q3": q3, name: fence}
    else:
        q1, fence = 1.0, threshold
        fences = {name: fence}
    if not (fence > 0.0 and (q1 > 0.0 or not lower)):
        return {}, fences

    return {
        ocid: difference
        for ocid, difference in ratios.items()
        if (difference.ratio <= fence if lower else difference.ratio >= fence)
    }, fences


def _difference_evidence(difference: _Difference, **fences: float) -> dict[str, Any]:
    return {
        "difference": difference.ratio,
        "winner": difference.winner,
        "winning_bid": difference.winning_bid,
        "winning_amount": difference.winning_amount,
        "second_lowest_bidder": difference.second,
        "second_lowest_bid": difference.second_bid,
        "second_lowest_amount": difference.second_amount,
        "currency": difference.currency,
        **fences,
    }


@register(
    "R024",
    name_zh="报价接近中标价",
    name_en="Price close to winning bid",
    subject=SubjectType.tender,
    severity=Severity.medium,
    stage=Stage.bid,
    triggers={Trigger.award, Trigger.ocds_imported},
)
async def price_close_to_winning_bid(ctx: RuleContext) -> list[Finding]:
    """The difference between the winning bid and the second-lowest valid bid is at most the
    lower fence, Q1 − 1.5 × IQR of all differences (or ``threshold``); skipped when Q1 or the
    fence is not positive. The winner and the second-lowest bidder are flagged with 0.0."""
    settings: FenceThreshold = rule_settings("R024", ctx.params)
    differences, fences = await _beyond_fence(ctx, lower=True, threshold=settings.threshold)
    findings = []
    tenderers = _Organizations(0.0)
    for ocid, difference in differences.items():
        evidence = _difference_evidence(difference, **fences)
        findings.append(
            _finding(ctx, "R024", SubjectType.tender, ocid, difference.ratio, evidence, ocid)
        )
        tenderers.add(difference.winner, ocid)
        tenderers.add(difference.second, ocid)
    return findings + tenderers.findings(ctx, "R024")


@register(
    "R058",
    name_zh="中标价大幅低于次低价",
    name_en="Heavily discounted bid",
    subject=SubjectType.tender,
    severity=Severity.medium,
    stage=Stage.bid,
    triggers={Trigger.award, Trigger.ocds_imported},
)
async def heavily_discounted_bid(ctx: RuleContext) -> list[Finding]:
    """The difference between the winning bid and the second-lowest valid bid is at least the
    upper fence, Q3 + 1.5 × IQR of all differences (or ``threshold``), when the fence is
    positive. The winner is flagged with 0.0."""
    settings: FenceThreshold = rule_settings("R058", ctx.params)
    differences, fences = await _beyond_fence(ctx, lower=False, threshold=settings.threshold)
    findings = []
    winners = _Organizations(0.0)
    for ocid, difference in differences.items():
        evidence = _difference_evidence(difference, **fences)
        findings.append(
            _finding(ctx, "R058", SubjectType.tender, ocid, difference.ratio, evidence, ocid)
        )
        winners.add(difference.winner, ocid)
    return findings + winners.findings(ctx, "R058")


@register(
    "R025",
    name_zh="未中标投标过多",
    name_en="Excessive unsuccessful bids",
    subject=SubjectType.organization,
    severity=Severity.low,
    stage=Stage.bid,
    triggers={Trigger.award, Trigger.ocds_imported},
)
async def excessive_unsuccessful_bids(ctx: RuleContext) -> list[Finding]:
    """A tenderer's ratio of wins to processes with its valid bid (counted once per process;
    only processes with all awards final and one active award to one supplier) is at most the
    lower fence Q1 − 1.5 × IQR (or ``threshold``), while its number of such processes is at
    least the ``percentile`` (75) of all tenderers'. Skipped when Q1 or the fence is not
    positive."""
    settings: R025 = rule_settings("R025", ctx.params)
    counts: dict[str, list[int]] = {}  # tenderer → [wins, processes]
    for summary in await _summaries(ctx, global_settings(ctx.params)):
        supplier = summary.data["winner"]
        if supplier is None:
            continue
        for tenderer, *_, valid in summary.data["tenderers"]:
            if not valid:
                continue
            count = counts.setdefault(tenderer, [0, 0])
            count[0] += tenderer == supplier
            count[1] += 1
    ratios = {tenderer: wins / total for tenderer, (wins, total) in counts.items()}
    top = percentile([float(total) for _, total in counts.values()], settings.percentile)
    if settings.threshold is None:
        q1, q3 = quartiles(list(ratios.values()))
        fence = lower_fence(q1, q3)
        fences = {"q1": q1, "q3": q3, "lower_fence": fence}
    else:
        q1, fence = 1.0, settings.threshold
        fences = {"lower_fence": fence}
    if not (q1 > 0.0 and fence > 0.0):
        return []
    return [
        _finding(
            ctx,
            "R025",
            SubjectType.organization,
            tenderer,
            ratio,
            {
                "wins": counts[tenderer][0],
                "processes": counts[tenderer][1],
                "ratio": ratio,
                "upper_fence": top,
                "percentile": settings.percentile,
                **fences,
            },
        )
        for tenderer, ratio in ratios.items()
        if counts[tenderer][1] >= top and ratio <= fence
    ]


def _excessive(
    ctx: RuleContext,
    subject_type: SubjectType,
    counts: dict[str, list[int]],
    minimum: int,
    threshold: float | None,
) -> list[Finding]:
    """R038 for one group: ratios of organizations with at least ``minimum`` submitted bids."""
    ratios = {key: d / n for key, (d, n) in counts.items() if n >= minimum}
    if not ratios:
        return []
    if threshold is None:
        q1, q3 = quartiles(list(ratios.values()))
        fence = upper_fence(q1, q3)
        fences = {"q1": q1, "q3": q3, "upper_fence": fence}
    else:
        fence = threshold
        fences = {"upper_fence": fence}
    if not fence > 0.0:
        return []
    return [
        _finding(
            ctx,
            "R038",
            subject_type,
            key,
            ratio,
            {
                "disqualified_bids": counts[key][0],
                "submitted_bids": counts[key][1],
                "ratio": ratio,
                "minimum": minimum,
                **fences,
            },
        )
        for key, ratio in ratios.items()
        if ratio >= fence
    ]


@register(
    "R038",
    name_zh="被取消资格的投标过多",
    name_en="Excessive disqualified bids",
    subject=SubjectType.buyer,
    severity=Severity.medium,
    stage=Stage.bid,
    triggers={Trigger.award, Trigger.ocds_imported},
)
async def excessive_disqualified_bids(ctx: RuleContext) -> list[Finding]:
    """Per buyer, procuring entity and tenderer: disqualified ÷ submitted bids is at least the
    upper fence Q3 + 1.5 × IQR of its group (or ``threshold``), when the fence is positive.
    Buyers and procuring entities need ``minimum_contracting_processes`` submitted bids (as
    cardinal counts them), tenderers ``minimum_submitted_bids``."""
    settings: R038 = rule_settings("R038", ctx.params)
    tenderers: dict[str, list[int]] = {}
    groups: dict[SubjectType, dict[str, list[int]]] = {
        SubjectType.buyer: {},
        SubjectType.procuring_entity: {},
        SubjectType.organization: tenderers,
    }
    for summary in await _summaries(ctx, global_settings(ctx.params)):
        disqualified, submitted = summary.data["submitted"]
        if not submitted:
            continue
        for tenderer, flagged, bids, _ in summary.data["tenderers"]:
            count = tenderers.get(tenderer)
            if count is None:
                tenderers[tenderer] = [flagged, bids]
            else:
                count[0] += flagged
                count[1] += bids
        for subject_type, key in (
            (SubjectType.buyer, summary.buyer_id),
            (SubjectType.procuring_entity, summary.procuring_entity_id),
        ):
            if key is not None:
                count = groups[subject_type].setdefault(key, [0, 0])
                count[0] += disqualified
                count[1] += submitted
    minimum = settings.minimum_contracting_processes
    return (
        _excessive(ctx, SubjectType.buyer, groups[SubjectType.buyer], minimum, settings.threshold)
        + _excessive(
            ctx,
            SubjectType.procuring_entity,
            groups[SubjectType.procuring_entity],
            minimum,
            settings.threshold,
        )
        + _excessive(
            ctx,
            SubjectType.organization,
            groups[SubjectType.organization],
            settings.minimum_submitted_bids,
            settings.threshold,
        )
    )


@register(
    "R048",
    name_zh="供应商经营范围异常庞杂",
    name_en="Heterogeneous supplier",
    subject=SubjectType.organization,
    severity=Severity.low,
    stage=Stage.bid,
    triggers={Trigger.award, Trigger.ocds_imported},
)
async def heterogeneous_supplier(ctx: RuleContext) -> list[Finding]:
    """A supplier's variety — the distinct first ``digits`` characters of the classifications of
    the items of its active single-supplier awards — is at least the upper fence Q3 + 1.5 × IQR
    (or ``threshold``) among the suppliers awarded in at least
    ``minimum_contracting_processes`` processes."""
    settings: R048 = rule_settings("R048", ctx.params)
    varieties: dict[str, tuple[list[int], set[str]]] = {}
    for summary in await _summaries(ctx, global_settings(ctx.params)):
        for supplier, codes in summary.data["classified"]:
            count, prefixes = varieties.setdefault(supplier, ([0], set()))
            count[0] += 1
            prefixes.update(code[: settings.digits] for code in codes)
    lengths = {
        supplier: float(len(codes))
        for supplier, (count, codes) in varieties.items()
        if count[0] >= settings.minimum_contracting_processes
    }
    if settings.threshold is None:
        q1, q3 = quartiles(list(lengths.values()))
        fence = upper_fence(q1, q3)
        fences = {"q1": q1, "q3": q3, "upper_fence": fence}
    else:
        fence = float(settings.threshold)
        fences = {"upper_fence": fence}
    return [
        _finding(
            ctx,
            "R048",
            SubjectType.organization,
            supplier,
            length,
            {
                "classifications": sorted(varieties[supplier][1]),
                "processes": varieties[supplier][0][0],
                "digits": settings.digits,
                **fences,
            },
        )
        for supplier, length in lengths.items()
        if length >= fence
    ]


# --- running them --------------------------------------------------------------------------


async def run_bid_stage(
    dataset: str,
    *,
    tables: dict[str, dict[str, Any]] | None = None,
    scope: dict[SubjectType, frozenset[str]] | None = None,
) -> list[Finding]:
    """Every bid-stage rule over a dataset, in code order; the findings they return.

    ``tables`` (code → params, the globals under ``"cardinal"``) chooses the rules and their
    settings, e.g. from a cardinal settings file; by default every bid-stage rule runs with
    policy.toml's ``[risk.<CODE>]`` and ``[risk.cardinal]`` tables.
    """
    from procure.policy import get_policy

    policy = get_policy()
    if tables is None:
        tables = policy_tables(policy.risk)
    findings: list[Finding] = []
    for code in sorted(tables):
        rule = RULES.get(code)
        if rule is None or rule.stage != Stage.bid:
            continue
        context = RuleContext(
            params=tables[code], policy_version=policy.version, dataset=dataset, scope=scope
        )
        findings.extend(await rule.evaluate(context))
    return findings

"""A flag's evidence as the flag page shows it: a tree of labelled items, each of a kind the
template knows how to draw (money, link, percentage, nested table, list, plain value).

The rules write evidence as JSON with snake_case keys. Conventions they can rely on:
- a key ending in ``_fen`` holding a number (or a numeric string) is money, shown in 元 (to
  the fen);
- ``{"fen": 123456}`` is money too, wherever it appears;
- ``{"url": "/contracts/7", "label": "HT-2026-007"}`` is a link (only site paths and http(s)
  addresses become links; anything else shows as text);
- a key ending in ``_percent`` or ``_pct`` holding a number is a percentage;
- a key in ``RATIO_KEYS`` holding a number is a fraction, shown as a percentage (0.25 → 25%);
- ``days`` or a key starting with ``days_`` or ending in ``_days`` holding a whole number is
  a count of days (天);
- a dict under a money or percentage key passes its unit to its numbers
  (``{"thresholds_percent": {"below_mean_of_others": 20}}`` → 20%);
- a text value that is itself a known key (``"measure": "staff_hours"``) shows as that key's label;
- a dict is a nested table (thresholds, for instance), a list a list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal

from procure import i18n
from procure.i18n import N_

MONEY_SUFFIX = "_fen"
PERCENT_SUFFIXES = ("_percent", "_pct")
LINK_TEXT_KEYS = ("label", "text", "title", "name", "reference", "period")
#: Keys holding a fraction of one (wins / processes).
RATIO_KEYS = frozenset({"ratio"})
DAYS_KEY, DAYS_SUFFIX, DAYS_PREFIX = "days", "_days", "days_"
DAYS = N_("%(days)s days")


#: Labels of the evidence keys the rules write (the key without its _fen/_percent suffix), and
#: of the codes they write as values (a report's frequency, a payment's status); a key not
#: listed here is humanized in English.
LABELS: dict[str, str] = {
    "accepted_kinds": N_("Accepted kinds"),
    "activities": N_("Activities"),
    "ad_hoc_submissions": N_("Ad-hoc submissions"),
    "address": N_("Address"),
    "administrative": N_("Administrative work"),
    "amendments": N_("Amendments"),
    "amount": N_("Amount"),
    "amount_delta": N_("Amount change"),
    "award_id": N_("Award"),
    "awarded": N_("Awarded"),
    "awards": N_("Awards"),
    "basis": N_("Basis"),
    "below_ceiling": N_("Below the ceiling price"),
    "below_mean_of_others": N_("Below the mean of the other bids"),
    "beneficiary_group": N_("Named beneficiary group"),
    "bid": N_("Bid"),
    "bid_id": N_("Bid"),
    "bids": N_("Bids"),
    "bids_compared": N_("Bids compared"),
    "burst": N_("Burst"),
    "buyer": N_("Buyer"),
    "campaign": N_("Campaign task"),
    "ceiling": N_("Ceiling price"),
    "classifications": N_("Classifications"),
    "classified": N_("Classified"),
    "closed": N_("Closed"),
    "code": N_("Code"),
    "codes_issued": N_("Codes issued"),
    "committee_evaluations": N_("Committee evaluations"),
    "committee_score": N_("Committee score"),
    "communities": N_("Communities"),
    "communities_without_evidence": N_("Communities without evidence"),
    "community": N_("Community"),
    "confirmed": N_("Found delivered"),
    "contact": N_("Contact"),
    "contract": N_("Contract"),
    "contract_id": N_("Contract ID"),
    "contract_reports": N_("Contract reports"),
    "contracts": N_("Contracts"),
    "cumulative": N_("Cumulative"),
    "cumulative_delta": N_("Cumulative change"),
    "currency": N_("Currency"),
    "current_value": N_("Current value"),
    "date": N_("Date"),
    "date_signed": N_("Date signed"),
    "days": N_("Days"),
    "days_past_due": N_("Days past due"),
    "deadline": N_("Deadline"),
    "delivered": N_("Delivered"),
    "demanded_by": N_("Demanded by"),
    "description": N_("Description"),
    "difference": N_("Difference"),
    "digits": N_("Digits"),
    "disqualified": N_("Disqualified"),
    "disqualified_bids": N_("Disqualified bids"),
    "disqualified_tenderers": N_("Disqualified tenderers"),
    "dissatisfied_below": N_("Dissatisfied below"),
    "due_on": N_("Due on"),
    "end": N_("End"),
    "event": N_("event"),
    "evidence_recorded": N_("Evidence recorded"),
    "excellent": N_("Excellent"),
    "explanation": N_("Explanation"),
    "failing": N_("Fail"),
    "fence": N_("Fence"),
    "first": N_("First"),
    "first_submitted_on": N_("First submitted on"),
    "floor": N_("Floor price"),
    "gap_points": N_("Gap (points)"),
    "good": N_("Good"),
    "grace_days": N_("Grace days"),
    "grade": N_("Grade"),
    "held": N_("Held"),
    "high_share": N_("High-severity share"),
    "hour": N_("hour"),
    "hour_utc": N_("Hour (UTC)"),
    "hours": N_("Hours"),
    "hours_beyond_request": N_("More hours than requested"),
    "household": N_("household"),
    "household_visit": N_("Household visit"),
    "id": N_("ID"),
    "identical_prices": N_("Identical prices"),
    "interval_high": N_("Interval, upper bound"),
    "interval_low": N_("Interval, lower bound"),
    "iqr": N_("Interquartile range"),
    "item_code": N_("Item code"),
    "item_name": N_("Item"),
    "key": N_("Key"),
    "kind": N_("Kind"),
    "late": N_("Late"),
    "late_bids": N_("Late bids"),
    "line_no": N_("Line"),
    "lines": N_("Lines"),
    "lines_below_catalog_floor": N_("Lines below the catalog floor"),
    "lower_fence": N_("Lower fence"),
    "lowest_below_second": N_("Lowest below the second lowest"),
    "lowest_bid": N_("Lowest bid"),
    "max_gap_points": N_("Maximum gap (points)"),
    "max_increase": N_("Maximum increase"),
    "mean_of_others": N_("Mean of the other bids"),
    "measure": N_("Measure"),
    "medium_share": N_("Medium-severity share"),
    "min_contracts": N_("Minimum contracts"),
    "min_grade": N_("Minimum grade"),
    "min_response_rate": N_("Minimum response rate"),
    "min_responses": N_("Minimum responses"),
    "minimum": N_("Minimum"),
    "minimum_reached": N_("Units reached before judging"),
    "month": N_("month"),
    "monthly": N_("Monthly"),
    "name": N_("Name"),
    "no_request": N_("No request filed"),
    "not_delivered": N_("Not delivered"),
    "not_delivered_units": N_("Units not delivered"),
    "not_judged": N_("Not judged (data missing)"),
    "not_yet_due": N_("Not yet due"),
    "number_of_tenderers": N_("Number of tenderers"),
    "ocids": N_("OCDS ocids"),
    "of": N_("Of"),
    "open": N_("Open"),
    "organization": N_("Organization"),
    "organizations": N_("Organizations"),
    "original_value": N_("Original value"),
    "other": N_("Other"),
    "others": N_("Others"),
    "out_of_contract_activities": N_("Out-of-contract activities"),
    "out_of_contract_hours": N_("Out-of-contract hours"),
    "out_of_contract_lines": N_("Out-of-contract lines"),
    "out_of_contract_share": N_("Out-of-contract share"),
    "over_limit": N_("Over the limit"),
    "overdue": N_("Overdue"),
    "paid": N_("Paid"),
    "passing": N_("Pass"),
    "payments_continuing": N_("Payments continuing"),
    "percentile": N_("Percentile"),
    "performance": N_("Performance"),
    "performance_url": N_("Performance page"),
    "period": N_("Period"),
    "period_ends_on": N_("Period ends on"),
    "period_starts_on": N_("Period starts on"),
    "person": N_("person"),
    "planned": N_("Planned"),
    "planned_hours_per_unit": N_("Planned staff hours per unit"),
    "position": N_("Position"),
    "price": N_("Price"),
    "prices": N_("Prices"),
    "processes": N_("Processes"),
    "procurement_method": N_("Procurement method"),
    "procurement_method_details": N_("Procurement method (details)"),
    "project": N_("project"),
    "q1": N_("First quartile"),
    "q3": N_("Third quartile"),
    "quantity": N_("Quantity"),
    "quantity_delta": N_("Quantity change"),
    "quarterly": N_("Quarterly"),
    "ratio": N_("Ratio"),
    "reason": N_("Reason"),
    "reasons": N_("Reasons"),
    "reference": N_("Reference"),
    "released": N_("Released"),
    "report": N_("Report"),
    "reported_delivery": N_("Reported delivery"),
    "reporting_frequency": N_("Reporting frequency"),
    "request_not_accepted": N_("Request not accepted"),
    "request_of_another_department": N_("Request of another department"),
    "requested_by_department": N_("Requested by department"),
    "requested_by_person": N_("Requested by"),
    "requested_hours": N_("Requested hours"),
    "resident_satisfaction": N_("Resident satisfaction"),
    "response_rate": N_("Response rate"),
    "responses": N_("Responses"),
    "rounds": N_("Rounds"),
    "sample_size": N_("Units drawn"),
    "satisfaction": N_("Satisfaction"),
    "scheduled": N_("Scheduled"),
    "scope_line": N_("Scope line"),
    "scope_outside_tender": N_("Scope outside the tender"),
    "score": N_("Score"),
    "scores": N_("Scores"),
    "second": N_("Second"),
    "second_lowest": N_("Second lowest bid"),
    "second_lowest_amount": N_("Second lowest amount"),
    "second_lowest_bid": N_("Second lowest bid"),
    "second_lowest_bidder": N_("Second lowest bidder"),
    "seconded_staff": N_("Seconded staff"),
    "self_reported_high": N_("Self-reported high"),
    "self_reported_outcome": N_("Self-reported outcome"),
    "seq": N_("No."),
    "session": N_("Session with a sign-in list"),
    "share": N_("Share"),
    "share_of_plan": N_("Share of the plan"),
    "signed_at": N_("Signed at"),
    "similar": N_("Similar"),
    "spot_checks": N_("Spot-checks"),
    "staff_hours": N_("Staff hours"),
    "staff_hours_per_unit": N_("Staff hours per unit"),
    "standing": N_("Standing"),
    "start": N_("Start"),
    "status": N_("Status"),
    "straight_lining": N_("Straight-lining"),
    "submissions": N_("Submissions"),
    "submitted": N_("Submitted"),
    "submitted_bids": N_("Submitted bids"),
    "submitted_late": N_("Submitted late"),
    "submitted_on_time": N_("Submitted on time"),
    "supplier": N_("Supplier"),
    "survey_round": N_("Survey round"),
    "survey_rounds": N_("Survey rounds"),
    "tender": N_("Tender"),
    "tender_value": N_("Tender value"),
    "tenderer": N_("Tenderer"),
    "tenderers": N_("Tenderers"),
    "threshold": N_("Threshold"),
    "thresholds": N_("Thresholds"),
    "tolerance": N_("Tolerance"),
    "total_hours": N_("Total hours"),
    "total_value": N_("Total value"),
    "unfiled_hours": N_("Unfiled hours"),
    "unfiled_lines": N_("Unfiled lines"),
    "unit": N_("Unit"),
    "unit_floor": N_("Unit floor price"),
    "unreachable": N_("Could not reach"),
    "upper_fence": N_("Upper fence"),
    "url": N_("Link"),
    "value": N_("Indicator value"),
    "value_delta": N_("Value change"),
    "verified_delivery": N_("Verified delivery"),
    "version": N_("Version"),
    "winner": N_("Winner"),
    "winning_amount": N_("Winning amount"),
    "winning_bid": N_("Winning bid"),
    "wins": N_("Wins"),
    "work_request": N_("Work request"),
    "year": N_("Year"),
}


@dataclass(frozen=True)
class Item:
    label: str
    kind: str  # text | number | money | percent | link | boolean | empty | table | list
    text: str = ""
    href: str = ""
    children: list[Item] = field(default_factory=list)


def _base(key: str) -> str:
    for suffix in (MONEY_SUFFIX, *PERCENT_SUFFIXES):
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def humanized(key: str) -> str:
    """mean_of_others_fen → Mean of others."""
    words = _base(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def key_label(key: str, locale: str) -> str:
    """The key's label in the reader's language: mean_of_others_fen → 其他报价均值."""
    known = LABELS.get(_base(key))
    return i18n.gettext(locale, known) if known else humanized(key)


def is_safe_url(url: object) -> bool:
    if not isinstance(url, str):
        return False
    return (url.startswith("/") and not url.startswith("//")) or url.startswith(
        ("https://", "http://")
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fen(value: object) -> int | None:
    """Whole fen from an int or a numeric string (a mean may be written as "123456.5")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        except InvalidOperation:
            return None
    return None


def _number(value: int | float | Decimal, locale: str) -> str:
    if isinstance(value, int):
        return str(value)
    return format_decimal(value, format="#,##0.####", locale=i18n.babel_locale(locale))


def _unit(key: str) -> str:
    """The unit a key's numbers carry: money, percent, ratio, days, or none."""
    if key.endswith(MONEY_SUFFIX):
        return "money"
    if key.endswith(PERCENT_SUFFIXES):
        return "percent"
    if key in RATIO_KEYS:
        return "ratio"
    if key == DAYS_KEY or key.endswith(DAYS_SUFFIX) or key.startswith(DAYS_PREFIX):
        return "days"
    return ""


def _with_unit(label: str, unit: str, value: Any, locale: str) -> Item | None:
    if unit == "money" and (fen := _fen(value)) is not None:
        return Item(label, "money", text=i18n.yuan(fen, locale))
    if not _is_number(value) and not isinstance(value, Decimal):
        return None
    if unit == "percent":
        return Item(label, "percent", text=f"{_number(value, locale)}%")
    if unit == "ratio":
        shown = format_decimal(
            Decimal(str(value)) * 100, format="#,##0.##", locale=i18n.babel_locale(locale)
        )
        return Item(label, "percent", text=f"{shown}%")
    if unit == "days" and isinstance(value, int):
        return Item(label, "number", text=i18n.gettext(locale, DAYS, days=value))
    return None


def item(key: str, value: Any, locale: str, inherited: str = "") -> Item:
    label = key_label(key, locale) if key else ""
    unit = _unit(key) or inherited
    if isinstance(value, dict):
        if "url" in value:
            text = next((str(value[k]) for k in LINK_TEXT_KEYS if value.get(k)), str(value["url"]))
            if is_safe_url(value["url"]):
                return Item(label, "link", text=text, href=value["url"])
            return Item(label, "text", text=text)
        if set(value) <= {"fen", *LINK_TEXT_KEYS} and (fen := _fen(value.get("fen"))) is not None:
            return Item(label, "money", text=i18n.yuan(fen, locale))
        children = [item(str(k), v, locale, unit) for k, v in value.items()]
        return Item(label, "table", children=children)
    if isinstance(value, list):
        children = [item("", element, locale, unit) for element in value]
        return Item(label, "list", children=children)
    if isinstance(value, bool):
        return Item(label, "boolean", text="✓" if value else "✗")
    if value is None or value == "":
        return Item(label, "empty", text="—")
    if unit and (shown := _with_unit(label, unit, value, locale)) is not None:
        return shown
    if _is_number(value) or isinstance(value, Decimal):
        return Item(label, "number", text=_number(value, locale))
    if isinstance(value, str) and value in LABELS:
        return Item(label, "text", text=i18n.gettext(locale, LABELS[value]))
    return Item(label, "text", text=str(value))


def items(evidence: dict[str, Any], locale: str) -> list[Item]:
    """The evidence's items in the order the rule wrote them."""
    return [item(str(key), value, locale) for key, value in evidence.items()]

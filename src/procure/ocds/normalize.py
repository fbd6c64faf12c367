"""Normalizing a compiled release into the rows the rules read, as leniently as data in the wild
needs: a value that is missing stays NULL, a value present but unusable (a date without a time
zone, an amount that is not a number, an id that is not a string) becomes NULL and is reported
as skipped. The compiled release itself is stored unchanged beside the rows.

Usable means usable the way cardinal reads OCDS: dates are RFC 3339 date-times with an offset,
amounts are JSON numbers, organization ids are strings, statuses are strings.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

# chrono's DateTime::parse_from_rfc3339, which cardinal uses: "T", "t" or a space between date
# and time, any number of fraction digits, "Z"/"z" or a ±hh:mm offset (U+2212 allowed as minus).
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:[Zz]|([+\-\u2212])([0-9]{2}):([0-5][0-9]))"
)
_MAX_OFFSET = timedelta(hours=23, minutes=59)
_BIGINT = 2**63


def parse_rfc3339(text: str) -> datetime | None:
    """The instant an RFC 3339 date-time names (in UTC), or None when it is not one.

    Fractions beyond microseconds are truncated; a leap second (:60) is read as the next second.
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, sign, offset_hours, offset_minutes = match.group(7, 8, 9, 10)
    offset = timedelta()
    if sign is not None:
        offset = timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
        if offset > _MAX_OFFSET:
            return None
        if sign != "+":
            offset = -offset
    leap = second == 60
    if hour > 23 or minute > 59 or second > 60:
        return None
    microsecond = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        value = datetime(
            year, month, day, hour, minute, 59 if leap else second, microsecond, timezone(offset)
        )
        if leap:
            value += timedelta(seconds=1)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def decimal_of(value: int | float) -> Decimal | None:
    """A JSON number as a Decimal that converts back to the same double cardinal reads."""
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    return Decimal(value)


@dataclass(frozen=True)
class SkippedValue:
    ocid: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.ocid}: {self.path}: {self.reason}"


@dataclass
class NormalizedProcess:
    """A compiled release as rows: column name → value, children keyed by their positions."""

    ocid: str
    process: dict[str, Any]
    parties: list[dict[str, Any]] = field(default_factory=list)
    bids: list[dict[str, Any]] = field(default_factory=list)
    bid_tenderers: list[dict[str, Any]] = field(default_factory=list)
    awards: list[dict[str, Any]] = field(default_factory=list)
    award_suppliers: list[dict[str, Any]] = field(default_factory=list)
    award_items: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[SkippedValue] = field(default_factory=list)


class _Reader:
    """Reads typed values out of JSON objects, reporting what is present but unusable."""

    def __init__(self, ocid: str) -> None:
        self.ocid = ocid
        self.skipped: list[SkippedValue] = []

    def skip(self, path: str, reason: str) -> None:
        self.skipped.append(SkippedValue(self.ocid, path, reason))

    def object(self, parent: dict[str, Any], key: str, path: str) -> dict[str, Any] | None:
        value = parent.get(key)
        if value is None or isinstance(value, dict):
            return value
        self.skip(f"{path}.{key}", "not an object")
        return None

    def array(self, parent: dict[str, Any], key: str, path: str) -> list[Any] | None:
        value = parent.get(key)
        if value is None or isinstance(value, list):
            return value
        self.skip(f"{path}.{key}", "not an array")
        return None

    def text(self, parent: dict[str, Any] | None, key: str, path: str) -> str | None:
        if parent is None:
            return None
        value = parent.get(key)
        if value is None or isinstance(value, str):
            return value
        self.skip(f"{path}.{key}", "not a string")
        return None

    def identifier(self, parent: dict[str, Any] | None, key: str, path: str) -> str | None:
        """An OCDS id that is not an organization's: an integer is written as a string."""
        value = None if parent is None else parent.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(parent, key, path)

    def date(self, parent: dict[str, Any] | None, key: str, path: str) -> datetime | None:
        text = self.text(parent, key, path)
        if text is None:
            return None
        parsed = parse_rfc3339(text)
        if parsed is None:
            self.skip(f"{path}.{key}", f"not an RFC 3339 date-time with a time zone: {text!r}")
        return parsed

    def amount(self, parent: dict[str, Any] | None, key: str, path: str) -> Decimal | None:
        if parent is None or parent.get(key) is None:
            return None
        value = parent[key]
        amount = decimal_of(value) if is_number(value) else None
        if amount is None:
            self.skip(f"{path}.{key}", f"not a number: {value!r}")
        return amount

    def integer(self, parent: dict[str, Any] | None, key: str, path: str) -> int | None:
        if parent is None or parent.get(key) is None:
            return None
        value = parent[key]
        if isinstance(value, int) and not isinstance(value, bool) and -_BIGINT <= value < _BIGINT:
            return value
        self.skip(f"{path}.{key}", f"not an integer: {value!r}")
        return None

    def reference(self, entry: Any, path: str) -> str | None:
        """The id of an organization reference: a string, or NULL (cardinal's rule)."""
        if isinstance(entry, dict):
            return self.text(entry, "id", path)
        self.skip(path, "not an object")
        return None

    def entries(self, parent: dict[str, Any] | None, key: str, path: str) -> list[tuple[int, Any]]:
        if parent is None:
            return []
        return list(enumerate(self.array(parent, key, path) or []))


def _full_address(address: Any) -> str | None:
    """cardinal's R044: street, locality, region, postal code, country, each trimmed and
    lower-cased and followed by a space; only when a streetAddress is given."""
    if not isinstance(address, dict) or "streetAddress" not in address:
        return None
    fields = ("streetAddress", "locality", "region", "postalCode", "countryName")
    return "".join(
        f"{address[name].strip().lower()} " for name in fields if isinstance(address.get(name), str)
    )


def _contract_key(contract: Any) -> str | None:
    """A contract's id across releases: a string, or an integer written as one."""
    value = contract.get("id") if isinstance(contract, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _first_values(releases: list[Any]) -> dict[str, tuple[Decimal, str | None]]:
    """Each contract's value before any amendment (amount, currency), by contract id: its value
    in the earliest release that gives a usable one and lists no amendment of it. Releases in
    date order (a release without a usable date after the dated ones), in the order read among
    equals. Unusable values here are not reported: the compiled release's are."""
    dated = []
    for index, release in enumerate(releases):
        if not isinstance(release, dict) or not isinstance(release.get("contracts"), list):
            continue
        when = parse_rfc3339(release["date"]) if isinstance(release.get("date"), str) else None
        dated.append((when is None, when or datetime.min.replace(tzinfo=UTC), index, release))
    first: dict[str, tuple[Decimal, str | None]] = {}
    for _, _, _, release in sorted(dated, key=lambda entry: entry[:3]):
        for contract in release["contracts"]:
            key = _contract_key(contract)
            value = contract.get("value") if isinstance(contract, dict) else None
            if key is None or key in first or not isinstance(value, dict):
                continue
            if contract.get("amendments"):
                continue  # already amended: not its original value
            amount: Any = value.get("amount")
            if not is_number(amount):
                continue
            exact = decimal_of(amount)
            if exact is not None:
                currency = value.get("currency")
                first[key] = (exact, currency if isinstance(currency, str) else None)
    return first


def _contracts(
    read: _Reader, release: dict[str, Any], releases: list[Any] | None
) -> list[dict[str, Any]]:
    """/contracts: each contract's current value (the compiled release's), its original value
    (its value in the earliest release giving one before any amendment), its award, date
    signed and how many amendments it lists. When no release gives it, the original is the
    current value unless the contract lists amendments (then NULL: it is not known)."""
    first = _first_values(releases or [])
    rows = []
    for position, contract in read.entries(release, "contracts", "$"):
        path = f"$.contracts[{position}]"
        if not isinstance(contract, dict):
            read.skip(path, "not an object")
            continue
        value = read.object(contract, "value", path)
        amendments = read.array(contract, "amendments", path) or []
        amount = read.amount(value, "amount", f"{path}.value")
        currency = read.text(value, "currency", f"{path}.value")
        key = _contract_key(contract)
        if key is not None and key in first:
            original, original_currency = first[key]
        elif amendments:
            original, original_currency = None, None
        else:
            original, original_currency = amount, currency
        rows.append(
            {
                "position": position,
                "contract_id": read.identifier(contract, "id", path),
                "award_id": read.identifier(contract, "awardID", path),
                "status": read.text(contract, "status", path),
                "amount": amount,
                "currency": currency,
                "original_amount": original,
                "original_currency": original_currency,
                "date_signed": read.date(contract, "dateSigned", path),
                "amendments": len(amendments),
            }
        )
    return rows


def normalize(
    ocid: str, release: dict[str, Any], releases: list[Any] | None = None
) -> NormalizedProcess:
    """The rows of one compiled release; every unusable value is NULL and listed as skipped.
    ``releases``: the releases it was compiled from (a contract's original value is read from
    the earliest of them)."""
    read = _Reader(ocid)
    buyer = read.object(release, "buyer", "$")
    tender = read.object(release, "tender", "$")
    procuring_entity = read.object(tender, "procuringEntity", "$.tender") if tender else None
    period = read.object(tender, "tenderPeriod", "$.tender") if tender else None
    tender_value = read.object(tender, "value", "$.tender") if tender else None
    process = {
        "buyer_id": read.text(buyer, "id", "$.buyer"),
        "procuring_entity_id": read.text(procuring_entity, "id", "$.tender.procuringEntity"),
        "tender_status": read.text(tender, "status", "$.tender"),
        "procurement_method": read.text(tender, "procurementMethod", "$.tender"),
        "procurement_method_details": read.text(tender, "procurementMethodDetails", "$.tender"),
        "tender_period_start": read.date(period, "startDate", "$.tender.tenderPeriod"),
        "tender_period_end": read.date(period, "endDate", "$.tender.tenderPeriod"),
        "tender_period_end_text": period.get("endDate")
        if period and isinstance(period.get("endDate"), str)
        else None,
        "number_of_tenderers": read.integer(tender, "numberOfTenderers", "$.tender"),
        "tender_value_amount": read.amount(tender_value, "amount", "$.tender.value"),
        "tender_value_currency": read.text(tender_value, "currency", "$.tender.value"),
    }
    rows = NormalizedProcess(ocid=ocid, process=process)

    for position, party in read.entries(release, "parties", "$"):
        path = f"$.parties[{position}]"
        if not isinstance(party, dict):
            read.skip(path, "not an object")
            continue
        roles = read.array(party, "roles", path) or []
        contact = read.object(party, "contactPoint", path)
        rows.parties.append(
            {
                "position": position,
                "party_id": read.text(party, "id", path),
                "name": read.text(party, "name", path),
                "roles": [role for role in roles if isinstance(role, str)],
                "full_address": _full_address(party.get("address")),
                "contact_name": read.text(contact, "name", f"{path}.contactPoint"),
                "contact_email": read.text(contact, "email", f"{path}.contactPoint"),
                "contact_telephone": read.text(contact, "telephone", f"{path}.contactPoint"),
                "contact_fax_number": read.text(contact, "faxNumber", f"{path}.contactPoint"),
                "contact_url": read.text(contact, "url", f"{path}.contactPoint"),
            }
        )

    bids = read.object(release, "bids", "$")
    for position, bid in read.entries(bids, "details", "$.bids"):
        path = f"$.bids.details[{position}]"
        if not isinstance(bid, dict):
            read.skip(path, "not an object")
            continue
        value = read.object(bid, "value", path)
        rows.bids.append(
            {
                "position": position,
                "bid_id": read.identifier(bid, "id", path),
                "status": read.text(bid, "status", path),
                "amount": read.amount(value, "amount", f"{path}.value"),
                "currency": read.text(value, "currency", f"{path}.value"),
                "date": read.date(bid, "date", path),
                "date_text": bid.get("date") if isinstance(bid.get("date"), str) else None,
            }
        )
        for index, tenderer in read.entries(bid, "tenderers", path):
            rows.bid_tenderers.append(
                {
                    "bid_position": position,
                    "position": index,
                    "party_id": read.reference(tenderer, f"{path}.tenderers[{index}]"),
                }
            )

    for position, award in read.entries(release, "awards", "$"):
        path = f"$.awards[{position}]"
        if not isinstance(award, dict):
            read.skip(path, "not an object")
            continue
        value = read.object(award, "value", path)
        rows.awards.append(
            {
                "position": position,
                "award_id": read.identifier(award, "id", path),
                "status": read.text(award, "status", path),
                "amount": read.amount(value, "amount", f"{path}.value"),
                "currency": read.text(value, "currency", f"{path}.value"),
                "date": read.date(award, "date", path),
            }
        )
        for index, supplier in read.entries(award, "suppliers", path):
            rows.award_suppliers.append(
                {
                    "award_position": position,
                    "position": index,
                    "party_id": read.reference(supplier, f"{path}.suppliers[{index}]"),
                }
            )
        for index, item in read.entries(award, "items", path):
            item_path = f"{path}.items[{index}]"
            if not isinstance(item, dict):
                read.skip(item_path, "not an object")
                continue
            classification = read.object(item, "classification", item_path)
            rows.award_items.append(
                {
                    "award_position": position,
                    "position": index,
                    "classification_scheme": read.text(
                        classification, "scheme", f"{item_path}.classification"
                    ),
                    # A string only, as cardinal reads it (its `prepare` stringifies integers).
                    "classification_id": read.text(
                        classification, "id", f"{item_path}.classification"
                    ),
                }
            )
    rows.contracts = _contracts(read, release, releases)
    rows.skipped = read.skipped
    return rows

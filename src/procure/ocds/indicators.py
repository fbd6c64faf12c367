"""cardinal's indicators through the platform: import into a temporary dataset, run the platform's
bid-stage rules, answer with the object ``ocdscardinal indicators --no-meta`` prints."""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from procure.ocds.imports import ocds_dataset_delete, ocds_import
from procure.risk.registry import Finding, SubjectType
from procure.risk.rules.cardinal import run_bid_stage

# cardinal's groups, in the order this output lists them.
GROUPS = {
    SubjectType.tender: "OCID",
    SubjectType.buyer: "Buyer",
    SubjectType.procuring_entity: "ProcuringEntity",
    SubjectType.organization: "Tenderer",
}

Results = dict[str, dict[str, dict[str, float]]]


def cardinal_results(findings: list[Finding]) -> Results:
    """Group → identifier → indicator → value; empty groups left out, as cardinal does."""
    results: Results = {group: {} for group in GROUPS.values()}
    for finding in findings:
        group = results[GROUPS[finding.subject_type]]
        group.setdefault(finding.subject_id, {})[finding.rule] = (
            math.nan if finding.value is None else finding.value
        )
    return {group: members for group, members in results.items() if members}


def format_float(value: float) -> str:
    """A double as serde_json writes it (ryu): shortest round-trip digits, ``1.0`` not ``1``,
    decimal notation for 1e-5 ≤ |x| < 1e16 and ``1e16``, ``1.5e-7`` beyond; null if not finite."""
    if not math.isfinite(value):
        return "null"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    shortest = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(str(digit) for digit in shortest.digits)
    exponent = int(shortest.exponent)
    length = len(digits)
    point = length + exponent  # 10^(point-1) <= |value| < 10^point
    if exponent >= 0 and point <= 16:
        return f"{sign}{digits}{'0' * exponent}.0"
    if 0 < point <= 16:
        return f"{sign}{digits[:point]}.{digits[point:]}"
    if -5 < point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    mantissa = digits if length == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{sign}{mantissa}e{point - 1}"


def cardinal_json(results: Results) -> str:
    """The results as serde_json::to_string writes them: compact, UTF-8, ryu floats."""

    def write(value: Any) -> str:
        if isinstance(value, dict):
            members = (f"{json.dumps(k, ensure_ascii=False)}:{write(v)}" for k, v in value.items())
            return "{" + ",".join(members) + "}"
        return format_float(value)

    return write(results)


async def ocds_indicators(
    source: Path | bytes,
    *,
    tables: dict[str, dict[str, Any]] | None = None,
    warn: Callable[[str], None] = lambda _: None,
) -> Results:
    """Import ``source`` (JSON Lines of compiled releases, read as cardinal reads them) into a
    fresh temporary dataset, run the bid-stage rules over it, delete it (even on error)."""
    dataset = f"indicators-{secrets.token_hex(8)}"
    try:
        await ocds_import(actor=None, source=source, dataset=dataset, lenient=True, warn=warn)
        findings = await run_bid_stage(dataset, tables=tables)
    finally:
        await ocds_dataset_delete(actor=None, dataset=dataset)
    return cardinal_results(findings)

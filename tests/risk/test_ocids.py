"""Flags on the platform's own subjects carry the ocid of their contracting process."""

from __future__ import annotations

from procure.risk.engine import scan
from procure.risk.tables import RiskFlag
from procure.settings import get_settings


async def test_platform_flags_carry_their_processes_ocid(database: None) -> None:
    await scan(rules=["DEMAND_MISMATCH", "AMENDMENT_CREEP", "CONCENTRATION"])
    prefix = get_settings().ocid_prefix
    rows = await RiskFlag.select(RiskFlag.rule, RiskFlag.subject_type, RiskFlag.ocid).where(
        RiskFlag.rule.is_in(["DEMAND_MISMATCH", "AMENDMENT_CREEP", "CONCENTRATION"])
        & (RiskFlag.dataset == "platform")
    )
    ocids = {(row["rule"], row["ocid"]) for row in rows}
    # The demo's planted cases: ZB-2026-004 published without evidence of residents' needs,
    # and HT-2026-007 (awarded on ZB-2026-006) amended by 12.5%.
    assert ("DEMAND_MISMATCH", f"{prefix}-ZB-2026-004") in ocids
    assert ("AMENDMENT_CREEP", f"{prefix}-ZB-2026-006") in ocids
    # A buyer is no contracting process.
    concentration = [row for row in rows if row["rule"] == "CONCENTRATION"]
    assert concentration and all(
        row["subject_type"] == "buyer" and row["ocid"] == "" for row in concentration
    )

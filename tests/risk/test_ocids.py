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
    by_rule = {row["rule"]: row for row in rows}
    # The demo's planted cases: ZB-2026-004 published without evidence of residents' needs,
    # and HT-2026-007 (awarded on ZB-2026-006) amended by 12.5%.
    assert by_rule["DEMAND_MISMATCH"]["ocid"] == f"{prefix}-ZB-2026-004"
    assert by_rule["AMENDMENT_CREEP"]["ocid"] == f"{prefix}-ZB-2026-006"
    # A buyer is no contracting process.
    assert by_rule["CONCENTRATION"]["subject_type"] == "buyer"
    assert by_rule["CONCENTRATION"]["ocid"] == ""

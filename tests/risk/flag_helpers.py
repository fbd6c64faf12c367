"""Risk flags for the lifecycle and dashboard tests, inserted directly (the engine that raises
them is tested elsewhere), on the demo district's departments, organizations and contracts.

Every test gets its own tag, written into the flags' dataset (or, for the platform's own
flags, their period), so a test counts its own flags whatever else the database holds; the
flags are deleted after the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from piccolo.query.functions.aggregate import Max

from procure.audit.tables import AuditEvent
from procure.contracts.tables import Contract
from procure.departments.tables import Department
from procure.organizations.tables import Organization
from procure.risk.tables import FlagStatus, RiskFlag, Severity

# The demo's parties (fixtures/demo.toml), by the names people know them by.
MZJ = "滨海区民政局"  # buyer
HWJD = "滨海区海湾街道办事处"  # buyer2
XTJD = "滨海区新塘街道办事处"  # buyer3
XINLIANXIN = "滨海区心连心社会工作服务中心"  # org
QIMINGXING = "滨海区启明星社会工作服务中心"  # org2
TONGXIN = "滨海区同心社区发展服务中心"  # org3
# 心连心 for 海湾街道, covering 海滨 (committee) and 渔港 (committee2).
HT_007 = "HT-2026-007"
# 启明星, covering 渔港 (committee2), 桂园 and 荔枝林.
HT_011 = "HT-2026-011"


async def department_id(name: str) -> int:
    row = await Department.select(Department.id).where(Department.name == name).first()
    assert row is not None, name
    return int(row["id"])


async def organization_id(name: str) -> int:
    row = await Organization.select(Organization.id).where(Organization.name == name).first()
    assert row is not None, name
    return int(row["id"])


async def contract(reference: str) -> dict[str, Any]:
    row = (
        await Contract.select(Contract.id, Contract.department, Contract.organization)
        .where(Contract.reference == reference)
        .first()
    )
    assert row is not None, reference
    return row


def underpriced_evidence(contract_id: int) -> dict[str, Any]:
    """What UNDERPRICED_BID might record: the numbers, the thresholds, links to the objects."""
    return {
        "bid_price_fen": 9_850_000,
        "mean_of_others_fen": 21_480_000,
        "ceiling_fen": 24_000_000,
        "ratio_to_mean_percent": 45.86,
        "thresholds": {"below_mean_of_others_percent": 50, "below_ceiling_percent": 45},
        "contract": {"url": f"/contracts/{contract_id}", "label": HT_007},
        "bidders": 4,
    }


@dataclass
class Flags:
    """Inserts flags for one test, tagged, and remembers them for the clean-up."""

    tag: str = field(default_factory=lambda: f"t{uuid4().hex[:10]}")
    ids: list[int] = field(default_factory=list)
    # The audit log's last event before the test: SQLite reuses a deleted flag's id, so a
    # test looks only at the events after this one.
    audit_since: int = 0

    async def add(
        self,
        *,
        rule: str = "UNDERPRICED_BID",
        subject_type: str = "contract",
        subject_id: str | int = "1",
        severity: Severity = Severity.high,
        status: FlagStatus = FlagStatus.open,
        department: int | None = None,
        organization: int | None = None,
        period: str = "",
        dataset: str | None = None,
        evidence: dict[str, Any] | None = None,
        first_seen_at: datetime | None = None,
        ocid: str = "",
        policy_version: str = "2026.1",
    ) -> int:
        """A flag in this test's dataset, unless ``dataset`` names another one (then the
        period carries the tag, which keeps the flag unique)."""
        seen = first_seen_at or datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
        rows = await RiskFlag.insert(
            RiskFlag(
                rule=rule,
                dataset=dataset or self.tag,
                subject_type=subject_type,
                subject_id=str(subject_id),
                period=period if dataset is None else period or self.tag,
                ocid=ocid,
                severity=severity,
                status=status,
                evidence=evidence or {},
                policy_version=policy_version,
                department=department,
                organization=organization,
                first_seen_at=seen,
                last_seen_at=seen,
            )
        ).returning(RiskFlag.id)
        self.ids.append(rows[0]["id"])
        return int(rows[0]["id"])

    @staticmethod
    async def after_every_flag() -> datetime:
        """A moment later than every flag's last sighting: a page listing the latest flags
        shows this test's first, whatever other tests left (and whatever their clocks)."""
        latest = (
            await RiskFlag.select(RiskFlag.last_seen_at)
            .order_by(RiskFlag.last_seen_at, ascending=False)
            .first()
        )
        at = latest["last_seen_at"] if latest else datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
        return at + timedelta(minutes=1)

    async def on_contract(self, reference: str, **fields: Any) -> int:
        """A flag on a platform contract, naming its department and organization."""
        row = await contract(reference)
        return await self.add(
            subject_type="contract",
            subject_id=row["id"],
            department=row["department"],
            organization=row["organization"],
            **fields,
        )


@asynccontextmanager
async def flags_cleanup() -> AsyncIterator[Flags]:
    """A Flags for one test; its flags (and, by cascade, their history) go afterwards."""
    last = await AuditEvent.select(Max(AuditEvent.seq, alias="seq")).first()
    made = Flags(audit_since=int((last or {}).get("seq") or 0))
    try:
        yield made
    finally:
        if made.ids:
            await RiskFlag.delete().where(RiskFlag.id.is_in(made.ids))


@pytest.fixture
async def flags(database: None) -> AsyncIterator[Flags]:
    async with flags_cleanup() as made:
        yield made

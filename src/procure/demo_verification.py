"""The demo district's filed work requests, from fixtures/demo.toml's ``[[work_requests]]``
entries, written after the service reports they belong to (demo_oversight). Periods are named
by position as there (the spot-checks are demo_spotchecks').

A work request is filed by an official of the contract's buying department early in its period,
accepted by the organization the next day, and cited by an out-of-contract line the
organization adds to that period's report: what the internalization firewall asks for, so no
UNFILED_REQUEST. Each step leaves the audit event the platform's own step leaves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.contracts.tables import Contract
from procure.demo_oversight import period_at
from procure.reports.rules import hours_to_minutes
from procure.reports.selectors import submitted_report
from procure.reports.tables import (
    ActivityLine,
    OutOfScopeKind,
)
from procure.security.actors import Actor
from procure.security.tables import Role, User
from procure.workrequests.tables import WorkRequest, WorkRequestCitation, WorkRequestStatus


class VerificationLoader:
    def __init__(self, now: datetime, zone: ZoneInfo) -> None:
        self.now = now
        self.zone = zone

    def moment(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=self.zone).astimezone(UTC)

    async def load(self, data: dict[str, Any]) -> dict[str, int]:
        created = {"work_request": 0}
        for spec in data.get("work_requests", []):
            created["work_request"] += await self.work_request(spec)
        return {table: count for table, count in created.items() if count}

    async def _user(self, **where: Any) -> int:
        query = User.select(User.id)
        for column, value in where.items():
            query = query.where(getattr(User, column) == value)
        row = await query.order_by(User.id).first()
        assert row is not None, where
        return int(row["id"])

    async def _actor(self, **where: Any) -> Actor:
        user_id = await self._user(**where)
        row = await User.select().where(User.id == user_id).first()
        assert row is not None
        return Actor.from_row(row)

    async def work_request(self, spec: dict[str, Any]) -> int:
        contract = await Contract.select().where(Contract.reference == spec["contract"]).first()
        assert contract is not None, spec["contract"]
        if await WorkRequest.exists().where(
            (WorkRequest.contract == contract["id"]) & (WorkRequest.purpose == spec["purpose"])
        ):
            return 0
        period = period_at(contract, spec["position"], self.now.astimezone(self.zone).date())
        report = await submitted_report(contract["id"], period.label)
        assert report is not None, (spec["contract"], period.label)
        filed_at = self.moment(period.starts_on + timedelta(days=2), 10)
        answered_at = filed_at + timedelta(days=1)
        official = await self._actor(role=Role.buyer, department=contract["department"])
        organization = await self._actor(organization=contract["organization"])
        rows = await WorkRequest.insert(
            WorkRequest(
                contract=contract["id"],
                department=contract["department"],
                requested_by=official.id,
                requested_by_person=spec["person"],
                kind=spec["kind"],
                purpose=spec["purpose"],
                hours=spec["hours"],
                deadline=period.starts_on + timedelta(days=spec["deadline_days"]),
                status=WorkRequestStatus.accepted,
                answer_note=spec.get("answer", ""),
                answered_by=organization.id,
                answered_at=answered_at,
                filed_at=filed_at,
                period=filed_at.astimezone(self.zone).strftime("%Y-%m"),
            )
        )
        request_id = rows[0]["id"]
        line = spec["line"]
        written = await ActivityLine.insert(
            ActivityLine(
                report=report["id"],
                scope_line=None,
                out_of_scope=True,
                out_of_scope_kind=OutOfScopeKind(line["kind"]),
                requested_by_department=contract["department"],
                requested_by_person=spec["person"],
                description=line["description"],
                quantity=line.get("quantity", 0),
                beneficiaries=line.get("beneficiaries", 0),
                staff_minutes=hours_to_minutes(Decimal(line["staff_hours"])),
                spend_fen=0,
            )
        ).returning(ActivityLine.id)
        # Cited while the report was a draft, before its submission.
        await WorkRequestCitation.insert(
            WorkRequestCitation(
                activity_line=written[0]["id"],
                work_request=request_id,
                cited_at=report["submitted_at"] - timedelta(hours=2),
            )
        )
        for actor, action, data in (
            (
                official,
                AuditAction.work_request_filed,
                {"contract": contract["id"], "kind": spec["kind"], "hours": spec["hours"]},
            ),
            (organization, AuditAction.work_request_accepted, {}),
            (organization, AuditAction.work_request_cited, {"activity_line": written[0]["id"]}),
        ):
            await record(
                actor=actor,
                action=action,
                subject_type="work_request",
                subject_id=request_id,
                data=data,
            )
        return 1

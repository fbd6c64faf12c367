"""The demo district's filed work requests and sealed spot-checks, from fixtures/demo.toml's
``[[work_requests]]`` and ``[[spotchecks]]`` entries, written after the service reports they
belong to (demo_oversight). Periods are named by position as there.

A work request is filed by an official of the contract's buying department early in its period,
accepted by the organization the next day, and cited by an out-of-contract line the
organization adds to that period's report: what the internalization firewall asks for, so no
UNFILED_REQUEST. A spot-check is what the platform does for a period: a seed committed (its
hash published) when the period begins, revealed when the report is submitted, the sample drawn
from the report's units by the platform's own draw (spotchecks.services.seed_reveal), and the
committee's finding on each drawn unit. Each step leaves the audit event the platform's own
step leaves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.contracts.tables import Contract
from procure.keyring import get_keyring
from procure.policy import get_policy
from procure.reports.periods import Period, contract_periods
from procure.reports.rules import hours_to_minutes
from procure.reports.selectors import submitted_report
from procure.reports.tables import (
    ActivityLine,
    ActivityUnit,
    OutOfScopeKind,
    ReportStatus,
    ServiceReport,
    UnitKind,
)
from procure.security.actors import Actor
from procure.security.tables import Role, User
from procure.spotchecks.sampling import commitment_of, new_seed
from procure.spotchecks.services import seed_reveal
from procure.spotchecks.tables import SpotCheckSeed, TaskStatus, VerificationTask
from procure.workrequests.tables import WorkRequest, WorkRequestCitation, WorkRequestStatus


class VerificationLoader:
    def __init__(self, now: datetime, zone: ZoneInfo) -> None:
        self.now = now
        self.zone = zone

    def moment(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=self.zone).astimezone(UTC)

    async def load(self, data: dict[str, Any]) -> dict[str, int]:
        created = {"work_request": 0, "spot_check_seed": 0}
        for spec in data.get("work_requests", []):
            created["work_request"] += await self.work_request(spec)
        for spec in data.get("spotchecks", []):
            created["spot_check_seed"] += await self.spotcheck(spec)
        return {table: count for table, count in created.items() if count}

    async def _contract(self, reference: str) -> tuple[dict[str, Any], list[Period]]:
        contract = await Contract.select().where(Contract.reference == reference).first()
        assert contract is not None, reference
        periods = contract_periods(
            contract["starts_on"],
            contract["ends_on"],
            contract["reporting_frequency"],
            get_policy().reports.due_days_after_period,
        )
        return contract, periods

    async def _report(self, contract_id: int, period: Period) -> dict[str, Any]:
        report = (
            await ServiceReport.select()
            .where(
                (ServiceReport.contract == contract_id)
                & (ServiceReport.period == period.label)
                & (ServiceReport.status == ReportStatus.submitted)
            )
            .first()
        )
        assert report is not None, f"contract {contract_id}: no report for {period.label}"
        return report

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
        contract, periods = await self._contract(spec["contract"])
        if await WorkRequest.exists().where(
            (WorkRequest.contract == contract["id"]) & (WorkRequest.purpose == spec["purpose"])
        ):
            return 0
        period = periods[spec["position"] - 1]
        report = await self._report(contract["id"], period)
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

    async def spotcheck(self, spec: dict[str, Any]) -> int:
        contract, periods = await self._contract(spec["contract"])
        period = periods[spec["position"] - 1]
        if await SpotCheckSeed.exists().where(
            (SpotCheckSeed.contract == contract["id"]) & (SpotCheckSeed.period == period.label)
        ):
            return 0
        report = await self._report(contract["id"], period)
        lines = [
            row["id"]
            for row in await ActivityLine.select(ActivityLine.id)
            .where(ActivityLine.report == report["id"])
            .order_by(ActivityLine.id)
        ]
        for units in spec["units"]:
            await ActivityUnit.insert(
                *[
                    ActivityUnit(
                        activity_line=lines[units["line_no"] - 1],
                        kind=UnitKind(units["kind"]),
                        code=f"{units['prefix']}{n:03d}",
                    )
                    for n in range(1, units["count"] + 1)
                ]
            )
        # Committed by the hourly job when the period began, sealed under the platform's key.
        seed = new_seed()
        sealed = get_keyring().wrap(seed)
        rows = await SpotCheckSeed.insert(
            SpotCheckSeed(
                contract=contract["id"],
                period=period.label,
                commitment=commitment_of(seed),
                sealed_seed=sealed.wrapped,
                key_version=sealed.version,
                committed_at=self.moment(period.starts_on, 0) + timedelta(minutes=5),
            )
        )
        seed_id = rows[0]["id"]
        await record(
            actor=None,
            action=AuditAction.spotcheck_seed_committed,
            subject_type="spot_check_seed",
            subject_id=seed_id,
            data={
                "contract": contract["reference"],
                "period": period.label,
                "commitment": commitment_of(seed),
            },
        )
        # Revealed by the submission: the platform's own reveal and draw.
        submitted = await submitted_report(contract["id"], period.label)
        assert submitted is not None
        await seed_reveal(seed_id=seed_id, seed=seed, report=submitted)
        await SpotCheckSeed.update({SpotCheckSeed.revealed_at: report["submitted_at"]}).where(
            SpotCheckSeed.id == seed_id
        )
        committee = await self._actor(username=spec["committee"])
        tasks = await VerificationTask.select().where(VerificationTask.seed == seed_id)
        for task in sorted(tasks, key=lambda task: task["draw_no"]):
            # The committee found every drawn unit delivered (the clean counterpart).
            await VerificationTask.update(
                {
                    VerificationTask.status: TaskStatus.confirmed,
                    VerificationTask.decided_by: committee.id,
                    VerificationTask.decided_at: report["submitted_at"]
                    + timedelta(days=3, hours=task["draw_no"]),
                }
            ).where(VerificationTask.id == task["id"])
            await record(
                actor=committee,
                action=AuditAction.verification_confirmed,
                subject_type="verification_task",
                subject_id=task["id"],
                data={
                    "contract": contract["reference"],
                    "period": period.label,
                    "line_no": task["line_no"],
                    "code": task["code"],
                    "note": "",
                },
            )
        return 1

"""The demo district's contract oversight: service reports, resident surveys, committee
evaluations and settled performance, from fixtures/demo.toml's ``[[oversight]]`` entries.

Periods are named by position, not by month, because the demo is dated from the moment it is
loaded: 1 is a contract's first reporting period, -1 the latest whose report is due by now.
Delivered quantities are a percentage of each period's plan, so the planted cases hold
whatever day the demo is loaded on.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from procure.contracts.tables import AmendmentLine, AmendmentStatus, Contract, ContractScopeLine
from procure.departments.tables import Department
from procure.evaluations.selectors import criteria_of
from procure.evaluations.services import default_rubric
from procure.evaluations.tables import CommitteeEvaluation, EvaluationScore, EvaluationStatus
from procure.geography.tables import Community
from procure.i18n import yuan_to_fen
from procure.performance.scoring import combine, grade, recommendation
from procure.performance.tables import PerformanceScore
from procure.policy import get_policy
from procure.reports.periods import Period, contract_periods
from procure.reports.rules import hours_to_minutes
from procure.reports.tables import ActivityLine, OutOfScopeKind, ReportStatus, ServiceReport
from procure.risk.rules.contracts import planned_quantity
from procure.security.tables import User
from procure.surveys.selectors import template_items
from procure.surveys.services import default_template
from procure.surveys.tables import (
    SurveyAnswer,
    SurveyItemKind,
    SurveyResponse,
    SurveyRound,
    SurveyToken,
)


def reporting_periods(contract: dict[str, Any], today: date) -> tuple[list[Period], list[Period]]:
    """A contract's reporting periods (those a closed contract still owed) and, of them, the
    ones already due on ``today``."""
    periods = contract_periods(
        contract["starts_on"],
        contract["ends_on"],
        contract["reporting_frequency"],
        get_policy().reports.due_days_after_period,
    )
    if contract["closed_on"] is not None:
        periods = [p for p in periods if p.starts_on <= contract["closed_on"]]
    return periods, [p for p in periods if p.due_on < today]


def period_at(contract: dict[str, Any], position: int, today: date) -> Period:
    """A period as the demo fixture names it: 1, 2, … from the first; -1, -2, … back from the
    last one due."""
    periods, due = reporting_periods(contract, today)
    return periods[position - 1] if position > 0 else due[position]


class OversightLoader:
    def __init__(self, now: datetime, zone: ZoneInfo) -> None:
        self.now = now
        self.zone = zone
        self.today = now.astimezone(zone).date()

    def moment(self, day: Any, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=self.zone).astimezone(UTC)

    async def load(self, spec: dict[str, Any], contract_id: int) -> None:
        contract = await Contract.select().where(Contract.id == contract_id).first()
        assert contract is not None
        _, due = reporting_periods(contract, self.today)

        def at(position: int) -> Period:
            return period_at(contract, position, self.today)

        changed = {at(p["position"]).label: p for p in spec.get("periods", [])}
        missing = {at(position).label for position in spec.get("missing", [])}
        lines = await self._scope_lines(contract)
        for period in due:
            if period.label in missing:
                continue
            await self._report(contract, period, lines, spec, changed.get(period.label, {}))
        for evaluation in spec.get("evaluations", []):
            await self._evaluation(contract, at(evaluation["position"]), evaluation)
        for survey in spec.get("surveys", []):
            await self._survey(contract, at(survey["position"]), survey)
        for settled in spec.get("performance", []):
            await self._performance(contract, at(settled["position"]), settled)

    async def _scope_lines(self, contract: dict[str, Any]) -> dict[int, dict[str, Any]]:
        """The contract's scope lines by number, with their quantity as amended."""
        lines = {
            row["line_no"]: row
            for row in await ContractScopeLine.select(
                ContractScopeLine.id, ContractScopeLine.line_no, ContractScopeLine.quantity
            ).where(ContractScopeLine.contract == contract["id"])
        }
        by_id = {line["id"]: line for line in lines.values()}
        for row in await AmendmentLine.select(
            AmendmentLine.scope_line, AmendmentLine.quantity_delta
        ).where(
            (AmendmentLine.amendment.contract == contract["id"])
            & AmendmentLine.scope_line.is_not_null()
            & (AmendmentLine.amendment.status == AmendmentStatus.accepted)
        ):
            by_id[row["scope_line"]]["quantity"] += row["quantity_delta"]
        return lines

    async def _report(
        self,
        contract: dict[str, Any],
        period: Period,
        lines: dict[int, dict[str, Any]],
        spec: dict[str, Any],
        change: dict[str, Any],
    ) -> None:
        late = change.get("late_days", 0)
        submitted_on = period.due_on + timedelta(days=late) if late else period.due_on
        submitted_at = min(
            self.moment(submitted_on - timedelta(days=0 if late else 3), 17),
            self.now - timedelta(hours=1),
        )
        rows = await ServiceReport.insert(
            ServiceReport(
                contract=contract["id"],
                period=period.label,
                version=1,
                status=ReportStatus.submitted,
                due_on=period.due_on,
                summary=change.get("summary", spec["summary"]),
                outcome_self_score=change.get("self_score", spec["self_score"]),
                submitted_at=submitted_at,
                submitted_by=await self._user(organization=contract["organization"]),
                created_at=submitted_at - timedelta(days=1),
            )
        )
        for line in change.get("lines", spec["lines"]):
            await ActivityLine.insert(
                ActivityLine(
                    report=rows[0]["id"], **await self._line(contract, period, lines, line)
                )
            )

    async def _line(
        self,
        contract: dict[str, Any],
        period: Period,
        lines: dict[int, dict[str, Any]],
        line: dict[str, Any],
    ) -> dict[str, Any]:
        common = {
            "description": line["description"],
            "beneficiaries": line.get("beneficiaries", 0),
            "staff_minutes": hours_to_minutes(Decimal(line.get("staff_hours", "0"))),
            "spend_fen": yuan_to_fen(line.get("spend", "0")),
        }
        if "line_no" in line:
            scope = lines[line["line_no"]]
            plan = planned_quantity(
                scope["quantity"],
                period.starts_on,
                period.ends_on,
                contract["starts_on"],
                contract["ends_on"],
            )
            return {
                **common,
                "scope_line": scope["id"],
                "out_of_scope": False,
                "out_of_scope_kind": OutOfScopeKind.none,
                "quantity": math.ceil(plan * line["delivery_percent"] / 100),
            }
        department = (
            await Department.select(Department.id).where(Department.code == line["department"])
        )[0]["id"]
        return {
            **common,
            "out_of_scope": True,
            "out_of_scope_kind": OutOfScopeKind(line["kind"]),
            "requested_by_department": department,
            "requested_by_person": line["person"],
            "quantity": line.get("quantity", 0),
            "submissions": line.get("submissions", 0),
        }

    async def _user(self, **link: int) -> int | None:
        ((column, value),) = link.items()
        row = await User.select(User.id).where(getattr(User, column) == value).first()
        return None if row is None else int(row["id"])

    async def _community(self, code: str) -> int:
        row = await Community.select(Community.id).where(Community.code == code).first()
        assert row is not None, code
        return int(row["id"])

    async def _evaluation(
        self, contract: dict[str, Any], period: Period, spec: dict[str, Any]
    ) -> None:
        community = await self._community(spec["community"])
        rubric = await default_rubric()
        rows = await CommitteeEvaluation.insert(
            CommitteeEvaluation(
                contract=contract["id"],
                community=community,
                rubric=rubric,
                period=period.label,
                status=EvaluationStatus.submitted,
                comments=spec.get("comments", ""),
                evaluated_by=await self._user(community=community),
                submitted_at=self.moment(period.ends_on + timedelta(days=5), 16),
            )
        )
        criteria = {c["code"]: c["id"] for c in (await criteria_of([rubric]))[rubric]}
        await EvaluationScore.insert(
            *[
                EvaluationScore(evaluation=rows[0]["id"], criterion=criteria[code], score=score)
                for code, score in spec["scores"].items()
            ]
        )

    async def _survey(self, contract: dict[str, Any], period: Period, spec: dict[str, Any]) -> None:
        """A closed round: its codes (only hashes of random codes nobody holds), the used ones
        and their anonymous answers, stamped one hour apart unless ``same_hour``."""
        community = await self._community(spec["community"])
        template = await default_template(actor=None)
        opens_at = self.moment(period.ends_on + timedelta(days=1), 9)
        rows = await SurveyRound.insert(
            SurveyRound(
                contract=contract["id"],
                community=community,
                template=template,
                period=period.label,
                opens_at=opens_at,
                closes_at=min(opens_at + timedelta(days=7), self.now - timedelta(hours=1)),
                created_by=await self._user(community=community),
            )
        )
        round_id = rows[0]["id"]
        items = await template_items(template)
        likert = [i["id"] for i in items if i["kind"] == SurveyItemKind.likert5]
        free_text = next((i["id"] for i in items if i["kind"] == SurveyItemKind.free_text), None)
        answered = sum(group["count"] for group in spec["answers"])
        await SurveyToken.insert(
            *[
                SurveyToken(round=round_id, token_sha256=_unknown_code(), used=n < answered)
                for n in range(spec["issued"])
            ]
        )
        hour = 0
        for group in spec["answers"]:
            for _ in range(group["count"]):
                stamp = opens_at + timedelta(hours=hour)
                if not group.get("same_hour"):
                    hour += 1
                response = await SurveyResponse.insert(
                    SurveyResponse(round=round_id, submitted_hour=stamp.strftime("%Y-%m-%dT%H"))
                )
                answers = [
                    SurveyAnswer(response=response[0]["id"], item=item, score=score)
                    for item, score in zip(likert, group["scores"], strict=True)
                ]
                if group.get("text") and free_text is not None:
                    answers.append(
                        SurveyAnswer(response=response[0]["id"], item=free_text, text=group["text"])
                    )
                await SurveyAnswer.insert(*answers)
            if group.get("same_hour"):
                hour += 1

    async def _performance(
        self, contract: dict[str, Any], period: Period, spec: dict[str, Any]
    ) -> None:
        policy = get_policy().performance
        committee = Decimal(spec["committee"])
        delivery = Decimal(spec["delivery"])
        combined = combine(committee=committee, satisfaction=None, delivery=delivery, policy=policy)
        assert combined.score is not None
        result = grade(combined.score, policy)
        await PerformanceScore.insert(
            PerformanceScore(
                contract=contract["id"],
                period=period.label,
                committee_hundredths=int(committee * 100),
                delivery_hundredths=int(delivery * 100),
                score_hundredths=int(combined.score * 100),
                complete=combined.complete,
                grade=result,
                recommendation=recommendation(result),
                settled_by=await self._user(department=contract["department"]),
                settled_at=min(
                    self.moment(period.due_on + timedelta(days=5), 10),
                    self.now - timedelta(hours=1),
                ),
            )
        )


def _unknown_code() -> str:
    """The hash of a random code nobody holds: the demo's codes were never printed."""
    return hashlib.sha256(secrets.token_bytes(16)).hexdigest()

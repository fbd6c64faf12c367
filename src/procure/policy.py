"""Policy settings: the versioned numbers the rules use (policy.toml, overridable)."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from procure import PACKAGE_DIR
from procure.reports.files import MAX_ATTACHMENT_MB_CEILING, AttachmentType
from procure.settings import ConfigurationError, get_settings
from procure.tenders.states import ProcurementMethod

DEFAULT_POLICY_FILE = PACKAGE_DIR / "policy.toml"


class AbnormallyLow(BaseModel):
    below_mean_of_others: int = Field(ge=1, le=65)
    lowest_below_second: int = Field(ge=1, le=65)
    below_ceiling: int = Field(ge=1, le=65)
    explanation_hours: float = Field(ge=0.5)


class CostFloor(BaseModel):
    """The district cost floor of a bid (docs/cost-floor.md)."""

    minimum_hourly_wage_fen: int = Field(ge=1)
    contribution_percent: Decimal = Field(ge=0, le=100)
    volunteer_share_max_percent: int = Field(ge=0, le=100)
    # Catalog item code → staff hours one unit needs (e.g. one hour per home visit).
    labour_norm_hours: dict[str, Decimal] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _positive_norms(self) -> CostFloor:
        bad = sorted(code for code, hours in self.labour_norm_hours.items() if hours <= 0)
        if bad:
            raise ValueError(f"labour norms must be positive hours: {bad}")
        return self


class PriceWeight(BaseModel):
    minimum: int = Field(ge=0, le=100)
    maximum: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> PriceWeight:
        if self.minimum > self.maximum:
            raise ValueError("minimum exceeds maximum")
        return self


class PeriodUnit(StrEnum):
    working = "working"  # 工作日: the calendar module skips weekends and holidays, counts 调休 days
    # 日: every day counts; a period ending on a rest day moves to the next working day
    calendar = "calendar"


class Period(BaseModel):
    """A legal period: a number of days, their unit, and the rule that sets it."""

    days: int = Field(ge=0, le=366)
    unit: PeriodUnit
    basis: str = Field(min_length=1)

    def describe(self) -> str:
        """The period as a refusal names it: "7 工作日, 财政部令第94号 第十条"."""
        unit = "工作日" if self.unit is PeriodUnit.working else "日"
        return f"{self.days} {unit}, {self.basis}"


class CalendarYear(BaseModel):
    """A year's holiday schedule entered by the district: its public holidays (法定节假日 and the
    days off around them) and its make-up working days (调休上班). ``provisional`` until the
    State Council's notice for that year is entered."""

    holidays: list[date] = Field(default_factory=list)
    workdays: list[date] = Field(default_factory=list)
    provisional: bool = False
    source: str = ""

    @model_validator(mode="after")
    def _disjoint(self) -> CalendarYear:
        both = set(self.holidays) & set(self.workdays)
        if both:
            raise ValueError(f"{sorted(both)[0]} is both a holiday and a working day")
        return self


class Calendar(BaseModel):
    years: dict[int, CalendarYear] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _dates_in_their_year(self) -> Calendar:
        for year, schedule in self.years.items():
            for day in [*schedule.holidays, *schedule.workdays]:
                if day.year != year:
                    raise ValueError(f"{day} is listed under calendar.years.{year}")
        return self


# The periods the code looks up by name (policy.toml [periods.NAME]); a policy file must keep them.
REQUIRED_PERIODS = (
    "challenge",
    "challenge_answer",
    "complaint",
    "complaint_admissibility",
    "complaint_decision",
    "suspension",
    "tender_amendment_notice",
    "award_notice",
    "contract_publication",
    "contract_signing",
    "performance_inputs",
    "settlement_objection",
)


class Procurement(BaseModel):
    minimum_submission_days: dict[ProcurementMethod, Period]
    minimum_valid_bids: dict[ProcurementMethod, int]
    price_weight: PriceWeight
    abnormally_low: AbnormallyLow
    cost_floor: CostFloor

    @model_validator(mode="after")
    def _every_method(self) -> Procurement:
        for table in (self.minimum_submission_days, self.minimum_valid_bids):
            missing = set(ProcurementMethod) - set(table)
            if missing:
                raise ValueError(f"no value for {sorted(missing)}")
        return self


class Committee(BaseModel):
    """The evaluation committee's composition and draw (policy.toml [committee])."""

    minimum_members: dict[ProcurementMethod, int]
    expert_share_numerator: int = Field(ge=1)
    expert_share_denominator: int = Field(ge=1)
    large_budget_fen: int = Field(ge=1)
    large_budget_minimum: int = Field(ge=1)
    alternates: int = Field(ge=0, le=20)
    draw_window_hours: int = Field(ge=1)
    relationship_years: int = Field(ge=1)

    @model_validator(mode="after")
    def _lawful(self) -> Committee:
        missing = set(ProcurementMethod) - set(self.minimum_members)
        if missing:
            raise ValueError(f"no minimum_members for {sorted(missing)}")
        sizes = [*self.minimum_members.values(), self.large_budget_minimum]
        if any(size < 3 or size % 2 == 0 for size in sizes):
            raise ValueError("committee sizes must be odd and at least 3 (87号令 Art. 47)")
        if self.expert_share_numerator > self.expert_share_denominator:
            raise ValueError("the expert share cannot exceed one")
        return self

    def minimum_for(self, method: str, ceiling_fen: int) -> int:
        minimum = self.minimum_members[ProcurementMethod(method)]
        if method == ProcurementMethod.open_tender and ceiling_fen >= self.large_budget_fen:
            return max(minimum, self.large_budget_minimum)
        return minimum


class Contracts(BaseModel):
    max_term_days: int = Field(ge=1)
    max_term_days_stable: int = Field(ge=1)
    # 政府采购法 第四十九条: supplementary agreements add at most this share of the original value.
    max_amendment_increase_percent: int = Field(ge=0, le=10)


class DeductionPercent(BaseModel):
    """The percentage of a period's part of its instalment deducted for each grade."""

    excellent: int = Field(ge=0, le=100)
    good: int = Field(ge=0, le=100)
    passing: int = Field(ge=0, le=100)
    failing: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ascending(self) -> DeductionPercent:
        if not self.excellent <= self.good <= self.passing <= self.failing:
            raise ValueError("deductions must not fall as the grade falls")
        return self


class Performance(BaseModel):
    committee_weight: int = Field(ge=0, le=100)
    satisfaction_weight: int = Field(ge=0, le=100)
    delivery_weight: int = Field(ge=0, le=100)
    excellent: int = Field(ge=0, le=100)
    good: int = Field(ge=0, le=100)
    passing: int = Field(ge=0, le=100)
    rating_periods: int = Field(ge=1)
    deduction_percent: DeductionPercent

    @model_validator(mode="after")
    def _consistent(self) -> Performance:
        if self.committee_weight + self.satisfaction_weight + self.delivery_weight != 100:
            raise ValueError("the three weights must sum to 100")
        if not self.excellent >= self.good >= self.passing:
            raise ValueError("grade thresholds must descend: excellent ≥ good ≥ passing")
        return self


class Reports(BaseModel):
    due_days_after_period: int = Field(ge=1, le=90)
    max_attachment_mb: int = Field(ge=1, le=MAX_ATTACHMENT_MB_CEILING)
    allowed_attachment_types: list[AttachmentType] = Field(min_length=1)


class SpotChecks(BaseModel):
    """The sealed spot-checks of delivered units (policy.toml [spotchecks])."""

    # Of a report's verifiable units, this share (rounded up) is drawn, within the bounds.
    sample_percent: int = Field(default=10, ge=1, le=100)
    minimum_sample: int = Field(default=5, ge=1)
    maximum_sample: int = Field(default=30, ge=1)
    # Seeds are committed for the periods that begin within this many days (and the current one).
    commit_ahead_days: int = Field(default=31, ge=1, le=366)

    @model_validator(mode="after")
    def _bounds(self) -> SpotChecks:
        if self.minimum_sample > self.maximum_sample:
            raise ValueError("minimum_sample must not exceed maximum_sample")
        return self


class Notifications(BaseModel):
    # How long before a deadline (a challenge window, a survey round, a report) people are told.
    remind_before_hours: int = Field(default=48, ge=1, le=720)


class AdmissibleKind(BaseModel):
    """One kind of work a department may ask of a contractor at all (社区事务准入)."""

    code: str = Field(pattern=r"^[a-z][a-z_]{1,39}$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)


class WorkRequests(BaseModel):
    # Out-of-contract requests: the published admissible list and the most hours one may ask.
    max_hours: int = Field(ge=1, le=2000)
    admissible: list[AdmissibleKind] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> WorkRequests:
        codes = [kind.code for kind in self.admissible]
        if len(set(codes)) != len(codes):
            raise ValueError("[workrequests] admissible codes must be distinct")
        return self

    def kind(self, code: str) -> AdmissibleKind | None:
        return next((kind for kind in self.admissible if kind.code == code), None)


class Policy(BaseModel):
    version: str
    procurement: Procurement
    committee: Committee
    contracts: Contracts
    performance: Performance
    reports: Reports
    calendar: Calendar = Field(default_factory=Calendar)
    notifications: Notifications = Field(default_factory=Notifications)
    workrequests: WorkRequests
    spotchecks: SpotChecks = Field(default_factory=SpotChecks)
    periods: dict[str, Period]
    # The risk rules' parameters, one table per rule code ([risk.R003], [risk.SCOPE_DRIFT] …);
    # each rule validates its own table (procure.risk).
    risk: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _every_period(self) -> Policy:
        missing = [name for name in REQUIRED_PERIODS if name not in self.periods]
        if missing:
            raise ValueError(f"no [periods.{missing[0]}]")
        return self


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        nested = isinstance(value, dict) and isinstance(base.get(key), dict)
        merged[key] = _merge(base[key], value) if nested else value
    return merged


def load_policy(override_file: Path | None = None) -> Policy:
    data = tomllib.loads(DEFAULT_POLICY_FILE.read_text())
    if override_file is not None:
        try:
            data = _merge(data, tomllib.loads(override_file.read_text()))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigurationError(f"PROCURE_POLICY_FILE: {error}") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigurationError(f"PROCURE_POLICY_FILE: {where}: {first['msg']}") from None


@cache
def get_policy() -> Policy:
    return load_policy(get_settings().policy_file)

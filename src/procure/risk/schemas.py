"""Input and output models of the risk-flag API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, Field

from procure.db.pagination import PageFields
from procure.risk.labels import rule_of


class FlagSummary(BaseModel):
    id: int
    rule: str
    # The rule's names, or null while the rule's module is not registered.
    rule_name_zh: str | None
    rule_name_en: str | None
    dataset: str
    subject_type: str
    subject_id: str
    # The subject as people know it (a contract's reference, an organization's name) and its
    # page on the platform, where it has one.
    subject_label: str
    subject_url: str | None
    period: str
    ocid: str
    severity: str
    status: str
    policy_version: str
    department_id: int | None
    department_name: str | None
    organization_id: int | None
    organization_name: str | None
    first_seen_at: datetime
    last_seen_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any], **extra: Any) -> Self:
        rule = rule_of(row["rule"])
        values = {
            **row,
            **extra,
            "rule_name_zh": rule.name_zh if rule else None,
            "rule_name_en": rule.name_en if rule else None,
        }
        return cls(**{name: value for name, value in values.items() if name in cls.model_fields})


class FlagPage(PageFields):
    items: list[FlagSummary]


class FlagEventOut(BaseModel):
    from_status: str
    to_status: str
    note: str
    occurred_at: datetime
    actor_name: str | None
    actor_role: str | None


class FlagDetail(FlagSummary):
    evidence: dict[str, Any]
    history: list[FlagEventOut]
    # The steps the caller may take now: explain, resolve, dismiss, reopen.
    allowed_transitions: list[str]
    # About the buying department's own conduct: only the regulator resolves or dismisses it.
    conduct: bool


class CountOut(BaseModel):
    key: str | int | None
    name: str | None = None
    count: int


class MonthCount(BaseModel):
    month: str
    count: int


class FlagStatistics(BaseModel):
    total: int
    by_rule: list[CountOut]
    by_severity: list[CountOut]
    by_status: list[CountOut]
    by_department: list[CountOut]
    by_organization: list[CountOut]
    by_period: list[CountOut]
    by_dataset: list[CountOut]
    # Flags first seen per month, in the deployment's time zone.
    trend: list[MonthCount]


class ExplainIn(BaseModel):
    explanation: str


class DecisionIn(BaseModel):
    reason: str


class ScanIn(BaseModel):
    rules: list[str] | None = Field(
        default=None,
        max_length=200,
        description="rule codes to run, enabled or not; none or empty: every enabled rule",
    )


class ScanJob(BaseModel):
    """A full risk scan queued for the worker: follow it at GET /api/v1/risk/scans/{job_id}."""

    job_id: int
    status: str = Field(description="pending, queued, running, done or failed")
    attempts: int = 0
    created_at: datetime | None = None
    finished_at: datetime | None = None
    last_error: str = ""

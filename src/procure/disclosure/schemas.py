"""What the disclosure API answers: the records the public pages show, as plain JSON.

The selectors give the pages rows with dates, decimals and the PDF builders' small records;
``plain`` turns each into JSON's types (a date or time in ISO 8601, a decimal as its exact
text, a record as an object) without adding or dropping a field, so the API publishes exactly
what the page publishes."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from procure.complaints.schemas import PublishedDecision
from procure.policy import Performance

JSONValue = Any


def plain(value: Any) -> JSONValue:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"{type(value).__name__} is not published")


class SectionCounts(BaseModel):
    """How many records each disclosure list holds under the filters."""

    tenders: int
    open_for_bids: int
    openings: int
    awards: int
    contracts: int
    amendments: int
    performance: int
    rated_organizations: int


# -- the answers' shapes ------------------------------------------------------------------------
# Each list item and record as ``plain`` writes it, for the OpenAPI document: dates and times in
# ISO 8601, scores and means as decimal text. ``extra="forbid"``: tests/disclosure validate real
# answers against them, so a field a selector adds without a line here fails a test.

DecimalText = Annotated[str, Field(description="an exact decimal as text, e.g. 87.50")]


class Published(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeadlineOut(Published):
    """A legal deadline: a number of working or calendar days after its basis."""

    name: str
    days: int
    unit: str = Field(description="working or calendar")
    basis: str = Field(description="the rule that sets it")
    last_day: date
    ends_at: datetime
    provisional: bool = Field(description="the calendar of its year is not yet confirmed")


class ObligationOut(Published):
    """A publication duty and whether it was met (met, late, pending, overdue, unknown)."""

    name: str
    basis_at: datetime
    published_at: datetime | None
    state: str
    deadline: DeadlineOut | None
    ends_at: datetime | None = None
    days: int | None = Field(None, description="days late or overdue; 0 otherwise")
    error: str | None = Field(None, description="why the deadline is unknown")


class TenderItem(Published):
    """A published tender (招标公告) in the list."""

    id: int
    reference: str
    title: str
    status: str
    method: str
    ceiling_fen: int
    published_at: datetime
    clarification_deadline: datetime | None
    submission_deadline: datetime | None
    opening_at: datetime | None
    department_name: str


class OpeningItem(TenderItem):
    """A tender past its deadline (开标记录) with the bids it received."""

    bid_count: int


class AwardItem(Published):
    """An award notice (中标/成交公告) with its publication obligation."""

    id: int
    decided_at: datetime
    standstill_ends_at: datetime | None
    tender_id: int
    reference: str
    title: str
    method: str
    ceiling_fen: int
    department_name: str
    total_fen: int
    winner_name: str
    published_at: datetime | None
    obligation: ObligationOut


class ContractSummaryOut(Published):
    id: int
    reference: str
    title: str
    status: str
    value_fen: int
    starts_on: date
    ends_on: date
    signed_at: datetime
    published_at: datetime | None
    department_name: str
    organization_name: str


class ContractItem(ContractSummaryOut):
    """A signed contract (合同公告) with its accepted amendments' count and current value."""

    amendment_count: int
    current_value_fen: int
    obligation: ObligationOut | None


class ScoreOut(Published):
    """A settled period's performance: score, its parts and grade."""

    period: str
    score: DecimalText | None
    committee: DecimalText | None
    satisfaction: DecimalText | None
    delivery: DecimalText | None
    complete: bool
    grade: str
    settled_at: datetime


class PerformanceItem(ScoreOut):
    """A settled period of a contract."""

    id: int
    contract_id: int
    reference: str
    title: str
    organization_name: str


class AcceptanceItem(Published):
    """A confirmed acceptance (履约验收结果)."""

    id: int
    stage: str
    final: bool
    attempt: int
    status: str
    accepted_on: date
    confirmed_at: datetime | None
    contract_id: int
    contract_reference: str
    contract_title: str
    organization_name: str
    department_name: str


class DebarmentOut(Published):
    """A debarment in force."""

    organization: int
    starts_on: date
    ends_on: date | None
    reason: str


class RatingItem(Published):
    """An organization with its credit rating in force and what it rests on."""

    id: int
    name: str
    credit_code: str
    credit_rating: str
    settled_periods: int
    recent_mean: DecimalText | None
    debarment: DebarmentOut | None


class CommunityOut(Published):
    code: str
    name: str
    sub_district: str


class TenderLineOut(Published):
    """A scope line of the tender (服务清单)."""

    id: int
    line_no: int
    item_code: str
    item_name: str
    description: str
    quantity: int
    unit: str


class CriterionOut(Published):
    """An evaluation criterion and its weight."""

    code: str
    kind: str
    name: str
    weight: int


class ClarificationOut(Published):
    """An answered question (澄清), never who asked."""

    id: int
    question: str
    answer: str | None
    asked_at: datetime
    answered_at: datetime | None
    asked_by_me: bool = Field(description="false: the disclosure is read as no one in particular")


class EvidenceOut(Published):
    """Evidence of the residents' needs the tender answers."""

    kind: str
    summary: str
    community: str | None


class TenderTermsOut(Published):
    """The terms a correction changed, as first published."""

    title: str
    description: str
    ceiling_fen: int
    clarification_deadline: datetime | None
    submission_deadline: datetime | None
    published_at: datetime
    criteria: list[CriterionOut]


class ChangeOut(Published):
    before: Any
    after: Any


class CorrectionRuleOut(Published):
    """Whether a correction had to move the submission deadline, and to when at the earliest."""

    name: str
    applies: bool
    moved: bool
    days: int
    unit: str
    basis: str
    published_on: date
    earliest_deadline_day: date | None
    proposed_submission_deadline: datetime | None


class TenderCorrectionOut(Published):
    """A correction (更正公告) of the tender."""

    id: int
    tender: int
    number: int
    summary: str
    changes: dict[str, ChangeOut] = Field(description="each changed term: before and after")
    before: TenderTermsOut
    published_at: datetime
    requested_by: int
    approved_by: int
    approval_id: int
    affects_preparation: bool
    deadline_moved: bool
    resubmission_required: bool
    bids_to_reconfirm: int
    clarification_deadline_before: datetime
    clarification_deadline_after: datetime
    submission_deadline_before: datetime
    submission_deadline_after: datetime
    rule: CorrectionRuleOut | None


class TenderNoticeOut(Published):
    """The tender as its notice publishes it: terms, scope, corrections, answered questions,
    and of the bids only their number."""

    id: int
    reference: str
    title: str
    status: str
    method: str
    evaluation_method: str
    ceiling_fen: int
    published_at: datetime
    clarification_deadline: datetime | None
    submission_deadline: datetime | None
    opening_at: datetime | None
    standstill_ends_at: datetime | None
    department_id: int
    department_name: str
    description: str
    short_period_justification: str
    cancel_reason: str
    lines: list[TenderLineOut]
    communities: list[CommunityOut]
    criteria: list[CriterionOut]
    clarifications: list[ClarificationOut]
    bid_count: int
    amendments: list[TenderCorrectionOut]
    original: TenderTermsOut | None = Field(description="the terms before any correction")
    evidence: list[EvidenceOut]
    has_opening: bool
    has_award: bool
    contract_id: int | None


class ComplaintDecisionOut(PublishedDecision, Published):
    """A decided complaint as the public sees it (94号令 第三十三条); never the grounds."""


class TenderRecord(TenderNoticeOut):
    """GET /tenders/{id}: the notice with the published complaint decisions."""

    complaint_decisions: list[ComplaintDecisionOut]


class OpenedBidOut(Published):
    """A bid as the opening record reads it out."""

    bid_id: int
    organization_name: str
    credit_code: str
    submitted_at: datetime
    status: str
    total_fen: int
    share_of_ceiling: DecimalText | None


class NotOpenedOut(Published):
    """A bid left out of the opening (not re-confirmed after a correction), with why."""

    bid_id: int
    organization_name: str
    credit_code: str
    submitted_at: datetime | None
    status: str
    amendment_number: int | None
    reason: str


class OpeningRecord(Published):
    """The opening record (开标记录); before the deadline only ``sealed`` and no bids."""

    tender: TenderNoticeOut
    sealed: bool
    bids: list[OpenedBidOut]
    bid_count: int | None = None
    opened_at: datetime | None = None
    not_opened: list[NotOpenedOut] = []


class WinnerOut(Published):
    name: str
    credit_code: str
    address: str


class AwardOut(Published):
    bid_id: int
    organization_id: int
    total_fen: int
    decided_at: datetime
    standstill_ends_at: datetime | None


class AwardLineOut(TenderLineOut):
    """A scope line with the winner's price."""

    price_fen: int | None


class RankedBidOut(Published):
    """A bid as the evaluation ranked it."""

    bid_id: int
    organization_name: str
    credit_code: str
    status: str
    total_fen: int
    disqualification_reason: str
    price_score: DecimalText | None
    technical: list[DecimalText | None] = Field(description="points per technical criterion")
    total_score: DecimalText | None
    rank: int | None
    recommended: bool
    winner: bool


class CommitteeMemberOut(Published):
    name: str
    role: str
    confirmed: bool


class CommitteeOut(Published):
    """The evaluation committee the award notice names (财政部令第87号 第六十九条)."""

    size: int
    seed: str
    status: str | None = Field(description="none before a committee is formed")
    members: list[CommitteeMemberOut]


class AwardRecord(Published):
    """The award notice (中标/成交公告) with its publication and signing obligations."""

    tender: TenderNoticeOut
    winner: WinnerOut
    award: AwardOut
    lines: list[AwardLineOut]
    bids: list[RankedBidOut]
    committee: CommitteeOut | None
    open_tender: bool = Field(description="中标 (an open tender) rather than 成交")
    obligation: ObligationOut
    signing: ObligationOut


class ContractLineOut(Published):
    """A scope line as amended, with its unit price as signed (none for a line an amendment
    added)."""

    line_no: int | None
    item_name: str
    description: str
    unit: str | None
    unit_price_fen: int | None
    original_quantity: int
    original_amount_fen: int
    current_quantity: int
    current_amount_fen: int
    in_tender: bool


class AmendedLineOut(Published):
    """What an amendment changed on one line."""

    line_no: int | None
    item_name: str
    description: str
    unit: str
    unit_price_fen: int
    quantity_delta: int
    amount_delta_fen: int
    in_tender: bool


class ContractAmendmentOut(Published):
    """An accepted supplementary agreement (补充协议)."""

    version: int
    status: str
    reason: str
    decline_reason: str
    signed_at: datetime | None
    value_delta_fen: int
    lines: list[AmendedLineOut]


class HistoryLineOut(Published):
    line_no: int | None
    item_name: str
    original_quantity: int
    original_amount_fen: int
    current_quantity: int
    current_amount_fen: int
    in_tender: bool


class AmendmentHistoryOut(Published):
    """The contract's cumulative change over its amendments."""

    original_value_fen: int
    current_value_fen: int
    cumulative_delta_fen: int
    cumulative_percent: DecimalText
    adds_scope_outside_tender: bool
    lines: list[HistoryLineOut]


class SpotCheckTaskOut(Published):
    """A drawn unit and the committee's finding; its note is not published."""

    id: int
    draw_no: int
    line_no: int
    kind: str
    code: str
    rank: str
    status: str
    decided_at: datetime | None


class VerifiedDeliveryOut(Published):
    drawn: int
    open: int
    confirmed: int
    not_delivered: int
    unreachable: int
    ratio: float | None
    low: float | None
    high: float | None


class SpotCheckPeriodOut(Published):
    """A period's sealed spot-check: the commitment from the start; after the report, the
    seed that anyone can check against it and redo the draw with (docs/spotchecks.md)."""

    period: str
    commitment: str
    committed_at: datetime
    revealed_seed: str | None
    revealed_at: datetime | None
    report_version: int | None
    tasks: list[SpotCheckTaskOut]
    delivery: VerifiedDeliveryOut | None


class ContractRecord(Published):
    """A signed contract: parties, value, term, scope, accepted amendments and their
    cumulative change, acceptances and settled performance."""

    id: int
    reference: str
    title: str
    status: str
    value_fen: int
    starts_on: date
    ends_on: date
    department_name: str
    organization_id: int
    organization_name: str
    signed_at: datetime
    terminated_reason: str
    tender_reference: str | None
    tender_id: int | None
    lines: list[ContractLineOut]
    obligation: ObligationOut | None
    acceptances: list[AcceptanceItem]
    communities: list[CommunityOut]
    amendments: list[ContractAmendmentOut]
    history: AmendmentHistoryOut
    performance: list[ScoreOut]
    spotchecks: list[SpotCheckPeriodOut]


class CommunitySurveyOut(Published):
    community_name: str
    tokens_issued: int
    responses: int


class QuestionMeanOut(Published):
    seq: int
    text_zh: str
    text_en: str
    n: int
    mean: DecimalText


class SurveyAggregateOut(Published):
    """The residents' surveys in aggregate: counts, and each question's mean once enough
    residents answered (``suppressed`` when too few did)."""

    communities: list[CommunitySurveyOut]
    tokens_issued: int
    responses: int
    questions: list[QuestionMeanOut]
    suppressed: bool


class PerformancePeriodRecord(Published):
    """A settled period: score, grade and components, the weights, the surveys in aggregate."""

    contract: ContractSummaryOut
    score: ScoreOut
    weights: Performance
    survey: SurveyAggregateOut


class AcceptanceContractOut(Published):
    id: int
    reference: str
    title: str
    organization_name: str
    department_name: str


class AcceptanceDetailOut(Published):
    id: int
    contract: int
    stage: str
    final: bool
    attempt: int
    status: str
    result: str
    accepted_on: date
    conclusion: str
    created_at: datetime
    confirmed_at: datetime | None
    prepared_by_name: str | None
    confirmed_by_name: str | None


class AcceptanceMemberOut(Published):
    """A member of the acceptance group: kind and affiliation, never the name."""

    kind: str
    affiliation: str


class AcceptanceCheckOut(Published):
    """A requirement of the contract and how it was judged."""

    id: int
    line_no: int
    item_name: str
    description: str
    quantity: int
    unit: str
    result: str
    notes: str
    evidence: str
    recorded_at: datetime | None


class OpinionCountOut(Published):
    """How many service recipients of a kind and community gave an opinion."""

    kind: str
    community_name: str
    opinion: str
    count: int


class AcceptanceRecord(Published):
    """A confirmed acceptance as published, without any recipient's personal data."""

    acceptance: AcceptanceDetailOut
    contract: AcceptanceContractOut
    members: list[AcceptanceMemberOut]
    items: list[AcceptanceCheckOut]
    opinions: list[OpinionCountOut]
    invited: int

"""The tender's states, procurement methods and evaluation methods."""

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from procure.i18n import N_

#: Said of a tender that does not exist, or not for the asker (404).
TENDER_NOT_FOUND = N_("tender %(id)s not found")


class TenderStatus(StrEnum):
    draft = "draft"
    published = "published"  # clarification period
    tendering = "tendering"
    opened = "opened"
    evaluation = "evaluation"
    awarded = "awarded"  # standstill period
    contracted = "contracted"
    cancelled = "cancelled"
    unsuccessful = "unsuccessful"


class ProcurementMethod(StrEnum):
    open_tender = "open_tender"  # 公开招标
    competitive_consultation = "competitive_consultation"  # 竞争性磋商
    competitive_negotiation = "competitive_negotiation"  # 竞争性谈判
    single_source = "single_source"  # 单一来源
    project_application = "project_application"  # 项目申请制/公益创投
    direct_grant = "direct_grant"  # 直接资助


class EvaluationMethod(StrEnum):
    composite = "composite"  # 综合评分法
    lowest_price = "lowest_price"  # 最低评标价法


class CriterionKind(StrEnum):
    price = "price"
    technical = "technical"


class NeedEvidenceKind(StrEnum):
    resident_survey = "resident_survey"
    committee_request = "committee_request"
    consultation_minutes = "consultation_minutes"


#: States in which the tender still accepts bids; which of the two depends on the clock.
ACCEPTING_BIDS = frozenset({TenderStatus.published, TenderStatus.tendering})
#: States after the deadline in which bids are open to read and evaluate.
OPENED_STATES = frozenset(
    {TenderStatus.opened, TenderStatus.evaluation, TenderStatus.awarded, TenderStatus.contracted}
)
#: States a buyer may still cancel from.
CANCELLABLE = frozenset(
    {TenderStatus.draft, *ACCEPTING_BIDS, TenderStatus.opened, TenderStatus.evaluation}
)


def awaiting_opening(tender: Mapping[str, Any], now: datetime) -> bool:
    """Past its submission deadline but not opened yet: the opening job has not run. Reads show
    it as opening (开标中) and open nothing; the job does (bids.jobs)."""
    deadline = tender["submission_deadline"]
    return tender["status"] in ACCEPTING_BIDS and deadline is not None and now >= deadline


def effective_status(
    stored: str,
    *,
    now: datetime,
    clarification_deadline: datetime | None,
    submission_deadline: datetime | None,
) -> TenderStatus:
    """The status the clock gives a tender: deadlines take effect by themselves.

    A published tender is in its clarification period until the clarification deadline, open
    for bids until the submission deadline, and opened from that instant on, whether or not
    anything has yet written the opening down.
    """
    status = TenderStatus(stored)
    if status not in ACCEPTING_BIDS or submission_deadline is None:
        return status
    if now >= submission_deadline:
        return TenderStatus.opened
    if clarification_deadline is not None and now >= clarification_deadline:
        return TenderStatus.tendering
    return TenderStatus.published

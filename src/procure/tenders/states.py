"""The tender's states, procurement methods and evaluation methods."""

from enum import StrEnum


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

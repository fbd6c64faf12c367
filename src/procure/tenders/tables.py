"""Tables of tenders: the notice, its communities, scope lines, criteria, clarifications and
corrections (更正公告)."""

from piccolo.columns import JSON, Boolean, Bytea, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.catalog.tables import CatalogItem
from procure.db.columns import created_at, enum_check, enum_column, money, optional_time, parent
from procure.departments.tables import Department
from procure.geography.tables import Community
from procure.organizations.tables import Organization
from procure.security.tables import User
from procure.tenders.states import (
    CriterionKind,
    EvaluationMethod,
    NeedEvidenceKind,
    ProcurementMethod,
    TenderStatus,
)


class Tender(Table, tablename="tender"):
    id: Serial  # the primary key Piccolo adds
    reference = Varchar(length=40, unique=True, null=False)
    title = Varchar(length=200, null=False)
    description = Text(null=False, default="")
    department = parent(Department)
    method = enum_column(ProcurementMethod)
    evaluation_method = enum_column(EvaluationMethod)
    status = enum_column(TenderStatus)
    ceiling_fen = money()
    published_at = optional_time()
    clarification_deadline = optional_time()
    submission_deadline = optional_time()
    opening_at = optional_time()
    standstill_ends_at = optional_time()
    short_period_justification = Text(null=False, default="")
    cancel_reason = Text(null=False, default="")
    # The per-tender bid key, wrapped with the deployment's master key (see bids.sealing), and
    # the version of the secret that wrapped it (see procure.keyring).
    wrapped_bid_key = Bytea(null=False, secret=True)
    bid_key_version = Integer(null=False, default=1)
    created_by = parent(User, null=True)
    created_at = created_at()

    tender_method_valid = enum_check("method", ProcurementMethod)
    tender_evaluation_method_valid = enum_check("evaluation_method", EvaluationMethod)
    tender_status_valid = enum_check("status", TenderStatus)
    tender_ceiling_positive = Check("ceiling_fen > 0")
    tender_timeline_ordered = Check(
        "submission_deadline IS NULL OR published_at IS NULL OR submission_deadline > published_at"
    )
    tender_published_has_timeline = Check(
        "status IN ('draft', 'cancelled') OR (published_at IS NOT NULL"
        " AND submission_deadline IS NOT NULL)"
    )


class TenderCommunity(Table, tablename="tender_community"):
    id: Serial  # the primary key Piccolo adds
    tender = parent(Tender, cascade=True)
    community = parent(Community)

    tender_community_unique = Unique(["tender", "community"])


class ScopeLine(Table, tablename="scope_line"):
    id: Serial  # the primary key Piccolo adds
    tender = parent(Tender, cascade=True)
    line_no = Integer(null=False)
    catalog_item = parent(CatalogItem)
    description = Text(null=False, default="")
    quantity = Integer(null=False)

    scope_line_number_unique = Unique(["tender", "line_no"])
    scope_line_quantity_positive = Check("quantity > 0 AND line_no > 0")


class EvaluationCriterion(Table, tablename="evaluation_criterion"):
    id: Serial  # the primary key Piccolo adds
    tender = parent(Tender, cascade=True)
    code = Varchar(length=16, null=False)
    name = Varchar(length=100, null=False)
    kind = enum_column(CriterionKind)
    weight = Integer(null=False)

    evaluation_criterion_code_unique = Unique(["tender", "code"])
    evaluation_criterion_kind_valid = enum_check("kind", CriterionKind)
    evaluation_criterion_weight_range = Check("weight > 0 AND weight <= 100")


class Clarification(Table, tablename="clarification"):
    """A question from an organization; the asker is never shown to other organizations."""

    id: Serial  # the primary key Piccolo adds

    tender = parent(Tender, cascade=True)
    asked_by = parent(Organization)
    question = Text(null=False)
    asked_at = created_at()
    answer = Text(null=False, default="")
    answered_at = optional_time()

    clarification_question_given = Check("length(question) > 0")


class NeedEvidence(Table, tablename="need_evidence"):
    """Recorded evidence of residents' needs behind a tender (DEMAND_MISMATCH looks here)."""

    id: Serial  # the primary key Piccolo adds

    tender = parent(Tender, cascade=True)
    community = parent(Community, null=True)
    kind = enum_column(NeedEvidenceKind)
    summary = Text(null=False)
    recorded_at = created_at()

    need_evidence_kind_valid = enum_check("kind", NeedEvidenceKind)


class TenderAmendment(Table, tablename="tender_amendment"):
    """A correction of a published tender (更正公告), numbered 1, 2… per tender, published when an
    approver approves the handler's request (approval kind ``tender.amend``).

    ``changes`` holds each changed field's value before and after; ``before`` is the whole
    notice as it stood before this correction (the first correction's is the tender as first
    published). The deadline fields and ``rule`` record whether 财政部令第87号 第二十七条 moved
    the submission deadline."""

    id: Serial  # the primary key Piccolo adds

    tender = parent(Tender, cascade=True)
    number = Integer(null=False)
    summary = Text(null=False)
    affects_preparation = Boolean(null=False, default=False)
    changes = JSON(null=False, default="{}")
    before = JSON(null=False, default="{}")
    submission_deadline_before = Timestamptz(null=False)
    submission_deadline_after = Timestamptz(null=False)
    clarification_deadline_before = Timestamptz(null=False)
    clarification_deadline_after = Timestamptz(null=False)
    deadline_moved = Boolean(null=False, default=False)
    rule = JSON(null=False, default="{}")
    # A lowered ceiling: a sealed bid may now exceed it, so only a new sealed bid confirms.
    resubmission_required = Boolean(null=False, default=False)
    bids_to_reconfirm = Integer(null=False, default=0)
    approval_id = Integer(null=False)
    requested_by = parent(User)
    approved_by = parent(User)
    published_at = Timestamptz(null=False)

    tender_amendment_number_unique = Unique(["tender", "number"])
    tender_amendment_summary_given = Check("length(summary) > 0 AND number > 0")
    tender_amendment_deadline_not_earlier = Check(
        "submission_deadline_after >= submission_deadline_before"
    )

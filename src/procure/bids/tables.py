"""Tables of bids: the sealed envelope, the prices revealed at opening, scores and the award."""

from enum import StrEnum

from piccolo.columns import Bytea, Integer, Serial, Text, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.db.columns import created_at, enum_check, enum_column, money, optional_time, parent
from procure.organizations.tables import Organization
from procure.security.tables import User
from procure.tenders.tables import EvaluationCriterion, ScopeLine, Tender, TenderAmendment


class BidStatus(StrEnum):
    submitted = "submitted"
    # A correction (更正公告) that can affect bid preparation was published after this bid:
    # the bidder confirms it (or submits a new sealed version) before the deadline.
    reconfirmation_required = "reconfirmation_required"
    # Not confirmed by the deadline: never unsealed, excluded from evaluation.
    not_reconfirmed = "not_reconfirmed"
    withdrawn = "withdrawn"
    opened = "opened"
    explanation_requested = "explanation_requested"
    valid = "valid"
    disqualified = "disqualified"


class Bid(Table, tablename="bid"):
    """One organization's bid on one tender.

    Until the deadline only the sealed envelope exists: ``sealed_content`` is AES-GCM
    ciphertext under the tender's key; the price columns stay NULL until opening.
    """

    id: Serial  # the primary key Piccolo adds

    tender = parent(Tender)
    organization = parent(Organization)
    status = enum_column(BidStatus)
    version = Integer(null=False, default=1)
    sealed_content = Bytea(null=False, secret=True)
    nonce = Bytea(null=False, secret=True)
    content_sha256 = Varchar(length=64, null=False)
    submitted_at = created_at()
    withdrawn_at = optional_time()
    opened_at = optional_time()
    total_fen = money(null=True)
    explanation_due_at = optional_time()
    explanation = Text(null=False, default="")
    disqualification_reason = Text(null=False, default="")
    # The latest correction this bid must be confirmed against, and when it was confirmed.
    reconfirmation_amendment = parent(TenderAmendment, null=True)
    reconfirmed_at = optional_time()

    bid_one_per_organization = Unique(["tender", "organization"])
    bid_status_valid = enum_check("status", BidStatus)
    bid_total_revealed_after_opening = Check(
        "total_fen IS NULL OR (opened_at IS NOT NULL AND total_fen > 0)"
    )
    bid_disqualified_has_reason = Check(
        "status <> 'disqualified' OR length(disqualification_reason) > 0"
    )


class BidLine(Table, tablename="bid_line"):
    """A per-scope-line price, written when the bid is opened."""

    id: Serial  # the primary key Piccolo adds

    bid = parent(Bid, cascade=True)
    scope_line = parent(ScopeLine)
    price_fen = money()

    bid_line_unique = Unique(["bid", "scope_line"])
    bid_line_price_not_negative = Check("price_fen >= 0")


class BidCostPlan(Table, tablename="bid_cost_plan"):
    """A bid line's staffing and cost plan, sealed with the bid and written when it is opened:
    the declared materials and the volunteer hours, counted apart from paid staff."""

    id: Serial  # the primary key Piccolo adds

    bid_line = parent(BidLine, cascade=True)
    materials_fen = money()
    volunteer_hours = Integer(null=False, default=0)

    bid_cost_plan_one_per_line = Unique(["bid_line"])
    bid_cost_plan_not_negative = Check("materials_fen >= 0 AND volunteer_hours >= 0")


class BidStaffRole(Table, tablename="bid_staff_role"):
    """One role of a line's plan: headcount × hours per person at an hourly wage, with the
    employer's social insurance for the role over the line."""

    id: Serial  # the primary key Piccolo adds

    cost_plan = parent(BidCostPlan, cascade=True)
    role = Varchar(length=100, null=False)
    headcount = Integer(null=False)
    hours = Integer(null=False)
    hourly_wage_fen = money()
    social_insurance_fen = money()

    bid_staff_role_positive = Check(
        "headcount > 0 AND hours > 0 AND hourly_wage_fen >= 0 AND social_insurance_fen >= 0"
    )


class TechnicalScore(Table, tablename="technical_score"):
    id: Serial  # the primary key Piccolo adds
    bid = parent(Bid, cascade=True)
    criterion = parent(EvaluationCriterion)
    evaluator = parent(User)
    score = Integer(null=False)
    scored_at = created_at()

    technical_score_unique = Unique(["bid", "criterion", "evaluator"])
    technical_score_range = Check("score >= 0 AND score <= 100")


class Award(Table, tablename="award"):
    id: Serial  # the primary key Piccolo adds
    tender = parent(Tender)
    bid = parent(Bid)
    decided_by = parent(User, null=True)
    decided_at = created_at()
    standstill_ends_at = optional_time()
    # When the award notice became public (87号令 第六十九条: within 2 working days).
    published_at = optional_time()

    award_one_per_tender = Unique(["tender"])

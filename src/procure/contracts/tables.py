"""Tables of contracts and everything hanging off them."""

from enum import StrEnum

from piccolo.columns import Boolean, Date, Integer, Serial, Text, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.bids.tables import Award
from procure.catalog.tables import CatalogItem
from procure.db.columns import created_at, enum_check, enum_column, money, optional_time, parent
from procure.departments.tables import Department
from procure.geography.tables import Community
from procure.organizations.tables import Organization
from procure.security.tables import User
from procure.tenders.tables import Tender


class ContractStatus(StrEnum):
    draft = "draft"
    active = "active"
    completed = "completed"
    terminated = "terminated"


class ReportingFrequency(StrEnum):
    monthly = "monthly"
    quarterly = "quarterly"


class MilestoneStatus(StrEnum):
    pending = "pending"
    done = "done"
    missed = "missed"


class PaymentStatus(StrEnum):
    scheduled = "scheduled"
    held = "held"
    # A held instalment an approver cleared for payment again, with a reason.
    released = "released"
    paid = "paid"


class RectificationStatus(StrEnum):
    """The organization's rectification (整改) of a held instalment: submitted, then accepted or
    returned by the buyer; an accepted one is applied when the instalment is released."""

    submitted = "submitted"
    accepted = "accepted"
    returned = "returned"
    applied = "applied"


class AmendmentStatus(StrEnum):
    """A supplementary agreement: drafted by a handler, approved for the buyer, then accepted or
    declined by the organization; only an accepted one changes the contract."""

    draft = "draft"
    pending_acceptance = "pending_acceptance"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"


class Contract(Table, tablename="contract"):
    id: Serial  # the primary key Piccolo adds
    reference = Varchar(length=40, unique=True, null=False)
    title = Varchar(length=200, null=False)
    tender = parent(Tender, null=True)
    award = parent(Award, null=True)
    department = parent(Department)
    organization = parent(Organization)
    status = enum_column(ContractStatus)
    value_fen = money()
    starts_on = Date(null=False)
    ends_on = Date(null=False)
    reporting_frequency = enum_column(ReportingFrequency)
    bid_receipt_sha256 = Varchar(length=64, null=False, default="")
    # The moment the contract came into force: the second of the two signatures.
    signed_at = optional_time()
    # Two parties sign: the buyer (its approver, on a handler's request) and the organization.
    buyer_signed_by = parent(User, null=True)
    buyer_signed_at = optional_time()
    organization_signed_by = parent(User, null=True)
    organization_signed_at = optional_time()
    terminated_reason = Text(null=False, default="")
    # The local day the contract was completed or terminated: no report is owed for a period
    # that begins after it.
    closed_on = Date(null=True, default=None)
    # When the contract became public (实施条例 第五十条: within 2 working days of signing).
    published_at = optional_time()
    created_at = created_at()

    contract_status_valid = enum_check("status", ContractStatus)
    contract_frequency_valid = enum_check("reporting_frequency", ReportingFrequency)
    contract_value_positive = Check("value_fen > 0")
    contract_term_ordered = Check("ends_on > starts_on")
    contract_terminated_has_reason = Check(
        "status <> 'terminated' OR length(terminated_reason) > 0"
    )
    contract_closed_has_day = Check("closed_on IS NULL OR status IN ('completed', 'terminated')")


class ContractCommunity(Table, tablename="contract_community"):
    id: Serial  # the primary key Piccolo adds
    contract = parent(Contract, cascade=True)
    community = parent(Community)

    contract_community_unique = Unique(["contract", "community"])


class ContractScopeLine(Table, tablename="contract_scope_line"):
    id: Serial  # the primary key Piccolo adds
    contract = parent(Contract, cascade=True)
    line_no = Integer(null=False)
    catalog_item = parent(CatalogItem)
    description = Text(null=False, default="")
    quantity = Integer(null=False)
    unit_price_fen = money()
    amount_fen = money()
    in_tender = Boolean(null=False, default=True)

    contract_scope_line_unique = Unique(["contract", "line_no"])
    contract_scope_line_amounts = Check(
        "quantity >= 0 AND unit_price_fen >= 0 AND amount_fen >= 0 AND line_no > 0"
    )


class Milestone(Table, tablename="milestone"):
    id: Serial  # the primary key Piccolo adds
    contract = parent(Contract, cascade=True)
    seq = Integer(null=False)
    title = Varchar(length=200, null=False)
    due_on = Date(null=False)
    status = enum_column(MilestoneStatus)

    milestone_seq_unique = Unique(["contract", "seq"])
    milestone_status_valid = enum_check("status", MilestoneStatus)


class Payment(Table, tablename="payment"):
    id: Serial  # the primary key Piccolo adds
    contract = parent(Contract, cascade=True)
    seq = Integer(null=False)
    due_on = Date(null=False)
    amount_fen = money()
    performance_linked = Boolean(null=False, default=False)
    status = enum_column(PaymentStatus)
    # Why the instalment was last held or released (an approver's step, with its reason).
    status_reason = Text(null=False, default="")
    paid_at = optional_time()
    paid_on = Date(null=True, default=None)
    paid_amount_fen = money(null=True)
    voucher_no = Varchar(length=64, null=False, default="")

    payment_seq_unique = Unique(["contract", "seq"])
    payment_status_valid = enum_check("status", PaymentStatus)
    payment_amount_positive = Check("amount_fen > 0")
    payment_paid_has_time = Check("status <> 'paid' OR paid_at IS NOT NULL")


class Rectification(Table, tablename="rectification"):
    """What the organization did to put right what held an instalment, and the buyer's answer."""

    id: Serial  # the primary key Piccolo adds
    payment = parent(Payment, cascade=True)
    description = Text(null=False)
    status = enum_column(RectificationStatus)
    submitted_by = parent(User, null=True)
    submitted_at = created_at()
    answered_by = parent(User, null=True)
    answered_at = optional_time()
    answer_note = Text(null=False, default="")

    rectification_described = Check("length(description) > 0")
    rectification_status_valid = enum_check("status", RectificationStatus)


class Amendment(Table, tablename="amendment"):
    """A supplementary agreement (补充协议); versions count up from 1 per contract."""

    id: Serial  # the primary key Piccolo adds

    contract = parent(Contract, cascade=True)
    version = Integer(null=False)
    reason = Text(null=False)
    value_delta_fen = money()
    status = enum_column(AmendmentStatus, default=AmendmentStatus.accepted)
    # Set when the organization accepts: the moment the supplementary agreement takes effect.
    signed_at = optional_time()
    created_by = parent(User, null=True)
    created_at = created_at()
    approved_by = parent(User, null=True)
    approved_at = optional_time()
    answered_by = parent(User, null=True)
    answered_at = optional_time()
    decline_reason = Text(null=False, default="")

    amendment_version_unique = Unique(["contract", "version"])
    amendment_reason_given = Check("length(reason) > 0 AND version > 0")
    amendment_status_valid = enum_check("status", AmendmentStatus)


class AmendmentLine(Table, tablename="amendment_line"):
    """An amendment's change to one scope line; a line absent from the tender adds scope."""

    id: Serial  # the primary key Piccolo adds

    amendment = parent(Amendment, cascade=True)
    scope_line = parent(ContractScopeLine, null=True)
    catalog_item = parent(CatalogItem)
    description = Text(null=False, default="")
    quantity_delta = Integer(null=False)
    unit_price_fen = money()
    amount_delta_fen = money()
    in_tender = Boolean(null=False, default=True)

    amendment_line_price_not_negative = Check("unit_price_fen >= 0")

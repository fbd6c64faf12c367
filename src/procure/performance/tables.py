"""The settled performance of a contract period: the record payments and credit ratings follow."""

from enum import StrEnum

from piccolo.columns import Boolean, Integer, Serial, Text, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.contracts.tables import Contract, Payment
from procure.db.columns import created_at, enum_check, enum_column, optional_time, parent
from procure.security.tables import User


class ObjectionStatus(StrEnum):
    """The organization's objection (申辩) to a settlement and the regulator's decision on it."""

    none = "none"
    lodged = "lodged"
    upheld = "upheld"  # the settlement's effects are cancelled
    rejected = "rejected"  # the settlement's effects apply from the decision


class PerformanceScore(Table, tablename="performance_score"):
    """Settled by the buyer for one period (a handler requests, an approver approves); it is
    what the period's performance-linked instalment and the organization's credit rating are
    decided on. Scores are 0–100 with two decimals, kept as integer hundredths (8,750 = 87.50)
    because SQLite would store a NUMERIC as a float.

    Its effects (a hold on the instalment, a deduction, the rating) are in force only once the
    objection period has ended without an objection, or the regulator rejected the objection;
    ``performance.effects`` computes that from these columns and the clock."""

    id: Serial  # the primary key Piccolo adds
    contract = parent(Contract)
    period = Varchar(length=7, null=False)
    committee_hundredths = Integer(null=True, default=None)
    satisfaction_hundredths = Integer(null=True, default=None)
    delivery_hundredths = Integer(null=True, default=None)
    score_hundredths = Integer(null=False)
    complete = Boolean(null=False, default=True)
    grade = Varchar(length=16, null=False)
    recommendation = Varchar(length=16, null=False)
    # The handler who prepared the settlement and the approver who approved it (maker–checker).
    settled_by = parent(User, null=True)
    approved_by = parent(User, null=True)
    settled_at = created_at()
    # The period's instalment, whether the settlement holds it, and the deduction from it.
    payment = parent(Payment, null=True)
    holds_payment = Boolean(null=False, default=False)
    deduction_fen = Integer(null=False, default=0)
    # The end of the objection period (settlement_objection); NULL for settlements recorded
    # before objections existed, which are in force.
    objection_ends_at = optional_time()
    objection_provisional = Boolean(null=False, default=False)
    objection = enum_column(ObjectionStatus)
    objection_grounds = Text(null=False, default="")
    objected_by = parent(User, null=True)
    objected_at = optional_time()
    objection_decided_by = parent(User, null=True)
    objection_decided_at = optional_time()
    objection_decision = Text(null=False, default="")

    performance_score_unique = Unique(["contract", "period"])
    performance_score_range = Check("score_hundredths >= 0 AND score_hundredths <= 10000")
    performance_score_objection_valid = enum_check("objection", ObjectionStatus)
    performance_score_deduction_positive = Check("deduction_fen >= 0")

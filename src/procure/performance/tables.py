"""The settled performance of a contract period: the record payments and credit ratings follow."""

from piccolo.columns import Boolean, Integer, Serial, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.contracts.tables import Contract
from procure.db.columns import created_at, parent
from procure.security.tables import User


class PerformanceScore(Table, tablename="performance_score"):
    """Settled by the buyer for one period (a handler requests, an approver approves); it is
    what the next performance-linked instalment and the organization's credit rating are decided
    on. Scores are 0–100 with two decimals, kept as integer hundredths (8,750 = 87.50) because
    SQLite would store a NUMERIC as a float."""

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

    performance_score_unique = Unique(["contract", "period"])
    performance_score_range = Check("score_hundredths >= 0 AND score_hundredths <= 10000")

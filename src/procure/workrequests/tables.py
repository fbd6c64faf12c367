"""Tables of work requests (a department asking a contractor for out-of-contract work) and the
report lines that cite them."""

from enum import StrEnum

from piccolo.columns import Date, Integer, Serial, Text, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.contracts.tables import Contract
from procure.db.columns import created_at, enum_check, enum_column, optional_time, parent
from procure.departments.tables import Department
from procure.reports.tables import ActivityLine
from procure.security.tables import User


class WorkRequestStatus(StrEnum):
    filed = "filed"  # waiting for the organization's answer
    accepted = "accepted"
    declined = "declined"  # declining never counts against the organization
    amendment_proposed = "amendment_proposed"  # the work belongs in a supplementary agreement


class WorkRequest(Table, tablename="work_request"):
    """A department official's request for work outside the contract (合同外工作事项申请)."""

    id: Serial  # the primary key Piccolo adds
    contract = parent(Contract)
    department = parent(Department)
    requested_by = parent(User)
    # Who asks, as the official signs (e.g. 海湾街道 张主任): the name a report line quotes.
    requested_by_person = Varchar(length=100, null=False)
    kind = Varchar(length=40, null=False)  # a code of [workrequests] admissible in the policy
    purpose = Text(null=False)
    hours = Integer(null=False)
    deadline = Date(null=False)
    status = enum_column(WorkRequestStatus)
    answer_note = Text(null=False, default="")
    answered_by = parent(User, null=True)
    answered_at = optional_time()
    filed_at = created_at()
    # The month it was filed in (YYYY-MM, Asia/Shanghai): the burden index's month.
    period = Varchar(length=7, null=False)

    work_request_status_valid = enum_check("status", WorkRequestStatus)
    work_request_hours_positive = Check("hours > 0 AND length(period) = 7")


class WorkRequestCitation(Table, tablename="work_request_citation"):
    """An out-of-contract report line citing the request that asked for it (one per line)."""

    id: Serial  # the primary key Piccolo adds
    activity_line = parent(ActivityLine, cascade=True)
    work_request = parent(WorkRequest)
    cited_at = created_at()

    work_request_citation_once = Unique(["activity_line"])

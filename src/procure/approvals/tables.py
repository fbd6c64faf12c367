"""The approval requests of buying departments."""

from enum import StrEnum

from piccolo.columns import JSON, Serial, Text, Varchar
from piccolo.table import Table

from procure.db.columns import created_at, enum_check, enum_column, optional_time, parent
from procure.departments.tables import Department
from procure.security.tables import User


class ApprovalStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"
    withdrawn = "withdrawn"


class Approval(Table, tablename="approval"):
    """A step a handler prepared and an approver other than them must approve.

    ``kind`` names the step (``tender.publish``, ``contract.sign``…); ``payload`` holds what the
    handler prepared, which the approved step carries out unchanged.
    """

    id: Serial  # the primary key Piccolo adds

    department = parent(Department)
    kind = Varchar(length=40, null=False)
    subject_type = Varchar(length=32, null=False)
    subject_id = Varchar(length=64, null=False)
    summary = Text(null=False, default="")
    payload = JSON(null=False, default="{}")
    status = enum_column(ApprovalStatus)
    # Set while pending, cleared on decision: at most one pending request per step and subject.
    pending_key = Varchar(length=160, null=True, default=None, unique=True)
    requested_by = parent(User)
    requested_at = created_at()
    decided_by = parent(User, null=True)
    decided_at = optional_time()
    reason = Text(null=False, default="")

    approval_status_valid = enum_check("status", ApprovalStatus)

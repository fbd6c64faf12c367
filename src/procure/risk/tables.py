"""Tables of risk flags and their history."""

from enum import StrEnum

from piccolo.columns import JSON, Serial, Text, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from procure.db.columns import created_at, enum_check, enum_column, parent
from procure.departments.tables import Department
from procure.organizations.tables import Organization
from procure.security.tables import User


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class FlagStatus(StrEnum):
    open = "open"
    explained = "explained"
    resolved = "resolved"
    dismissed = "dismissed"


class RiskFlag(Table, tablename="risk_flag"):
    """One rule's finding on one subject and period; a re-run updates it, never duplicates it."""

    id: Serial  # the primary key Piccolo adds

    rule = Varchar(length=32, null=False, index=True)
    # "platform" for the platform's own processes, else the imported OCDS dataset's name
    # ("external" by default).
    dataset = Varchar(length=40, null=False, default="platform")
    subject_type = Varchar(length=32, null=False)
    # A platform id, or an imported one as long as its publisher made it (an ocid, a party id,
    # ``ocid/bids/details/<n>``): unbounded here, capped by the engine (SUBJECT_ID_MAX_BYTES).
    subject_id = Text(null=False)
    period = Varchar(length=16, null=False, default="")
    ocid = Text(null=False, default="")
    severity = enum_column(Severity)
    status = enum_column(FlagStatus)
    evidence = JSON(null=False, default="{}")
    # sha256 of what the finding sets (severity, evidence, ocid, parties): a scan tells an
    # unchanged flag by it, without reading the evidence back.
    finding_hash = Varchar(length=64, null=False, default="")
    policy_version = Varchar(length=40, null=False)
    # The parties involved, who may read the flag (besides auditors): the buying department and
    # the organization concerned, where the subject has them.
    department = parent(Department, null=True)
    organization = parent(Organization, null=True)
    first_seen_at = created_at()
    last_seen_at = created_at()

    risk_flag_subject = Unique(["rule", "dataset", "subject_type", "subject_id", "period"])
    risk_flag_severity_valid = enum_check("severity", Severity)
    risk_flag_status_valid = enum_check("status", FlagStatus)


class RiskFlagEvent(Table, tablename="risk_flag_event"):
    id: Serial  # the primary key Piccolo adds
    flag = parent(RiskFlag, cascade=True)
    from_status = Varchar(length=16, null=False, default="")
    to_status = enum_column(FlagStatus)
    actor = parent(User, null=True)
    note = Text(null=False, default="")
    occurred_at = created_at()

    risk_flag_event_status_valid = enum_check("to_status", FlagStatus)

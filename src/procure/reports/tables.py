"""Tables of service reports, their activity lines and attachments."""

from enum import StrEnum

from piccolo.columns import Boolean, Bytea, Date, Integer, Serial, Text, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.contracts.tables import Contract, ContractScopeLine
from procure.db.columns import created_at, enum_check, enum_column, money, optional_time, parent
from procure.departments.tables import Department
from procure.security.tables import User


class ReportStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    superseded = "superseded"


class OutOfScopeKind(StrEnum):
    none = "none"  # within the contract
    administrative = "administrative"  # 行政性工作: reports, statistics for a department
    campaign = "campaign"  # 中心工作/创建任务, e.g. 创文明城市
    seconded_staff = "seconded_staff"  # 借调人员
    other = "other"


class ServiceReport(Table, tablename="service_report"):
    """One version of a period's report; a correction is a new version, never an edit."""

    id: Serial  # the primary key Piccolo adds

    contract = parent(Contract)
    period = Varchar(length=7, null=False)  # YYYY-MM, the first month of the period
    version = Integer(null=False, default=1)
    status = enum_column(ReportStatus)
    due_on = Date(null=False)
    summary = Text(null=False, default="")
    outcome_self_score = Integer(null=True, default=None)  # the organization's own 0–100 claim
    submitted_at = optional_time()
    submitted_by = parent(User, null=True)
    created_at = created_at()

    service_report_version_unique = Unique(["contract", "period", "version"])
    service_report_status_valid = enum_check("status", ReportStatus)
    service_report_period_format = Check("length(period) = 7 AND version > 0")
    service_report_self_score_range = Check(
        "outcome_self_score IS NULL OR (outcome_self_score >= 0 AND outcome_self_score <= 100)"
    )


class ActivityLine(Table, tablename="activity_line"):
    id: Serial  # the primary key Piccolo adds
    report = parent(ServiceReport, cascade=True)
    scope_line = parent(ContractScopeLine, null=True)
    out_of_scope = Boolean(null=False, default=False)
    out_of_scope_kind = enum_column(OutOfScopeKind)
    requested_by_department = parent(Department, null=True)
    requested_by_person = Varchar(length=100, null=False, default="")
    description = Text(null=False)
    quantity = Integer(null=False, default=0)
    beneficiaries = Integer(null=False, default=0)
    staff_minutes = Integer(null=False, default=0)
    spend_fen = money()
    # Reports, statistics tables or other submissions this out-of-contract work handed to the
    # department that demanded them (报送次数): REPORTING_BURDEN counts them.
    submissions = Integer(null=False, default=0)

    activity_line_kind_valid = enum_check("out_of_scope_kind", OutOfScopeKind)
    # A line is tied to a contract scope line, or it is out-of-contract work with its kind.
    activity_line_scope_consistent = Check(
        "(out_of_scope = false AND scope_line IS NOT NULL AND out_of_scope_kind = 'none')"
        " OR (out_of_scope = true AND scope_line IS NULL AND out_of_scope_kind <> 'none')"
    )
    activity_line_amounts_not_negative = Check(
        "quantity >= 0 AND beneficiaries >= 0 AND staff_minutes >= 0 AND spend_fen >= 0"
    )
    activity_line_submissions_out_of_scope = Check(
        "submissions >= 0 AND (out_of_scope = true OR submissions = 0)"
    )


class UnitKind(StrEnum):
    household_visit = "household_visit"  # 入户探访
    session = "session"  # 活动场次, with a sign-in list (签到表)
    beneficiary_group = "beneficiary_group"  # 服务对象小组, named


class ActivityUnit(Table, tablename="activity_unit"):
    """A verifiable unit of a line's delivery: the committee finds it by its code in the
    organization's own records (a household's service file, a sign-in list), so the platform
    never holds the person behind it."""

    id: Serial  # the primary key Piccolo adds
    activity_line = parent(ActivityLine, cascade=True)
    kind = enum_column(UnitKind)
    code = Varchar(length=32, null=False)

    activity_unit_once = Unique(["activity_line", "code"])
    activity_unit_kind_valid = enum_check("kind", UnitKind)


class ReportAttachment(Table, tablename="report_attachment"):
    id: Serial  # the primary key Piccolo adds
    report = parent(ServiceReport, cascade=True)
    activity_line = parent(ActivityLine, null=True, cascade=True)
    filename = Varchar(length=200, null=False)
    content_type = Varchar(length=100, null=False)
    size_bytes = Integer(null=False)
    sha256 = Varchar(length=64, null=False)
    content = Bytea(null=False)
    uploaded_at = created_at()

    report_attachment_size_positive = Check("size_bytes > 0")

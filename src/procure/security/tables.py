"""Tables of users, API tokens and server-side sessions."""

from enum import StrEnum

from piccolo.columns import Boolean, Bytea, Serial, Varchar
from piccolo.constraints import Check
from piccolo.table import Table

from procure.db.columns import created_at, enum_check, enum_column, optional_time, parent
from procure.departments.tables import Department
from procure.geography.tables import Community
from procure.organizations.tables import Organization


class Role(StrEnum):
    buyer = "buyer"
    organization = "organization"
    committee = "committee"
    auditor = "auditor"
    admin = "admin"
    # The finance department's procurement supervision office (财政部门).
    regulator = "regulator"
    # An evaluation expert of the finance department's pool (评审专家).
    expert = "expert"
    # A resident monitor (居民监督员) its community's committee registers: verifies the
    # spot-check samples of the contracts serving that community, and nothing else.
    monitor = "monitor"


class User(Table, tablename="app_user"):
    id: Serial  # the primary key Piccolo adds
    username = Varchar(length=60, unique=True, null=False)
    display_name = Varchar(length=120, null=False)
    password_hash = Varchar(length=200, null=False, secret=True)
    role = enum_column(Role)
    department = parent(Department, null=True)
    organization = parent(Organization, null=True)
    community = parent(Community, null=True)
    is_active = Boolean(null=False, default=True)
    # Duties inside a buying department: a handler (经办) prepares, an approver (审批负责人)
    # approves; a user may hold both but never approves their own work.
    is_handler = Boolean(null=False, default=False)
    is_approver = Boolean(null=False, default=False)
    created_at = created_at()
    last_login_at = optional_time()
    # Where notifications are e-mailed ("" : none) and in which language ("" : zh-CN).
    email = Varchar(length=254, null=False, default="")
    locale = Varchar(length=8, null=False, default="")

    app_user_role_valid = enum_check("role", Role)
    # Each role acts for exactly the body it belongs to, and for no other.
    app_user_acts_for = Check(
        "(role = 'buyer' AND department IS NOT NULL AND organization IS NULL AND community IS NULL)"
        " OR (role = 'organization' AND organization IS NOT NULL AND department IS NULL"
        " AND community IS NULL)"
        " OR (role IN ('committee', 'monitor') AND community IS NOT NULL AND department IS NULL"
        " AND organization IS NULL)"
        " OR (role = 'regulator' AND department IS NOT NULL AND organization IS NULL"
        " AND community IS NULL)"
        " OR (role IN ('auditor', 'admin', 'expert') AND department IS NULL"
        " AND organization IS NULL AND community IS NULL)"
    )
    # Only a buying department's staff hold a handler's or an approver's duty.
    app_user_duties = Check("role = 'buyer' OR (NOT is_handler AND NOT is_approver)")


class ApiToken(Table, tablename="api_token"):
    id: Serial  # the primary key Piccolo adds
    user = parent(User, cascade=True)
    name = Varchar(length=100, null=False)
    token_sha256 = Varchar(length=64, unique=True, null=False, secret=True)
    created_at = created_at()
    expires_at = optional_time()
    revoked_at = optional_time()
    last_used_at = optional_time()


class SessionRecord(Table, tablename="web_session"):
    """Litestar's server-side session store, so sessions survive restarts and span workers."""

    id: Serial  # the primary key Piccolo adds

    key = Varchar(length=128, unique=True, null=False)
    data = Bytea(null=False)
    expires_at = optional_time()

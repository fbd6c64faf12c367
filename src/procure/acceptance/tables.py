"""Tables of 履约验收: an acceptance of a contract (or of one stage of a periodic service), its
group, the service recipients invited and their opinions, and the result per requirement."""

from enum import StrEnum

from piccolo.columns import Boolean, Date, Integer, Serial, Text, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.contracts.tables import Contract, ContractScopeLine
from procure.db.columns import created_at, enum_check, enum_column, optional_time, parent
from procure.geography.tables import Community
from procure.security.tables import User


class AcceptanceStatus(StrEnum):
    # The handler sets up the group, invites recipients and records results.
    draft = "draft"
    # An approver other than who prepared it confirmed the overall result.
    passed = "passed"  # 合格
    failed = "failed"  # 不合格


class Verdict(StrEnum):
    passed = "passed"
    failed = "failed"


class RequirementResult(StrEnum):
    met = "met"  # 达到
    partly_met = "partly_met"  # 部分达到
    not_met = "not_met"  # 未达到


class MemberKind(StrEnum):
    buyer_staff = "buyer_staff"  # 采购人代表
    expert = "expert"  # 专家
    committee_member = "committee_member"  # 社区居委会成员


class RecipientKind(StrEnum):
    beneficiary = "beneficiary"  # 服务对象
    resident_representative = "resident_representative"  # 居民代表


class Opinion(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"


class Acceptance(Table, tablename="acceptance"):
    """One acceptance; a failed one may be followed by another attempt after rectification."""

    id: Serial  # the primary key Piccolo adds
    contract = parent(Contract)
    # "" accepts the whole contract; "YYYY-MM" one reporting period of a periodic service.
    stage = Varchar(length=16, null=False, default="")
    # The whole contract, or its last stage: completion and the final payment need it passed.
    final = Boolean(null=False, default=False)
    attempt = Integer(null=False, default=1)
    status = enum_column(AcceptanceStatus)
    accepted_on = Date(null=False)
    result = Varchar(length=16, null=False, default="")
    conclusion = Text(null=False, default="")
    prepared_by = parent(User, null=True)
    confirmed_by = parent(User, null=True)
    confirmed_at = optional_time()
    created_at = created_at()

    acceptance_attempt_unique = Unique(["contract", "stage", "attempt"])
    acceptance_status_valid = enum_check("status", AcceptanceStatus)
    acceptance_result_matches = Check(
        "(status = 'draft' AND result = '') OR (status <> 'draft' AND result = status)"
    )


class AcceptanceMember(Table, tablename="acceptance_member"):
    """A member of the acceptance group (验收小组); never someone of the organization."""

    id: Serial  # the primary key Piccolo adds
    acceptance = parent(Acceptance, cascade=True)
    name = Varchar(length=100, null=False)
    kind = enum_column(MemberKind)
    affiliation = Varchar(length=200, null=False, default="")

    acceptance_member_kind_valid = enum_check("kind", MemberKind)


class AcceptanceRecipient(Table, tablename="acceptance_recipient"):
    """A service recipient invited to the acceptance; name and contact are never published."""

    id: Serial  # the primary key Piccolo adds
    acceptance = parent(Acceptance, cascade=True)
    name = Varchar(length=100, null=False)
    community = parent(Community)
    kind = enum_column(RecipientKind)
    # Only the masked form is kept (138****5678): the acceptance needs no more.
    contact_masked = Varchar(length=32, null=False, default="")
    opinion = Varchar(length=32, null=False, default="")
    comment = Text(null=False, default="")
    recorded_by = parent(User, null=True)
    recorded_at = optional_time()

    acceptance_recipient_kind_valid = enum_check("kind", RecipientKind)
    acceptance_recipient_opinion_valid = Check(
        "opinion IN ('', 'satisfied', 'basically_satisfied', 'dissatisfied')"
    )


class AcceptanceItem(Table, tablename="acceptance_item"):
    """The result for one requirement: a contract scope line."""

    id: Serial  # the primary key Piccolo adds
    acceptance = parent(Acceptance, cascade=True)
    scope_line = parent(ContractScopeLine)
    line_no = Integer(null=False)
    result = Varchar(length=16, null=False, default="")
    notes = Text(null=False, default="")
    evidence = Text(null=False, default="")
    recorded_by = parent(User, null=True)
    recorded_at = optional_time()

    acceptance_item_unique = Unique(["acceptance", "line_no"])
    acceptance_item_result_valid = Check("result IN ('', 'met', 'partly_met', 'not_met')")

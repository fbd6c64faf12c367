"""Tables of the organization registry."""

from enum import StrEnum

from piccolo.columns import Boolean, Date, Integer, Serial, Text, Varchar
from piccolo.constraints import Check
from piccolo.table import Table

from procure.db.columns import created_at, enum_check, enum_column, parent
from procure.departments.tables import Department


class RegistrationType(StrEnum):
    social_group = "social_group"  # 社会团体
    social_service_agency = "social_service_agency"  # 社会服务机构(民办非企业单位)
    foundation = "foundation"  # 基金会


class CreditRating(StrEnum):
    AAA = "AAA"
    AA = "AA"
    A = "A"
    B = "B"
    C = "C"
    unrated = "unrated"


class Organization(Table, tablename="organization"):
    id: Serial  # the primary key Piccolo adds
    credit_code = Varchar(length=18, unique=True, null=False)
    name = Varchar(length=200, null=False)
    short_name = Varchar(length=60, null=False, default="")
    registration_type = enum_column(RegistrationType)
    founded_on = Date(null=False)
    certified_social_workers = Integer(null=False, default=0)
    credit_rating = enum_column(CreditRating, default=CreditRating.unrated)
    address = Varchar(length=300, null=False, default="")
    contact_person = Varchar(length=60, null=False, default="")
    phone = Varchar(length=40, null=False, default="")
    registered_at = created_at()

    organization_registration_type_valid = enum_check("registration_type", RegistrationType)
    organization_credit_rating_valid = enum_check("credit_rating", CreditRating)
    organization_credit_code_length = Check("length(credit_code) = 18")
    organization_social_workers_not_negative = Check("certified_social_workers >= 0")


class QualificationKind(StrEnum):
    registration_certificate = "registration_certificate"
    social_work_qualification = "social_work_qualification"
    elderly_care_license = "elderly_care_license"
    tax_exemption = "tax_exemption"


class Qualification(Table, tablename="qualification"):
    id: Serial  # the primary key Piccolo adds
    organization = parent(Organization, cascade=True)
    kind = enum_column(QualificationKind)
    document_no = Varchar(length=80, null=False)
    issued_on = Date(null=False)
    expires_on = Date(null=True, default=None)
    required = Boolean(null=False, default=False)

    qualification_kind_valid = enum_check("kind", QualificationKind)
    qualification_dates_ordered = Check("expires_on IS NULL OR expires_on > issued_on")


class Debarment(Table, tablename="debarment"):
    id: Serial  # the primary key Piccolo adds
    organization = parent(Organization, cascade=True)
    starts_on = Date(null=False)
    ends_on = Date(null=False)
    reason = Text(null=False)
    decided_by = parent(Department, null=True)
    recorded_at = created_at()

    debarment_period_ordered = Check("ends_on > starts_on")
    debarment_reason_given = Check("length(reason) > 0")


class DecisionKind(StrEnum):
    credit_rating = "credit_rating"  # 信用评级调整
    debarment_imposed = "debarment_imposed"  # 禁止参加政府采购活动
    debarment_lifted = "debarment_lifted"  # 提前解除
    debarment_withdrawn = "debarment_withdrawn"  # 撤销(尚未生效)


class OversightDecision(Table, tablename="oversight_decision"):
    """The history of the oversight decisions about an organization (credit rating, debarment),
    public on its page: what changed, why, and what the organization said in its defence."""

    id: Serial  # the primary key Piccolo adds
    organization = parent(Organization, cascade=True)
    kind = enum_column(DecisionKind)
    # The debarment concerned; a plain id, as a withdrawn debarment is deleted.
    debarment_id = Integer(null=True, default=None)
    before_value = Varchar(length=60, null=False, default="")
    after_value = Varchar(length=60, null=False, default="")
    reason = Text(null=False)
    # The organization's statement and defence (陈述、申辩) heard before the decision, as the
    # decider recorded it, or that it waived it; empty where none was asked for.
    appeal_note = Text(null=False, default="")
    # The deciding department (the finance department); null for an administrator's correction.
    decided_by = parent(Department, null=True)
    decider_role = Varchar(length=16, null=False, default="")
    decided_at = created_at()

    oversight_decision_kind_valid = enum_check("kind", DecisionKind)
    oversight_decision_reason_given = Check("length(reason) > 0")

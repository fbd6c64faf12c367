"""Tables of the expert pool (评审专家库). The committee's own tables live beside them."""

from enum import StrEnum

from piccolo.columns import Date, Serial, Text, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.catalog.tables import CategoryCode
from procure.db.columns import enum_check, enum_column, parent
from procure.departments.tables import Department
from procure.geography.tables import District
from procure.organizations.tables import Organization
from procure.security.tables import User


class Expert(Table, tablename="expert"):
    """One evaluation expert of the finance department's pool."""

    id: Serial  # the primary key Piccolo adds

    # The pool's own number (专家编号), the natural key of imports.
    code = Varchar(length=32, unique=True, null=False)
    name = Varchar(length=60, null=False)
    district = parent(District)
    # The account the expert signs in with (role expert), once one exists.
    user = parent(User, null=True)
    employer = Varchar(length=200, null=False, default="")
    # Where the employer is a registered organization or a buying department, the link lets the
    # platform detect conflicts itself (an expert never sits on a bid of their employer, and a
    # department's staff never sit as experts on their own department's project).
    employer_organization = parent(Organization, null=True)
    employer_department = parent(Department, null=True)
    active_from = Date(null=False)
    active_until = Date(null=True, default=None)

    expert_active_period = Check("active_until IS NULL OR active_until >= active_from")


class ExpertCategory(Table, tablename="expert_category"):
    """A category of the service catalog the expert evaluates, with an optional specialty."""

    id: Serial  # the primary key Piccolo adds
    expert = parent(Expert, cascade=True)
    category = enum_column(CategoryCode)
    specialty = Varchar(length=100, null=False, default="")

    expert_category_unique = Unique(["expert", "category"])
    expert_category_valid = enum_check("category", CategoryCode)


class RelationshipKind(StrEnum):
    employment = "employment"  # worked for it in the last 3 years (近三年任职)
    directorship = "directorship"  # director, supervisor or manager of it (担任董事、监事、负责人)
    family = "family"  # close relative of its head (与负责人有近亲属关系)
    other = "other"  # another interest that could affect fairness (其他利害关系)


class ExpertRelationship(Table, tablename="expert_relationship"):
    """A declared relationship between an expert and an organization of the registry."""

    id: Serial  # the primary key Piccolo adds
    expert = parent(Expert, cascade=True)
    organization = parent(Organization)
    kind = enum_column(RelationshipKind)
    started_on = Date(null=True, default=None)
    ended_on = Date(null=True, default=None)
    note = Text(null=False, default="")

    expert_relationship_kind_valid = enum_check("kind", RelationshipKind)

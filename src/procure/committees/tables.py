"""Tables of the expert pool (评审专家库). The committee's own tables live beside them."""

from enum import StrEnum

from piccolo.columns import JSON, Boolean, Date, Integer, Serial, Text, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.bids.tables import Bid
from procure.catalog.tables import CategoryCode
from procure.db.columns import created_at, enum_check, enum_column, optional_time, parent
from procure.departments.tables import Department
from procure.geography.tables import District
from procure.organizations.tables import Organization
from procure.security.tables import User
from procure.tenders.tables import Tender


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


# --- The evaluation committee of one tender (评标委员会 / 评审小组) ---------------------------


class CommitteeStatus(StrEnum):
    planned = "planned"  # composition set (size, buyer representatives), not drawn yet
    drawn = "drawn"  # experts drawn; members declare 回避 once the bids are opened
    seated = "seated"  # every seat declared free of conflict: the committee evaluates
    reported = "reported"  # every member confirmed the evaluation report (评审报告)


class EvaluationCommittee(Table, tablename="evaluation_committee"):
    """The committee that evaluates one tender's bids, and the record of its random draw.

    ``candidates`` (the eligible experts' ids, ascending), ``seed`` and the seat count are all
    anyone needs to reproduce the draw (committees.draw.draw_order); ``excluded`` says who was
    left out of the candidates and why.
    """

    id: Serial  # the primary key Piccolo adds

    tender = parent(Tender, cascade=True)
    status = enum_column(CommitteeStatus)
    size = Integer(null=False)
    category = enum_column(CategoryCode)
    seed = Varchar(length=64, null=False, default="")
    candidates = JSON(null=False, default="[]")
    excluded = JSON(null=False, default="[]")
    # Supplementary draws when a seat emptied and no alternate was left: each with its own
    # seed, candidates (ids ascending, without anyone drawn before) and the experts drawn.
    supplements = JSON(null=False, default="[]")
    drawn_by = parent(User, null=True)
    drawn_at = optional_time()
    seated_at = optional_time()
    reported_at = optional_time()
    # The ranking the committee recommends (bid ids, first-ranked first), fixed when reported.
    ranking = JSON(null=False, default="[]")
    created_at = created_at()

    evaluation_committee_one_per_tender = Unique(["tender"])
    evaluation_committee_status_valid = enum_check("status", CommitteeStatus)
    evaluation_committee_category_valid = enum_check("category", CategoryCode)
    evaluation_committee_odd_size = Check("size >= 3 AND size % 2 = 1")


class MemberKind(StrEnum):
    expert = "expert"  # 评审专家, drawn from the pool
    buyer_representative = "buyer_representative"  # 采购人代表


class MemberStatus(StrEnum):
    alternate = "alternate"  # drawn after the seats, waits to replace someone
    drawn = "drawn"  # holds a seat, has not declared yet
    seated = "seated"  # declared no conflict with any bidder
    replaced = "replaced"  # stepped aside (回避): declared or detected conflict
    confirmed = "confirmed"  # confirmed the evaluation report


class CommitteeMember(Table, tablename="evaluation_member"):
    """A seat (or an alternate's place) on an evaluation committee."""

    id: Serial  # the primary key Piccolo adds

    committee = parent(EvaluationCommittee, cascade=True)
    kind = enum_column(MemberKind)
    expert = parent(Expert, null=True)
    user = parent(User)
    # The draw order (1 = first drawn); buyer representatives come first, in the order named.
    position = Integer(null=False)
    status = enum_column(MemberStatus)
    declared_at = optional_time()
    confirmed_at = optional_time()
    replaced_reason = Text(null=False, default="")
    replaced_by = Integer(null=True, default=None)

    evaluation_member_unique_user = Unique(["committee", "user"])
    evaluation_member_unique_position = Unique(["committee", "position"])
    evaluation_member_kind_valid = enum_check("kind", MemberKind)
    evaluation_member_status_valid = enum_check("status", MemberStatus)
    evaluation_member_expert_drawn = Check(
        "(kind = 'expert' AND expert IS NOT NULL) OR (kind <> 'expert' AND expert IS NULL)"
    )


class MemberDeclaration(Table, tablename="evaluation_declaration"):
    """A member's 回避 declaration about one bidder, made before seeing any bid."""

    id: Serial  # the primary key Piccolo adds

    member = parent(CommitteeMember, cascade=True)
    organization = parent(Organization)
    conflict = Boolean(null=False, default=False)
    note = Text(null=False, default="")
    declared_at = created_at()

    evaluation_declaration_unique = Unique(["member", "organization"])


class VoteQuestion(StrEnum):
    explanation = "explanation"  # accept an abnormally low bid's explanation (87号令 Art. 60)
    compliance = "compliance"  # the bid fails the compliance review (符合性审查)


class MemberVote(Table, tablename="evaluation_vote"):
    """One member's vote on a question the committee decides by majority."""

    id: Serial  # the primary key Piccolo adds

    member = parent(CommitteeMember, cascade=True)
    bid = parent(Bid, cascade=True)
    question = enum_column(VoteQuestion)
    # For an explanation: accept it; for compliance: the bid fails (is disqualified).
    in_favour = Boolean(null=False)
    reason = Text(null=False, default="")
    voted_at = created_at()

    evaluation_vote_once = Unique(["member", "bid", "question"])
    evaluation_vote_question_valid = enum_check("question", VoteQuestion)

"""Tables of rubrics and committee evaluations."""

from enum import StrEnum

from piccolo.columns import Integer, Serial, Text, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.contracts.tables import Contract
from procure.db.columns import created_at, enum_check, enum_column, optional_time, parent
from procure.geography.tables import Community
from procure.security.tables import User


class EvaluationStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"


class Rubric(Table, tablename="rubric"):
    id: Serial  # the primary key Piccolo adds
    name = Varchar(length=200, null=False)
    version = Integer(null=False, default=1)
    created_at = created_at()

    rubric_version_unique = Unique(["name", "version"])


class RubricCriterion(Table, tablename="rubric_criterion"):
    id: Serial  # the primary key Piccolo adds
    rubric = parent(Rubric, cascade=True)
    code = Varchar(length=32, null=False)
    name_zh = Varchar(length=100, null=False)
    name_en = Varchar(length=100, null=False, default="")
    weight = Integer(null=False)

    rubric_criterion_code_unique = Unique(["rubric", "code"])
    rubric_criterion_weight_range = Check("weight > 0 AND weight <= 100")


class CommitteeEvaluation(Table, tablename="committee_evaluation"):
    id: Serial  # the primary key Piccolo adds
    contract = parent(Contract)
    community = parent(Community)
    rubric = parent(Rubric)
    period = Varchar(length=7, null=False)
    status = enum_column(EvaluationStatus)
    comments = Text(null=False, default="")
    evaluated_by = parent(User, null=True)
    submitted_at = optional_time()
    created_at = created_at()

    committee_evaluation_unique = Unique(["contract", "community", "period"])
    committee_evaluation_status_valid = enum_check("status", EvaluationStatus)


class EvaluationScore(Table, tablename="evaluation_score"):
    id: Serial  # the primary key Piccolo adds
    evaluation = parent(CommitteeEvaluation, cascade=True)
    criterion = parent(RubricCriterion)
    score = Integer(null=False)
    comment = Text(null=False, default="")

    evaluation_score_unique = Unique(["evaluation", "criterion"])
    evaluation_score_range = Check("score >= 0 AND score <= 100")

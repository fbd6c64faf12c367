"""Tables of survey templates, rounds, tokens and anonymous responses."""

from enum import StrEnum

from piccolo.columns import Boolean, Integer, Serial, Text, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.contracts.tables import Contract
from procure.db.columns import created_at, enum_check, enum_column, optional_time, parent
from procure.geography.tables import Community
from procure.security.tables import User


class SurveyItemKind(StrEnum):
    likert5 = "likert5"
    free_text = "free_text"


class SurveyTemplate(Table, tablename="survey_template"):
    id: Serial  # the primary key Piccolo adds
    name = Varchar(length=200, null=False)
    description = Text(null=False, default="")
    created_at = created_at()


class SurveyItem(Table, tablename="survey_item"):
    id: Serial  # the primary key Piccolo adds
    template = parent(SurveyTemplate, cascade=True)
    seq = Integer(null=False)
    kind = enum_column(SurveyItemKind)
    text_zh = Text(null=False)
    text_en = Text(null=False, default="")
    required = Boolean(null=False, default=True)

    survey_item_seq_unique = Unique(["template", "seq"])
    survey_item_kind_valid = enum_check("kind", SurveyItemKind)


class RoundStatus(StrEnum):
    """What the committee has done with the round: left it open, or closed it early. The clock
    closes a round at closes_at without a write (surveys.selectors.round_status)."""

    open = "open"
    closed = "closed"


class SurveyRound(Table, tablename="survey_round"):
    id: Serial  # the primary key Piccolo adds
    contract = parent(Contract)
    community = parent(Community)
    template = parent(SurveyTemplate)
    period = Varchar(length=7, null=False)
    opens_at = optional_time()
    closes_at = optional_time()
    closed_at = optional_time()
    status = enum_column(RoundStatus)
    created_by = parent(User, null=True)
    created_at = created_at()

    survey_round_unique = Unique(["contract", "community", "period"])
    survey_round_status_valid = enum_check("status", RoundStatus)


class SurveyToken(Table, tablename="survey_token"):
    """A single-use token. It records only *that* it was used, never by which response."""

    id: Serial  # the primary key Piccolo adds

    round = parent(SurveyRound, cascade=True)
    token_sha256 = Varchar(length=64, unique=True, null=False, secret=True)
    used = Boolean(null=False, default=False)


class SurveyResponse(Table, tablename="survey_response"):
    """An anonymous answer sheet: no token, no device, and a time rounded to the hour."""

    id: Serial  # the primary key Piccolo adds

    round = parent(SurveyRound, cascade=True)
    submitted_hour = Varchar(length=13, null=False)  # YYYY-MM-DDTHH (UTC)


class SurveyAnswer(Table, tablename="survey_answer"):
    id: Serial  # the primary key Piccolo adds
    response = parent(SurveyResponse, cascade=True)
    item = parent(SurveyItem)
    score = Integer(null=True, default=None)
    text = Text(null=False, default="")

    survey_answer_unique = Unique(["response", "item"])
    survey_answer_score_range = Check("score IS NULL OR (score >= 1 AND score <= 5)")

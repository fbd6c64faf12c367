"""Input and output models of the rubric and committee evaluation API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from procure.evaluations.scoring import MAX_SCORE, MIN_SCORE


class CriterionIn(BaseModel):
    code: str = Field(
        min_length=1,
        max_length=32,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="lowercase letters, digits and _; unique in the rubric",
    )
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    weight: int = Field(ge=1, le=100, description="the weights of a rubric sum to exactly 100")


class RubricRevisionIn(BaseModel):
    criteria: list[CriterionIn] = Field(min_length=1, max_length=20)


class RubricIn(RubricRevisionIn):
    name: str = Field(min_length=1, max_length=200)


class CriterionOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    weight: int


class RubricOut(BaseModel):
    id: int
    name: str
    version: int
    in_use: bool = Field(description="used by an evaluation: a change makes a new version")
    latest: bool = Field(description="the newest version of this name")
    created_at: datetime
    criteria: list[CriterionOut]


class ScoreIn(BaseModel):
    criterion: str = Field(min_length=1, max_length=32, description="the criterion's code")
    score: int = Field(ge=MIN_SCORE, le=MAX_SCORE)
    comment: str = Field(default="", max_length=2000)


class EvaluationIn(BaseModel):
    rubric_id: int | None = Field(
        default=None,
        description="the latest version of a rubric; default: the draft's rubric, else the "
        "latest 社区服务评估标准",
    )
    comments: str = Field(default="", max_length=10000)
    scores: list[ScoreIn] = Field(
        default_factory=list, max_length=20, description="replaces the draft's scores"
    )


class ScoreOut(CriterionOut):
    score: int | None
    comment: str


class EvaluationOut(BaseModel):
    id: int
    contract_id: int
    community_code: str
    community_name: str
    period: str
    status: str
    rubric_id: int
    rubric_name: str
    rubric_version: int
    comments: str
    evaluated_by: str | None
    submitted_at: datetime | None
    total: Decimal | None = Field(
        description="Σ score × weight / 100 at two decimals; null until every criterion is scored"
    )
    scores: list[ScoreOut]

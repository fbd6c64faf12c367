"""Input and output models of the survey API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from procure.surveys.tables import SurveyItemKind

MAX_TOKENS_PER_SHEET = 2000


class SurveyItemIn(BaseModel):
    kind: SurveyItemKind
    text_zh: str = Field(min_length=1, max_length=500)
    text_en: str = Field(default="", max_length=500)
    #: Default: a Likert item must be answered, a free-text item may be left empty.
    required: bool | None = None


class SurveyTemplateIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    items: list[SurveyItemIn] = Field(min_length=1, max_length=50)


class SurveyItemOut(BaseModel):
    id: int
    seq: int
    kind: SurveyItemKind
    text_zh: str
    text_en: str
    required: bool


class SurveyTemplateOut(BaseModel):
    id: int
    name: str
    description: str
    items: list[SurveyItemOut]


class RoundIn(BaseModel):
    contract_id: int
    period: str = Field(description="YYYY-MM, the first month of the period surveyed")
    opens_at: datetime | None = Field(default=None, description="default: now")
    closes_at: datetime
    template_id: int | None = Field(default=None, description="default: the standard template")


class TokensIn(BaseModel):
    count: int = Field(ge=1, le=MAX_TOKENS_PER_SHEET)


class RoundOut(BaseModel):
    id: int
    contract_id: int
    contract_reference: str
    community_code: str
    community_name: str
    template_id: int
    template_name: str
    period: str
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    status: str = Field(description="scheduled, open or closed (by the clock or early)")
    tokens_issued: int
    responses: int


class LikertItemResult(BaseModel):
    item_id: int
    seq: int
    text_zh: str
    text_en: str
    n: int
    mean: float | None
    ci_low: float | None = Field(description="95% t interval, cut to the 1–5 scale")
    ci_high: float | None
    distribution: list[int] = Field(description="how many answered 1, 2, 3, 4, 5")


class FreeTextItemResult(BaseModel):
    item_id: int
    seq: int
    text_zh: str
    text_en: str
    answers: list[str] = Field(description="sorted, so their order tells nothing")


class RoundResults(BaseModel):
    round: RoundOut
    tokens_issued: int
    responses: int
    response_rate: float | None
    likert: list[LikertItemResult]
    overall_mean: float | None = Field(description="the mean of the items' means, 1–5")
    overall_score: float | None = Field(description="overall_mean on a 0–100 scale")
    complete_responses: int = Field(description="responses that answered every Likert item")
    cronbach_alpha: float | None
    free_text: list[FreeTextItemResult]

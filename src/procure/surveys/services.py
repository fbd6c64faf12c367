"""Writes about surveys: templates, rounds, single-use tokens and residents' anonymous answers.
Each write is one transaction; the committee's writes record an audit event in it."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from procure import clock
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.calendar import local_day
from procure.contracts.selectors import contract_detail
from procure.contracts.tables import ContractStatus, ReportingFrequency
from procure.db import transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.evaluations.periods import check_period
from procure.i18n import N_
from procure.jobs import SubjectType, Trigger, record_event
from procure.lifecycle import advance
from procure.security.actors import Actor
from procure.security.selectors import token_digest
from procure.security.tables import Role
from procure.surveys.schemas import MAX_TOKENS_PER_SHEET, RoundIn, SurveyItemIn, SurveyTemplateIn
from procure.surveys.selectors import answerable_round, refusal, scoped_round
from procure.surveys.states import SURVEY_ROUND, RoundStep
from procure.surveys.tables import (
    RoundStatus,
    SurveyAnswer,
    SurveyItem,
    SurveyItemKind,
    SurveyResponse,
    SurveyRound,
    SurveyTemplate,
    SurveyToken,
)

DEFAULT_TEMPLATE_NAME = "社区服务居民满意度问卷"
DEFAULT_TEMPLATE = SurveyTemplateIn(
    name=DEFAULT_TEMPLATE_NAME,
    description="依据《政府采购法实施条例》第四十五条，邀请服务对象（居民）参与服务评价。",
    items=[
        SurveyItemIn(
            kind=SurveyItemKind.likert5,
            text_zh="服务人员的态度与礼貌",
            text_en="The attitude and courtesy of the service staff",
        ),
        SurveyItemIn(
            kind=SurveyItemKind.likert5,
            text_zh="服务内容符合居民的实际需要",
            text_en="How well the services meet residents' real needs",
        ),
        SurveyItemIn(
            kind=SurveyItemKind.likert5,
            text_zh="服务按约定的时间和频次开展",
            text_en="Services delivered at the agreed times and frequency",
        ),
        SurveyItemIn(
            kind=SurveyItemKind.likert5,
            text_zh="服务人员的专业水平",
            text_en="The professional skill of the service staff",
        ),
        SurveyItemIn(
            kind=SurveyItemKind.likert5,
            text_zh="对本项服务的总体满意程度",
            text_en="Your overall satisfaction with this service",
        ),
        SurveyItemIn(
            kind=SurveyItemKind.free_text,
            text_zh="您对改进这项服务有什么意见或建议？",
            text_en="What would you suggest to improve this service?",
        ),
    ],
)
MAX_FREE_TEXT = 1000


def _is_unique_violation(error: Exception) -> bool:
    if isinstance(error, asyncpg.UniqueViolationError):
        return True
    return isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)


# --- templates -------------------------------------------------------------------------------


async def _insert_template(actor: Actor | None, data: SurveyTemplateIn) -> int:
    """Must run inside the caller's transaction. Templates are never edited: the rounds that
    use one keep their answers tied to its items."""
    name = data.name.strip()
    if not name:
        raise InvalidInput("name", N_("must not be blank"))
    if not any(item.kind == SurveyItemKind.likert5 for item in data.items):
        raise InvalidInput("items", N_("a questionnaire needs at least one Likert (1–5) item"))
    for index, item in enumerate(data.items):
        if not item.text_zh.strip():
            raise InvalidInput(f"items[{index}].text_zh", N_("must not be blank"))
    if await SurveyTemplate.exists().where(SurveyTemplate.name == name):
        raise InvalidInput(
            "name", N_("a questionnaire named %(name)s exists already"), name=repr(name)
        )
    rows = await SurveyTemplate.insert(
        SurveyTemplate(name=name, description=data.description.strip())
    )
    template_id: int = rows[0]["id"]
    await SurveyItem.insert(
        *[
            SurveyItem(
                template=template_id,
                seq=seq,
                kind=item.kind,
                text_zh=item.text_zh.strip(),
                text_en=item.text_en.strip(),
                required=item.kind == SurveyItemKind.likert5
                if item.required is None
                else item.required,
            )
            for seq, item in enumerate(data.items, start=1)
        ]
    )
    await record(
        actor=actor,
        action=AuditAction.survey_template_created,
        subject_type="survey_template",
        subject_id=template_id,
        data={"name": name, "items": len(data.items)},
    )
    return template_id


async def survey_template_create(*, actor: Actor, data: SurveyTemplateIn) -> int:
    if data.name.strip() == DEFAULT_TEMPLATE_NAME:
        raise InvalidInput(
            "name",
            N_("%(name)s is the standard questionnaire's name"),
            name=repr(DEFAULT_TEMPLATE_NAME),
        )
    async with transaction():
        template_id = await _insert_template(actor, data)
    return template_id


async def default_template(*, actor: Actor | None) -> int:
    """The standard questionnaire, created the first time anyone needs it. Joins the caller's
    transaction when there is one, so a round and its template are written together."""
    async with transaction():
        existing = (
            await SurveyTemplate.select(SurveyTemplate.id)
            .where(SurveyTemplate.name == DEFAULT_TEMPLATE_NAME)
            .first()
        )
        template_id = (
            int(existing["id"])
            if existing is not None
            else await _insert_template(actor, DEFAULT_TEMPLATE)
        )
    return template_id


# --- rounds ----------------------------------------------------------------------------------


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput(field, N_("needs a time zone offset, e.g. 2026-05-01T09:00:00+08:00"))
    return value


async def survey_round_start(*, actor: Actor, data: RoundIn) -> int:
    """A committee surveys its own community about a contract that covers it, once per period."""
    if actor.role != Role.committee or actor.community_id is None:
        raise NotFound(N_("contract %(id)s not found"), id=data.contract_id)
    contract = await contract_detail(actor, data.contract_id)  # covers our community, or 404
    if contract["status"] == ContractStatus.draft:
        raise Conflict(
            N_("contract %(reference)s is not signed: no service to survey yet"),
            reference=contract["reference"],
        )
    now = clock.now()
    check_period(
        data.period,
        starts_on=contract["starts_on"],
        ends_on=contract["ends_on"],
        quarterly=contract["reporting_frequency"] == ReportingFrequency.quarterly,
        today=local_day(now),
    )
    opens_at = _aware(data.opens_at, "opens_at") if data.opens_at else now
    closes_at = _aware(data.closes_at, "closes_at")
    if closes_at <= opens_at:
        raise InvalidInput("closes_at", N_("must be after opens_at"))
    if closes_at <= now:
        raise InvalidInput("closes_at", N_("must be in the future"))
    async with transaction():
        if data.template_id is None:
            template_id = await default_template(actor=actor)
        else:
            template_id = data.template_id
            likert = await SurveyItem.count().where(
                (SurveyItem.template == template_id) & (SurveyItem.kind == SurveyItemKind.likert5)
            )
            if not likert:
                raise InvalidInput("template_id", N_("no questionnaire %(id)s"), id=template_id)
        duplicate = await SurveyRound.exists().where(
            (SurveyRound.contract == data.contract_id)
            & (SurveyRound.community == actor.community_id)
            & (SurveyRound.period == data.period)
        )
        conflict = Conflict(
            N_(
                "contract %(reference)s has a survey round for %(period)s in this community already"
            ),
            reference=contract["reference"],
            period=data.period,
        )
        if duplicate:
            raise conflict
        try:
            rows = await SurveyRound.insert(
                SurveyRound(
                    contract=data.contract_id,
                    community=actor.community_id,
                    template=template_id,
                    period=data.period,
                    opens_at=opens_at,
                    closes_at=closes_at,
                    created_by=actor.id,
                )
            )
        except Exception as error:  # a concurrent start of the same round (PostgreSQL)
            if _is_unique_violation(error):
                raise conflict from None
            raise
        round_id: int = rows[0]["id"]
        await record(
            actor=actor,
            action=AuditAction.survey_round_started,
            subject_type="survey_round",
            subject_id=round_id,
            data={
                "contract": contract["reference"],
                "community_id": actor.community_id,
                "period": data.period,
                "template_id": template_id,
                "opens_at": opens_at.isoformat(),
                "closes_at": closes_at.isoformat(),
            },
        )
    return round_id


async def _managed_round(actor: Actor, round_id: int) -> dict[str, Any]:
    """The round, if this actor is the committee that runs it."""
    if actor.role != Role.committee:
        raise NotFound(N_("survey round %(id)s not found"), id=round_id)
    return await scoped_round(actor, round_id)


async def survey_round_close(*, actor: Actor, round_id: int) -> None:
    """Close a round before its time; answers stop at once."""
    await _managed_round(actor, round_id)
    now = clock.now()
    async with transaction():
        current = (
            await SurveyRound.select(SurveyRound.status, SurveyRound.closes_at)
            .where(SurveyRound.id == round_id)
            .first()
        )
        if (
            current is None
            or current["status"] == RoundStatus.closed
            or current["closes_at"] <= now
        ):
            raise Conflict(N_("survey round %(id)s is closed already"), id=round_id)
        # The compare-and-set: of simultaneous closings, one applies.
        await advance(
            SURVEY_ROUND,
            row_id=round_id,
            action=RoundStep.close,
            actor=actor,
            values={SurveyRound.closed_at: now},
            audit_data={"early": True},
        )
        await record_event(Trigger.survey_closed, {SubjectType.survey_round: [round_id]})


# --- tokens ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedTokens:
    """Tokens in clear, as they exist only once: between their creation and the sheet."""

    round_id: int
    contract_reference: str
    contract_title: str
    community_name: str
    committee_name: str
    period: str
    closes_at: datetime
    tokens: tuple[str, ...]


def new_token() -> str:
    """128 random bits, URL-safe: short enough for a QR code a phone reads at arm's length."""
    return secrets.token_urlsafe(16)


async def survey_tokens_issue(*, actor: Actor, round_id: int, count: int) -> IssuedTokens:
    """Make COUNT single-use tokens for a round that is not closed. Only their SHA-256 is
    stored, so the caller must hand them out now (the QR sheet): nobody can see them again."""
    if not 1 <= count <= MAX_TOKENS_PER_SHEET:
        raise InvalidInput("count", N_("must be between 1 and %(most)s"), most=MAX_TOKENS_PER_SHEET)
    round_row = await _managed_round(actor, round_id)
    if round_row["status"] == "closed":
        raise Conflict(N_("survey round %(id)s is closed: no more tokens"), id=round_id)
    tokens = tuple(new_token() for _ in range(count))
    async with transaction():
        await SurveyToken.insert(
            *[SurveyToken(round=round_id, token_sha256=token_digest(token)) for token in tokens]
        )
        await record(
            actor=actor,
            action=AuditAction.survey_tokens_issued,
            subject_type="survey_round",
            subject_id=round_id,
            data={"count": count},
        )
    return IssuedTokens(
        round_id=round_id,
        contract_reference=round_row["contract_reference"],
        contract_title=round_row["contract_title"],
        community_name=round_row["community_name"],
        committee_name=round_row["committee_name"],
        period=round_row["period"],
        closes_at=round_row["closes_at"],
        tokens=tokens,
    )


# --- answers ---------------------------------------------------------------------------------


def parse_answers(
    items: Sequence[dict[str, Any]], form: Mapping[str, Any]
) -> list[tuple[int, int | None, str]]:
    """(item id, score, text) for each answered item, from form fields item_<id>; refuses a
    required item left empty, or a score outside 1–5, naming the item."""
    answers: list[tuple[int, int | None, str]] = []
    for item in items:
        field = f"item_{item['id']}"
        raw = str(form.get(field) or "").strip()
        if not raw:
            if item["required"]:
                raise InvalidInput(
                    field,
                    N_("question %(seq)s (%(text)s) must be answered"),
                    seq=item["seq"],
                    text=item["text_zh"],
                )
            continue
        if item["kind"] == SurveyItemKind.likert5:
            if raw not in {"1", "2", "3", "4", "5"}:
                raise InvalidInput(
                    field, N_("question %(seq)s: choose a score from 1 to 5"), seq=item["seq"]
                )
            answers.append((item["id"], int(raw), ""))
        else:
            if len(raw) > MAX_FREE_TEXT:
                raise InvalidInput(
                    field,
                    N_("question %(seq)s: at most %(most)s characters"),
                    seq=item["seq"],
                    most=MAX_FREE_TEXT,
                )
            answers.append((item["id"], None, raw))
    return answers


async def survey_answer(*, token: str, form: Mapping[str, Any]) -> None:
    """A resident answers once. Flipping the token to used and storing the answers happen in one
    transaction, and the flip is conditional (used = false, round open), so of any number of
    concurrent submissions exactly one wins. Nothing stored links the answers to the token:
    the response keeps only its round and the hour. No audit event either: its exact time and
    sequence would undo the coarse hour, in a log that can never be edited."""
    round_row = await answerable_round(token)  # TokenRefused before anything is parsed
    answers = parse_answers(round_row["items"], form)
    digest = token_digest(token)
    now = clock.now()
    async with transaction():
        open_rounds = SurveyRound.select(SurveyRound.id).where(
            SurveyRound.closed_at.is_null()
            & (SurveyRound.opens_at <= now)
            & (SurveyRound.closes_at > now)
        )
        won = (
            await SurveyToken.update({SurveyToken.used: True})
            .where(
                (SurveyToken.token_sha256 == digest)
                & SurveyToken.used.eq(False)
                & SurveyToken.round.is_in(open_rounds)
            )
            .returning(SurveyToken.round)
        )
        if not won:
            raise await refusal(digest, now)
        rows = await SurveyResponse.insert(
            SurveyResponse(
                round=won[0]["round"], submitted_hour=now.astimezone(UTC).strftime("%Y-%m-%dT%H")
            )
        )
        response_id = rows[0]["id"]
        if answers:
            await SurveyAnswer.insert(
                *[
                    SurveyAnswer(response=response_id, item=item_id, score=score, text=text)
                    for item_id, score, text in answers
                ]
            )

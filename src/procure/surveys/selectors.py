"""Reads about surveys: templates, rounds and their results, scoped like the contract they
belong to (contracts.selectors.contract_detail), and a committee to its own community's rounds."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from piccolo.query.functions.aggregate import Count

from procure import clock
from procure.contracts.selectors import contract_detail
from procure.db.pagination import Page, PageRequest, paginate
from procure.errors import NotFound
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.selectors import token_digest
from procure.security.tables import Role
from procure.surveys import statistics
from procure.surveys.tables import (
    SurveyAnswer,
    SurveyItem,
    SurveyItemKind,
    SurveyResponse,
    SurveyRound,
    SurveyTemplate,
    SurveyToken,
)

ROUND_COLUMNS = (
    SurveyRound.id,
    SurveyRound.contract.id.as_alias("contract_id"),
    SurveyRound.contract.reference.as_alias("contract_reference"),
    SurveyRound.contract.title.as_alias("contract_title"),
    SurveyRound.community.id.as_alias("community_id"),
    SurveyRound.community.code.as_alias("community_code"),
    SurveyRound.community.name.as_alias("community_name"),
    SurveyRound.community.committee_name.as_alias("committee_name"),
    SurveyRound.template.id.as_alias("template_id"),
    SurveyRound.template.name.as_alias("template_name"),
    SurveyRound.period,
    SurveyRound.opens_at,
    SurveyRound.closes_at,
    SurveyRound.closed_at,
)


def round_status(row: dict[str, Any], now: datetime) -> str:
    """scheduled → open → closed. The clock closes a round at closes_at: nothing has to run."""
    if row["closed_at"] is not None or now >= row["closes_at"]:
        return "closed"
    if now < row["opens_at"]:
        return "scheduled"
    return "open"


async def template_items(template_id: int) -> list[dict[str, Any]]:
    return (
        await SurveyItem.select(
            SurveyItem.id,
            SurveyItem.seq,
            SurveyItem.kind,
            SurveyItem.text_zh,
            SurveyItem.text_en,
            SurveyItem.required,
        )
        .where(SurveyItem.template == template_id)
        .order_by(SurveyItem.seq)
    )


TEMPLATE_COLUMNS = (SurveyTemplate.id, SurveyTemplate.name, SurveyTemplate.description)


async def _with_items(templates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The templates with their questions, in one query."""
    if not templates:
        return []
    items = (
        await SurveyItem.select(
            SurveyItem.id,
            SurveyItem.template,
            SurveyItem.seq,
            SurveyItem.kind,
            SurveyItem.text_zh,
            SurveyItem.text_en,
            SurveyItem.required,
        )
        .where(SurveyItem.template.is_in([t["id"] for t in templates]))
        .order_by(SurveyItem.seq)
    )
    by_template: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_template[item.pop("template")].append(item)
    return [{**t, "items": by_template[t["id"]]} for t in templates]


async def list_templates() -> list[dict[str, Any]]:
    """Every questionnaire with its questions (a round's form offers them all)."""
    return await _with_items(
        await SurveyTemplate.select(*TEMPLATE_COLUMNS).order_by(SurveyTemplate.id)
    )


async def template_page(paging: PageRequest) -> Page[dict[str, Any]]:
    """One page of the questionnaires in the order they were made, with their questions."""
    query = SurveyTemplate.select(*TEMPLATE_COLUMNS).order_by(SurveyTemplate.id)
    page = await paginate(query, SurveyTemplate.count(), paging)
    return Page(await _with_items(page.items), page.total, page.page, page.per_page)


async def survey_template(template_id: int) -> dict[str, Any]:
    found = await _with_items(
        await SurveyTemplate.select(*TEMPLATE_COLUMNS).where(SurveyTemplate.id == template_id)
    )
    if not found:
        raise NotFound(N_("survey template %(id)s not found"), id=template_id)
    return found[0]


async def _counts(table: Any, round_ids: list[int]) -> dict[int, int]:
    if not round_ids:
        return {}
    rows = (
        await table.select(table.round, Count(table.id, alias="n"))
        .where(table.round.is_in(round_ids))
        .group_by(table.round)
    )
    return {row["round"]: row["n"] for row in rows}


async def _with_counts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [row["id"] for row in rows]
    issued = await _counts(SurveyToken, ids)
    answered = await _counts(SurveyResponse, ids)
    now = clock.now()
    return [
        {
            **row,
            "status": round_status(row, now),
            "tokens_issued": issued.get(row["id"], 0),
            "responses": answered.get(row["id"], 0),
        }
        for row in rows
    ]


def _own_rounds(actor: Actor) -> Any:
    """A committee supervises its own community; the other parties see every community's."""
    if actor.role == Role.committee:
        return SurveyRound.community == actor.community_id
    return SurveyRound.id.is_not_null()


async def scoped_round(actor: Actor, round_id: int) -> dict[str, Any]:
    """The round with its counts and status, or NotFound when the actor may not see it."""
    row = (
        await SurveyRound.select(*ROUND_COLUMNS)
        .where((SurveyRound.id == round_id) & _own_rounds(actor))
        .first()
    )
    if row is None:
        raise NotFound(N_("survey round %(id)s not found"), id=round_id)
    await contract_detail(actor, row["contract_id"])  # the contract's scope, or 404
    return (await _with_counts([row]))[0]


async def contract_rounds(actor: Actor, contract_id: int) -> list[dict[str, Any]]:
    await contract_detail(actor, contract_id)
    rows = (
        await SurveyRound.select(*ROUND_COLUMNS)
        .where((SurveyRound.contract == contract_id) & _own_rounds(actor))
        .order_by(SurveyRound.period, ascending=False)
        .order_by(SurveyRound.community.code)
    )
    return await _with_counts(rows)


async def round_results(actor: Actor, round_id: int) -> dict[str, Any]:
    """Counts, each Likert item's statistics, the overall score, Cronbach's alpha and the
    free-text answers — with nothing that tells one respondent from another."""
    round_row = await scoped_round(actor, round_id)
    items = await template_items(round_row["template_id"])
    answers = await SurveyAnswer.select(
        SurveyAnswer.response, SurveyAnswer.item, SurveyAnswer.score, SurveyAnswer.text
    ).where(SurveyAnswer.response.round == round_id)
    likert_items = [i for i in items if i["kind"] == SurveyItemKind.likert5]
    scores: dict[int, list[int]] = defaultdict(list)
    texts: dict[int, list[str]] = defaultdict(list)
    sheets: dict[int, dict[int, int]] = defaultdict(dict)
    for answer in answers:
        if answer["score"] is not None:
            scores[answer["item"]].append(answer["score"])
            sheets[answer["response"]][answer["item"]] = answer["score"]
        elif answer["text"]:
            texts[answer["item"]].append(answer["text"])
    likert = []
    for item in likert_items:
        summary = statistics.likert_summary(scores[item["id"]])
        likert.append(
            {
                "item_id": item["id"],
                "seq": item["seq"],
                "text_zh": item["text_zh"],
                "text_en": item["text_en"],
                "n": summary.n,
                "mean": summary.mean,
                "ci_low": summary.ci_low,
                "ci_high": summary.ci_high,
                "distribution": list(summary.distribution),
            }
        )
    complete = [
        [sheet[item["id"]] for item in likert_items]
        for sheet in sheets.values()
        if all(item["id"] in sheet for item in likert_items)
    ]
    overall = statistics.overall_mean([row["mean"] for row in likert])
    return {
        "round": round_row,
        "tokens_issued": round_row["tokens_issued"],
        "responses": round_row["responses"],
        "response_rate": statistics.response_rate(
            round_row["responses"], round_row["tokens_issued"]
        ),
        "likert": likert,
        "overall_mean": overall,
        "overall_score": statistics.to_percent_scale(overall),
        "complete_responses": len(complete),
        "cronbach_alpha": statistics.cronbach_alpha(complete),
        "free_text": [
            {
                "item_id": item["id"],
                "seq": item["seq"],
                "text_zh": item["text_zh"],
                "text_en": item["text_en"],
                # Sorted, not in the order they came in: the order could tell who wrote what.
                "answers": sorted(texts[item["id"]]),
            }
            for item in items
            if item["kind"] == SurveyItemKind.free_text
        ],
    }


class TokenRefused(Exception):
    """Why a resident's code cannot be answered: unknown (404), used or closed (410), or its
    round not open yet (409). The resident page says which, plainly."""

    STATUS = {"unknown": 404, "used": 410, "closed": 410, "not_open": 409}

    def __init__(self, reason: str, opens_at: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = self.STATUS[reason]
        self.opens_at = opens_at


#: token_urlsafe(16) gives 22 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 64


async def _token(digest: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    token = (
        await SurveyToken.select(SurveyToken.used, SurveyToken.round)
        .where(SurveyToken.token_sha256 == digest)
        .first()
    )
    if token is None:
        return None, None
    round_row = (
        await SurveyRound.select(*ROUND_COLUMNS).where(SurveyRound.id == token["round"]).first()
    )
    return token, round_row


def _refusal(
    token: dict[str, Any] | None, round_row: dict[str, Any] | None, now: datetime
) -> TokenRefused | None:
    if token is None or round_row is None:
        return TokenRefused("unknown")
    if token["used"]:
        return TokenRefused("used")
    status = round_status(round_row, now)
    if status == "closed":
        return TokenRefused("closed")
    if status == "scheduled":
        return TokenRefused("not_open", opens_at=round_row["opens_at"])
    return None


async def refusal(digest: str, now: datetime) -> TokenRefused:
    """Why a token that could not be used was refused (after the conditional update lost)."""
    token, round_row = await _token(digest)
    # The update lost, so the token was not answerable, whatever a read a moment later says.
    return _refusal(token, round_row, now) or TokenRefused("used")


async def answerable_round(token: str) -> dict[str, Any]:
    """The round a resident's token opens, with its questions; TokenRefused otherwise. A read:
    looking at the form changes nothing."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenRefused("unknown")
    found, round_row = await _token(token_digest(token))
    refused = _refusal(found, round_row, clock.now())
    if refused is not None:
        raise refused
    assert round_row is not None
    return {**round_row, "items": await template_items(round_row["template_id"])}


async def closed_by_clock(now: datetime) -> list[int]:
    """Rounds whose closing time has passed and that nobody closed early (those recorded their
    event when they were closed)."""
    rows = await SurveyRound.select(SurveyRound.id).where(
        (SurveyRound.closes_at <= now) & SurveyRound.closed_at.is_null()
    )
    return [row["id"] for row in rows]


async def rounds_to_run(actor: Actor) -> list[dict[str, Any]]:
    """The committee's survey rounds not yet closed (scheduled or open), soonest to close first,
    with their counts (its start page)."""
    rows = (
        await SurveyRound.select(*ROUND_COLUMNS)
        .where(_own_rounds(actor) & SurveyRound.closed_at.is_null())
        .order_by(SurveyRound.closes_at)
    )
    now = clock.now()
    return [r for r in await _with_counts(rows) if round_status(r, now) != "closed"]

"""Reads about rubrics and committee evaluations. An evaluation is read within its contract's
scope (contracts.selectors); inside it a committee sees its own community's, drafts included,
and everyone else only submitted ones."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from procure.calendar import local_today
from procure.contracts.selectors import contract_detail, visible_contracts
from procure.contracts.tables import ContractStatus, ReportingFrequency
from procure.db.pagination import Page, PageRequest, contains, paginate
from procure.errors import Conflict, NotFound
from procure.evaluations.periods import check_period, term_periods
from procure.evaluations.scoring import mean_total, weighted_total
from procure.evaluations.tables import (
    CommitteeEvaluation,
    EvaluationScore,
    EvaluationStatus,
    Rubric,
    RubricCriterion,
)
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.tables import Role

CRITERION_COLUMNS = (
    RubricCriterion.id,
    RubricCriterion.rubric,
    RubricCriterion.code,
    RubricCriterion.name_zh,
    RubricCriterion.name_en,
    RubricCriterion.weight,
)

EVALUATION_COLUMNS = (
    CommitteeEvaluation.id,
    CommitteeEvaluation.contract.as_alias("contract_id"),
    CommitteeEvaluation.community.as_alias("community_id"),
    CommitteeEvaluation.community.code.as_alias("community_code"),
    CommitteeEvaluation.community.name.as_alias("community_name"),
    CommitteeEvaluation.rubric.as_alias("rubric_id"),
    CommitteeEvaluation.rubric.name.as_alias("rubric_name"),
    CommitteeEvaluation.rubric.version.as_alias("rubric_version"),
    CommitteeEvaluation.period,
    CommitteeEvaluation.status,
    CommitteeEvaluation.comments,
    CommitteeEvaluation.evaluated_by.display_name.as_alias("evaluated_by"),
    CommitteeEvaluation.submitted_at,
)


async def criteria_of(rubric_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Each rubric's criteria in the order they were written."""
    ids = list(set(rubric_ids))
    grouped: dict[int, list[dict[str, Any]]] = {rubric_id: [] for rubric_id in ids}
    if ids:
        for row in (
            await RubricCriterion.select(*CRITERION_COLUMNS)
            .where(RubricCriterion.rubric.is_in(ids))
            .order_by(RubricCriterion.id)
        ):
            grouped[row["rubric"]].append(row)
    return grouped


async def rubrics_in_use(rubric_ids: Iterable[int]) -> set[int]:
    ids = list(rubric_ids)
    if not ids:
        return set()
    rows = await CommitteeEvaluation.select(CommitteeEvaluation.rubric).where(
        CommitteeEvaluation.rubric.is_in(ids)
    )
    return {row["rubric"] for row in rows}


async def rubrics(rubric_id: int | None = None) -> list[dict[str, Any]]:
    """Every rubric (or the one asked for), by name and newest version first, with its criteria,
    whether an evaluation uses it and whether it is its name's latest version."""
    query = Rubric.select(Rubric.id, Rubric.name, Rubric.version, Rubric.created_at)
    if rubric_id is not None:
        query = query.where(Rubric.id == rubric_id)
    rows = await query.order_by(Rubric.name).order_by(Rubric.version, ascending=False)
    return await _described(rows)


async def rubric_page(paging: PageRequest, *, name: str = "") -> Page[dict[str, Any]]:
    """One page of the rubrics (as ``rubrics``), filtered in SQL by a word of the name."""
    where: Any = Rubric.id.is_not_null()
    if name.strip():
        where &= contains(name.strip(), Rubric.name)
    query = (
        Rubric.select(Rubric.id, Rubric.name, Rubric.version, Rubric.created_at)
        .where(where)
        .order_by(Rubric.name)
        .order_by(Rubric.version, ascending=False)
    )
    page = await paginate(query, Rubric.count().where(where), paging)
    return Page(await _described(page.items), page.total, page.page, page.per_page)


async def _described(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rubrics with their criteria, use and latest version, in three queries."""
    criteria = await criteria_of(row["id"] for row in rows)
    used = await rubrics_in_use(row["id"] for row in rows)
    latest = await latest_versions({row["name"] for row in rows})
    for row in rows:
        row["criteria"] = criteria[row["id"]]
        row["in_use"] = row["id"] in used
        row["latest"] = latest.get(row["name"]) == row["id"]
    return rows


async def rubric(rubric_id: int) -> dict[str, Any]:
    found = await rubrics(rubric_id)
    if not found:
        raise NotFound(N_("rubric %(id)s not found"), id=rubric_id)
    return found[0]


async def latest_versions(names: Iterable[str]) -> dict[str, int]:
    """The id of the newest version of each name."""
    wanted = list(names)
    if not wanted:
        return {}
    rows = (
        await Rubric.select(Rubric.id, Rubric.name)
        .where(Rubric.name.is_in(wanted))
        .order_by(Rubric.version)
    )
    return {row["name"]: row["id"] for row in rows}  # the last, highest version wins


def is_quarterly(contract: dict[str, Any]) -> bool:
    return bool(contract["reporting_frequency"] == ReportingFrequency.quarterly)


async def evaluable_contract(actor: Actor, contract_id: int, period: str) -> dict[str, Any]:
    """The contract a committee may evaluate for the period: one covering its community (404
    otherwise), signed (409 for a draft), with the period in its term and begun (400)."""
    if actor.role != Role.committee or actor.community_id is None:
        raise NotFound(N_("contract %(id)s not found"), id=contract_id)
    contract = await contract_detail(actor, contract_id)
    if contract["status"] == ContractStatus.draft:
        raise Conflict(
            N_("contract %(reference)s is not signed yet: nothing to evaluate"),
            reference=contract["reference"],
        )
    check_period(
        period,
        starts_on=contract["starts_on"],
        ends_on=contract["ends_on"],
        quarterly=is_quarterly(contract),
        today=local_today(),
    )
    return contract


def _visible(actor: Actor) -> Any:
    """Within the contract's scope: drafts stay with the committee that writes them."""
    if actor.role == Role.committee:
        return CommitteeEvaluation.community == actor.community_id
    return CommitteeEvaluation.status == EvaluationStatus.submitted


async def with_scores(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each evaluation gets one line per criterion of its rubric (score None where not yet
    given) and its weighted total once every criterion is scored."""
    criteria = await criteria_of(row["rubric_id"] for row in rows)
    given: dict[tuple[int, int], dict[str, Any]] = {}
    if rows:
        for given_row in await EvaluationScore.select(
            EvaluationScore.evaluation,
            EvaluationScore.criterion,
            EvaluationScore.score,
            EvaluationScore.comment,
        ).where(EvaluationScore.evaluation.is_in([row["id"] for row in rows])):
            given[(given_row["evaluation"], given_row["criterion"])] = given_row
    for row in rows:
        lines = []
        for criterion in criteria[row["rubric_id"]]:
            score = given.get((row["id"], criterion["id"]))
            lines.append(
                {
                    "code": criterion["code"],
                    "name_zh": criterion["name_zh"],
                    "name_en": criterion["name_en"],
                    "weight": criterion["weight"],
                    "score": score["score"] if score else None,
                    "comment": score["comment"] if score else "",
                }
            )
        row["scores"] = lines
        complete = bool(lines) and all(line["score"] is not None for line in lines)
        row["total"] = (
            weighted_total([(line["score"], line["weight"]) for line in lines])
            if complete
            else None
        )
    return rows


def _of_contract(actor: Actor, contract_id: int, period: str = "") -> tuple[Any, Any]:
    where = (CommitteeEvaluation.contract == contract_id) & _visible(actor)
    if period.strip():
        where &= CommitteeEvaluation.period == period.strip()
    query = (
        CommitteeEvaluation.select(*EVALUATION_COLUMNS)
        .where(where)
        .order_by(CommitteeEvaluation.period, ascending=False)
        .order_by(CommitteeEvaluation.community.code)
    )
    return query, where


async def contract_evaluations(actor: Actor, contract_id: int) -> list[dict[str, Any]]:
    """The evaluations of a contract the actor may read, the latest period first."""
    await contract_detail(actor, contract_id)
    query, _ = _of_contract(actor, contract_id)
    return await with_scores(await query)


async def contract_evaluation_page(
    actor: Actor, contract_id: int, paging: PageRequest, *, period: str = ""
) -> Page[dict[str, Any]]:
    """One page of them, filtered in SQL by period."""
    await contract_detail(actor, contract_id)
    query, where = _of_contract(actor, contract_id, period)
    page = await paginate(query, CommitteeEvaluation.count().where(where), paging)
    return Page(await with_scores(page.items), page.total, page.page, page.per_page)


async def evaluation_detail(actor: Actor, evaluation_id: int) -> dict[str, Any]:
    row = (
        await CommitteeEvaluation.select(*EVALUATION_COLUMNS)
        .where((CommitteeEvaluation.id == evaluation_id) & _visible(actor))
        .first()
    )
    missing = NotFound(N_("evaluation %(id)s not found"), id=evaluation_id)
    if row is None:
        raise missing
    try:
        await contract_detail(actor, row["contract_id"])
    except NotFound:
        raise missing from None
    return (await with_scores([row]))[0]


async def own_evaluation(actor: Actor, contract_id: int, period: str) -> dict[str, Any] | None:
    """The committee's evaluation of the contract for the period, if it has begun one."""
    row = (
        await CommitteeEvaluation.select(*EVALUATION_COLUMNS)
        .where(
            (CommitteeEvaluation.contract == contract_id)
            & (CommitteeEvaluation.community == actor.community_id)
            & (CommitteeEvaluation.period == period)
        )
        .first()
    )
    return (await with_scores([row]))[0] if row else None


async def committee_score(contract_id: int, period: str) -> Decimal | None:
    """The mean weighted total of the submitted evaluations of the contract for the period,
    across its communities; None when no community has submitted one."""
    rows = await EvaluationScore.select(
        EvaluationScore.evaluation,
        EvaluationScore.score,
        EvaluationScore.criterion.weight.as_alias("weight"),
    ).where(
        (EvaluationScore.evaluation.contract == contract_id)
        & (EvaluationScore.evaluation.period == period)
        & (EvaluationScore.evaluation.status == EvaluationStatus.submitted)
    )
    by_evaluation: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        by_evaluation.setdefault(row["evaluation"], []).append((row["score"], row["weight"]))
    return mean_total([weighted_total(scores) for scores in by_evaluation.values()])


async def periods_to_evaluate(actor: Actor) -> list[dict[str, Any]]:
    """For a committee: each begun period of the contracts in force covering its community that
    it has not submitted an evaluation for, the oldest first (its start page). One query for the
    contracts and one for the evaluations."""
    if actor.role != Role.committee or actor.community_id is None:
        return []
    contracts = [c for c in await visible_contracts(actor) if c["status"] == ContractStatus.active]
    evaluations = await CommitteeEvaluation.select(
        CommitteeEvaluation.contract, CommitteeEvaluation.period, CommitteeEvaluation.status
    ).where(
        (CommitteeEvaluation.community == actor.community_id)
        & CommitteeEvaluation.contract.is_in([c["id"] for c in contracts] or [-1])
    )
    state = {(row["contract"], row["period"]): row["status"] for row in evaluations}
    today = local_today()
    rows = []
    for contract in contracts:
        for period in term_periods(
            starts_on=contract["starts_on"],
            ends_on=contract["ends_on"],
            quarterly=is_quarterly(contract),
            today=today,
        ):
            status = state.get((contract["id"], period))
            if status == EvaluationStatus.submitted:
                continue
            rows.append(
                {
                    "contract_id": contract["id"],
                    "reference": contract["reference"],
                    "title": contract["title"],
                    "period": period,
                    "has_draft": status == EvaluationStatus.draft,
                }
            )
    return sorted(rows, key=lambda row: (row["period"], row["reference"]))

"""Writes about rubrics and committee evaluations. Each checks the actor again, writes in one
transaction and records its audit event there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar.exceptions import PermissionDeniedException

from procure import clock
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.db import lock_rows, transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.evaluations.schemas import CriterionIn, EvaluationIn, RubricIn, RubricRevisionIn
from procure.evaluations.scoring import HUNDRED, weighted_total
from procure.evaluations.selectors import (
    criteria_of,
    evaluable_contract,
    latest_versions,
    rubric,
    rubrics,
)
from procure.evaluations.states import COMMITTEE_EVALUATION, EvaluationStep
from procure.evaluations.tables import (
    CommitteeEvaluation,
    EvaluationScore,
    EvaluationStatus,
    Rubric,
    RubricCriterion,
)
from procure.i18n import N_
from procure.jobs import SubjectType, Trigger, record_event
from procure.lifecycle import advance
from procure.security.actors import Actor
from procure.security.policy import Action, is_allowed

DEFAULT_RUBRIC_NAME = "社区服务评估标准"
DEFAULT_CRITERIA = (
    CriterionIn(code="delivery", name_zh="服务计划完成情况", name_en="Delivery", weight=30),
    CriterionIn(code="quality", name_zh="服务质量", name_en="Quality", weight=30),
    CriterionIn(code="responsiveness", name_zh="响应及时性", name_en="Responsiveness", weight=20),
    CriterionIn(
        code="participation", name_zh="居民参与度", name_en="Resident participation", weight=20
    ),
)


def _require(actor: Actor, action: Action) -> None:
    if not is_allowed(action, actor):
        raise PermissionDeniedException(f"role {actor.role} may not perform {action}")


# -- rubrics -------------------------------------------------------------------------------------


def check_criteria(criteria: Sequence[CriterionIn]) -> None:
    """Unique codes and weights that sum to exactly 100, so every total lies in 0–100."""
    codes = [c.code for c in criteria]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise InvalidInput(
            "criteria",
            N_("criterion codes must be unique: %(codes)s appears twice"),
            codes=repeated,
        )
    total = sum(c.weight for c in criteria)
    if total != HUNDRED:
        raise InvalidInput("criteria", N_("weights must sum to 100, got %(total)s"), total=total)


def _criteria_data(criteria: Sequence[Any]) -> list[dict[str, Any]]:
    """Criteria as plain data, for the audit log and for comparing a revision with its rubric."""
    return [
        {"code": c["code"], "name_zh": c["name_zh"], "name_en": c["name_en"], "weight": c["weight"]}
        if isinstance(c, dict)
        else c.model_dump()
        for c in criteria
    ]


async def _insert_criteria(rubric_id: int, criteria: Sequence[CriterionIn]) -> None:
    await RubricCriterion.insert(
        *(
            RubricCriterion(
                rubric=rubric_id,
                code=c.code,
                name_zh=c.name_zh.strip(),
                name_en=c.name_en.strip(),
                weight=c.weight,
            )
            for c in criteria
        )
    )


async def default_rubric() -> int:
    """The latest version of 社区服务评估标准, created (as version 1) the first time it is asked
    for; asking again, or from two requests at once, creates nothing more."""
    latest = await latest_versions([DEFAULT_RUBRIC_NAME])
    if DEFAULT_RUBRIC_NAME in latest:
        return latest[DEFAULT_RUBRIC_NAME]
    async with transaction():
        rows = (
            await Rubric.insert(Rubric(name=DEFAULT_RUBRIC_NAME, version=1))
            .on_conflict(action="DO NOTHING")
            .returning(Rubric.id)
        )
        if not rows:  # another request created it a moment ago
            return (await latest_versions([DEFAULT_RUBRIC_NAME]))[DEFAULT_RUBRIC_NAME]
        rubric_id = rows[0]["id"]
        await _insert_criteria(rubric_id, DEFAULT_CRITERIA)
        await record(
            actor=None,
            action=AuditAction.rubric_created,
            subject_type="rubric",
            subject_id=rubric_id,
            data={
                "name": DEFAULT_RUBRIC_NAME,
                "version": 1,
                "criteria": _criteria_data(DEFAULT_CRITERIA),
            },
        )
    return int(rubric_id)


async def rubric_create(*, actor: Actor, data: RubricIn) -> int:
    """Version 1 of a new rubric; a known name takes a new version instead."""
    _require(actor, Action.rubric_manage)
    name = data.name.strip()
    if not name:
        raise InvalidInput("name", N_("must not be empty"))
    check_criteria(data.criteria)
    async with transaction():
        if await Rubric.exists().where(Rubric.name == name):
            raise InvalidInput(
                "name",
                N_("a rubric named %(name)r exists: change it by adding a version"),
                name=name,
            )
        rows = await Rubric.insert(Rubric(name=name, version=1)).returning(Rubric.id)
        rubric_id = rows[0]["id"]
        await _insert_criteria(rubric_id, data.criteria)
        await record(
            actor=actor,
            action=AuditAction.rubric_created,
            subject_type="rubric",
            subject_id=rubric_id,
            data={"name": name, "version": 1, "criteria": _criteria_data(data.criteria)},
        )
    return int(rubric_id)


async def rubric_revise(*, actor: Actor, rubric_id: int, data: RubricRevisionIn) -> int:
    """Change a rubric's criteria. A rubric no evaluation uses is changed in place; one in use is
    never edited, so the change becomes the name's next version. Returns the changed rubric."""
    _require(actor, Action.rubric_manage)
    check_criteria(data.criteria)
    async with transaction():
        await _lock_rubric(rubric_id)
        current = await rubric(rubric_id)
        before = _criteria_data(current["criteria"])
        after = _criteria_data(data.criteria)
        if before == after:
            return rubric_id
        if not current["in_use"]:
            await RubricCriterion.delete().where(RubricCriterion.rubric == rubric_id)
            await _insert_criteria(rubric_id, data.criteria)
            await record(
                actor=actor,
                action=AuditAction.rubric_updated,
                subject_type="rubric",
                subject_id=rubric_id,
                data={"name": current["name"], "version": current["version"], "criteria": after},
            )
            return rubric_id
        newest = (
            await Rubric.select(Rubric.version)
            .where(Rubric.name == current["name"])
            .order_by(Rubric.version, ascending=False)
            .first()
        )
        version = (newest["version"] if newest else current["version"]) + 1
        rows = await Rubric.insert(Rubric(name=current["name"], version=version)).returning(
            Rubric.id
        )
        new_id = rows[0]["id"]
        await _insert_criteria(new_id, data.criteria)
        await record(
            actor=actor,
            action=AuditAction.rubric_versioned,
            subject_type="rubric",
            subject_id=new_id,
            data={
                "name": current["name"],
                "version": version,
                "previous_id": rubric_id,
                "previous_version": current["version"],
                "criteria": after,
            },
        )
    return int(new_id)


# -- committee evaluations -----------------------------------------------------------------------


def _key(contract_id: int, community_id: int | None, period: str) -> Any:
    return (
        (CommitteeEvaluation.contract == contract_id)
        & (CommitteeEvaluation.community == community_id)
        & (CommitteeEvaluation.period == period)
    )


async def _lock(contract_id: int, community_id: int | None, period: str) -> dict[str, Any] | None:
    """The committee's evaluation for the period, its row locked for this transaction.

    The no-op UPDATE takes the row lock, so a save and a submission of the same evaluation run
    one after the other and nothing is written into an evaluation after it is locked.
    """
    rows = await lock_rows(
        CommitteeEvaluation.status, _key(contract_id, community_id, period)
    ).returning(CommitteeEvaluation.id, CommitteeEvaluation.status, CommitteeEvaluation.rubric)
    return rows[0] if rows else None


def _locked(contract: dict[str, Any], period: str) -> Conflict:
    return Conflict(
        N_("the evaluation of %(reference)s for %(period)s is submitted and locked"),
        reference=contract["reference"],
        period=period,
    )


async def _lock_rubric(rubric_id: int) -> None:
    """Take the rubric's row lock: a revision and an evaluation starting to use the rubric run
    one after the other, so a rubric is never changed in place once an evaluation uses it."""
    await lock_rows(Rubric.version, Rubric.id == rubric_id)


async def _choose_rubric(requested: int | None, current: int | None) -> int:
    """The draft keeps its rubric unless another is asked for; a new choice must be the latest
    version of its name, so nobody starts an evaluation against a superseded rubric. The chosen
    rubric is locked for the rest of the transaction."""
    if requested is None or requested == current:
        chosen_id = current if current is not None else await default_rubric()
        await _lock_rubric(chosen_id)
        return chosen_id
    await _lock_rubric(requested)
    found = await rubrics(requested)
    if not found:
        raise InvalidInput("rubric_id", N_("no rubric %(id)s"), id=requested)
    chosen = found[0]
    if not chosen["latest"]:
        raise InvalidInput(
            "rubric_id",
            N_("version %(version)s of %(name)s is superseded: use the latest"),
            version=chosen["version"],
            name=chosen["name"],
        )
    return requested


async def _write_scores(evaluation_id: int, rubric_id: int, data: EvaluationIn) -> None:
    criteria = {c["code"]: c for c in (await criteria_of([rubric_id]))[rubric_id]}
    seen: set[str] = set()
    for index, line in enumerate(data.scores):
        if line.criterion not in criteria:
            raise InvalidInput(
                f"scores[{index}].criterion",
                N_("no criterion %(code)r in this rubric: use one of %(codes)s"),
                code=line.criterion,
                codes=list(criteria),
            )
        if line.criterion in seen:
            raise InvalidInput(
                f"scores[{index}].criterion", N_("%(code)s is scored twice"), code=line.criterion
            )
        seen.add(line.criterion)
    await EvaluationScore.delete().where(EvaluationScore.evaluation == evaluation_id)
    if data.scores:
        await EvaluationScore.insert(
            *(
                EvaluationScore(
                    evaluation=evaluation_id,
                    criterion=criteria[line.criterion]["id"],
                    score=line.score,
                    comment=line.comment.strip(),
                )
                for line in data.scores
            )
        )


async def _submit(actor: Actor, evaluation_id: int, rubric_id: int, period: str) -> None:
    """Lock a complete evaluation; its total goes into the audit event."""
    criteria = (await criteria_of([rubric_id]))[rubric_id]
    given = {
        row["criterion"]: row["score"]
        for row in await EvaluationScore.select(
            EvaluationScore.criterion, EvaluationScore.score
        ).where(EvaluationScore.evaluation == evaluation_id)
    }
    missing = [c["code"] for c in criteria if c["id"] not in given]
    if missing:
        raise InvalidInput(
            "scores", N_("score every criterion before submitting: %(codes)s"), codes=missing
        )
    total = weighted_total([(given[c["id"]], c["weight"]) for c in criteria])
    await advance(
        COMMITTEE_EVALUATION,
        row_id=evaluation_id,
        action=EvaluationStep.submit,
        actor=actor,
        values={
            CommitteeEvaluation.submitted_at: clock.now(),
            CommitteeEvaluation.evaluated_by: actor.id,
        },
        audit_data={"period": period, "total": str(total)},
    )


async def evaluation_save(
    *, actor: Actor, contract_id: int, period: str, data: EvaluationIn, submit: bool = False
) -> int:
    """Save the committee's draft for the period (its scores replace the draft's); with
    ``submit`` also lock it, in the same transaction. A submitted evaluation never changes."""
    async with transaction():
        contract = await evaluable_contract(actor, contract_id, period)
        existing = await _lock(contract_id, actor.community_id, period)
        if existing is None:
            rubric_id = await _choose_rubric(data.rubric_id, None)
            created = (
                await CommitteeEvaluation.insert(
                    CommitteeEvaluation(
                        contract=contract_id,
                        community=actor.community_id,
                        rubric=rubric_id,
                        period=period,
                        status=EvaluationStatus.draft,
                    )
                )
                .on_conflict(action="DO NOTHING")
                .returning(CommitteeEvaluation.id)
            )
            if created:
                existing = {
                    "id": created[0]["id"],
                    "status": EvaluationStatus.draft,
                    "rubric": rubric_id,
                }
            else:  # a colleague's request created it a moment ago: lock theirs instead
                existing = await _lock(contract_id, actor.community_id, period)
        if existing is None:
            raise Conflict(N_("the evaluation changed while saving: try again"))
        if existing["status"] == EvaluationStatus.submitted:
            raise _locked(contract, period)
        evaluation_id = existing["id"]
        rubric_id = await _choose_rubric(data.rubric_id, existing["rubric"])
        await CommitteeEvaluation.update(
            {
                CommitteeEvaluation.rubric: rubric_id,
                CommitteeEvaluation.comments: data.comments.strip(),
                CommitteeEvaluation.evaluated_by: actor.id,
            }
        ).where(CommitteeEvaluation.id == evaluation_id)
        await _write_scores(evaluation_id, rubric_id, data)
        await record(
            actor=actor,
            action=AuditAction.committee_evaluation_saved,
            subject_type="committee_evaluation",
            subject_id=evaluation_id,
            data={
                "contract_id": contract_id,
                "period": period,
                "rubric_id": rubric_id,
                "scores": {line.criterion: line.score for line in data.scores},
            },
        )
        if submit:
            await _submit(actor, evaluation_id, rubric_id, period)
            await record_event(Trigger.evaluation_submitted, {SubjectType.contract: [contract_id]})
    return int(evaluation_id)


async def evaluation_submit(*, actor: Actor, contract_id: int, period: str) -> int:
    """Lock the committee's draft: from now on it is read-only, and the contract's buyer and
    organization can read it."""
    async with transaction():
        contract = await evaluable_contract(actor, contract_id, period)
        existing = await _lock(contract_id, actor.community_id, period)
        if existing is None:
            raise NotFound(
                N_("no evaluation of %(reference)s for %(period)s yet"),
                reference=contract["reference"],
                period=period,
            )
        if existing["status"] == EvaluationStatus.submitted:
            raise _locked(contract, period)
        evaluation_id = existing["id"]
        await _submit(actor, evaluation_id, existing["rubric"], period)
        await record_event(Trigger.evaluation_submitted, {SubjectType.contract: [contract_id]})
    return int(evaluation_id)

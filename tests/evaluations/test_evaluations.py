"""Committee evaluations: draft, submit, lock; who sees what; periods; the committee score."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.events import AuditAction
from procure.audit.tables import AuditEvent
from procure.contracts.tables import ContractStatus
from procure.evaluations.selectors import committee_score
from procure.evaluations.services import DEFAULT_RUBRIC_NAME
from procure.evaluations.tables import CommitteeEvaluation, EvaluationScore
from tests.concurrency import audit_count, exactly_one_success, race
from tests.evaluations.conftest import ALL_80, save, submit

Headers = Callable[[str], Any]
MakeContract = Callable[..., Awaitable[int]]
pytestmark = pytest.mark.usefixtures("database")

#: delivery 80×30 + quality 90×30 + responsiveness 70×20 + participation 60×20 = 7,700 → 77.00
MIXED = {"delivery": 80, "quality": 90, "responsiveness": 70, "participation": 60}


async def listed(client: AsyncTestClient, headers: dict[str, str], contract: int) -> Any:
    return await client.get(f"/api/v1/contracts/{contract}/evaluations", headers=headers)


async def test_a_draft_is_saved_then_submitted_then_locked(
    client: AsyncTestClient, as_user: Headers, contract: int, rubric_id: int
) -> None:
    committee = await as_user("committee")
    draft = await save(
        client, committee, contract, "2025-03", rubric_id, {"delivery": 80, "quality": 90}
    )
    assert draft.status_code == 200, draft.text
    body = draft.json()
    assert (body["status"], body["period"], body["total"]) == ("draft", "2025-03", None)
    assert body["community_name"] == "海滨社区"
    assert [(s["code"], s["score"]) for s in body["scores"]] == [
        ("delivery", 80),
        ("quality", 90),
        ("responsiveness", None),
        ("participation", None),
    ]

    incomplete = await submit(client, committee, contract, "2025-03")
    assert incomplete.status_code == 400
    assert incomplete.json()["field"] == "scores"
    assert incomplete.json()["detail"] == (
        "score every criterion before submitting: responsiveness, participation"
    )

    complete = await save(client, committee, contract, "2025-03", rubric_id, MIXED, "按计划完成")
    assert (complete.json()["total"], complete.json()["comments"]) == ("77.00", "按计划完成")
    submitted = await submit(client, committee, contract, "2025-03")
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert (body["status"], body["total"]) == ("submitted", "77.00")
    assert body["submitted_at"] is not None and body["evaluated_by"]

    # Locked: no save, no second submission, nothing changes.
    changed = await save(client, committee, contract, "2025-03", rubric_id, ALL_80)
    assert changed.status_code == 409
    assert "submitted and locked" in changed.json()["detail"]
    assert (await submit(client, committee, contract, "2025-03")).status_code == 409
    stored = await EvaluationScore.select(EvaluationScore.score).where(
        EvaluationScore.evaluation == body["id"]
    )
    assert sorted(row["score"] for row in stored) == sorted(MIXED.values())

    events = await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.subject_type == "committee_evaluation")
        & (AuditEvent.subject_id == str(body["id"]))
    )
    assert [e["action"] for e in events] == [
        "committee_evaluation.saved",
        "committee_evaluation.saved",
        "committee_evaluation.submitted",
    ]


async def test_without_a_rubric_the_latest_default_rubric_is_used(
    client: AsyncTestClient, as_user: Headers, contract: int
) -> None:
    draft = await save(client, await as_user("committee"), contract, "2025-02", None, {})
    assert draft.status_code == 200, draft.text
    assert draft.json()["rubric_name"] == DEFAULT_RUBRIC_NAME
    assert len(draft.json()["scores"]) >= 1


@pytest.mark.parametrize(
    ("scores", "field", "detail"),
    [
        (
            [{"criterion": "speed", "score": 50}],
            "scores[0].criterion",
            "no criterion 'speed' in this rubric: use one of delivery, quality, responsiveness, "
            "participation",
        ),
        (
            [{"criterion": "quality", "score": 50}, {"criterion": "quality", "score": 60}],
            "scores[1].criterion",
            "quality is scored twice",
        ),
    ],
)
async def test_bad_scores_are_refused_and_change_nothing(
    client: AsyncTestClient,
    as_user: Headers,
    contract: int,
    rubric_id: int,
    scores: list[dict[str, Any]],
    field: str,
    detail: str,
) -> None:
    refused = await client.put(
        f"/api/v1/contracts/{contract}/evaluations/2025-04",
        json={"rubric_id": rubric_id, "scores": scores},
        headers=await as_user("committee"),
    )
    assert refused.status_code == 400
    assert (refused.json()["field"], refused.json()["detail"]) == (field, detail)
    assert not await CommitteeEvaluation.exists().where(CommitteeEvaluation.contract == contract)


@pytest.mark.parametrize("score", [-1, 101])
async def test_a_score_lies_between_0_and_100(
    client: AsyncTestClient, as_user: Headers, contract: int, rubric_id: int, score: int
) -> None:
    refused = await save(
        client, await as_user("committee"), contract, "2025-04", rubric_id, {"quality": score}
    )
    assert (refused.status_code, refused.json()["field"]) == (400, "scores[0].score")
    assert not await CommitteeEvaluation.exists().where(CommitteeEvaluation.contract == contract)


async def test_an_unknown_or_superseded_rubric_is_refused(
    client: AsyncTestClient, as_user: Headers, contract: int, rubric_id: int
) -> None:
    committee = await as_user("committee")
    unknown = await save(client, committee, contract, "2025-04", 987654, ALL_80)
    assert (unknown.status_code, unknown.json()["field"]) == (400, "rubric_id")
    await save(client, await as_user("committee2"), contract, "2025-04", rubric_id, ALL_80)
    await client.post(  # in use, so this makes version 2 and version 1 is superseded
        f"/api/v1/rubrics/{rubric_id}/versions",
        json={
            "criteria": [
                {"code": "overall", "name_zh": "总体", "name_en": "Overall", "weight": 100}
            ]
        },
        headers=await as_user("buyer"),
    )
    superseded = await save(client, committee, contract, "2025-04", rubric_id, ALL_80)
    assert superseded.status_code == 400
    assert superseded.json()["field"] == "rubric_id"
    assert "superseded" in superseded.json()["detail"]


async def test_a_draft_is_the_committees_own_a_submission_is_the_contracts(
    client: AsyncTestClient, as_user: Headers, contract: int, rubric_id: int
) -> None:
    committee = await as_user("committee")
    draft = (await save(client, committee, contract, "2025-05", rubric_id, ALL_80)).json()
    url = f"/api/v1/evaluations/{draft['id']}"
    assert (await client.get(url, headers=committee)).status_code == 200
    assert [e["id"] for e in (await listed(client, committee, contract)).json()] == [draft["id"]]

    # Nobody else sees a draft: not the organization, the buyer, oversight or another committee.
    for username in ("org", "buyer2", "auditor", "admin", "committee2"):
        headers = await as_user(username)
        assert (await client.get(url, headers=headers)).status_code == 404, username
        response = await listed(client, headers, contract)
        assert response.status_code == 200 and response.json() == [], username

    await submit(client, committee, contract, "2025-05")
    for username in ("org", "buyer2", "auditor", "admin"):
        headers = await as_user(username)
        seen = await client.get(url, headers=headers)
        assert seen.status_code == 200, username
        assert (seen.json()["status"], seen.json()["total"]) == ("submitted", "80.00")
        assert [e["id"] for e in (await listed(client, headers, contract)).json()] == [draft["id"]]

    # Outside the contract's scope it does not exist; another community's committee neither.
    for username in ("buyer", "org2"):
        headers = await as_user(username)
        assert (await client.get(url, headers=headers)).status_code == 404, username
        assert (await listed(client, headers, contract)).status_code == 404, username
    assert (await client.get(url, headers=await as_user("committee2"))).status_code == 404


async def test_a_committee_evaluates_only_contracts_covering_its_community(
    client: AsyncTestClient, as_user: Headers, make_contract: MakeContract, rubric_id: int
) -> None:
    contract = await make_contract(committees=("committee",))
    committee2 = await as_user("committee2")
    refused = await save(client, committee2, contract, "2025-06", rubric_id, ALL_80)
    assert refused.status_code == 404
    assert (await submit(client, committee2, contract, "2025-06")).status_code == 404
    assert (await listed(client, committee2, contract)).status_code == 404
    assert not await CommitteeEvaluation.exists().where(CommitteeEvaluation.contract == contract)
    committee = await as_user("committee")
    draft = (await save(client, committee, contract, "2025-06", rubric_id, ALL_80)).json()
    response = await client.get(f"/api/v1/evaluations/{draft['id']}", headers=committee2)
    assert response.status_code == 404


async def test_buyers_and_organizations_do_not_evaluate(
    client: AsyncTestClient, as_user: Headers, contract: int, rubric_id: int
) -> None:
    for username in ("buyer2", "org", "auditor"):
        response = await save(client, await as_user(username), contract, "2025-06", None, ALL_80)
        assert response.status_code == 403, username


@pytest.mark.parametrize(
    ("period", "detail"),
    [
        ("2024-12", "2024-12 is outside the contract term 2025-01-01 – 2025-12-31"),
        ("2026-01", "2026-01 is outside the contract term 2025-01-01 – 2025-12-31"),
        ("2025-13", "'2025-13' is not a month: write YYYY-MM, e.g. 2026-03"),
        ("March", "'March' is not a month: write YYYY-MM, e.g. 2026-03"),
    ],
)
async def test_the_period_is_a_month_of_the_term(
    client: AsyncTestClient, as_user: Headers, contract: int, period: str, detail: str
) -> None:
    refused = await save(client, await as_user("committee"), contract, period, None, ALL_80)
    assert refused.status_code == 400
    assert (refused.json()["field"], refused.json()["detail"]) == ("period", detail)


async def test_a_quarterly_contract_is_evaluated_per_quarter(
    client: AsyncTestClient, as_user: Headers, make_contract: MakeContract, rubric_id: int
) -> None:
    contract = await make_contract(frequency="quarterly")
    committee = await as_user("committee")
    refused = await save(client, committee, contract, "2025-02", rubric_id, ALL_80)
    assert (refused.status_code, refused.json()["field"]) == (400, "period")
    assert refused.json()["detail"].startswith("2025-02 does not start a quarter")
    assert (
        await save(client, committee, contract, "2025-04", rubric_id, ALL_80)
    ).status_code == 200


async def test_a_period_that_has_not_begun_cannot_be_evaluated(
    client: AsyncTestClient, as_user: Headers, make_contract: MakeContract
) -> None:
    contract = await make_contract(term=(date(2025, 1, 1), date(2099, 12, 31)))
    refused = await save(client, await as_user("committee"), contract, "2099-01", None, ALL_80)
    assert refused.status_code == 400
    assert refused.json() | {"status_code": 0} == {
        "status_code": 0,
        "detail": "2099-01 has not begun yet",
        "field": "period",
    }


async def test_an_unsigned_contract_has_nothing_to_evaluate(
    client: AsyncTestClient, as_user: Headers, make_contract: MakeContract
) -> None:
    contract = await make_contract(status=ContractStatus.draft)
    refused = await save(client, await as_user("committee"), contract, "2025-01", None, ALL_80)
    assert refused.status_code == 409
    assert "not signed yet" in refused.json()["detail"]


async def test_the_committee_score_is_the_mean_of_the_submitted_evaluations(
    client: AsyncTestClient, as_user: Headers, contract: int, rubric_id: int
) -> None:
    committee, committee2 = await as_user("committee"), await as_user("committee2")
    await save(client, committee, contract, "2025-07", rubric_id, MIXED)  # 77.00
    await save(client, committee2, contract, "2025-07", rubric_id, {**ALL_80, "quality": 95})
    # both drafts: nothing counts yet
    assert await committee_score(contract, "2025-07") is None
    await submit(client, committee, contract, "2025-07")
    assert await committee_score(contract, "2025-07") == Decimal("77.00")
    await submit(client, committee2, contract, "2025-07")  # 80×70% + 95×30% = 84.50
    assert await committee_score(contract, "2025-07") == Decimal("80.75")
    # other periods and contracts are not mixed in
    assert await committee_score(contract, "2025-08") is None
    assert await committee_score(987654, "2025-07") is None


async def test_fifty_parallel_submissions_lock_the_evaluation_once(
    client: AsyncTestClient, as_user: Headers, contract: int, rubric_id: int
) -> None:
    committee = await as_user("committee")
    draft = await save(client, committee, contract, "2025-09", rubric_id, ALL_80)
    assert draft.status_code == 200, draft.text
    codes = await race(lambda: submit(client, committee, contract, "2025-09"))
    exactly_one_success(codes)
    evaluation_id = draft.json()["id"]
    assert (
        await audit_count(
            AuditAction.committee_evaluation_submitted, "committee_evaluation", evaluation_id
        )
        == 1
    )

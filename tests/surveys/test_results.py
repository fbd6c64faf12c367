"""Results: the statistics of a round's answers, who may read them, and the page's charts."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from procure.surveys.statistics import cronbach_alpha, likert_summary
from procure.surveys.tables import SurveyItem, SurveyRound
from tests.conftest import bearer, every_page, login
from tests.surveys.conftest import (
    actor,
    all_answers,
    answer,
    contract,
    free_period,
    issue,
    start_round,
)

#: Four residents' scores on the standard questionnaire's five Likert items.
SHEETS = [[5, 4, 4, 5, 5], [4, 4, 3, 4, 4], [2, 3, 2, 3, 2], [5, 5, 4, 4, 5]]


@pytest.fixture
async def answered_round(client: AsyncTestClient) -> dict:
    """A round with 6 codes issued and 4 answered, one of them leaving the free text empty."""
    started = await start_round(client)
    tokens = await issue(started["id"], 6)
    for n, (token, scores) in enumerate(zip(tokens, SHEETS, strict=False)):
        form = await all_answers(started["id"], scores)
        free = next(k for k, v in form.items() if not v.isdigit())
        form[free] = ["", "活动太少", "社工很耐心", "Z 希望周末也有活动"][n]
        assert (await answer(client, token, form)).status_code == 303
    return started


async def test_results_add_up(client: AsyncTestClient, answered_round: dict) -> None:
    response = await client.get(
        f"/api/v1/surveys/rounds/{answered_round['id']}/results", headers=await bearer("committee")
    )
    assert response.status_code == 200, response.text
    results = response.json()
    assert (results["tokens_issued"], results["responses"]) == (6, 4)
    assert results["response_rate"] == pytest.approx(4 / 6)
    columns = list(zip(*SHEETS, strict=True))
    assert [item["seq"] for item in results["likert"]] == [1, 2, 3, 4, 5]
    for item, column in zip(results["likert"], columns, strict=True):
        expected = likert_summary(list(column))
        assert item["n"] == 4
        assert item["mean"] == pytest.approx(sum(column) / 4)
        assert item["ci_low"] == pytest.approx(expected.ci_low)
        assert item["ci_high"] == pytest.approx(expected.ci_high)
        assert item["distribution"] == [column.count(score) for score in range(1, 6)]
    # Item means 4.0, 4.0, 3.25, 4.0, 4.0 → overall 3.85, i.e. (3.85 − 1) / 4 · 100 = 71.25.
    assert results["overall_mean"] == pytest.approx(3.85)
    assert results["overall_score"] == pytest.approx(71.25)
    assert results["complete_responses"] == 4
    assert results["cronbach_alpha"] == pytest.approx(cronbach_alpha(SHEETS))
    assert 0.9 < results["cronbach_alpha"] < 1
    (free,) = results["free_text"]
    assert free["answers"] == ["Z 希望周末也有活动", "活动太少", "社工很耐心"]  # sorted, 3 of 4
    assert set(free) == {"item_id", "seq", "text_zh", "text_en", "answers"}


async def test_a_round_without_answers_has_no_statistics(client: AsyncTestClient) -> None:
    started = await start_round(client, "committee2")
    results = (
        await client.get(
            f"/api/v1/surveys/rounds/{started['id']}/results", headers=await bearer("committee2")
        )
    ).json()
    assert (results["responses"], results["response_rate"], results["overall_mean"]) == (
        0,
        None,
        None,
    )
    assert results["cronbach_alpha"] is None
    assert all(item["mean"] is None and item["n"] == 0 for item in results["likert"])
    items = await SurveyItem.count().where(SurveyItem.template == started["template_id"])
    assert len(results["likert"]) + len(results["free_text"]) == items


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("committee", 200),  # the round's committee
        ("buyer2", 200),  # the contract's department
        ("org", 200),  # the contract's organization
        ("auditor", 200),
        ("admin", 200),
        ("committee2", 404),  # another community on the same contract
        ("org2", 404),  # a stranger organization
        ("buyer", 404),  # another department
    ],
)
async def test_who_reads_the_results(
    client: AsyncTestClient, answered_round: dict, username: str, status: int
) -> None:
    headers = await bearer(username)
    results = await client.get(
        f"/api/v1/surveys/rounds/{answered_round['id']}/results", headers=headers
    )
    assert results.status_code == status
    rounds = await client.get(
        f"/api/v1/contracts/{answered_round['contract_id']}/surveys", headers=headers
    )
    if status == 200:
        assert answered_round["id"] in [r["id"] for r in rounds.json()]
    elif username == "committee2":  # sees the contract, but only its own community's rounds
        assert answered_round["id"] not in [r["id"] for r in rounds.json()]
    else:
        assert rounds.status_code == 404


async def test_the_results_page_draws_the_distributions(
    client: AsyncTestClient, answered_round: dict
) -> None:
    await login(client, "buyer2")
    page = await client.get(f"/surveys/rounds/{answered_round['id']}/results")
    assert page.status_code == 200
    html = page.text
    # Server-drawn SVG: no script but the site's one (confirmations, filters).
    assert html.count("<svg") == 5
    assert html.count("<script") == 1 and '<script src="/static/procure.js" defer>' in html
    # Question 3 was answered 4, 3, 2, 4.
    third = html.split("<tr data-item=")[3]
    for score, count in ((1, 0), (2, 1), (3, 1), (4, 2), (5, 0)):
        assert f'data-score="{score}" data-count="{count}"' in third
    assert 'data-testid="overall-score">71.2' in html
    assert "66.7%" in html and "社工很耐心" in html
    other = await client.get("/surveys/rounds/987654/results")
    assert other.status_code == 404


async def test_the_committee_page_lists_rounds_and_offers_the_forms(
    client: AsyncTestClient, answered_round: dict
) -> None:
    await login(client, "committee")
    page = await client.get(f"/contracts/{answered_round['contract_id']}/surveys")
    assert page.status_code == 200
    assert f'data-round="{answered_round["id"]}" data-status="open"' in page.text
    assert 'data-testid="round-form"' in page.text
    assert f'href="/surveys/rounds/{answered_round["id"]}/results"' in page.text
    workspace = await every_page(client, "/committee")
    assert f'href="/contracts/{answered_round["contract_id"]}/surveys"' in workspace
    await login(client, "org")
    readonly = await client.get(f"/contracts/{answered_round['contract_id']}/surveys")
    assert readonly.status_code == 200 and 'data-testid="round-form"' not in readonly.text
    await login(client, "org2")
    assert (
        await client.get(f"/contracts/{answered_round['contract_id']}/surveys")
    ).status_code == 404


async def test_a_committee_starts_and_closes_a_round_from_its_page(client: AsyncTestClient) -> None:
    committee = await actor("committee2")
    contract_row = await contract()
    assert committee.community_id is not None
    period = await free_period(contract_row, committee.community_id)
    await login(client, "committee2")
    csrf = client.cookies.get("csrftoken") or ""
    started = await client.post(
        f"/contracts/{contract_row['id']}/surveys",
        data={"period": period, "template_id": "", "opens_at": "", "closes_at": "2099-01-01T18:00",
              "_csrf_token": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert started.status_code == 303
    created = (
        await SurveyRound.select(SurveyRound.id, SurveyRound.closes_at)
        .where(
            (SurveyRound.contract == contract_row["id"])
            & (SurveyRound.community == committee.community_id)
            & (SurveyRound.period == period)
        )
        .first()
    )
    assert created is not None
    assert created["closes_at"].isoformat() == "2099-01-01T10:00:00+00:00"  # 18:00 in Beijing
    closed = await client.post(
        f"/surveys/rounds/{created['id']}/close",
        data={"_csrf_token": csrf},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert closed.headers["location"] == (
        f"/contracts/{contract_row['id']}/surveys?done=round_closed"
    )


async def test_a_round_that_does_not_exist_reads_in_chinese(client: AsyncTestClient) -> None:
    await login(client, "buyer2")
    missing = await client.get("/surveys/rounds/987654/results")
    assert missing.status_code == 404
    assert "未找到满意度调查轮次 987654" in missing.text
    assert "not found" not in missing.text
    api = await client.get("/api/v1/surveys/rounds/987654/results", headers=await bearer("buyer2"))
    assert api.status_code == 404 and api.json()["detail"] == "survey round 987654 not found"

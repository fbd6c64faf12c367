"""The evaluation pages: the committee's form, locking, the list and the read-only view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.evaluations.tables import CommitteeEvaluation
from tests.conftest import csrf_headers, login
from tests.evaluations.conftest import WEIGHTS

pytestmark = pytest.mark.usefixtures("database")


def form(client: AsyncTestClient, rubric_id: int, intent: str, **scores: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "_csrf_token": csrf_headers(client)["x-csrftoken"],
        "rubric_id": str(rubric_id),
        "intent": intent,
        "comments": "居民反映良好",
    }
    for code in WEIGHTS:
        data[f"score_{code}"] = scores.get(code, "")
        data[f"comment_{code}"] = f"{code} 说明" if scores.get(code) else ""
    return data


async def test_the_committee_scores_saves_submits_and_sees_it_locked(
    client: AsyncTestClient, contract: int, rubric_id: int
) -> None:
    await login(client, "committee")
    start = await client.get("/committee")
    assert f'href="/contracts/{contract}/evaluations"' in start.text

    overview = await client.get(f"/contracts/{contract}/evaluations")
    assert overview.status_code == 200
    assert f'href="/contracts/{contract}/evaluations/2025-12"' in overview.text

    url = f"/contracts/{contract}/evaluations/2025-09?rubric={rubric_id}"
    page = await client.get(url)
    assert page.status_code == 200
    for code in WEIGHTS:
        assert f'name="score_{code}"' in page.text and f'name="comment_{code}"' in page.text
    assert 'data-confirm="' in page.text  # submitting asks first

    bad = await client.post(url, data=form(client, rubric_id, "draft", quality="abc"))
    assert bad.status_code == 400
    assert 'data-field="score_quality"' in bad.text and 'value="abc"' in bad.text
    assert "不是 0 至 100 之间的整数" in bad.text  # the refusal reads in the reader's language

    saved = await client.post(
        url, data=form(client, rubric_id, "draft", delivery="70"), follow_redirects=False
    )
    assert saved.status_code == 303
    draft = await client.get(saved.headers["location"])
    assert 'data-status="draft"' in draft.text and 'value="70"' in draft.text

    incomplete = await client.post(url, data=form(client, rubric_id, "submit", delivery="70"))
    assert incomplete.status_code == 400 and 'data-field="scores"' in incomplete.text

    all_scores = {code: "90" for code in WEIGHTS}
    submitted = await client.post(url, data=form(client, rubric_id, "submit", **all_scores))
    assert submitted.status_code == 200
    assert 'data-status="submitted"' in submitted.text and 'data-testid="locked"' in submitted.text
    assert 'name="score_quality"' not in submitted.text  # read-only now
    assert "90.00" in submitted.text

    again = await client.post(url, data=form(client, rubric_id, "draft", delivery="10"))
    assert again.status_code == 409
    assert "2025-09 的评估已提交并锁定" in again.text


async def test_the_organization_reads_only_the_submitted_evaluation(
    client: AsyncTestClient, contract: int, rubric_id: int
) -> None:
    await login(client, "committee")
    url = f"/contracts/{contract}/evaluations/2025-10"
    await client.post(url, data=form(client, rubric_id, "draft", delivery="60"))
    evaluation = (
        await CommitteeEvaluation.select(CommitteeEvaluation.id)
        .where(
            (CommitteeEvaluation.contract == contract) & (CommitteeEvaluation.period == "2025-10")
        )
        .first()
    )
    assert evaluation is not None

    await login(client, "org")
    listing = await client.get(f"/contracts/{contract}/evaluations")
    assert listing.status_code == 200 and 'data-testid="no-evaluations"' in listing.text
    assert (await client.get(f"/evaluations/{evaluation['id']}")).status_code == 404
    assert (await client.get(url)).status_code == 403  # the form is the committee's

    await login(client, "committee")
    await client.post(url, data=form(client, rubric_id, "submit", **dict.fromkeys(WEIGHTS, "75")))

    await login(client, "org")
    listing = await client.get(f"/contracts/{contract}/evaluations")
    assert f'data-testid="evaluation-{evaluation["id"]}"' in listing.text
    detail = await client.get(f"/evaluations/{evaluation['id']}")
    assert detail.status_code == 200
    assert (
        "75.00" in detail.text and "居民反映良好" in detail.text and "delivery 说明" in detail.text
    )

    await login(client, "buyer")  # another department
    assert (await client.get(f"/evaluations/{evaluation['id']}")).status_code == 404
    assert (await client.get(f"/contracts/{contract}/evaluations")).status_code == 404


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_the_pages_render_in_both_languages(
    client: AsyncTestClient, contract: int, lang: str
) -> None:
    await client.get(f"/lang/{lang}")
    await login(client, "committee")
    page = await client.get(f"/contracts/{contract}/evaluations/2025-11")
    assert page.status_code == 200
    assert ("服务质量" if lang == "zh-CN" else "Quality") in page.text
    await login(client, "buyer")
    assert (await client.get("/rubrics")).status_code == 200


async def test_another_communitys_committee_gets_404(
    client: AsyncTestClient, make_contract: Callable[..., Any]
) -> None:
    contract = await make_contract(committees=("committee",))
    await login(client, "committee2")
    assert (await client.get(f"/contracts/{contract}/evaluations")).status_code == 404
    assert (await client.get(f"/contracts/{contract}/evaluations/2025-01")).status_code == 404

"""Residents answering: once per token even under concurrency, only while the round is open,
every required question, and nothing stored that links an answer to its token."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from piccolo.columns import Date, ForeignKey, Timestamp, Timestamptz

from procure import clock
from procure.audit.tables import AuditEvent
from procure.errors import InvalidInput
from procure.security.selectors import token_digest
from procure.surveys import services
from procure.surveys.selectors import answerable_round, template_items
from procure.surveys.services import parse_answers
from procure.surveys.tables import SurveyAnswer, SurveyResponse, SurveyRound, SurveyToken
from tests.conftest import Clock, bearer
from tests.surveys.conftest import all_answers, answer, issue, start_round


@pytest.fixture
async def open_round(client: AsyncTestClient) -> dict:
    return await start_round(client)


async def responses(round_id: int) -> int:
    return await SurveyResponse.count().where(SurveyResponse.round == round_id)


async def used(token: str) -> bool:
    row = (
        await SurveyToken.select(SurveyToken.used)
        .where(SurveyToken.token_sha256 == token_digest(token))
        .first()
    )
    assert row is not None
    return bool(row["used"])


async def test_the_resident_page_is_anonymous_mobile_and_carries_the_csrf_field(
    client: AsyncTestClient, open_round: dict
) -> None:
    (token,) = await issue(open_round["id"], 1)
    page = await client.get(f"/s/{token}")
    assert page.status_code == 200
    html = page.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'name="_csrf_token"' in html
    assert 'data-testid="anonymity-notice"' in html
    assert html.count('type="radio"') == 5 * 5
    assert "服务人员的态度与礼貌" in html and "海滨社区" in html
    assert "/lang/en?next=/s/" in html
    client.cookies.set("lang", "en")
    english = await client.get(f"/s/{token}")
    assert "The attitude and courtesy of the service staff" in english.text
    assert "Very dissatisfied" in english.text and "Your answers are anonymous." in english.text
    assert not await used(token)  # looking changes nothing


async def test_a_resident_answers_once_and_sees_thanks(
    client: AsyncTestClient, open_round: dict
) -> None:
    (token,) = await issue(open_round["id"], 1)
    before = await responses(open_round["id"])
    response = await answer(client, token, await all_answers(open_round["id"], [5, 4, 4, 3, 5]))
    assert response.status_code == 303 and response.headers["location"] == "/surveys/thanks"
    thanks = await client.get("/surveys/thanks")
    assert 'data-testid="survey-thanks"' in thanks.text
    assert await responses(open_round["id"]) == before + 1
    assert await used(token)
    again = await answer(client, token, await all_answers(open_round["id"]))
    assert again.status_code == 410 and 'data-reason="used"' in again.text
    look = await client.get(f"/s/{token}")
    assert look.status_code == 410 and 'data-reason="used"' in look.text
    assert await responses(open_round["id"]) == before + 1


async def test_unknown_tokens_answer_404_and_change_nothing(client: AsyncTestClient) -> None:
    assert (await client.get("/s/not-a-real-token")).status_code == 404
    assert 'data-reason="unknown"' in (await client.get("/s/" + "x" * 200)).text
    before = await SurveyResponse.count()
    response = await answer(client, "not-a-real-token", {"item_1": "5"})
    assert response.status_code == 404 and 'data-reason="unknown"' in response.text
    assert await SurveyResponse.count() == before


@pytest.mark.parametrize("worst_case", [False, True], ids=["as-they-come", "all-checked-first"])
async def test_twenty_concurrent_submissions_of_one_token_store_one_response(
    app: Litestar, open_round: dict, monkeypatch: pytest.MonkeyPatch, worst_case: bool
) -> None:
    (token,) = await issue(open_round["id"], 1)
    form = await all_answers(open_round["id"], [1, 2, 3, 4, 5])
    if worst_case:
        # Every request has seen the token unused before any of them writes, so only the
        # conditional UPDATE can keep the token single-use.
        all_checked = asyncio.Barrier(20)

        async def checked_together(token: str) -> dict:
            survey = await answerable_round(token)
            await asyncio.wait_for(all_checked.wait(), timeout=10)
            return survey

        monkeypatch.setattr(services, "answerable_round", checked_together)
    before = await responses(open_round["id"])
    answers_before = await SurveyAnswer.count()
    # Litestar's AsyncTestClient runs one request at a time through a blocking portal; httpx's
    # ASGI transport runs the app on this event loop, so the twenty really interleave.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as phone:
        await phone.get(f"/s/{token}")  # the CSRF cookie, as the phone would have it
        data = {**form, "_csrf_token": phone.cookies.get("csrftoken") or ""}
        results = await asyncio.gather(*(phone.post(f"/s/{token}", data=data) for _ in range(20)))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [303] + [410] * 19, statuses
    assert all('data-reason="used"' in r.text for r in results if r.status_code == 410)
    assert await responses(open_round["id"]) == before + 1
    assert await SurveyAnswer.count() == answers_before + len(form)


async def test_required_questions_must_be_answered(
    client: AsyncTestClient, open_round: dict
) -> None:
    (token,) = await issue(open_round["id"], 1)
    form = await all_answers(open_round["id"])
    items = await template_items(open_round["template_id"])
    third = items[2]
    missing = {k: v for k, v in form.items() if k != f"item_{third['id']}"}
    before = await responses(open_round["id"])
    response = await answer(client, token, missing)
    assert response.status_code == 400
    assert f'data-field="item_{third["id"]}"' in response.text
    assert 'data-testid="survey-form"' in response.text  # the form again, answers kept
    assert 'value="4" checked' in response.text
    out_of_scale = await answer(client, token, form | {f"item_{third['id']}": "7"})
    assert out_of_scale.status_code == 400
    assert not await used(token) and await responses(open_round["id"]) == before
    # The optional free-text question may stay empty.
    free = next(i for i in items if i["kind"] == "free_text")
    ok = await answer(client, token, {k: v for k, v in form.items() if k != f"item_{free['id']}"})
    assert ok.status_code == 303


def test_parse_answers_names_the_item() -> None:
    items = [
        {"id": 7, "seq": 1, "kind": "likert5", "text_zh": "态度", "required": True},
        {"id": 8, "seq": 2, "kind": "free_text", "text_zh": "建议", "required": False},
    ]
    assert parse_answers(items, {"item_7": " 3 ", "item_8": " 多开展活动 "}) == [
        (7, 3, ""),
        (8, None, "多开展活动"),
    ]
    assert parse_answers(items, {"item_7": "5"}) == [(7, 5, "")]
    cases = [
        ({}, "item_7", "question 1 (态度) must be answered"),
        ({"item_7": "0"}, "item_7", "question 1: choose a score from 1 to 5"),
        ({"item_7": "4.5"}, "item_7", "question 1: choose a score from 1 to 5"),
        ({"item_7": "4", "item_8": "长" * 1001}, "item_8", "question 2: at most 1000 characters"),
    ]
    for form, field, message in cases:
        with pytest.raises(InvalidInput) as refused:
            parse_answers(items, form)
        assert (refused.value.field, refused.value.message) == (field, message)


async def test_a_round_closes_by_the_clock(client: AsyncTestClient, moving_clock: Clock) -> None:
    started = await start_round(client, closes_at=(clock.now() + timedelta(hours=1)).isoformat())
    first, second = await issue(started["id"], 2)
    form = await all_answers(started["id"])
    assert (await answer(client, first, form)).status_code == 303
    moving_clock.advance(hours=2)
    look = await client.get(f"/s/{second}")
    assert look.status_code == 410 and 'data-reason="closed"' in look.text
    late = await answer(client, second, form)
    assert late.status_code == 410 and 'data-reason="closed"' in late.text
    assert not await used(second)
    assert await responses(started["id"]) == 1


async def test_an_early_close_stops_answers_at_once(client: AsyncTestClient) -> None:
    started = await start_round(client, "committee2")
    (token,) = await issue(started["id"], 1, "committee2")
    closed = await client.post(
        f"/api/v1/surveys/rounds/{started['id']}/close", headers=await bearer("committee2")
    )
    assert closed.status_code == 200
    late = await answer(client, token, await all_answers(started["id"]))
    assert late.status_code == 410 and 'data-reason="closed"' in late.text
    assert not await used(token)


async def test_a_round_not_open_yet_says_when(client: AsyncTestClient) -> None:
    started = await start_round(
        client,
        "committee2",
        opens_at=(clock.now() + timedelta(days=1)).isoformat(),
        closes_at=(clock.now() + timedelta(days=8)).isoformat(),
    )
    assert started["status"] == "scheduled"
    (token,) = await issue(started["id"], 1, "committee2")
    look = await client.get(f"/s/{token}")
    assert look.status_code == 409 and 'data-reason="not_open"' in look.text
    early = await answer(client, token, await all_answers(started["id"]))
    assert early.status_code == 409 and not await used(token)


def test_no_table_can_link_an_answer_to_its_token() -> None:
    for table in (SurveyResponse, SurveyAnswer):
        for column in table._meta.columns:
            assert "token" not in column._meta.name
            if isinstance(column, ForeignKey):
                assert column._foreign_key_meta.resolved_references is not SurveyToken
    assert {c._meta.name for c in SurveyResponse._meta.columns} == {"id", "round", "submitted_hour"}
    # A token knows its round and whether it was used: not when, not by which response.
    assert {c._meta.name for c in SurveyToken._meta.columns} == {
        "id",
        "round",
        "token_sha256",
        "used",
    }
    assert not any(isinstance(c, Timestamp | Timestamptz | Date) for c in SurveyToken._meta.columns)
    assert SurveyRound in {
        fk._foreign_key_meta.resolved_references for fk in SurveyResponse._meta.foreign_key_columns
    }


async def test_after_answering_nothing_stored_points_back_to_the_token(
    client: AsyncTestClient, open_round: dict
) -> None:
    tokens = await issue(open_round["id"], 3)
    audit_before = await AuditEvent.count()
    form = await all_answers(open_round["id"], [2, 3, 4, 5, 1])
    free = next(k for k, v in form.items() if not v.isdigit())
    form[free] = "楼道灯坏了很久"
    assert (await answer(client, tokens[1], form)).status_code == 303
    token_rows = await SurveyToken.select().where(SurveyToken.round == open_round["id"])
    hashes = {row["token_sha256"] for row in token_rows}
    stored = await SurveyResponse.select().where(SurveyResponse.round == open_round["id"])
    answers = await SurveyAnswer.select().where(
        SurveyAnswer.response.is_in([row["id"] for row in stored])
    )
    for row in [*stored, *answers]:
        values = {str(value) for value in row.values()}
        assert not values & hashes
        assert not any(token in value for token in tokens for value in values)
    for row in stored:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}", row["submitted_hour"])
        assert set(row) == {"id", "round", "submitted_hour"}
    for row in answers:
        assert set(row) == {"id", "response", "item", "score", "text"}
    # The token rows carry no time, and the answer wrote nothing to the audit log: its exact
    # time and order there would undo the hour's coarseness.
    assert all(set(row) == {"id", "round", "token_sha256", "used"} for row in token_rows)
    assert await AuditEvent.count() == audit_before


async def test_a_round_closing_between_the_check_and_the_write_refuses_the_answer(
    client: AsyncTestClient, moving_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = await start_round(client, closes_at=(clock.now() + timedelta(hours=1)).isoformat())
    (token,) = await issue(started["id"], 1)
    form = await all_answers(started["id"])

    async def checked_then_closed(token: str) -> dict:
        survey = await answerable_round(token)
        moving_clock.advance(hours=2)  # closes_at passes while the answer is on its way
        return survey

    monkeypatch.setattr(services, "answerable_round", checked_then_closed)
    late = await answer(client, token, form)
    assert late.status_code == 410 and 'data-reason="closed"' in late.text
    assert not await used(token)
    assert await responses(started["id"]) == 0

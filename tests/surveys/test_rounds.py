"""Templates, rounds and QR sheets: who may start and close a round, and what a sheet holds."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from procure import clock
from procure.audit.tables import AuditEvent
from procure.contracts.tables import ContractStatus
from procure.errors import InvalidInput
from procure.security.selectors import token_digest
from procure.surveys import services
from procure.surveys.schemas import SurveyTemplateIn
from procure.surveys.tables import SurveyItem, SurveyRound, SurveyTemplate, SurveyToken
from tests.conftest import bearer, csrf_headers, login
from tests.surveys.conftest import actor, contract, issue, start_round

TEMPLATE = {
    "name": "长者助餐服务满意度问卷",
    "items": [
        {"kind": "likert5", "text_zh": "饭菜口味", "text_en": "Taste"},
        {"kind": "likert5", "text_zh": "送餐准时", "text_en": "Punctual delivery"},
        {"kind": "free_text", "text_zh": "其他意见"},
    ],
}


async def test_a_committee_creates_a_template_and_everyone_who_manages_lists_it(
    client: AsyncTestClient,
) -> None:
    committee = await bearer("committee")
    created = await client.post("/api/v1/surveys/templates", json=TEMPLATE, headers=committee)
    assert created.status_code == 201, created.text
    body = created.json()
    assert [(i["seq"], i["kind"], i["required"]) for i in body["items"]] == [
        (1, "likert5", True),
        (2, "likert5", True),
        (3, "free_text", False),
    ]
    listed = await client.get("/api/v1/surveys/templates", headers=await bearer("admin"))
    assert body["id"] in [t["id"] for t in listed.json()]
    again = await client.post("/api/v1/surveys/templates", json=TEMPLATE, headers=committee)
    assert again.status_code == 400
    assert again.json() == {
        "status_code": 400,
        "detail": "a questionnaire named '长者助餐服务满意度问卷' exists already",
        "field": "name",
    }
    buyer = await client.post(
        "/api/v1/surveys/templates", json=TEMPLATE, headers=await bearer("buyer")
    )
    assert buyer.status_code == 403


async def test_bad_templates_are_refused_naming_the_field(client: AsyncTestClient) -> None:
    admin = await bearer("admin")
    reserved = services.DEFAULT_TEMPLATE_NAME
    cases = [
        ({"name": "只有文字", "items": [{"kind": "free_text", "text_zh": "意见"}]},
         "items", "a questionnaire needs at least one Likert (1–5) item"),
        ({"name": "空题目", "items": [{"kind": "likert5", "text_zh": "   "}]},
         "items[0].text_zh", "must not be blank"),
        ({"name": "  ", "items": [{"kind": "likert5", "text_zh": "态度"}]},
         "name", "must not be blank"),
        ({"name": reserved, "items": [{"kind": "likert5", "text_zh": "态度"}]},
         "name", "'社区服务居民满意度问卷' is the standard questionnaire's name"),
    ]  # fmt: skip
    before = await SurveyTemplate.count()
    for payload, field, detail in cases:
        response = await client.post("/api/v1/surveys/templates", json=payload, headers=admin)
        assert response.status_code == 400, payload
        assert (response.json()["field"], response.json()["detail"]) == (field, detail)
    no_items = await client.post(
        "/api/v1/surveys/templates", json={"name": "无题", "items": []}, headers=admin
    )
    assert no_items.status_code == 400 and no_items.json()["field"] == "items"
    assert await SurveyTemplate.count() == before


async def test_the_default_template_is_made_once_and_audited(database: None) -> None:
    committee = await actor("committee")
    first = await services.default_template(actor=committee)
    assert await services.default_template(actor=committee) == first
    assert (
        await SurveyTemplate.count().where(SurveyTemplate.name == services.DEFAULT_TEMPLATE_NAME)
        == 1
    )
    items = (
        await SurveyItem.select(SurveyItem.kind, SurveyItem.text_en, SurveyItem.required)
        .where(SurveyItem.template == first)
        .order_by(SurveyItem.seq)
    )
    assert [i["kind"] for i in items] == ["likert5"] * 5 + ["free_text"]
    assert all(i["text_en"] for i in items)
    assert [i["required"] for i in items] == [True] * 5 + [False]
    assert (
        await AuditEvent.count().where(
            (AuditEvent.action == "survey_template.created") & (AuditEvent.subject_id == str(first))
        )
        == 1
    )


async def test_a_committee_starts_one_round_per_period_with_the_default_template(
    client: AsyncTestClient,
) -> None:
    started = await start_round(client)
    assert started["template_name"] == services.DEFAULT_TEMPLATE_NAME
    assert started["community_name"] == "海滨社区"
    assert (started["status"], started["tokens_issued"], started["responses"]) == ("open", 0, 0)
    again = await client.post(
        "/api/v1/surveys/rounds",
        json={
            "contract_id": started["contract_id"],
            "period": started["period"],
            "closes_at": (clock.now() + timedelta(days=3)).isoformat(),
        },
        headers=await bearer("committee"),
    )
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"contract {started['contract_reference']} has a survey round for {started['period']} in "
        "this community already"
    )
    event = (
        await AuditEvent.select(AuditEvent.data)
        .where(
            (AuditEvent.action == "survey_round.started")
            & (AuditEvent.subject_id == str(started["id"]))
        )
        .first()
    )
    assert event is not None and json.loads(event["data"])["period"] == started["period"]
    # The other community's committee starts its own round for the same period.
    other = await client.post(
        "/api/v1/surveys/rounds",
        json={
            "contract_id": started["contract_id"],
            "period": started["period"],
            "closes_at": (clock.now() + timedelta(days=3)).isoformat(),
        },
        headers=await bearer("committee2"),
    )
    assert other.status_code == 201 and other.json()["community_name"] == "渔港社区"


async def test_bad_rounds_are_refused(client: AsyncTestClient) -> None:
    committee = await bearer("committee")
    contract_row = await contract()
    soon = (clock.now() + timedelta(days=3)).isoformat()
    first_month = contract_row["starts_on"].strftime("%Y-%m")
    base = {"contract_id": contract_row["id"], "period": first_month, "closes_at": soon}
    term = f"{contract_row['starts_on']} – {contract_row['ends_on']}"
    cases = [
        ({"period": "2026-13"}, 400, "period",
         "'2026-13' is not a month: write YYYY-MM, e.g. 2026-03"),
        ({"period": "2019-01"}, 400, "period", f"2019-01 is outside the contract term {term}"),
        ({"opens_at": (clock.now() - timedelta(hours=2)).isoformat(),
          "closes_at": (clock.now() - timedelta(hours=1)).isoformat()}, 400, "closes_at",
         "must be in the future"),
        ({"opens_at": soon, "closes_at": soon}, 400, "closes_at", "must be after opens_at"),
        ({"closes_at": "2030-01-01T10:00:00"}, 400, "closes_at",
         "needs a time zone offset, e.g. 2026-05-01T09:00:00+08:00"),
        ({"template_id": 987654}, 400, "template_id", "no questionnaire 987654"),
    ]  # fmt: skip
    for change, status, field, detail in cases:
        response = await client.post(
            "/api/v1/surveys/rounds", json=base | change, headers=committee
        )
        assert response.status_code == status, (change, response.text)
        assert (response.json()["field"], response.json()["detail"]) == (field, detail)
    # A contract that does not cover the committee's community does not exist for it.
    draft = await client.post(
        "/api/v1/surveys/rounds", json=base | {"contract_id": 987654}, headers=committee
    )
    assert draft.status_code == 404


async def test_a_draft_contract_has_nothing_to_survey_yet(client: AsyncTestClient) -> None:
    draft = await contract("HT-TEST-SURVEYS-DRAFT", ContractStatus.draft)
    response = await client.post(
        "/api/v1/surveys/rounds",
        json={
            "contract_id": draft["id"],
            "period": draft["starts_on"].strftime("%Y-%m"),
            "closes_at": (clock.now() + timedelta(days=3)).isoformat(),
        },
        headers=await bearer("committee"),
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "contract HT-TEST-SURVEYS-DRAFT is not signed: no service to survey yet"
    )


async def test_closing_early_is_audited_and_happens_once(client: AsyncTestClient) -> None:
    started = await start_round(client)
    committee = await bearer("committee")
    closed = await client.post(f"/api/v1/surveys/rounds/{started['id']}/close", headers=committee)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] is not None
    twice = await client.post(f"/api/v1/surveys/rounds/{started['id']}/close", headers=committee)
    assert twice.status_code == 409
    assert twice.json()["detail"] == f"survey round {started['id']} is closed already"
    other = await client.post(
        f"/api/v1/surveys/rounds/{started['id']}/close", headers=await bearer("committee2")
    )
    assert other.status_code == 404
    assert (
        await AuditEvent.count().where(
            (AuditEvent.action == "survey_round.closed")
            & (AuditEvent.subject_id == str(started["id"]))
        )
        == 1
    )
    no_more = await client.post(
        f"/api/v1/surveys/rounds/{started['id']}/tokens", json={"count": 3}, headers=committee
    )
    assert no_more.status_code == 409
    assert no_more.json()["detail"] == f"survey round {started['id']} is closed: no more tokens"


def pdf_text(pdf: bytes, tmp_path: Path) -> tuple[str, int]:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert pages is not None
    return text, int(pages[1])


async def test_the_qr_sheet_holds_every_new_token_once(
    client: AsyncTestClient, tmp_path: Path
) -> None:
    started = await start_round(client)
    response = await client.post(
        f"/api/v1/surveys/rounds/{started['id']}/tokens",
        json={"count": 13},
        headers=await bearer("committee"),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    assert "attachment;" in response.headers["content-disposition"]
    assert response.content.startswith(b"%PDF")
    text, pages = pdf_text(response.content, tmp_path)
    assert pages == 2  # ceil(13 / 12)
    assert text.count("海滨社区") >= 13
    assert "居民满意度调查二维码" in text
    flat = re.sub(r"\s+", "", text)
    tokens = re.findall(r"http://testserver\.local/s/([A-Za-z0-9_-]{22})", flat)
    assert len(tokens) == len(set(tokens)) == 13
    stored = {
        row["token_sha256"]
        for row in await SurveyToken.select(SurveyToken.token_sha256).where(
            SurveyToken.round == started["id"]
        )
    }
    assert {token_digest(t) for t in tokens} == stored  # only the hashes, and all of them
    assert not any(t in "".join(stored) for t in tokens)
    event = (
        await AuditEvent.select(AuditEvent.data)
        .where(
            (AuditEvent.action == "survey_round.tokens_issued")
            & (AuditEvent.subject_id == str(started["id"]))
        )
        .first()
    )
    assert event is not None and json.loads(event["data"]) == {"count": 13}
    listed = await client.get(
        f"/api/v1/contracts/{started['contract_id']}/surveys", headers=await bearer("committee")
    )
    mine = next(r for r in listed.json() if r["id"] == started["id"])
    assert (mine["tokens_issued"], mine["responses"]) == (13, 0)


async def test_the_page_form_downloads_a_sheet_of_twelve_on_one_page(
    client: AsyncTestClient, tmp_path: Path
) -> None:
    started = await start_round(client)
    await login(client, "committee")
    page = await client.get(f"/contracts/{started['contract_id']}/surveys")
    assert page.status_code == 200
    assert f'action="/surveys/rounds/{started["id"]}/tokens"' in page.text
    response = await client.post(
        f"/surveys/rounds/{started['id']}/tokens",
        data={"count": "12", "_csrf_token": client.cookies.get("csrftoken") or ""},
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert pdf_text(response.content, tmp_path)[1] == 1
    bad = await client.post(
        f"/surveys/rounds/{started['id']}/tokens",
        data={"count": "many"},
        headers=csrf_headers(client),
    )
    assert bad.status_code == 400 and 'data-testid="error-summary"' in bad.text
    assert f'id="count-{started["id"]}" name="count" type="number"' in bad.text
    assert 'value="many"' in bad.text


async def test_token_counts_outside_1_to_2000_are_refused(client: AsyncTestClient) -> None:
    started = await start_round(client)
    committee = await bearer("committee")
    for count in (0, 2001):
        response = await client.post(
            f"/api/v1/surveys/rounds/{started['id']}/tokens",
            json={"count": count},
            headers=committee,
        )
        assert response.status_code == 400 and response.json()["field"] == "count"
    assert await SurveyToken.count().where(SurveyToken.round == started["id"]) == 0
    with pytest.raises(InvalidInput) as refused:
        await issue(started["id"], 2001)
    assert (refused.value.field, refused.value.message) == ("count", "must be between 1 and 2000")
    outsider = await client.post(
        f"/api/v1/surveys/rounds/{started['id']}/tokens", json={"count": 1},
        headers=await bearer("committee2"),
    )  # fmt: skip
    assert outsider.status_code == 404


async def test_a_template_from_the_api_serves_a_round(client: AsyncTestClient) -> None:
    template_id = await services.survey_template_create(
        actor=await actor("admin"),
        data=SurveyTemplateIn.model_validate(
            {"name": "渔港社区康复服务问卷", "items": [{"kind": "likert5", "text_zh": "康复效果"}]}
        ),
    )
    started = await start_round(client, "committee2", template_id=template_id)
    assert started["template_name"] == "渔港社区康复服务问卷"


async def test_the_round_pages_refuse_in_chinese(client: AsyncTestClient) -> None:
    """Starting a round twice, closing it in the past or twice, and codes for a closed round are
    refused on the pages in the Chinese UI's language, never as the API's English sentence."""
    started = await start_round(client)
    await login(client, "committee")
    url = f"/contracts/{started['contract_id']}/surveys"
    form = {
        "period": started["period"],
        "closes_at": (clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
    }
    twice = await client.post(url, data=form, headers=csrf_headers(client))
    assert twice.status_code == 409
    assert f"在本社区已有{started['period']}的满意度调查" in twice.text
    assert "this community already" not in twice.text
    past = await client.post(
        url,
        data=form | {"closes_at": (clock.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")},
        headers=csrf_headers(client),
    )
    assert past.status_code == 400 and "须晚于开始时间" in past.text
    assert "must be after opens_at" not in past.text
    round_url = f"/surveys/rounds/{started['id']}"
    closed = await client.post(
        f"{round_url}/close", headers=csrf_headers(client), follow_redirects=False
    )
    assert closed.status_code == 303
    again = await client.post(f"{round_url}/close", headers=csrf_headers(client))
    assert again.status_code == 409 and f"满意度调查{started['id']}已结束" in again.text
    assert "is closed already" not in again.text
    codes = await client.post(
        f"{round_url}/tokens", data={"count": "3"}, headers=csrf_headers(client)
    )
    assert codes.status_code == 409 and "不能再生成二维码" in codes.text
    assert "no more tokens" not in codes.text


async def test_the_round_forms_keep_the_input_and_name_the_field_in_chinese(
    client: AsyncTestClient,
) -> None:
    """A closing time that is no time and a code count that is no number: the page again (400),
    the message in the summary and beside the field in Chinese, what was typed kept, nothing
    written."""
    started = await start_round(client)
    await login(client, "committee")
    url = f"/contracts/{started['contract_id']}/surveys"
    rounds = await SurveyRound.count()
    bad_time = await client.post(
        url,
        data={"period": started["period"], "closes_at": "下周五"},
        headers=csrf_headers(client),
    )
    assert bad_time.status_code == 400
    assert bad_time.text.count("截止时间应为日期和时间") == 2  # the summary and the field
    assert 'id="closes_at-error"' in bad_time.text and 'value="下周五"' in bad_time.text
    assert await SurveyRound.count() == rounds
    count_id = f"count-{started['id']}"
    bad_count = await client.post(
        f"/surveys/rounds/{started['id']}/tokens",
        data={"count": "5000"},
        headers=csrf_headers(client),
    )
    assert bad_count.status_code == 400
    assert bad_count.text.count("二维码数量应在 1 到 2000 之间") == 2
    assert f'href="#{count_id}"' in bad_count.text and f'id="{count_id}-error"' in bad_count.text
    assert 'value="5000"' in bad_count.text
    assert await SurveyToken.count().where(SurveyToken.round == started["id"]) == 0

"""The remedy pages: the challenge form from the tender page with its error summary and kept
input, the buyer's answer form, the regulator's forms, in Chinese and English."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.complaints.helpers import accept, answer, awarded, complained, filed
from tests.conftest import Clock, login


def form(client: AsyncTestClient, **fields: str) -> dict[str, str]:
    return {"_csrf_token": client.cookies.get("csrftoken") or "", **fields}


async def test_filing_a_challenge_on_its_page(
    app: Any, client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    async with AsyncTestClient(app=app) as browser:
        await login(browser, "org2")
        tender = await browser.get(f"/tenders/{who.tender_id}")
        assert 'data-testid="challenge-link"' in tender.text
        page = await browser.get(f"/tenders/{who.tender_id}/challenge")
        assert page.status_code == 200 and "提出质疑" in page.text
        assert "财政部令第94号 第十条" in page.text and "7 个工作日" in page.text

        empty = await browser.post(f"/tenders/{who.tender_id}/challenge", data=form(browser))
        assert empty.status_code == 400
        assert 'data-testid="error-summary"' in empty.text and 'href="#grounds"' in empty.text
        assert 'data-testid="error-subject"' in empty.text

        kept = await browser.post(
            f"/tenders/{who.tender_id}/challenge",
            data=form(browser, subject="result", grounds="", evidence="评分表复印件"),
        )
        assert kept.status_code == 400 and "评分表复印件" in kept.text
        assert 'value="result" checked' in kept.text

        done = await browser.post(
            f"/tenders/{who.tender_id}/challenge",
            data=form(browser, subject="result", grounds="评分不当", evidence=""),
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        shown = await browser.get(done.headers["location"])
        assert 'data-testid="done" data-done="challenge_filed"' in shown.text
        assert "评分不当" in shown.text

        again = await browser.post(
            f"/tenders/{who.tender_id}/challenge",
            data=form(browser, subject="result", grounds="再次"),
        )
        assert again.status_code == 409 and 'data-testid="error-summary"' in again.text

        listing = await browser.get("/challenges")
        assert listing.status_code == 200 and 'data-testid="challenges"' in listing.text

        browser.cookies.set("lang", "en")
        english = await browser.post(f"/tenders/{who.tender_id}/challenge", data=form(browser))
        assert "There is a problem" in english.text and "Enter the grounds" in english.text


async def test_a_late_challenge_on_the_page_names_its_deadline(
    app: Any, client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    moving_clock.advance(days=15)
    async with AsyncTestClient(app=app) as browser:
        await login(browser, "org2")
        late = await browser.post(
            f"/tenders/{who.tender_id}/challenge",
            data=form(browser, subject="result", grounds="迟到的质疑"),
        )
        assert late.status_code == 400 and "质疑期已于" in late.text
        assert "迟到的质疑" in late.text


async def test_the_buyer_answers_and_the_regulator_decides_on_their_pages(
    app: Any, client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    challenge_id = await filed(client, who)
    async with AsyncTestClient(app=app) as buyer:
        await login(buyer, "buyer")
        listing = await buyer.get("/challenges")
        assert f'data-challenge="{challenge_id}"' in listing.text
        page = await buyer.get(f"/challenges/{challenge_id}")
        assert 'data-testid="answer-form"' in page.text
        missing_step = await buyer.post(
            f"/challenges/{challenge_id}/answer",
            data=form(buyer, outcome="upheld", answer="质疑成立"),
        )
        assert missing_step.status_code == 400
        assert 'data-testid="error-corrective_step"' in missing_step.text
        assert "质疑成立" in missing_step.text
        done = await buyer.post(
            f"/challenges/{challenge_id}/answer",
            data=form(buyer, outcome="rejected", answer="质疑不成立，理由如下"),
            follow_redirects=False,
        )
        assert done.status_code == 303
    async with AsyncTestClient(app=app) as other:
        await login(other, "buyer2")
        assert (await other.get(f"/challenges/{challenge_id}")).status_code == 404
    async with AsyncTestClient(app=app) as winner:
        await login(winner, "org")
        tender = await winner.get(f"/tenders/{who.tender_id}")
        assert "质疑不成立，理由如下" in tender.text
        assert "评审委员会未按招标文件" not in tender.text

    complaint_id = await complained(client, who, challenge_id)
    async with AsyncTestClient(app=app) as regulator:
        await login(regulator, "regulator")
        listing = await regulator.get("/challenges")
        assert f'data-complaint="{complaint_id}"' in listing.text
        page = await regulator.get(f"/complaints/{complaint_id}")
        assert 'data-testid="admissibility-form"' in page.text
        assert 'data-testid="suspension-form"' in page.text
        no_reason = await regulator.post(
            f"/complaints/{complaint_id}/admissibility", data=form(regulator, accept="no")
        )
        assert no_reason.status_code == 400 and 'data-testid="error-reason"' in no_reason.text
        accepted = await regulator.post(
            f"/complaints/{complaint_id}/admissibility",
            data=form(regulator, accept="yes"),
            follow_redirects=False,
        )
        assert accepted.status_code == 303
        suspended = await regulator.post(
            f"/complaints/{complaint_id}/suspension",
            data=form(regulator, reason="调查期间暂停", until=""),
            follow_redirects=False,
        )
        assert suspended.status_code == 303
        page = await regulator.get(f"/complaints/{complaint_id}")
        assert 'data-testid="lift-form"' in page.text and 'data-testid="decision-form"' in page.text
        decided = await regulator.post(
            f"/complaints/{complaint_id}/decision",
            data=form(regulator, outcome="upheld", public_text="投诉成立，责令重新评审。"),
            follow_redirects=False,
        )
        assert decided.status_code == 303
    public = await client.get("/disclosure/complaints")
    assert "投诉成立" in public.text or f'data-complaint="{complaint_id}"' in public.text


async def test_the_auditor_reads_and_the_pages_render_in_english(
    app: Any, client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    challenge_id = await filed(client, who)
    assert (await answer(client, who, challenge_id, "upheld", "re_procure")).status_code == 200
    complaint_id = await complained(client, who, challenge_id)
    async with AsyncTestClient(app=app) as auditor:
        await login(auditor, "auditor")
        auditor.cookies.set("lang", "en")
        page = await auditor.get(f"/challenges/{challenge_id}")
        assert page.status_code == 200 and "Procure again" in page.text
        assert 'data-testid="answer-form"' not in page.text
        assert "working days" in page.text
        complaint = await auditor.get(f"/complaints/{complaint_id}")
        assert complaint.status_code == 200 and "admissibility-form" not in complaint.text
        refused = await auditor.post(
            f"/complaints/{complaint_id}/admissibility", data=form(auditor, accept="yes")
        )
        assert refused.status_code == 403


async def test_a_refusal_on_the_remedy_pages_reads_in_chinese_with_its_status_label(
    app: Any, client: AsyncTestClient, moving_clock: Clock
) -> None:
    who = await awarded(client, moving_clock)
    challenge_id = await filed(client, who, "process")
    assert (await answer(client, who, challenge_id, "rejected")).status_code == 200
    complaint_id = await complained(client, who, challenge_id)
    await accept(client, who, complaint_id)
    decided = await client.post(
        f"/api/v1/complaints/{complaint_id}/decision",
        json={"outcome": "rejected", "public_text": "经审查，投诉事项缺乏事实依据，驳回投诉。"},
        headers=who.regulator,
    )
    assert decided.status_code == 200
    # The API keeps the English text, the status by its value …
    api = await client.post(
        f"/api/v1/complaints/{complaint_id}/suspension",
        json={"reason": "调查期间暂停"},
        headers=who.regulator,
    )
    assert api.status_code == 409 and api.json()["detail"] == (
        f"complaint {complaint_id} is rejected; a procurement is suspended only while its "
        "complaint is handled"
    )
    # … the page says it in Chinese, the status by its label.
    async with AsyncTestClient(app=app) as regulator:
        await login(regulator, "regulator")
        refused = await regulator.post(
            f"/complaints/{complaint_id}/suspension",
            data=form(regulator, reason="调查期间暂停", until=""),
        )
        assert refused.status_code == 409
        assert (
            f"投诉 {complaint_id} 当前状态为“投诉驳回”；仅在投诉处理期间可以暂停采购活动"
            in refused.text
        )
        assert "is rejected" not in refused.text
    # A second challenge against the same step: the supplier reads why in Chinese.
    async with AsyncTestClient(app=app) as supplier:
        await login(supplier, "org2")
        again = await supplier.post(
            f"/tenders/{who.tender_id}/challenge",
            data=form(supplier, subject="process", grounds="再次质疑"),
        )
        assert again.status_code == 409
        assert "贵单位已就本项目的采购过程提出过质疑" in again.text
        assert "财政部令第94号 第十一条" in again.text


async def test_too_long_grounds_read_with_their_label_in_either_language(
    app: Any, client: AsyncTestClient, moving_clock: Clock
) -> None:
    """The challenge schema's limit on the grounds is the catalog's message naming the field,
    beside the field and in the summary, in Chinese or in English, never Pydantic's English."""
    who = await awarded(client, moving_clock)
    async with AsyncTestClient(app=app) as browser:
        await login(browser, "org2")
        url = f"/tenders/{who.tender_id}/challenge"
        posted = form(browser, subject="result", grounds="理" * 20_001)
        refused = await browser.post(url, data=posted)
        assert refused.status_code == 400
        assert (
            '<span class="visually-hidden">错误：</span> 申辩理由不能超过 20000 个字</p>'
            in refused.text
        )
        assert '<a href="#grounds">申辩理由不能超过 20000 个字</a>' in refused.text
        assert "String should" not in refused.text
        browser.cookies.set("lang", "en")
        english = await browser.post(url, data=posted)
        assert english.status_code == 400
        assert '<a href="#grounds">Grounds must be at most 20000 characters</a>' in english.text

"""The tender, bid and scoring forms refuse bad input on the form itself (error summary, the
message beside the field, what was typed kept, nothing written), read amounts typed in 万, and
the bid receipt is a page of its own that reloading never submits again."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from procure.bids.tables import Bid, TechnicalScore
from procure.catalog.tables import CatalogItem
from procure.geography.tables import Community
from procure.tenders.tables import Tender
from tests.conftest import Clock, login
from tests.tenders.conftest import (
    bid_payload,
    member_headers,
    publish,
    seat_committee,
    tender_payload,
)


async def tender_form(**overrides: str) -> dict[str, Any]:
    item = await CatalogItem.select(CatalogItem.code).where(CatalogItem.active.eq(True)).first()
    community = await Community.select(Community.code).first()
    assert item and community
    form = {
        "title": "表单测试项目",
        "method": "competitive_consultation",
        "evaluation_method": "composite",
        "ceiling": "30.5万",
        "communities": community["code"],
        "line_item-1": item["code"],
        "line_quantity-1": "12",
        "price_weight": "20",
        "criterion_name-1": "服务方案",
        "criterion_weight-1": "80",
        "clarification_deadline": "2099-01-05T17:00",
        "submission_deadline": "2099-01-20T09:30",
    }
    return form | overrides


async def test_a_bad_amount_is_refused_on_the_form_in_either_language(
    client: AsyncTestClient,
) -> None:
    await login(client, "buyer")
    before = await Tender.count()
    posted = await tender_form(ceiling="三十万", title="保留我的标题")
    token = {"_csrf_token": client.cookies["csrftoken"]}
    page = await client.post("/tenders/new", data=posted | token)
    assert page.status_code == 400
    assert 'data-testid="error-summary"' in page.text and 'href="#ceiling"' in page.text
    assert "最高限价" in page.text and "30万" in page.text  # the label, and how to type it
    assert 'aria-describedby="ceiling-error"' in page.text
    assert 'value="三十万"' in page.text and 'value="保留我的标题"' in page.text  # kept
    assert "ceiling_fen" not in page.text and "is not an amount" not in page.text
    assert "请求无效" not in page.text
    english = await client.post("/tenders/new", data=posted | token, cookies={"lang": "en"})
    assert english.status_code == 400
    assert "There is a problem" in english.text and "is not an amount in yuan" in english.text
    assert await Tender.count() == before  # nothing written


async def test_service_refusals_read_beside_the_field(client: AsyncTestClient) -> None:
    await login(client, "buyer")
    before = await Tender.count()
    posted = await tender_form(criterion_weight_1="", **{"criterion_weight-1": "70"})
    page = await client.post(
        "/tenders/new", data=posted | {"_csrf_token": client.cookies["csrftoken"]}
    )
    assert page.status_code == 400 and 'href="#price_weight"' in page.text
    assert "权重" in page.text and "90" in page.text  # the weights add up to 90, not 100
    assert await Tender.count() == before


async def test_an_amount_in_wan_is_read_as_yuan(client: AsyncTestClient) -> None:
    await login(client, "buyer")
    created = await client.post(
        "/tenders/new",
        data=await tender_form() | {"_csrf_token": client.cookies["csrftoken"]},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    tender_id = int(created.headers["location"].split("?")[0].rsplit("/", 1)[1])
    row = await Tender.select(Tender.ceiling_fen).where(Tender.id == tender_id).first()
    assert row == {"ceiling_fen": 30_500_000}


async def _published(client: AsyncTestClient, as_user: Any) -> int:
    buyer = await as_user("buyer")
    created = await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    tender_id = int(created.json()["id"])
    await publish(client, buyer, tender_id)
    return tender_id


async def test_the_bid_form_refuses_on_the_form_and_its_receipt_reloads_safely(
    client: AsyncTestClient, as_user: Any
) -> None:
    tender_id = await _published(client, as_user)
    await login(client, "org")
    token = {"_csrf_token": client.cookies["csrftoken"]}
    bid = {
        "line_1": "9万",
        "line_2": "60,000.00",
        "total": "15万元",
        "technical_proposal": "服务方案",
        "staffing_plan": "社工3名",
    }
    refused = await client.post(f"/tenders/{tender_id}/bid", data=bid | token | {"total": "十五万"})
    assert refused.status_code == 400 and 'href="#total"' in refused.text
    assert "投标总价" in refused.text and 'value="十五万"' in refused.text
    assert 'value="9万"' in refused.text and "服务方案</textarea>" in refused.text
    assert "fen" not in refused.text and "_fen" not in refused.text
    mismatch = await client.post(
        f"/tenders/{tender_id}/bid", data=bid | token | {"total": "15.5万"}
    )
    assert mismatch.status_code == 400  # the lines add up to 150,000.00 元, in 元
    assert "150,000.00 元" in mismatch.text and "155,000.00 元" in mismatch.text
    assert "fen" not in mismatch.text
    assert not await Bid.exists().where(Bid.tender == tender_id)

    sent = await client.post(f"/tenders/{tender_id}/bid", data=bid | token, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/tenders/{tender_id}/bid/receipt"
    for _ in range(2):  # a reload shows the same receipt and submits nothing
        receipt = await client.get(sent.headers["location"])
        assert receipt.status_code == 200 and 'data-testid="receipt-hash"' in receipt.text
    rows = await Bid.select(Bid.version).where(Bid.tender == tender_id)
    assert rows == [{"version": 1}]


async def test_every_bid_is_scored_in_one_form_all_or_nothing(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer = await as_user("buyer")
    created = await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    tender_id = int(created.json()["id"])
    await publish(client, buyer, tender_id)
    for who, total in (("org", 25_000_000), ("org2", 26_000_000), ("org3", 10_000_000)):
        response = await client.put(
            f"/api/v1/tenders/{tender_id}/bid", json=bid_payload(total), headers=await as_user(who)
        )
        assert response.status_code == 201, response.text
    moving_clock.advance(days=13)
    await seat_committee(client, tender_id, buyer)
    started = await client.post(f"/api/v1/tenders/{tender_id}/evaluation/start", headers=buyer)
    assert started.status_code == 200, started.text
    bids = {b["organization_name"]: b for b in started.json()["bids"]}
    low = next(b for b in bids.values() if b["status"] == "explanation_requested")
    valid = [b["bid_id"] for b in bids.values() if b["status"] == "valid"]
    explained = await client.post(
        f"/api/v1/bids/{low['bid_id']}/explanation",
        json={"explanation": "志愿者承担大部分服务"},
        headers=await as_user("org3"),
    )
    assert explained.status_code == 200

    member = next(iter(await member_headers(tender_id)))
    await login(client, member)
    page = await client.get(f"/tenders/{tender_id}/evaluation")
    assert page.status_code == 200
    assert "志愿者承担大部分服务" in page.text  # beside the accept/reject vote
    assert f'data-testid="explanation-{low["bid_id"]}" data-state="given"' in page.text

    token = {"_csrf_token": client.cookies["csrftoken"]}
    vote = await client.post(f"/bids/{low['bid_id']}/decision", data=token | {"accept": "no"})
    assert vote.status_code == 400 and f'href="#reason-{low["bid_id"]}"' in vote.text
    assert "请填写" in vote.text and "志愿者承担大部分服务" in vote.text
    scores = {f"score-{bid_id}-{code}": "80" for bid_id in valid for code in ("T1", "T2")}
    bad = scores | {f"score-{valid[1]}-T2": "101"}
    refused = await client.post(f"/tenders/{tender_id}/evaluation/scores", data=bad | token)
    assert refused.status_code == 400 and f'href="#score-{valid[1]}-T2"' in refused.text
    assert "0 到 100" in refused.text or "0 和 100" in refused.text
    assert 'value="101"' in refused.text
    assert not await TechnicalScore.exists().where(TechnicalScore.bid.is_in(valid))

    saved = await client.post(
        f"/tenders/{tender_id}/evaluation/scores", data=scores | token, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    assert await TechnicalScore.count().where(TechnicalScore.bid.is_in(valid)) == 4
    again = await client.get(saved.headers["location"])
    assert 'data-done="scores_saved"' in again.text and 'value="80"' in again.text


async def test_the_correction_cancel_and_question_forms_refuse_on_the_tender_page(
    client: AsyncTestClient, as_user: Any
) -> None:
    tender_id = await _published(client, as_user)
    await login(client, "buyer")
    token = {"_csrf_token": client.cookies["csrftoken"]}
    amend = await client.post(
        f"/tenders/{tender_id}/amendments",
        data=token | {"summary": "提高最高限价", "ceiling": "四十万", "title": "新标题"},
    )
    assert amend.status_code == 400 and 'href="#amend-ceiling"' in amend.text
    assert 'value="四十万"' in amend.text and "提高最高限价</textarea>" in amend.text
    assert 'id="amend-ceiling-error"' in amend.text
    cancel = await client.post(f"/tenders/{tender_id}/cancel", data=token | {"reason": " "})
    assert cancel.status_code == 400 and 'href="#reason"' in cancel.text
    assert "请填写终止理由" in cancel.text
    rows = await Tender.select(Tender.status).where(Tender.id == tender_id)
    assert rows == [{"status": "published"}]  # nothing requested

    await login(client, "org")
    asked = await client.post(
        f"/tenders/{tender_id}/clarifications",
        data={"_csrf_token": client.cookies["csrftoken"], "question": ""},
        cookies={"lang": "en"},
    )
    assert asked.status_code == 400 and 'href="#question"' in asked.text
    assert "There is a problem" in asked.text


async def test_a_tender_page_s_state_conflict_reads_in_chinese(
    client: AsyncTestClient, as_user: Any
) -> None:
    """Asking to publish a tender already published is refused on the error page in Chinese,
    not with the API's English sentence (which the API keeps), nor an internal field name."""
    buyer = await as_user("buyer")
    created = await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    tender_id = int(created.json()["id"])
    await publish(client, buyer, tender_id)
    await login(client, "buyer")
    token = {"_csrf_token": client.cookies["csrftoken"]}
    again = await client.post(f"/tenders/{tender_id}/publish", data=token)
    assert again.status_code == 409 and "只有草稿可以发布" in again.text
    assert "only a draft can be published" not in again.text
    api = await client.post(f"/api/v1/tenders/{tender_id}/publish", json={}, headers=buyer)
    assert api.status_code == 409
    assert api.json()["detail"] == "tender is published, only a draft can be published"


async def test_an_attachment_the_schema_refuses_reads_in_either_language(
    client: AsyncTestClient, as_user: Any
) -> None:
    """The bid schema's own refusal of a file type is a catalog message: the bid form shows it
    under the field's label in Chinese or English, never the schema's English alone."""
    tender_id = await _published(client, as_user)
    await login(client, "org")
    bid = {
        "_csrf_token": client.cookies["csrftoken"],
        "line_1": "9万",
        "line_2": "6万",
        "total": "15万",
        "technical_proposal": "服务方案",
        "staffing_plan": "社工3名",
    }
    upload = {"attachments": ("x.exe", b"MZ", "application/x-msdownload")}
    refused = await client.post(f"/tenders/{tender_id}/bid", data=bid, files=upload)
    assert refused.status_code == 400
    assert (
        "附件填写有误：不接受 &#39;application/x-msdownload&#39; 类型的文件，"
        "请上传 PDF、Word、Excel、PNG 或 JPEG 文件"
    ) in refused.text
    english = await client.post(
        f"/tenders/{tender_id}/bid", data=bid, files=upload, cookies={"lang": "en"}
    )
    assert english.status_code == 400
    assert (
        "Attachments is not valid: &#39;application/x-msdownload&#39; is not accepted; "
        "use PDF, Word, Excel, PNG or JPEG"
    ) in english.text
    assert not await Bid.exists().where(Bid.tender == tender_id)

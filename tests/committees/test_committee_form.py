"""The committee's composition form refuses on the committee page (the form pattern)."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from procure import i18n
from procure.committees.tables import EvaluationCommittee
from tests.conftest import login
from tests.tenders.conftest import publish, tender_payload


async def test_a_bad_committee_size_is_refused_on_the_page(
    client: AsyncTestClient, as_user: Any
) -> None:
    buyer = await as_user("buyer")
    created = await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    tender_id = int(created.json()["id"])
    await publish(client, buyer, tender_id)
    await login(client, "buyer")
    token = {"_csrf_token": client.cookies["csrftoken"]}
    url = f"/tenders/{tender_id}/committee"
    typed = await client.post(url, data=token | {"size": "五", "buyer_representatives": "approver"})
    assert typed.status_code == 400 and 'href="#size"' in typed.text
    assert "成员应为整数" in typed.text
    assert 'value="五"' in typed.text and 'value="approver"' in typed.text
    even = await client.post(url, data=token | {"size": "4"})
    assert even.status_code == 400 and 'href="#size"' in even.text and "请求无效" not in even.text
    assert not await EvaluationCommittee.exists().where(EvaluationCommittee.tender == tender_id)


async def test_the_committee_s_refusals_read_in_chinese_on_the_pages(
    client: AsyncTestClient, as_user: Any
) -> None:
    """A service's refusal (beside the field, or a state conflict on the error page) is said in
    the Chinese UI's language, never as the API's English sentence; the typed input stays."""
    buyer = await as_user("buyer")
    created = await client.post("/api/v1/tenders", json=await tender_payload(), headers=buyer)
    tender_id = int(created.json()["id"])
    await publish(client, buyer, tender_id)
    await login(client, "buyer")
    token = {"_csrf_token": client.cookies["csrftoken"]}
    url = f"/tenders/{tender_id}/committee"
    even = await client.post(url, data=token | {"size": "4", "buyer_representatives": ""})
    assert even.status_code == 400 and 'value="4"' in even.text
    assert "评审委员会成员人数应为单数（财政部令第87号第四十七条），现为4人" in even.text
    assert "odd number of members" not in even.text
    stranger = await client.post(url, data=token | {"size": "5", "buyer_representatives": "nobody"})
    assert stranger.status_code == 400 and 'value="nobody"' in stranger.text
    assert "不是本项目采购单位的在用账号" in stranger.text
    assert "is not an active buyer user" not in stranger.text
    early = await client.post(f"{url}/draw", data=token)
    assert early.status_code == 409 and "专家抽取应在评审前进行" in early.text
    assert "the draw takes place" not in early.text
    supplement = await client.post(f"{url}/supplement", data=token)
    assert supplement.status_code == 409
    assert "补充抽取仅用于填补已抽取评审委员会的空缺席位" in supplement.text
    assert "supplementary draw" not in supplement.text
    assert not await EvaluationCommittee.exists().where(
        (EvaluationCommittee.tender == tender_id) & (EvaluationCommittee.status == "drawn")
    )
    client.cookies.set(i18n.LANG_COOKIE, "en")
    english = await client.post(f"{url}/supplement", data=token)
    assert "a supplementary draw fills a drawn committee&#39;s empty seats" in english.text

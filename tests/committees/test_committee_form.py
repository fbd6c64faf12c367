"""The committee's composition form refuses on the committee page (the form pattern)."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

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

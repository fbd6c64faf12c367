"""A bid's refusals read in the reader's language on the pages, its status by its label; the
API keeps the English text."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.tenders.conftest import tender_with_bids


async def test_reconfirming_a_bid_that_needs_none_names_its_status_in_chinese(
    client: AsyncTestClient, as_user: Any
) -> None:
    tender_id = await tender_with_bids(client, as_user, bidders=("org",))
    org = await as_user("org")
    page = await client.post(
        f"/tenders/{tender_id}/bid/reconfirm",
        headers={**org, "Referer": "http://testserver.local/"},
        follow_redirects=False,
    )
    assert page.status_code == 409
    assert "该投标文件状态为“已提交(密封)”，无需重新确认" in page.text
    api = await client.post(f"/api/v1/tenders/{tender_id}/bid/reconfirm", headers=org)
    assert api.status_code == 409
    assert api.json()["detail"] == "this bid is submitted: there is nothing to re-confirm"

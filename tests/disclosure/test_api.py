"""The disclosure API (/api/v1/disclosure): the JSON twin of each public page, for anyone
without signing in, paginated, and publishing no more than the pages do."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from procure.contracts.tables import Contract
from procure.tenders.tables import Tender
from tests.disclosure import helpers

API = "/api/v1/disclosure"
LISTS = ("tenders", "openings", "awards", "contracts", "performance", "acceptances", "ratings")


async def _id(table: Any, reference: str) -> int:
    row = await table.select(table.id).where(table.reference == reference).first()
    assert row is not None, reference
    return int(row["id"])


async def test_every_list_and_record_answers_anyone(client: AsyncTestClient) -> None:
    settled = await helpers.settled_period()
    counts = await client.get(f"{API}/")
    assert counts.status_code == 200 and "cookie" not in counts.request.headers
    totals = counts.json()
    for section in LISTS:
        listing = await client.get(f"{API}/{section}", params={"per_page": 5})
        assert listing.status_code == 200, (section, listing.text[:300])
        assert len(listing.json()) <= 5
        if section in totals:
            assert int(listing.headers["x-total-count"]) == totals[section], section
    tenders = (await client.get(f"{API}/tenders", params={"per_page": 100})).json()
    assert tenders and all(row["status"] != "draft" for row in tenders)
    first = tenders[0]
    notice = await client.get(f"{API}/tenders/{first['id']}")
    assert notice.status_code == 200 and notice.json()["reference"] == first["reference"]
    awarded = (await client.get(f"{API}/awards")).json()[0]
    award = await client.get(f"{API}/tenders/{awarded['tender_id']}/award")
    assert award.status_code == 200 and award.json()["winner"]
    opening = await client.get(f"{API}/tenders/{awarded['tender_id']}/opening")
    assert opening.status_code == 200 and opening.json()["sealed"] is False
    contract = await client.get(f"{API}/contracts/{settled['contract_id']}")
    assert contract.status_code == 200
    assert contract.json()["reference"] == helpers.CONTRACT and contract.json()["lines"]
    period = await client.get(
        f"{API}/contracts/{settled['contract_id']}/performance/{settled['period']}"
    )
    assert period.status_code == 200, period.text[:300]
    assert period.json()["survey"]["responses"] >= 1
    # Scores are exact decimal text, never a float.
    assert isinstance(period.json()["score"]["score"], str)


async def test_pages_follow_the_link_header(client: AsyncTestClient) -> None:
    await helpers.settled_period()
    first = await client.get(f"{API}/tenders", params={"per_page": 2})
    total = int(first.headers["x-total-count"])
    assert total > 2 and len(first.json()) == 2
    assert 'rel="next"' in first.headers["link"]
    second = await client.get(f"{API}/tenders", params={"per_page": 2, "page": 2})
    assert {r["id"] for r in first.json()}.isdisjoint({r["id"] for r in second.json()})


async def test_drafts_and_personal_data_are_not_published(client: AsyncTestClient) -> None:
    settled = await helpers.settled_period()
    draft_tender = await _id(Tender, "ZB-2026-042")
    draft_contract = await _id(Contract, "HT-2026-020")
    for path in (
        f"{API}/tenders/{draft_tender}",
        f"{API}/tenders/{draft_tender}/opening",
        f"{API}/tenders/{draft_tender}/award",
        f"{API}/contracts/{draft_contract}",
        f"{API}/tenders/987654",
        f"{API}/contracts/987654/performance/2026-01",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
    texts = []
    for section in LISTS:
        texts.append((await client.get(f"{API}/{section}", params={"per_page": 100})).text)
    texts.append((await client.get(f"{API}/contracts/{settled['contract_id']}")).text)
    texts.append(
        (
            await client.get(
                f"{API}/contracts/{settled['contract_id']}/performance/{settled['period']}"
            )
        ).text
    )
    everything = "\n".join(texts)
    assert "ZB-2026-042" not in everything and "HT-2026-020" not in everything
    assert "13912345678" not in everything and "王秀英" not in everything


async def test_filters_are_the_pages_filters(client: AsyncTestClient) -> None:
    bad = await client.get(f"{API}/tenders", params={"year": "twenty"})
    assert bad.status_code == 400 and bad.json()["field"] == "year"
    everything = int((await client.get(f"{API}/tenders")).headers["x-total-count"])
    care = await client.get(f"{API}/tenders", params={"category": "care"})
    assert care.status_code == 200
    assert int(care.headers["x-total-count"]) <= everything


async def test_signed_in_users_read_the_same(client: AsyncTestClient, as_user: Any) -> None:
    anonymous = (await client.get(f"{API}/contracts", params={"per_page": 100})).json()
    signed_in = await client.get(
        f"{API}/contracts", params={"per_page": 100}, headers=await as_user("buyer")
    )
    assert signed_in.status_code == 200 and signed_in.json() == anonymous

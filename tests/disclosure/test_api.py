"""The disclosure API (/api/v1/disclosure): the JSON twin of each public page, for anyone
without signing in, paginated, and publishing no more than the pages do."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from pydantic import BaseModel

from procure.contracts.tables import Contract
from procure.disclosure import schemas
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


#: Each disclosure answer (path in the OpenAPI document) and the model that documents it.
ITEMS: dict[str, type[BaseModel]] = {
    "tenders": schemas.TenderItem,
    "openings": schemas.OpeningItem,
    "awards": schemas.AwardItem,
    "contracts": schemas.ContractItem,
    "performance": schemas.PerformanceItem,
    "acceptances": schemas.AcceptanceItem,
    "ratings": schemas.RatingItem,
}
RECORDS: dict[str, type[BaseModel]] = {
    "tenders/{tender_id}": schemas.TenderRecord,
    "tenders/{tender_id}/opening": schemas.OpeningRecord,
    "tenders/{tender_id}/award": schemas.AwardRecord,
    "contracts/{contract_id}": schemas.ContractRecord,
    "contracts/{contract_id}/performance/{period}": schemas.PerformancePeriodRecord,
    "acceptances/{acceptance_id}": schemas.AcceptanceRecord,
}


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _object(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The object a schema describes, also where it may be null (one of an object and null)."""
    options = [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]
    return next(
        _resolved(document, option)
        for option in options
        if "properties" in _resolved(document, option)
    )


async def test_the_openapi_document_lists_every_field_of_every_answer(
    client: AsyncTestClient,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()

    def answer(path: str) -> dict[str, Any]:
        operation = document["paths"][f"{API}/{path}"]["get"]
        return _resolved(
            document, operation["responses"]["200"]["content"]["application/json"]["schema"]
        )

    for path, model in ITEMS.items():
        listing = answer(path)
        assert listing["type"] == "array", path
        item = _resolved(document, listing["items"])
        assert set(item["properties"]) == set(model.model_fields), path
    for path, model in RECORDS.items():
        assert set(answer(path)["properties"]) == set(model.model_fields), path
    # Nested records are typed too, down to a deadline's last day.
    award = _resolved(document, answer("awards")["items"])
    obligation = _object(document, award["properties"]["obligation"])
    deadline = _object(document, obligation["properties"]["deadline"])
    assert deadline["properties"]["last_day"]["format"] == "date"


async def test_every_real_answer_has_exactly_its_documented_fields(
    client: AsyncTestClient,
) -> None:
    """Validated against the models that forbid any field they do not name: a field a selector
    adds or drops without its model fails here."""
    settled = await helpers.settled_period()
    for path, model in ITEMS.items():
        rows = (await client.get(f"{API}/{path}", params={"per_page": 100})).json()
        assert rows, path
        for row in rows:
            model.model_validate(row)
    tenders = (await client.get(f"{API}/tenders", params={"per_page": 100})).json()
    awards = (await client.get(f"{API}/awards", params={"per_page": 100})).json()
    contracts = (await client.get(f"{API}/contracts", params={"per_page": 100})).json()
    acceptances = (await client.get(f"{API}/acceptances", params={"per_page": 100})).json()
    urls = {
        schemas.TenderRecord: [f"tenders/{row['id']}" for row in tenders],
        schemas.OpeningRecord: [f"tenders/{row['id']}/opening" for row in tenders],
        schemas.AwardRecord: [f"tenders/{row['tender_id']}/award" for row in awards],
        schemas.ContractRecord: [f"contracts/{row['id']}" for row in contracts],
        schemas.PerformancePeriodRecord: [
            f"contracts/{settled['contract_id']}/performance/{settled['period']}"
        ],
        schemas.AcceptanceRecord: [f"acceptances/{row['id']}" for row in acceptances],
    }
    for model, paths in urls.items():
        assert paths, model
        for path in paths:
            answer = await client.get(f"{API}/{path}")
            assert answer.status_code == 200, (path, answer.text[:300])
            model.model_validate(answer.json())

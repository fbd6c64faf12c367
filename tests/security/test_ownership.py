"""Role boundaries on data: each role sees what it acts for; the rest looks absent (404)."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from procure.contracts.tables import Contract, ContractCommunity
from procure.geography.tables import Community
from procure.security.tables import User
from procure.tenders.tables import Tender
from tests.conftest import every_item, every_page, login


async def contract_ids_covering(community_id: int) -> set[int]:
    rows = await ContractCommunity.select(ContractCommunity.contract).where(
        ContractCommunity.community == community_id
    )
    return {row["contract"] for row in rows}


async def user_row(username: str) -> dict:
    row = await User.select().where(User.username == username).first()
    assert row is not None
    return row


async def test_a_committee_sees_only_its_own_communitys_contracts(client: AsyncTestClient) -> None:
    committee = await user_row("committee")
    own = await contract_ids_covering(committee["community"])
    everything = {row["id"] for row in await Contract.select(Contract.id)}
    others = everything - own
    assert own and others, "the demo data must give the committee contracts of its own and others'"
    await login(client, "committee")
    answer = await client.get("/api/v1/contracts")
    assert int(answer.headers["x-total-count"]) == len(own)
    listed = {c["id"] for c in await every_item(client, "/api/v1/contracts")}
    assert listed == own
    for contract_id in others:
        assert (await client.get(f"/api/v1/contracts/{contract_id}")).status_code == 404
    for contract_id in own:
        assert (await client.get(f"/api/v1/contracts/{contract_id}")).status_code == 200
    pages = await every_page(client, "/committee")
    for row in await Contract.select(Contract.reference).where(Contract.id.is_in(list(others))):
        assert f">{row['reference']}<" not in pages


async def test_an_organization_sees_only_its_own_contracts(client: AsyncTestClient) -> None:
    org = await user_row("org")
    await login(client, "org")
    listed = (await client.get("/api/v1/contracts")).json()
    assert listed and {c["organization_id"] for c in listed} == {org["organization"]}
    foreign = await Contract.select(Contract.id).where(Contract.organization != org["organization"])
    for row in foreign:
        assert (await client.get(f"/api/v1/contracts/{row['id']}")).status_code == 404


async def test_a_buyer_sees_only_its_departments_contracts(client: AsyncTestClient) -> None:
    buyer = await user_row("buyer")
    await login(client, "buyer")
    listed = (await client.get("/api/v1/contracts")).json()
    assert listed and {c["department_id"] for c in listed} == {buyer["department"]}


async def test_auditors_see_every_contract(client: AsyncTestClient) -> None:
    await login(client, "auditor")
    answer = await client.get("/api/v1/contracts", params={"per_page": 100})
    total = await Contract.count()
    assert answer.headers["x-total-count"] == str(total)
    assert len(answer.json()) == min(total, 100)


async def test_draft_tenders_stay_with_their_department(client: AsyncTestClient) -> None:
    draft = (
        await Tender.select(Tender.id, Tender.department).where(Tender.status == "draft").first()
    )
    assert draft is not None
    public_ids = {t["id"] for t in (await client.get("/api/v1/tenders")).json()}
    assert draft["id"] not in public_ids
    assert (await client.get(f"/api/v1/tenders/{draft['id']}")).status_code == 404
    owner = await User.select(User.username).where(User.department == draft["department"]).first()
    stranger = (
        await User.select(User.username)
        .where((User.role == "buyer") & (User.department != draft["department"]))
        .first()
    )
    assert owner and stranger
    await login(client, stranger["username"])
    assert (await client.get(f"/api/v1/tenders/{draft['id']}")).status_code == 404
    await login(client, owner["username"])
    assert (await client.get(f"/api/v1/tenders/{draft['id']}")).status_code == 200


async def test_a_committee_start_page_names_its_own_community(client: AsyncTestClient) -> None:
    committee = await user_row("committee2")
    community = (
        await Community.select(Community.committee_name)
        .where(Community.id == committee["community"])
        .first()
    )
    await login(client, "committee2")
    page = await client.get("/committee")
    assert community is not None and community["committee_name"] in page.text

"""Filing a work request against the 社区事务准入 list, answering it, citing it, and who may."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient

from procure.audit.events import AuditAction
from procure.calendar import local_today
from procure.errors import Conflict, InvalidInput, NotFound
from procure.performance.selectors import performance
from procure.workrequests.selectors import work_request
from procure.workrequests.services import (
    work_request_answer,
    work_request_cite,
    work_request_file,
)
from procure.workrequests.states import WorkRequestStep
from procure.workrequests.tables import WorkRequestCitation
from tests.concurrency import audit_count, exactly_one_success, race
from tests.conftest import bearer
from tests.risk.conftest import QIMINGXING, make_contract, submit_report, within
from tests.workrequests.conftest import actor, draft_line, filed, official, request_in


async def test_a_kind_off_the_admissible_list_is_refused_with_the_list(database: None) -> None:
    contract = await make_contract()
    with pytest.raises(InvalidInput) as refused:
        await filed(contract, kind="campaign")
    assert refused.value.field == "kind"
    assert str(refused.value) == (
        "kind: campaign is not on the published list of work a department may ask of a "
        "contractor (社区事务准入); choose one of resident_consultation, community_survey, "
        "emergency_support, service_data, or put the work in the contract by a supplementary "
        "agreement"
    )


async def test_hours_and_deadline_are_checked(database: None) -> None:
    contract = await make_contract()
    with pytest.raises(InvalidInput) as too_many:
        await filed(contract, hours=81)
    assert too_many.value.field == "hours"
    with pytest.raises(InvalidInput) as past:
        await filed(contract, deadline=local_today() - timedelta(days=1))
    assert past.value.field == "deadline"
    assert await filed(contract, hours=80, deadline=local_today())


async def test_filing_records_who_asked_and_its_audit_event(database: None) -> None:
    contract = await make_contract()
    request_id = await filed(contract)
    row = await work_request(request_id)
    assert row is not None
    assert (row["status"], row["department"], row["hours"]) == ("filed", contract["department"], 10)
    assert row["requested_by_person"] == "海湾街道 张主任"
    assert await audit_count(AuditAction.work_request_filed, "work_request", request_id) == 1


async def test_only_the_contracts_buying_department_files(database: None) -> None:
    contract = await make_contract()
    other = await make_contract()
    for outsider in (
        await official(other["department"]),
        await actor("org"),
        await actor("buyer", department_id=None),
    ):
        with pytest.raises(NotFound):
            await work_request_file(actor=outsider, contract_id=contract["id"], data=request_in())


async def test_only_the_contracts_organization_answers(database: None) -> None:
    contract = await make_contract()
    request_id = await filed(contract)
    for outsider in (await actor("org2"), await official(contract["department"])):
        with pytest.raises(NotFound):
            await work_request_answer(
                actor=outsider, request_id=request_id, answer=WorkRequestStep.accept
            )
    assert (await work_request(request_id) or {})["status"] == "filed"


async def test_a_contract_of_another_organization_is_not_answered_by_it(database: None) -> None:
    contract = await make_contract(organization=QIMINGXING)
    request_id = await filed(contract)
    with pytest.raises(NotFound):
        await work_request_answer(
            actor=await actor("org"), request_id=request_id, answer=WorkRequestStep.decline
        )
    await work_request_answer(
        actor=await actor("org2"), request_id=request_id, answer=WorkRequestStep.decline
    )


async def test_declining_leaves_the_performance_score_unchanged(database: None) -> None:
    contract = await make_contract(quantities=(10,))
    await submit_report(contract["id"], "2026-05", [within(contract["lines"][0], 4, 240)])
    buyer = await official(contract["department"])
    before = await performance(buyer, contract["id"], "2026-05")
    request_id = await filed(contract)
    await work_request_answer(
        actor=await actor("org"),
        request_id=request_id,
        answer=WorkRequestStep.decline,
        note="本月人手已满负荷",
    )
    after = await performance(buyer, contract["id"], "2026-05")
    assert (await work_request(request_id) or {})["status"] == "declined"
    assert before["score"] is not None
    keys = ("score", "delivery", "committee", "satisfaction", "grade", "recommendation")
    assert {k: after[k] for k in keys} == {k: before[k] for k in keys}


async def test_an_amendment_proposal_says_what_to_add(database: None) -> None:
    contract = await make_contract()
    request_id = await filed(contract)
    org = await actor("org")
    with pytest.raises(InvalidInput) as empty:
        await work_request_answer(
            actor=org, request_id=request_id, answer=WorkRequestStep.propose_amendment
        )
    assert empty.value.field == "note"
    await work_request_answer(
        actor=org,
        request_id=request_id,
        answer=WorkRequestStep.propose_amendment,
        note="以补充协议增加调查服务 40 小时",
    )
    row = await work_request(request_id)
    assert row is not None
    assert (row["status"], row["answer_note"]) == (
        "amendment_proposed",
        "以补充协议增加调查服务 40 小时",
    )
    with pytest.raises(Conflict):
        await work_request_answer(actor=org, request_id=request_id, answer=WorkRequestStep.accept)


async def test_a_line_cites_only_an_accepted_request_of_its_department(database: None) -> None:
    contract = await make_contract()
    org = await actor("org")
    request_id = await filed(contract)
    line = await draft_line(contract, contract["department"])
    with pytest.raises(Conflict):  # still only filed
        await work_request_cite(actor=org, request_id=request_id, activity_line_id=line)
    await work_request_answer(actor=org, request_id=request_id, answer=WorkRequestStep.accept)
    stranger = await draft_line(contract, (await make_contract())["department"], "2026-07")
    with pytest.raises(InvalidInput):
        await work_request_cite(actor=org, request_id=request_id, activity_line_id=stranger)
    await work_request_cite(actor=org, request_id=request_id, activity_line_id=line)
    assert await WorkRequestCitation.count().where(WorkRequestCitation.activity_line == line) == 1
    with pytest.raises(Conflict):
        await work_request_cite(actor=org, request_id=request_id, activity_line_id=line)


async def test_parallel_identical_answers_give_one_success(
    client: AsyncTestClient, database: None
) -> None:
    contract = await make_contract()
    request_id = await filed(contract)
    headers = await bearer("org")

    async def send():  # type: ignore[no-untyped-def]
        return await client.post(
            f"/api/v1/work-requests/{request_id}/accept", json={}, headers=headers
        )

    exactly_one_success(await race(send, racers=8))
    assert await audit_count(AuditAction.work_request_accepted, "work_request", request_id) == 1

"""The demo district is realistic and complete enough to show every stage of the platform."""

from __future__ import annotations

from collections import Counter

from procure import calendar, clock
from procure.acceptance.selectors import public_acceptances
from procure.acceptance.tables import (
    Acceptance,
    AcceptanceItem,
    AcceptanceMember,
    AcceptanceRecipient,
    AcceptanceStatus,
)
from procure.bids.tables import Award
from procure.catalog.tables import CatalogCategory, CatalogItem
from procure.committees.tables import Expert, ExpertCategory, ExpertRelationship
from procure.complaints.selectors import (
    admissibility_deadline,
    answer_deadline,
    complaint_deadline,
    decision_deadline,
)
from procure.complaints.tables import (
    Challenge,
    ChallengeStatus,
    ChallengeSubject,
    Complaint,
    ComplaintStatus,
    Suspension,
)
from procure.contracts.tables import Contract, ContractStatus
from procure.demo import load_demo, load_external_ocds, read_fixture
from procure.departments.tables import Department
from procure.geography.tables import Community, SubDistrict
from procure.ocds.tables import OcdsProcess
from procure.organizations.credit_code import validate_credit_code
from procure.organizations.tables import Organization
from procure.performance.tables import ObjectionStatus, PerformanceScore
from procure.security.tables import Role, User
from procure.settings import get_settings
from procure.tenders.states import TenderStatus
from procure.tenders.tables import Tender, TenderAmendment


async def test_the_district_has_what_the_brief_asks_for(database: None) -> None:
    assert await SubDistrict.count() >= 2
    assert await Community.count() >= 8
    assert await Department.count() >= 3
    organizations = await Organization.select(Organization.credit_code)
    assert len(organizations) >= 10
    for row in organizations:
        assert validate_credit_code(row["credit_code"]) == row["credit_code"]


async def test_the_catalog_spans_the_five_categories(database: None) -> None:
    assert {row["code"] for row in await CatalogCategory.select(CatalogCategory.code)} == {
        "approval",
        "care",
        "mutual_aid",
        "capacity",
        "technology",
    }
    items = await CatalogItem.select(
        CatalogItem.category.code.as_alias("category"),
        CatalogItem.ref_price_min_fen,
        CatalogItem.ref_price_max_fen,
    )
    assert len(items) >= 25
    assert len({item["category"] for item in items}) == 5
    assert all(0 < item["ref_price_min_fen"] <= item["ref_price_max_fen"] for item in items)


async def test_tenders_and_contracts_in_every_stage(database: None) -> None:
    tender_statuses = {row["status"] for row in await Tender.select(Tender.status)}
    assert tender_statuses == {status.value for status in TenderStatus}
    contract_statuses = {row["status"] for row in await Contract.select(Contract.status)}
    assert contract_statuses == {status.value for status in ContractStatus}


async def test_one_demo_login_per_role(database: None) -> None:
    roles = {row["role"] for row in await User.select(User.role)}
    assert roles == {role.value for role in Role}


async def test_the_expert_pool_spans_the_five_categories_with_planted_conflicts(
    database: None,
) -> None:
    demo = Expert.code.like("ZJ-%")
    assert await Expert.count().where(demo) >= 40
    categories = Counter(
        row["category"]
        for row in await ExpertCategory.select(ExpertCategory.category).where(
            ExpertCategory.expert.code.like("ZJ-%")
        )
    )
    assert set(categories) == {"approval", "care", "mutual_aid", "capacity", "technology"}
    assert min(categories.values()) >= 7
    kinds = {
        row["kind"]
        for row in await ExpertRelationship.select(ExpertRelationship.kind).where(
            ExpertRelationship.expert.code.like("ZJ-%")
        )
    }
    assert {"employment", "directorship", "family"} <= kinds
    assert await Expert.count().where(demo & Expert.employer_organization.is_not_null()) >= 1
    staff = Expert.employer_department.code == "D-MZJ"
    assert await Expert.count().where(demo & staff) >= 1
    accounts = await Expert.select(Expert.user.username.as_alias("username")).where(
        demo & Expert.user.is_not_null()
    )
    # Every expert of the pool signs in with an account of its own (role expert).
    assert "expert" in {row["username"] for row in accounts}
    assert len(accounts) == await Expert.count().where(demo)
    assert len({row["username"] for row in accounts}) == len(accounts)


async def test_loading_again_adds_nothing(database: None) -> None:
    def counts():  # type: ignore[no-untyped-def]
        return Tender.count(), Contract.count(), User.count(), Expert.count()

    before = [await count for count in counts()]
    assert await load_demo(get_settings()) == {}
    assert [await count for count in counts()] == before


async def test_the_external_ocds_data_is_imported_once(database: None) -> None:
    external = OcdsProcess.dataset == "external"
    assert await OcdsProcess.count().where(external) == 81
    assert await load_external_ocds(get_settings()) == 0  # every process replaced
    assert await OcdsProcess.count().where(external) == 81
    assert await OcdsProcess.count().where(external & OcdsProcess.ocid.like("ocds-ext001-%")) == 81


async def test_the_remedies_and_acceptance_are_planted_within_their_periods(
    database: None,
) -> None:
    now = clock.now()
    challenges = {
        row["reference"]: row
        for row in await Challenge.select(
            *Challenge.all_columns(), Challenge.tender.reference.as_alias("reference")
        ).where(Challenge.tender.reference.is_in(["ZB-2026-034", "ZB-2026-012"]))
    }
    rejected, corrected = challenges["ZB-2026-034"], challenges["ZB-2026-012"]
    for challenge in (rejected, corrected):
        assert challenge["subject"] == ChallengeSubject.result
        award = await Award.select(Award.decided_at).where(Award.tender == challenge["tender"])
        assert (
            challenge["filed_at"] < calendar.deadline("challenge", award[0]["decided_at"]).ends_at
        )
        assert challenge["answered_at"] < answer_deadline(challenge).ends_at
    assert rejected["status"] == ChallengeStatus.rejected and rejected["answer"]
    assert corrected["status"] == ChallengeStatus.corrected
    assert corrected["corrective_step"] == "re_evaluate" and corrected["correction_note"]
    (complaint,) = await Complaint.select().where(Complaint.challenge == rejected["id"])
    assert complaint["status"] == ComplaintStatus.accepted
    assert complaint["filed_at"] < complaint_deadline(rejected).ends_at
    assert complaint["admitted_at"] < admissibility_deadline(complaint).ends_at
    assert not decision_deadline(complaint).passed(now)
    # Nothing suspends a demo procurement: tests award and sign on them.
    demo = read_fixture(get_settings().fixtures_dir / "demo.toml")
    references = [tender["reference"] for tender in demo["tenders"]]
    assert not await Suspension.exists().where(Suspension.tender.reference.is_in(references))

    (amendment,) = (
        await TenderAmendment.select()
        .where(TenderAmendment.tender.reference == "ZB-2026-041")
        .output(load_json=True)
    )
    assert not amendment["affects_preparation"] and amendment["bids_to_reconfirm"] == 0
    assert amendment["submission_deadline_after"] == amendment["submission_deadline_before"]
    assert set(amendment["changes"]) == {"title"}

    (acceptance,) = await Acceptance.select().where(Acceptance.contract.reference == "HT-2026-011")
    assert acceptance["status"] == AcceptanceStatus.passed and not acceptance["final"]
    assert acceptance["prepared_by"] != acceptance["confirmed_by"]
    assert (
        await AcceptanceMember.count().where(AcceptanceMember.acceptance == acceptance["id"]) == 3
    )
    heard = await AcceptanceRecipient.select(AcceptanceRecipient.opinion).where(
        AcceptanceRecipient.acceptance == acceptance["id"]
    )
    assert len(heard) == 2 and all(row["opinion"] for row in heard)
    items = await AcceptanceItem.select(AcceptanceItem.result).where(
        AcceptanceItem.acceptance == acceptance["id"]
    )
    assert items and all(row["result"] for row in items)
    assert acceptance["id"] in {row["id"] for row in await public_acceptances()}

    (objected,) = await PerformanceScore.select().where(
        (PerformanceScore.contract.reference == "HT-2026-003")
        & (PerformanceScore.objection == ObjectionStatus.lodged)
    )
    assert objected["settled_at"] < objected["objected_at"] < objected["objection_ends_at"]
    assert objected["objected_at"] < now

"""Loading the demo district from fixtures/demo.toml. Idempotent: every object is keyed by its
natural key (a code, a credit code, a username, a reference) and skipped when it exists."""

from __future__ import annotations

import tomllib
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.table import Table

from procure import calendar
from procure.approvals.tables import Approval, ApprovalStatus
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.bids.sealing import seal
from procure.bids.services import store_cost_plan
from procure.bids.tables import Award, Bid, BidLine, BidStatus, TechnicalScore
from procure.catalog.tables import CatalogCategory, CatalogItem
from procure.committees.tables import Expert, ExpertCategory, ExpertRelationship
from procure.contracts.tables import (
    Amendment,
    AmendmentLine,
    AmendmentStatus,
    Contract,
    ContractCommunity,
    ContractScopeLine,
    Milestone,
    Payment,
)
from procure.db import transaction
from procure.demo_committees import load_committees
from procure.demo_explanations import Explained, accept_explanations, request_explanations
from procure.demo_oversight import OversightLoader
from procure.demo_remedies import load_remedies
from procure.demo_spotchecks import load_spotchecks
from procure.demo_verification import VerificationLoader
from procure.departments.tables import Department
from procure.geography.tables import Community, District, SubDistrict
from procure.i18n import yuan_to_fen
from procure.keyring import Keyring
from procure.ocds.imports import EXTERNAL_DATASET, ocds_import
from procure.organizations.credit_code import validate_credit_code
from procure.organizations.tables import (
    Debarment,
    DecisionKind,
    Organization,
    OversightDecision,
    Qualification,
)
from procure.security.passwords import hash_password_async
from procure.security.tables import Role, User
from procure.settings import Settings
from procure.tenders.states import NeedEvidenceKind, TenderStatus
from procure.tenders.tables import (
    EvaluationCriterion,
    NeedEvidence,
    ScopeLine,
    Tender,
    TenderCommunity,
)

DEMO_PASSWORD = "demo-password-2026"
#: Invented OCDS data of another city (澜州市明溪区), with a planted case of every bid-stage rule.
EXTERNAL_FIXTURE = "ocds-external.jsonl"

#: The finance department (财政部门) of the demo district: it supervises, it does not buy.
FINANCE_DEPARTMENT = "D-CZJ"


class DemoLoader:
    def __init__(
        self, settings: Settings, data: dict[str, Any], now: datetime | None = None
    ) -> None:
        self.settings = settings
        self.data = data
        self.now = now or datetime.now(UTC)
        self.zone = ZoneInfo(settings.timezone)
        self.created: Counter[str] = Counter()
        self.ids: dict[tuple[str, str], int] = {}
        self.explained: list[Explained] = []

    # -- helpers -----------------------------------------------------------------------------

    def day(self, offset: int) -> date:
        return self.now.astimezone(self.zone).date() + timedelta(days=offset)

    def at(self, offset: int, hour: int = 17) -> datetime:
        local = datetime.combine(self.day(offset), time(hour), tzinfo=self.zone)
        return local.astimezone(UTC)

    async def ensure(
        self, table: type[Table], key_column: str, key: str, values: dict[str, Any]
    ) -> int:
        """The id of the row with this natural key, inserting it if it does not exist."""
        column = table._meta.get_column_by_name(key_column)
        existing = await table.select(table._meta.primary_key).where(column == key).first()
        if existing is not None:
            row_id: int = existing["id"]
        else:
            rows = await table.insert(table(**{key_column: key, **values}))
            row_id = rows[0]["id"]
            self.created[table._meta.tablename] += 1
        self.ids[(table._meta.tablename, key)] = row_id
        return row_id

    def id_of(self, table: type[Table], key: str) -> int:
        return self.ids[(table._meta.tablename, key)]

    # -- the district, its bodies and the catalog ------------------------------------------------

    async def load_places(self) -> None:
        district = self.data["district"]
        district_id = await self.ensure(
            District, "code", district["code"], {"name": district["name"]}
        )
        for sub in self.data["sub_districts"]:
            await self.ensure(
                SubDistrict, "code", sub["code"], {"name": sub["name"], "district": district_id}
            )
        for community in self.data["communities"]:
            await self.ensure(
                Community,
                "code",
                community["code"],
                {
                    "name": community["name"],
                    "committee_name": community["committee_name"],
                    "population": community["population"],
                    "households": community["households"],
                    "sub_district": self.id_of(SubDistrict, community["sub_district"]),
                },
            )
        for dept in self.data["departments"]:
            sub = dept.get("sub_district")
            await self.ensure(
                Department,
                "code",
                dept["code"],
                {
                    "name": dept["name"],
                    "level": dept["level"],
                    "district": district_id,
                    "sub_district": self.id_of(SubDistrict, sub) if sub else None,
                },
            )

    async def load_organizations(self) -> None:
        # Debarment is the finance department's decision (政府采购法 第十三条、第七十七条).
        decided_by = self.id_of(Department, FINANCE_DEPARTMENT)
        for org in self.data["organizations"]:
            code = validate_credit_code(org["credit_code"])
            exists = await Organization.exists().where(Organization.credit_code == code)
            org_id = await self.ensure(
                Organization,
                "credit_code",
                code,
                {
                    "name": org["name"],
                    "short_name": org.get("short_name", ""),
                    "registration_type": org["registration_type"],
                    "founded_on": date.fromisoformat(org["founded_on"]),
                    "certified_social_workers": org["certified_social_workers"],
                    "credit_rating": org["credit_rating"],
                    "address": org.get("address", ""),
                    "contact_person": org.get("contact_person", ""),
                    "phone": org.get("phone", ""),
                },
            )
            if exists:
                continue
            for qualification in org.get("qualifications", []):
                await Qualification.insert(
                    Qualification(
                        organization=org_id,
                        kind=qualification["kind"],
                        document_no=qualification["document_no"],
                        issued_on=date.fromisoformat(qualification["issued_on"]),
                        expires_on=date.fromisoformat(qualification["expires_on"]),
                        required=qualification["required"],
                    )
                )
            if debarment := org.get("debarment"):
                starts_on = self.day(debarment["starts_on_days"])
                ends_on = self.day(debarment["ends_on_days"])
                rows = await Debarment.insert(
                    Debarment(
                        organization=org_id,
                        starts_on=starts_on,
                        ends_on=ends_on,
                        reason=debarment["reason"],
                        decided_by=decided_by,
                    )
                )
                await OversightDecision.insert(
                    OversightDecision(
                        organization=org_id,
                        kind=DecisionKind.debarment_imposed,
                        debarment_id=rows[0]["id"],
                        after_value=f"{starts_on.isoformat()}/{ends_on.isoformat()}",
                        reason=debarment["reason"],
                        appeal_note=debarment["appeal_note"],
                        decided_by=decided_by,
                        decider_role=Role.regulator,
                    )
                )

    async def load_catalog(self) -> None:
        for category in self.data["catalog_categories"]:
            await self.ensure(
                CatalogCategory,
                "code",
                category["code"],
                {"name_zh": category["name_zh"], "name_en": category["name_en"]},
            )
        for item in self.data["catalog_items"]:
            await self.ensure(
                CatalogItem,
                "code",
                item["code"],
                {
                    "category": self.id_of(CatalogCategory, item["category"]),
                    "name": item["name"],
                    "target_group": item["target_group"],
                    "unit": item["unit"],
                    "ref_price_min_fen": yuan_to_fen(item["ref_price_min"]),
                    "ref_price_max_fen": yuan_to_fen(item["ref_price_max"]),
                    "outcome_indicators": item["outcome_indicators"],
                },
            )

    async def load_users(self) -> None:
        password_hash = await hash_password_async(DEMO_PASSWORD)
        for user in self.data["users"]:
            links = {
                "department": self.id_of(Department, user["department"])
                if "department" in user
                else None,
                "organization": self.id_of(Organization, user["organization"])
                if "organization" in user
                else None,
                "community": self.id_of(Community, user["community"])
                if "community" in user
                else None,
            }
            await self.ensure(
                User,
                "username",
                user["username"],
                {
                    "display_name": user["display_name"],
                    "role": user["role"],
                    "password_hash": password_hash,
                    "is_handler": "handler" in user.get("duties", []),
                    "is_approver": "approver" in user.get("duties", []),
                    **links,
                },
            )

    # -- the expert pool ----------------------------------------------------------------------

    async def load_experts(self) -> None:
        """The finance department's pool, keyed by expert code; an expert's categories and
        relationships are loaded with it, once."""
        district_id = self.id_of(District, self.data["district"]["code"])
        password_hash = await hash_password_async(DEMO_PASSWORD)
        for spec in self.data.get("experts", []):
            exists = await Expert.exists().where(Expert.code == spec["code"])
            # Every expert signs in to declare, score and confirm; the fixture names the ten
            # accounts people use in the demo, the rest are called after their pool number.
            username = spec.get("username") or f"expert-{spec['code'].lower()}"
            await self.ensure(
                User,
                "username",
                username,
                {
                    "display_name": f"{spec['name']}(评审专家)",
                    "role": "expert",
                    "password_hash": password_hash,
                },
            )
            until = spec.get("active_until")
            employer_org = spec.get("employer_organization")
            employer_dept = spec.get("employer_department")
            expert_id = await self.ensure(
                Expert,
                "code",
                spec["code"],
                {
                    "name": spec["name"],
                    "district": district_id,
                    "employer": spec["employer"],
                    "employer_organization": self.id_of(Organization, employer_org)
                    if employer_org
                    else None,
                    "employer_department": self.id_of(Department, employer_dept)
                    if employer_dept
                    else None,
                    "user": self.id_of(User, username),
                    "active_from": date.fromisoformat(spec["active_from"]),
                    "active_until": date.fromisoformat(until) if until else None,
                },
            )
            if exists:
                continue
            for entry in spec["categories"]:
                category, _, specialty = entry.partition(":")
                await ExpertCategory.insert(
                    ExpertCategory(expert=expert_id, category=category, specialty=specialty)
                )
            for relationship in spec.get("relationships", []):
                started, ended = relationship.get("started_days"), relationship.get("ended_days")
                await ExpertRelationship.insert(
                    ExpertRelationship(
                        expert=expert_id,
                        organization=self.id_of(Organization, relationship["organization"]),
                        kind=relationship["kind"],
                        started_on=self.day(started) if started is not None else None,
                        ended_on=self.day(ended) if ended is not None else None,
                        note=relationship.get("note", ""),
                    )
                )

    # -- tenders, bids and awards -------------------------------------------------------------

    async def load_tenders(self) -> None:
        for tender in self.data["tenders"]:
            if await Tender.exists().where(Tender.reference == tender["reference"]):
                await self.ensure(Tender, "reference", tender["reference"], {})
                continue
            await self.load_tender(tender)

    async def load_tender(self, spec: dict[str, Any]) -> None:
        status = TenderStatus(spec["status"])
        published = status != TenderStatus.draft
        deadline = self.at(spec["submission_days"]) if published else None
        department_id = self.id_of(Department, spec["department"])
        bid_key = Keyring.from_settings(self.settings).new_key()
        tender_id = await self.ensure(
            Tender,
            "reference",
            spec["reference"],
            {
                "title": spec["title"],
                "description": spec.get("description", ""),
                "department": department_id,
                "method": spec["method"],
                "evaluation_method": spec["evaluation_method"],
                "status": status,
                "ceiling_fen": yuan_to_fen(spec["ceiling"]),
                "published_at": self.at(spec["published_days"], 9) if published else None,
                "clarification_deadline": self.at(spec["clarification_days"])
                if published
                else None,
                "submission_deadline": deadline,
                "opening_at": deadline,
                "cancel_reason": spec.get("cancel_reason", ""),
                "wrapped_bid_key": bid_key.wrapped,
                "bid_key_version": bid_key.version,
            },
        )
        for code in spec["communities"]:
            await TenderCommunity.insert(
                TenderCommunity(tender=tender_id, community=self.id_of(Community, code))
            )
        line_ids = []
        for line_no, line in enumerate(spec["lines"], start=1):
            rows = await ScopeLine.insert(
                ScopeLine(
                    tender=tender_id,
                    line_no=line_no,
                    quantity=line["quantity"],
                    catalog_item=self.id_of(CatalogItem, line["item"]),
                    description=line.get("description", ""),
                )
            )
            line_ids.append(rows[0]["id"])
        criteria = {}
        for criterion in spec.get("criteria", []):
            rows = await EvaluationCriterion.insert(
                EvaluationCriterion(tender=tender_id, **criterion)
            )
            criteria[criterion["code"]] = rows[0]["id"]
        if evidence := spec.get("need_evidence"):
            await NeedEvidence.insert(
                NeedEvidence(tender=tender_id, kind=_evidence_kind(evidence), summary=evidence)
            )
        await self.tender_approvals(tender_id, spec, department_id)
        evaluator = await self.department_evaluator(tender_id, department_id)
        bid_ids = {}
        for bid in spec.get("bids", []):
            bid_ids[bid["organization"]] = await self.load_bid(
                tender_id, spec, status, line_ids, criteria, evaluator, bid
            )
        if deadline is not None:
            self.explained += await request_explanations(
                tender_id,
                {**spec, "ceiling_fen": yuan_to_fen(spec["ceiling"])},
                status,
                started_at=deadline + timedelta(hours=1),  # once the committee is seated
                pending_due=deadline + timedelta(days=20),
            )
        if winner := spec.get("award"):
            assert deadline is not None, f"{spec['reference']}: an award needs a published tender"
            decided_at = min(self.now - timedelta(days=1), deadline + timedelta(days=3))
            challenge_ends = calendar.deadline("challenge", decided_at).ends_at
            await Award.insert(
                Award(
                    tender=tender_id,
                    bid=bid_ids[winner],
                    decided_by=evaluator,
                    decided_at=decided_at,
                    standstill_ends_at=challenge_ends,
                    published_at=decided_at,
                )
            )
            await Tender.update({Tender.standstill_ends_at: challenge_ends}).where(
                Tender.id == tender_id
            )

    async def tender_approvals(
        self, tender_id: int, spec: dict[str, Any], department_id: int
    ) -> None:
        """A published tender was published by its department's approver approving the
        handler's request (maker–checker); a cancelled one was cancelled the same way."""
        if spec["status"] == TenderStatus.draft:
            return
        duty = {
            bool(row["is_approver"]): row["id"]
            for row in await User.select(User.id, User.is_handler, User.is_approver)
            .where(User.department == department_id)
            .order_by(User.username, ascending=False)
            if bool(row["is_handler"]) != bool(row["is_approver"])
        }
        if True not in duty or False not in duty:
            return
        published_at = self.at(spec["published_days"], 9)
        steps = [("tender.publish", "发布招标公告", published_at, {"justification": ""})]
        if spec["status"] == TenderStatus.cancelled:
            reason = spec.get("cancel_reason", "")
            cancelled_at = max(published_at + timedelta(hours=2), self.now - timedelta(days=1))
            steps.append(("tender.cancel", "终止招标", cancelled_at, {"reason": reason}))
        for kind, label, decided_at, payload in steps:
            await Approval.insert(
                Approval(
                    department=department_id,
                    kind=kind,
                    subject_type="tender",
                    subject_id=str(tender_id),
                    summary=f"{label} {spec['reference']}《{spec['title']}》",
                    payload=payload,
                    status=ApprovalStatus.approved,
                    requested_by=duty[False],
                    requested_at=decided_at - timedelta(hours=1),
                    decided_by=duty[True],
                    decided_at=decided_at,
                )
            )

    async def department_evaluator(self, tender_id: int, department_id: int) -> int | None:
        user = await User.select(User.id).where(User.department == department_id).first()
        if user is None:
            return None
        return int(user["id"])

    async def load_bid(
        self,
        tender_id: int,
        spec: dict[str, Any],
        status: TenderStatus,
        line_ids: list[int],
        criteria: dict[str, int],
        evaluator: int | None,
        bid: dict[str, Any],
    ) -> int:
        organization_id = self.id_of(Organization, bid["organization"])
        line_prices = [yuan_to_fen(v) for v in bid["line_totals"]]
        content = {
            "tender": spec["reference"],
            "organization": bid["organization"],
            "total_fen": yuan_to_fen(bid["total"]),
            "lines": [{"line_no": n, "price_fen": p} for n, p in enumerate(line_prices, start=1)],
            "technical_proposal": bid.get("proposal", ""),
            "staffing_plan": bid.get("staffing", ""),
        }
        if "cost_plan" in bid:  # sealed as bids.services.canonical_content seals a plan
            content["cost_plan"] = bid["cost_plan"]
        wrapped = await (
            Tender.select(Tender.wrapped_bid_key, Tender.bid_key_version)
            .where(Tender.id == tender_id)
            .first()
        )
        assert wrapped is not None
        tender_key = Keyring.from_settings(self.settings).unwrap(
            wrapped["wrapped_bid_key"], wrapped["bid_key_version"]
        )
        sealed = seal(
            tender_key, tender_id=tender_id, organization_id=organization_id, content=content
        )
        opened = status not in {TenderStatus.published, TenderStatus.tendering}
        deadline = self.at(spec["submission_days"])
        # Which bids must explain their price is the platform's decision (demo_explanations).
        bid_status = _bid_status(status)
        rows = await Bid.insert(
            Bid(
                tender=tender_id,
                organization=organization_id,
                status=bid_status,
                sealed_content=sealed.ciphertext,
                nonce=sealed.nonce,
                content_sha256=sealed.content_sha256,
                submitted_at=deadline - timedelta(days=2, hours=3),
                opened_at=deadline if opened else None,
                total_fen=content["total_fen"] if opened else None,
            )
        )
        bid_id: int = rows[0]["id"]
        if opened:
            plans = {plan["line_no"]: plan for plan in bid.get("cost_plan", [])}
            for line_no, (line_id, price) in enumerate(
                zip(line_ids, line_prices, strict=True), start=1
            ):
                written = await BidLine.insert(
                    BidLine(bid=bid_id, scope_line=line_id, price_fen=price)
                ).returning(BidLine.id)
                if line_no in plans:
                    await store_cost_plan(written[0]["id"], plans[line_no])
        if evaluator is not None:
            for code, score in bid.get("technical_scores", {}).items():
                await TechnicalScore.insert(
                    TechnicalScore(
                        bid=bid_id,
                        criterion=criteria[code],
                        evaluator=evaluator,
                        score=score,
                    )
                )
        return bid_id

    # -- contracts ------------------------------------------------------------------------------

    async def load_contracts(self) -> None:
        for spec in self.data["contracts"]:
            if await Contract.exists().where(Contract.reference == spec["reference"]):
                continue
            await self.load_contract(spec)

    async def load_contract(self, spec: dict[str, Any]) -> None:
        tender_id = self.id_of(Tender, spec["tender"])
        tender = await Tender.select(Tender.department).where(Tender.id == tender_id).first()
        award = (
            await Award.select(
                Award.id,
                Award.bid.id.as_alias("bid_id"),
                Award.bid.total_fen.as_alias("total"),
                Award.bid.content_sha256.as_alias("receipt"),
            )
            .where(Award.tender == tender_id)
            .first()
        )
        assert tender is not None and award is not None, f"{spec['reference']}: tender has no award"
        starts_on = self.day(spec["starts_days"])
        signed_days = spec.get("signed_days", spec["starts_days"] - 5)
        organization_id = self.id_of(Organization, spec["organization"])
        signatures = await self.signatures(spec, tender["department"], organization_id, signed_days)
        contract_id = await self.ensure(
            Contract,
            "reference",
            spec["reference"],
            {
                "title": spec["title"],
                "tender": tender_id,
                "award": award["id"],
                "department": tender["department"],
                "organization": organization_id,
                "status": spec["status"],
                "value_fen": award["total"],
                "starts_on": starts_on,
                "ends_on": self.day(spec["ends_days"]),
                "reporting_frequency": spec["reporting_frequency"],
                "bid_receipt_sha256": award["receipt"],
                "signed_at": None if spec["status"] == "draft" else self.at(signed_days, 10),
                "published_at": None if spec["status"] == "draft" else self.at(signed_days, 10),
                **signatures,
                "terminated_reason": spec.get("terminated_reason", ""),
                "closed_on": self.day(spec["closed_days"]) if "closed_days" in spec else None,
            },
        )
        for code in spec["communities"]:
            await ContractCommunity.insert(
                ContractCommunity(contract=contract_id, community=self.id_of(Community, code))
            )
        lines = (
            await BidLine.select(
                BidLine.price_fen,
                BidLine.scope_line.line_no.as_alias("line_no"),
                BidLine.scope_line.quantity.as_alias("quantity"),
                BidLine.scope_line.catalog_item.as_alias("item"),
                BidLine.scope_line.description.as_alias("description"),
            )
            .where(BidLine.bid == award["bid_id"])
            .order_by(BidLine.scope_line.line_no)
        )
        scope_ids = {}
        for line in lines:
            rows = await ContractScopeLine.insert(
                ContractScopeLine(
                    contract=contract_id,
                    line_no=line["line_no"],
                    catalog_item=line["item"],
                    description=line["description"],
                    quantity=line["quantity"],
                    unit_price_fen=line["price_fen"] // line["quantity"],
                    amount_fen=line["price_fen"],
                )
            )
            scope_ids[line["line_no"]] = (rows[0]["id"], line["item"])
        for seq, milestone in enumerate(spec.get("milestones", []), start=1):
            await Milestone.insert(
                Milestone(
                    contract=contract_id,
                    seq=seq,
                    title=milestone["title"],
                    due_on=self.day(milestone["due_days"]),
                    status=milestone["status"],
                )
            )
        for seq, payment in enumerate(spec.get("payments", []), start=1):
            await Payment.insert(
                Payment(
                    contract=contract_id,
                    seq=seq,
                    due_on=self.day(payment["due_days"]),
                    amount_fen=yuan_to_fen(payment["amount"]),
                    performance_linked=payment["performance_linked"],
                    status=payment["status"],
                    paid_at=self.at(payment["due_days"], 10)
                    if payment["status"] == "paid"
                    else None,
                )
            )
        for version, amendment in enumerate(spec.get("amendments", []), start=1):
            await self.load_amendment(
                contract_id,
                version,
                amendment,
                scope_ids,
                approver=signatures["buyer_signed_by"],
                party=await self.organization_user(organization_id),
            )
        for oversight in self.data.get("oversight", []):
            if oversight["contract"] == spec["reference"]:
                await OversightLoader(self.now, self.zone).load(oversight, contract_id)

    async def approver_of(self, department_id: int) -> int | None:
        row = (
            await User.select(User.id)
            .where((User.department == department_id) & User.is_approver.eq(True))
            .order_by(User.id)
            .first()
        )
        return None if row is None else row["id"]

    async def organization_user(self, organization_id: int) -> int | None:
        row = (
            await User.select(User.id)
            .where(User.organization == organization_id)
            .order_by(User.id)
            .first()
        )
        return None if row is None else row["id"]

    async def signatures(
        self, spec: dict[str, Any], department_id: int, organization_id: int, signed_days: int
    ) -> dict[str, Any]:
        """Both parties sign a contract in force (the buyer's approver, then the organization's
        user the same day); a draft may carry the buyer's signature alone
        (``buyer_signed_days``), waiting for the organization's."""
        approver = await self.approver_of(department_id)
        if spec["status"] == "draft":
            buyer_days = spec.get("buyer_signed_days")
            return {
                "buyer_signed_by": approver if buyer_days is not None else None,
                "buyer_signed_at": self.at(buyer_days, 10) if buyer_days is not None else None,
                "organization_signed_by": None,
                "organization_signed_at": None,
            }
        return {
            "buyer_signed_by": approver,
            "buyer_signed_at": self.at(signed_days, 9),
            "organization_signed_by": await self.organization_user(organization_id),
            "organization_signed_at": self.at(signed_days, 10),
        }

    async def load_amendment(
        self,
        contract_id: int,
        version: int,
        spec: dict[str, Any],
        scope_ids: dict[int, tuple[int, int]],
        *,
        approver: int | None,
        party: int | None,
    ) -> None:
        """A supplementary agreement the buyer's approver proposed; accepted by the organization
        unless the spec says it still waits (``status = "pending_acceptance"``)."""
        lines = []
        for line in spec["lines"]:
            unit_price = yuan_to_fen(line["unit_price"])
            in_tender = "line_no" in line
            scope_line, item = (
                scope_ids[line["line_no"]]
                if in_tender
                else (None, self.id_of(CatalogItem, line["item"]))
            )
            lines.append(
                {
                    "scope_line": scope_line,
                    "catalog_item": item,
                    "quantity_delta": line["quantity_delta"],
                    "unit_price_fen": unit_price,
                    "amount_delta_fen": line["quantity_delta"] * unit_price,
                    "in_tender": in_tender,
                    "description": line.get("description", ""),
                }
            )
        status = AmendmentStatus(spec.get("status", AmendmentStatus.accepted))
        accepted = status == AmendmentStatus.accepted
        answered = self.at(spec["signed_days"], 10) if accepted else None
        rows = await Amendment.insert(
            Amendment(
                contract=contract_id,
                version=version,
                reason=spec["reason"],
                value_delta_fen=sum(line["amount_delta_fen"] for line in lines),
                status=status,
                approved_by=approver,
                approved_at=self.at(spec["signed_days"], 9),
                signed_at=answered,
                answered_by=party if accepted else None,
                answered_at=answered,
            )
        )
        for line in lines:
            await AmendmentLine.insert(AmendmentLine(amendment=rows[0]["id"], **line))

    async def load(self) -> Counter[str]:
        async with transaction():
            await self.load_places()
            await self.load_organizations()
            await self.load_catalog()
            await self.load_users()
            await self.load_experts()
            await self.load_tenders()
            references = [tender["reference"] for tender in self.data["tenders"]]
            if committees := await load_committees(references, self.zone):
                self.created["evaluation_committee"] += committees
            if votes := await accept_explanations(self.explained):
                self.created["evaluation_vote"] += votes
            await self.load_contracts()
            self.created.update(await VerificationLoader(self.now, self.zone).load(self.data))
            self.created.update(await load_remedies(self.now, self.zone))
            if planted := await load_spotchecks(
                self.data.get("spotchecks", []),
                Keyring.from_settings(self.settings),
                self.now,
                self.zone,
            ):
                self.created["spot_check"] += planted
            if self.created:
                await record(
                    actor=None,
                    action=AuditAction.demo_loaded,
                    subject_type="district",
                    subject_id=self.data["district"]["code"],
                    data=dict(self.created),
                )
        return self.created


def _bid_status(tender_status: TenderStatus) -> BidStatus:
    if tender_status in {TenderStatus.published, TenderStatus.tendering}:
        return BidStatus.submitted
    if tender_status == TenderStatus.opened:
        return BidStatus.opened
    return BidStatus.valid


def _evidence_kind(summary: str) -> NeedEvidenceKind:
    if "调查" in summary or "问卷" in summary:
        return NeedEvidenceKind.resident_survey
    if "议事" in summary or "座谈" in summary or "会议" in summary:
        return NeedEvidenceKind.consultation_minutes
    return NeedEvidenceKind.committee_request


def read_fixture(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


async def load_external_ocds(settings: Settings) -> int:
    """Import the demo's OCDS data from another city into the "external" dataset; how many
    processes were new. Importing again replaces each process by its ocid, so nothing doubles."""
    summary = await ocds_import(
        actor=None,
        source=settings.fixtures_dir / EXTERNAL_FIXTURE,
        dataset=EXTERNAL_DATASET,
    )
    return summary.processes - summary.replaced


async def load_demo(settings: Settings, path: Path | None = None) -> Counter[str]:
    """Load what is missing and the external OCDS data, then run every risk rule over it (a
    full scan, after the OCDS projection's catch-up)."""
    from procure.risk.engine import catch_up, scan

    data = read_fixture(path or settings.fixtures_dir / "demo.toml")
    created = await DemoLoader(settings, data).load()
    if new := await load_external_ocds(settings):
        created["ocds_process"] += new
    await catch_up()
    await scan()
    return created

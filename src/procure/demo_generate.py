"""`procure demo generate`: N districts of consistent synthetic data, written in bulk.

Each district gets its geography (sub-districts and communities with 统计用区划代码-shaped codes),
its departments with a handler and an approver each, its organizations with one user each, and
about ``tenders`` tenders in realistic statuses with their sealed bids, awards, contracts,
monthly service reports and closed survey rounds. The catalog and the standard questionnaire are
shared (the demo fixture's catalog is loaded when missing).

Rows are built in Python and written per table through the database driver's bulk path —
``executemany`` on SQLite, ``COPY`` (asyncpg ``copy_records_to_table``) on PostgreSQL — inside
one transaction per district, on the connection of Piccolo's own transaction.

Deterministic for a seed and an anchor day: every name, amount, date and status comes from
``random.Random``, and so do the tender keys and the sealed bids' nonces and ciphertexts; only
the wrapping of each tender key (under the current secret, procure.keyring) has a fresh nonce.

What it skips (said in docs/demo-generate.md): approvals (maker–checker requests), evaluation
committees and their scores, clarifications, amendments, complaints, performance settlements,
OCDS projections and risk flags (run ``procure risk scan``), and one audit event per record:
each district is recorded as one ``demo.loaded`` audit event with its counts, so the audit
chain stays intact.
"""

from __future__ import annotations

import hashlib
import random
import time as clock_time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from procure import calendar
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.bids.sealing import canonical_bytes
from procure.bids.tables import Award, Bid, BidLine, BidStatus
from procure.catalog.tables import CatalogItem
from procure.contracts.tables import (
    Contract,
    ContractCommunity,
    ContractScopeLine,
    ContractStatus,
    Payment,
    PaymentStatus,
    ReportingFrequency,
)
from procure.db import get_engine, transaction
from procure.departments.tables import Department, DepartmentLevel
from procure.geography.tables import Community, District, SubDistrict
from procure.keyring import NONCE_BYTES, Keyring, get_keyring
from procure.organizations.credit_code import check_character
from procure.organizations.tables import CreditRating, Organization, RegistrationType
from procure.policy import get_policy
from procure.reports.periods import contract_periods
from procure.reports.tables import ActivityLine, OutOfScopeKind, ReportStatus, ServiceReport
from procure.security.passwords import hash_password_async
from procure.security.tables import Role, User
from procure.settings import Settings
from procure.surveys.selectors import template_items
from procure.surveys.services import default_template
from procure.surveys.tables import (
    RoundStatus,
    SurveyAnswer,
    SurveyItemKind,
    SurveyResponse,
    SurveyRound,
    SurveyToken,
)
from procure.tenders.states import (
    EvaluationMethod,
    NeedEvidenceKind,
    ProcurementMethod,
    TenderStatus,
)
from procure.tenders.tables import (
    EvaluationCriterion,
    NeedEvidence,
    ScopeLine,
    Tender,
    TenderCommunity,
)

#: Every generated user signs in with this password (as the demo's do).
GENERATED_PASSWORD = "demo-password-2026"

SUB_DISTRICTS = 4
COMMUNITIES_PER_SUB_DISTRICT = 5
ORGANIZATIONS = 20
BUYING_DEPARTMENTS = ("民政局", "卫生健康局", "残疾人联合会", "妇女联合会")
#: The share of a district's tenders in each status (the rest are contracted).
STATUS_SHARES: tuple[tuple[TenderStatus, float], ...] = (
    (TenderStatus.draft, 0.02),
    (TenderStatus.published, 0.02),
    (TenderStatus.tendering, 0.04),
    (TenderStatus.opened, 0.02),
    (TenderStatus.evaluation, 0.03),
    (TenderStatus.awarded, 0.04),
    (TenderStatus.cancelled, 0.02),
    (TenderStatus.unsuccessful, 0.01),
)
BIDS_PER_TENDER = (4, 8)  # about 6 on average
RESPONSES_PER_ROUND = (20, 30)  # about 25 sheets of 6 items on one community's round
PROGRAMMES = (
    "居家养老上门服务",
    "困境儿童关爱",
    "社区矫正社会工作",
    "残疾人康复照护",
    "青少年社会工作",
    "社区营造与居民议事",
    "为老助餐服务",
    "禁毒社会工作",
    "心理健康服务",
    "家庭综合服务",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
ORG_WORDS = ("社会工作服务中心", "社工服务社", "公益服务中心", "养老服务中心", "家庭服务中心")


class GenerateError(Exception):
    """The generator cannot start (e.g. the districts of this seed already exist)."""


@dataclass
class Batch:
    """The rows of one district, per table, in insertion order."""

    rows: dict[type[Table], list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: type[Table], row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)

    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


class BulkWriter:
    """Writes rows through the driver's bulk path on the current transaction's connection, and
    hands out primary keys before the rows are written (children need their parents' ids)."""

    def __init__(self, connection: Any, sqlite: bool) -> None:
        self.connection = connection
        self.sqlite = sqlite
        self._next: dict[str, int] = {}

    async def ids(self, table: type[Table], count: int) -> list[int]:
        name = table._meta.tablename
        if count == 0:
            return []
        if self.sqlite:
            # The district's transaction holds SQLite's write lock: nobody else takes ids meanwhile.
            if name not in self._next:
                cursor = await self.connection.execute(
                    f'SELECT COALESCE(MAX(id), 0) AS top FROM "{name}"'
                )
                row = await cursor.fetchone()
                await cursor.close()
                self._next[name] = int(row["top"]) + 1
            start = self._next[name]
            self._next[name] = start + count
            return list(range(start, start + count))
        records = await self.connection.fetch(
            "SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2)",
            name,
            count,
        )
        return [int(r["id"]) for r in records]

    async def write(self, table: type[Table], rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        name = table._meta.tablename
        columns = list(rows[0])
        # Values are plain already (enums as their .value): no per-value conversion here.
        pick = itemgetter(*columns)  # every table here has several columns: tuples
        records = [pick(row) for row in rows]
        if self.sqlite:
            quoted = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            await self.connection.executemany(
                f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})', records
            )
        else:
            await self.connection.copy_records_to_table(name, records=records, columns=columns)


def credit_code(seed: int, district: int, n: int) -> str:
    """A valid unified social credit code: 5 (民政), 2 (社会服务机构), an area code and a serial."""
    first17 = f"52{seed % 1_000_000:06d}{district % 100_000:05d}{n:04d}"
    return first17 + check_character(first17)


def district_code(seed: int, index: int) -> str:
    return f"G{seed % 1000:03d}{index:04d}"


class DistrictGenerator:
    """Builds one district's rows with ids reserved from the writer."""

    def __init__(
        self,
        *,
        rng: random.Random,
        writer: BulkWriter,
        seed: int,
        index: int,
        tenders: int,
        today: date,
        zone: ZoneInfo,
        keyring: Keyring,
        password_hash: str,
        catalog: list[tuple[int, int, int]],
        template_items: list[dict[str, Any]],
        template_id: int,
    ) -> None:
        self.rng = rng
        self.writer = writer
        self.seed = seed
        self.index = index
        self.tenders = tenders
        self.today = today
        self.zone = zone
        self.keyring = keyring
        self.password_hash = password_hash
        self.catalog = catalog
        self.items = template_items
        self.template_id = template_id
        self.code = district_code(seed, index)
        self.now = datetime.combine(today, time(12), tzinfo=zone).astimezone(UTC)
        self.due_days = get_policy().reports.due_days_after_period
        self.counts: Counter[str] = Counter()
        self.receipts: dict[int, str] = {}
        self.credit_codes: dict[int, str] = {}

    # -- helpers ---------------------------------------------------------------------------------

    def at(self, day: date, hour: int = 9, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone).astimezone(UTC)

    def random_bytes(self, count: int) -> bytes:
        return self.rng.getrandbits(8 * count).to_bytes(count, "big")

    async def write(self, table: type[Table], rows: list[dict[str, Any]]) -> None:
        await self.writer.write(table, rows)
        self.counts[table._meta.tablename] += len(rows)

    async def ids(self, table: type[Table], count: int) -> list[int]:
        return await self.writer.ids(table, count)

    # -- the district ----------------------------------------------------------------------------

    async def run(self, progress: Callable[[int], None]) -> Counter[str]:
        rng = self.rng
        (district_id,) = await self.ids(District, 1)
        await self.write(
            District,
            [
                {
                    "id": district_id,
                    "code": self.code,
                    "name": f"生成区{self.index + 1:03d}(种子 {self.seed})",
                }
            ],
        )
        sub_ids = await self.ids(SubDistrict, SUB_DISTRICTS)
        await self.write(
            SubDistrict,
            [
                {
                    "id": sid,
                    "district": district_id,
                    "code": f"{self.code}{n + 1:02d}",
                    "name": f"第{n + 1}街道",
                }
                for n, sid in enumerate(sub_ids)
            ],
        )
        communities: list[tuple[int, int]] = []  # (community id, sub-district id)
        community_rows = []
        community_ids = await self.ids(Community, SUB_DISTRICTS * COMMUNITIES_PER_SUB_DISTRICT)
        for n, cid in enumerate(community_ids):
            sub = sub_ids[n // COMMUNITIES_PER_SUB_DISTRICT]
            population = rng.randrange(3_000, 15_000)
            name = f"{SURNAMES[n % len(SURNAMES)]}家{'桥湾坊里巷'[n % 5]}社区"
            community_rows.append(
                {
                    "id": cid,
                    "sub_district": sub,
                    "code": f"{self.code}{n // COMMUNITIES_PER_SUB_DISTRICT + 1:02d}{n + 1:03d}",
                    "name": name,
                    "committee_name": f"{name}居民委员会",
                    "population": population,
                    "households": population // 3,
                }
            )
            communities.append((cid, sub))
        await self.write(Community, community_rows)

        department_ids = await self.ids(Department, len(BUYING_DEPARTMENTS) + SUB_DISTRICTS)
        department_rows = []
        for n, did in enumerate(department_ids):
            if n < len(BUYING_DEPARTMENTS):
                department_rows.append(
                    {
                        "id": did,
                        "code": f"{self.code}-D{n + 1:02d}",
                        "name": f"生成区{self.index + 1:03d}{BUYING_DEPARTMENTS[n]}",
                        "district": district_id,
                        "level": DepartmentLevel.district.value,
                        "sub_district": None,
                    }
                )
            else:
                sub_n = n - len(BUYING_DEPARTMENTS)
                department_rows.append(
                    {
                        "id": did,
                        "code": f"{self.code}-S{sub_n + 1:02d}",
                        "name": f"第{sub_n + 1}街道办事处",
                        "district": district_id,
                        "level": DepartmentLevel.sub_district.value,
                        "sub_district": sub_ids[sub_n],
                    }
                )
        await self.write(Department, department_rows)

        org_ids = await self.ids(Organization, ORGANIZATIONS)
        org_rows: list[dict[str, Any]] = []
        for n, oid in enumerate(org_ids):
            name = (
                f"{self.code}{SURNAMES[rng.randrange(len(SURNAMES))]}{ORG_WORDS[n % 5]}{n + 1:02d}"
            )
            org_rows.append(
                {
                    "id": oid,
                    "credit_code": credit_code(self.seed, self.index, n + 1),
                    "name": name,
                    "short_name": name[-8:],
                    "registration_type": RegistrationType.social_service_agency.value,
                    "founded_on": date(2008 + rng.randrange(15), 1 + rng.randrange(12), 1),
                    "certified_social_workers": rng.randrange(2, 40),
                    "credit_rating": rng.choice(
                        [CreditRating.AAA, CreditRating.AA, CreditRating.A, CreditRating.unrated]
                    ).value,
                    "address": f"第{n % SUB_DISTRICTS + 1}街道 {n + 1} 号",
                    "contact_person": f"{SURNAMES[n % len(SURNAMES)]}女士",
                    "phone": f"0571-8{self.index % 1000:03d}{n:04d}",
                    "registered_at": self.now - timedelta(days=800),
                }
            )
        await self.write(Organization, org_rows)
        self.credit_codes = {row["id"]: row["credit_code"] for row in org_rows}

        # Users: each department a handler and an approver, each organization one user.
        user_ids = await self.ids(User, 2 * len(department_ids) + len(org_ids))
        user_rows = []
        self.handler: dict[int, int] = {}
        self.approver: dict[int, int] = {}
        self.org_user: dict[int, int] = {}
        users = iter(user_ids)
        for did in department_ids:
            for duty in ("handler", "approver"):
                uid = next(users)
                user_rows.append(
                    self.user(
                        uid,
                        f"{self.code.lower()}-d{did}-{duty}",
                        Role.buyer,
                        department=did,
                        duty=duty,
                    )
                )
                (self.handler if duty == "handler" else self.approver)[did] = uid
        for oid in org_ids:
            uid = next(users)
            user_rows.append(
                self.user(uid, f"{self.code.lower()}-o{oid}", Role.organization, organization=oid)
            )
            self.org_user[oid] = uid
        await self.write(User, user_rows)
        progress(self.counts.total())

        await self.tenders_and_contracts(department_ids, org_ids, communities, progress)
        return self.counts

    def user(
        self,
        uid: int,
        username: str,
        role: Role,
        *,
        department: int | None = None,
        organization: int | None = None,
        duty: str = "",
    ) -> dict[str, Any]:
        return {
            "id": uid,
            "username": username,
            "display_name": username,
            "password_hash": self.password_hash,
            "role": role.value,
            "department": department,
            "organization": organization,
            "community": None,
            "is_active": True,
            "is_handler": duty == "handler",
            "is_approver": duty == "approver",
            "created_at": self.now - timedelta(days=900),
            "last_login_at": None,
        }

    # -- tenders, bids, awards -------------------------------------------------------------------

    def statuses(self) -> list[TenderStatus]:
        statuses: list[TenderStatus] = []
        for status, share in STATUS_SHARES:
            statuses += [status] * max(1 if self.tenders >= 20 else 0, round(share * self.tenders))
        statuses = statuses[: max(0, self.tenders - 1)]
        statuses += [TenderStatus.contracted] * (self.tenders - len(statuses))
        self.rng.shuffle(statuses)
        return statuses

    async def tenders_and_contracts(
        self,
        department_ids: list[int],
        org_ids: list[int],
        communities: list[tuple[int, int]],
        progress: Callable[[int], None],
    ) -> None:
        batch = Batch()
        statuses = self.statuses()
        tender_ids = await self.ids(Tender, len(statuses))
        plans = []
        for n, (tid, status) in enumerate(zip(tender_ids, statuses, strict=True)):
            plans.append(self.plan_tender(n, tid, status, department_ids, communities, batch))
        # Scope lines and criteria need ids before bids reference them.
        scope_ids = iter(await self.ids(ScopeLine, sum(len(p["lines"]) for p in plans)))
        criterion_ids = iter(await self.ids(EvaluationCriterion, 2 * len(plans)))
        for plan in plans:
            for line_no, (item, quantity, _planned) in enumerate(plan["lines"], start=1):
                sid = next(scope_ids)
                plan["scope_ids"].append(sid)
                batch.add(
                    ScopeLine,
                    {
                        "id": sid,
                        "tender": plan["id"],
                        "line_no": line_no,
                        "catalog_item": item,
                        "description": "",
                        "quantity": quantity,
                    },
                )
            for code, name, kind, weight in (
                ("P", "价格", "price", 30),
                ("T1", "服务方案", "technical", 70),
            ):
                batch.add(
                    EvaluationCriterion,
                    {
                        "id": next(criterion_ids),
                        "tender": plan["id"],
                        "code": code,
                        "name": name,
                        "kind": kind,
                        "weight": weight,
                    },
                )
        bid_plans = [self.plan_bids(plan, org_ids) for plan in plans]
        bid_ids = iter(await self.ids(Bid, sum(len(b) for b in bid_plans)))
        line_count = sum(
            len(p["scope_ids"]) * len(b)
            for p, b in zip(plans, bid_plans, strict=True)
            if p["opened"]
        )
        bid_line_ids = iter(await self.ids(BidLine, line_count))
        awarded = [
            p for p in plans if p["status"] in {TenderStatus.awarded, TenderStatus.contracted}
        ]
        award_ids = iter(await self.ids(Award, len(awarded)))
        for plan, bids in zip(plans, bid_plans, strict=True):
            self.write_bids(plan, bids, bid_ids, bid_line_ids, award_ids, batch)
        for plan in plans:
            if plan["status"] != TenderStatus.draft and self.rng.random() < 0.9:
                batch.add(
                    NeedEvidence,
                    {
                        "tender": plan["id"],
                        "community": plan["communities"][0],
                        "kind": NeedEvidenceKind.resident_survey.value,
                        "summary": "居民需求调查：受访居民多数提出该项服务需求。",
                        "recorded_at": plan["row"]["created_at"],
                    },
                )
        tables = (Tender, TenderCommunity, NeedEvidence, ScopeLine, EvaluationCriterion, Bid)
        for table in (*tables, BidLine, Award):
            if table in (TenderCommunity, NeedEvidence):
                await self.write_with_ids(table, batch.rows.get(table, []))
            else:
                await self.write(table, batch.rows.get(table, []))
            progress(self.counts.total())
        self.receipts = {row["id"]: row["content_sha256"] for row in batch.rows.get(Bid, [])}
        contracted = [p for p in plans if p["status"] == TenderStatus.contracted]
        await self.contracts(contracted, progress)

    async def write_with_ids(self, table: type[Table], rows: list[dict[str, Any]]) -> None:
        for row, rid in zip(rows, await self.ids(table, len(rows)), strict=True):
            row["id"] = rid
        await self.write(table, rows)

    def plan_tender(
        self,
        n: int,
        tid: int,
        status: TenderStatus,
        department_ids: list[int],
        communities: list[tuple[int, int]],
        batch: Batch,
    ) -> dict[str, Any]:
        rng = self.rng
        department = rng.choice(department_ids)
        # Past tenders were published up to a year and a half ago; open ones recently.
        if status in {TenderStatus.published, TenderStatus.tendering}:
            published = self.today - timedelta(days=rng.randrange(2, 10))
            clarification = published + timedelta(
                days=(5 if status == TenderStatus.tendering else 12)
            )
            if status == TenderStatus.tendering:
                clarification = min(clarification, self.today - timedelta(days=1))
            deadline = published + timedelta(days=rng.randrange(20, 30))
        elif status in {TenderStatus.opened, TenderStatus.evaluation}:
            deadline = self.today - timedelta(days=rng.randrange(1, 4))
            published = deadline - timedelta(days=22)
            clarification = published + timedelta(days=10)
        elif status == TenderStatus.awarded:
            deadline = self.today - timedelta(days=rng.randrange(4, 6))
            published = deadline - timedelta(days=22)
            clarification = published + timedelta(days=10)
        else:
            deadline = self.today - timedelta(days=rng.randrange(40, 520))
            published = deadline - timedelta(days=rng.randrange(20, 30))
            clarification = published + timedelta(days=10)
        is_published = status != TenderStatus.draft
        programme = PROGRAMMES[rng.randrange(len(PROGRAMMES))]
        # Each line's unit price is planned inside the catalog item's reference range; the
        # ceiling leaves room above the dearest plan.
        lines = []
        for _ in range(rng.randrange(1, 4)):
            item, low, high = rng.choice(self.catalog)
            lines.append((item, rng.randrange(2, 40) * 10, rng.randrange(low, high + 1)))
        ceiling = sum(quantity * high for _i, quantity, high in lines) * 11 // 10 + 100_00
        key = self.random_bytes(32)
        # Wrapped as bids.sealing wraps a new tender key: under the current secret's version.
        wrapped = self.keyring.wrap(key)
        reference = f"{self.code}-{n + 1:04d}"
        deadline_at = self.at(deadline, 17) if is_published else None
        row = {
            "id": tid,
            "reference": reference,
            "title": f"{published.year}年{programme}项目({n + 1})",
            "description": f"为辖区居民提供{programme}。",
            "department": department,
            "method": ProcurementMethod.open_tender.value,
            "evaluation_method": (
                EvaluationMethod.composite if n % 4 else EvaluationMethod.lowest_price
            ).value,
            "status": status.value,
            "ceiling_fen": ceiling,
            "published_at": self.at(published, 9) if is_published else None,
            "clarification_deadline": self.at(clarification, 17) if is_published else None,
            "submission_deadline": deadline_at,
            "opening_at": deadline_at,
            "standstill_ends_at": None,
            "short_period_justification": "",
            "cancel_reason": "预算调整，项目终止。" if status == TenderStatus.cancelled else "",
            "wrapped_bid_key": wrapped.wrapped,
            "bid_key_version": wrapped.version,
            "created_by": self.handler[department],
            "created_at": self.at(published - timedelta(days=3), 10),
        }
        batch.add(Tender, row)
        chosen = rng.sample(communities, rng.randrange(1, 3))
        for community, _sub in chosen:
            batch.add(TenderCommunity, {"tender": tid, "community": community})
        return {
            "id": tid,
            "row": row,
            "n": n,
            "status": status,
            "reference": reference,
            "key": key,
            "department": department,
            "published": published,
            "deadline": deadline,
            "deadline_at": deadline_at,
            "lines": lines,
            "scope_ids": [],
            "ceiling": ceiling,
            "communities": [c for c, _ in chosen],
            "opened": status
            in {
                TenderStatus.opened,
                TenderStatus.evaluation,
                TenderStatus.awarded,
                TenderStatus.contracted,
                TenderStatus.unsuccessful,
            },
            "composite": n % 4 != 0,
        }

    def plan_bids(self, plan: dict[str, Any], org_ids: list[int]) -> list[dict[str, Any]]:
        status = plan["status"]
        if status == TenderStatus.draft:
            return []
        if status == TenderStatus.unsuccessful:
            count = 2  # fewer than three valid bids: the tender failed (废标)
        elif status == TenderStatus.cancelled:
            count = self.rng.randrange(0, 3)
        else:
            count = self.rng.randrange(BIDS_PER_TENDER[0], BIDS_PER_TENDER[1] + 1)
        bids = []
        for organization in self.rng.sample(org_ids, count):
            # Competitive bids: within ±8 % of the planned unit price, never under the floor.
            prices = [
                quantity * max(planned * self.rng.randrange(92, 109) // 100, 1)
                for _item, quantity, planned in plan["lines"]
            ]
            bids.append(
                {
                    "organization": organization,
                    "prices": prices,
                    "total": sum(prices),
                    "technical": self.rng.randrange(55, 96),
                }
            )
        return bids

    def write_bids(
        self,
        plan: dict[str, Any],
        bids: list[dict[str, Any]],
        bid_ids: Iterable[int],
        bid_line_ids: Iterable[int],
        award_ids: Iterable[int],
        batch: Batch,
    ) -> None:

        status: TenderStatus = plan["status"]
        opened = plan["opened"]
        if status == TenderStatus.opened:
            bid_status = BidStatus.opened
        elif opened:
            bid_status = BidStatus.valid
        else:
            bid_status = BidStatus.submitted
        sealer = AESGCM(plan["key"])
        bid_ids, bid_line_ids = iter(bid_ids), iter(bid_line_ids)
        window = (plan["deadline"] - plan["published"]).days
        for bid in bids:
            bid["id"] = next(bid_ids)
            # The content bids.services.canonical_content seals for a submission.
            content = {
                "tender": plan["reference"],
                "organization": self.credit_codes[bid["organization"]],
                "total_fen": bid["total"],
                "lines": [
                    {"line_no": n, "price_fen": p} for n, p in enumerate(bid["prices"], start=1)
                ],
                "technical_proposal": "服务方案见附件。",
                "staffing_plan": "专职社工 3 名。",
                "attachments": [],
            }
            plaintext = canonical_bytes(content)
            nonce = self.random_bytes(NONCE_BYTES)
            aad = f"procure:bid:{plan['id']}:{bid['organization']}".encode()
            # Submitted after publication and before the deadline (and before today).
            latest = min(plan["deadline"], self.today) - plan["published"]
            offset = self.rng.randrange(1, max(2, min(window, latest.days)))
            submitted = self.at(
                plan["published"] + timedelta(days=offset), 10, self.rng.randrange(60)
            )
            batch.add(
                Bid,
                {
                    "id": bid["id"],
                    "tender": plan["id"],
                    "organization": bid["organization"],
                    "status": bid_status.value,
                    "version": 1,
                    "sealed_content": sealer.encrypt(nonce, plaintext, aad),
                    "nonce": nonce,
                    "content_sha256": hashlib.sha256(plaintext).hexdigest(),
                    "submitted_at": submitted,
                    "withdrawn_at": None,
                    "opened_at": plan["deadline_at"] if opened else None,
                    "total_fen": bid["total"] if opened else None,
                    "explanation_due_at": None,
                    "explanation": "",
                    "disqualification_reason": "",
                    "reconfirmation_amendment": None,
                    "reconfirmed_at": None,
                },
            )
            if opened:
                for scope_id, price in zip(plan["scope_ids"], bid["prices"], strict=True):
                    batch.add(
                        BidLine,
                        {
                            "id": next(bid_line_ids),
                            "bid": bid["id"],
                            "scope_line": scope_id,
                            "price_fen": price,
                        },
                    )
        if status not in {TenderStatus.awarded, TenderStatus.contracted} or not bids:
            return
        if plan["composite"]:
            lowest = min(b["total"] for b in bids)
            winner = max(bids, key=lambda b: 0.3 * 100 * lowest / b["total"] + 0.7 * b["technical"])
        else:
            winner = min(bids, key=lambda b: b["total"])
        decided_at = plan["deadline_at"] + timedelta(days=3)
        standstill = calendar.deadline("challenge", decided_at).ends_at
        award_id = next(iter(award_ids))
        batch.add(
            Award,
            {
                "id": award_id,
                "tender": plan["id"],
                "bid": winner["id"],
                "decided_by": self.approver[plan["department"]],
                "decided_at": decided_at,
                "standstill_ends_at": standstill,
                "published_at": decided_at,
            },
        )
        plan["row"]["standstill_ends_at"] = standstill
        plan.update(award=award_id, winner=winner, standstill=standstill)

    # -- contracts, reports, surveys -------------------------------------------------------------

    async def contracts(self, plans: list[dict[str, Any]], progress: Callable[[int], None]) -> None:
        rng = self.rng
        plans = [p for p in plans if "winner" in p]
        contract_ids = await self.ids(Contract, len(plans))
        batch = Batch()
        contracts = []
        for plan, cid in zip(plans, contract_ids, strict=True):
            winner = plan["winner"]
            signed = plan["standstill"].astimezone(self.zone).date() + timedelta(
                days=rng.randrange(1, 10)
            )
            signed = min(signed, self.today - timedelta(days=1))
            starts_on = signed + timedelta(days=1)
            ends_on = starts_on + timedelta(days=364)
            status = ContractStatus.completed if ends_on < self.today else ContractStatus.active
            contracts.append((cid, plan, starts_on, ends_on, status))
            batch.add(
                Contract,
                {
                    "id": cid,
                    "reference": f"HT-{plan['reference']}",
                    "title": f"{plan['reference']} 服务合同",
                    "tender": plan["id"],
                    "award": plan["award"],
                    "department": plan["department"],
                    "organization": winner["organization"],
                    "status": status.value,
                    "value_fen": winner["total"],
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "reporting_frequency": ReportingFrequency.monthly.value,
                    "bid_receipt_sha256": "",  # filled below from the bid row
                    "signed_at": self.at(signed, 10),
                    "buyer_signed_by": self.approver[plan["department"]],
                    "buyer_signed_at": self.at(signed, 9),
                    "organization_signed_by": self.org_user[winner["organization"]],
                    "organization_signed_at": self.at(signed, 10),
                    "terminated_reason": "",
                    "closed_on": ends_on if status == ContractStatus.completed else None,
                    "published_at": self.at(signed, 11),
                    "created_at": self.at(signed, 8),
                },
            )
        receipts = self.receipts
        for row, (_cid, plan, *_rest) in zip(batch.rows.get(Contract, []), contracts, strict=True):
            row["bid_receipt_sha256"] = receipts[plan["winner"]["id"]]
        for cid, plan, *_rest in contracts:
            for community in plan["communities"]:
                batch.add(ContractCommunity, {"contract": cid, "community": community})
        scope_ids = iter(await self.ids(ContractScopeLine, sum(len(p["lines"]) for p in plans)))
        payment_ids = iter(await self.ids(Payment, 2 * len(plans)))
        for cid, plan, starts_on, ends_on, _status in contracts:
            plan["contract_lines"] = []
            for line_no, ((item, quantity, _planned), price) in enumerate(
                zip(plan["lines"], plan["winner"]["prices"], strict=True), start=1
            ):
                sid = next(scope_ids)
                plan["contract_lines"].append((sid, quantity))
                batch.add(
                    ContractScopeLine,
                    {
                        "id": sid,
                        "contract": cid,
                        "line_no": line_no,
                        "catalog_item": item,
                        "description": "",
                        "quantity": quantity,
                        "unit_price_fen": price // quantity,
                        "amount_fen": price,
                        "in_tender": True,
                    },
                )
            total = plan["winner"]["total"]
            for seq, (due, amount) in enumerate(
                ((starts_on + timedelta(days=30), total // 2), (ends_on, total - total // 2)),
                start=1,
            ):
                paid = due < self.today
                batch.add(
                    Payment,
                    {
                        "id": next(payment_ids),
                        "contract": cid,
                        "seq": seq,
                        "due_on": due,
                        "amount_fen": amount,
                        "performance_linked": seq == 2,
                        "status": (PaymentStatus.paid if paid else PaymentStatus.scheduled).value,
                        "status_reason": "",
                        "paid_at": self.at(due, 10) if paid else None,
                        "paid_on": due if paid else None,
                        "paid_amount_fen": amount if paid else None,
                        "voucher_no": f"PZ{cid}-{seq}" if paid else "",
                    },
                )
        await self.write(Contract, batch.rows.get(Contract, []))
        await self.write_with_ids(ContractCommunity, batch.rows.get(ContractCommunity, []))
        await self.write(ContractScopeLine, batch.rows.get(ContractScopeLine, []))
        await self.write(Payment, batch.rows.get(Payment, []))
        progress(self.counts.total())
        await self.reports(contracts, progress)
        await self.surveys(contracts, progress)

    async def reports(self, contracts: list[Any], progress: Callable[[int], None]) -> None:
        rng = self.rng
        reports: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        for cid, plan, starts_on, ends_on, _status in contracts:
            due = [
                p
                for p in contract_periods(starts_on, ends_on, "monthly", self.due_days)
                if p.due_on < self.today
            ]
            for period in due:
                if rng.random() < 0.04:
                    continue  # an overdue report: the risk rules flag it
                submitted = min(
                    period.due_on - timedelta(days=rng.randrange(-2, 9)),
                    self.today - timedelta(days=1),
                )
                reports.append(
                    {
                        "contract": cid,
                        "period": period.label,
                        "version": 1,
                        "status": ReportStatus.submitted.value,
                        "due_on": period.due_on,
                        "summary": f"{period.label} 服务开展情况。",
                        "outcome_self_score": rng.randrange(70, 100),
                        "submitted_at": self.at(submitted, 16),
                        "submitted_by": self.org_user[plan["winner"]["organization"]],
                        "created_at": self.at(submitted, 15),
                        "_lines": plan["contract_lines"],
                        "_department": plan["department"],
                    }
                )
        for row, rid in zip(reports, await self.ids(ServiceReport, len(reports)), strict=True):
            row["id"] = rid
            for scope_id, quantity in row["_lines"]:
                lines.append(self.activity_line(rid, scope_id, max(1, quantity // 12)))
            if rng.random() < 0.1:
                lines.append(self.activity_line(rid, None, 0, department=row["_department"]))
        for row in reports:
            del row["_lines"], row["_department"]
        await self.write(ServiceReport, reports)
        await self.write_with_ids(ActivityLine, lines)
        progress(self.counts.total())

    def activity_line(
        self, report: int, scope_line: int | None, quantity: int, department: int | None = None
    ) -> dict[str, Any]:
        rng = self.rng
        out = scope_line is None
        return {
            "report": report,
            "scope_line": scope_line,
            "out_of_scope": out,
            "out_of_scope_kind": (
                OutOfScopeKind.administrative if out else OutOfScopeKind.none
            ).value,
            "requested_by_department": department,
            "requested_by_person": "",
            "description": "协助报送统计报表" if out else "按合同开展服务",
            "quantity": quantity + rng.randrange(0, 3),
            "beneficiaries": rng.randrange(5, 80),
            "staff_minutes": rng.randrange(60, 2400),
            "spend_fen": rng.randrange(0, 500_000),
            "submissions": rng.randrange(1, 4) if out else 0,
        }

    async def surveys(self, contracts: list[Any], progress: Callable[[int], None]) -> None:
        """One closed round per contract, in its first community, for its latest month."""
        rng = self.rng
        likert = [i["id"] for i in self.items if i["kind"] == SurveyItemKind.likert5]
        free = [i["id"] for i in self.items if i["kind"] == SurveyItemKind.free_text]
        rounds, tokens, responses, answers = [], [], [], []
        eligible = []
        for cid, plan, starts_on, ends_on, _status in contracts:
            periods = [
                p
                for p in contract_periods(starts_on, ends_on, "monthly", self.due_days)
                if p.ends_on < self.today - timedelta(days=8)
            ]
            if periods:
                eligible.append((cid, plan, periods[-1]))
        round_ids = await self.ids(SurveyRound, len(eligible))
        counts = [rng.randrange(*RESPONSES_PER_ROUND) for _ in eligible]
        response_ids = iter(await self.ids(SurveyResponse, sum(counts)))
        for (cid, plan, period), rid, count in zip(eligible, round_ids, counts, strict=True):
            opens_at = self.at(period.ends_on + timedelta(days=1), 9)
            closes_at = opens_at + timedelta(days=7)
            rounds.append(
                {
                    "id": rid,
                    "contract": cid,
                    "community": plan["communities"][0],
                    "template": self.template_id,
                    "period": period.label,
                    "opens_at": opens_at,
                    "closes_at": closes_at,
                    "closed_at": None,
                    "status": RoundStatus.open.value,
                    "created_by": None,
                    "created_at": opens_at - timedelta(hours=1),
                }
            )
            for n in range(count + count // 5):
                tokens.append(
                    {
                        "round": rid,
                        "used": n < count,
                        "token_sha256": hashlib.sha256(self.random_bytes(16)).hexdigest(),
                    }
                )
            mood = rng.randrange(3, 6)
            for n in range(count):
                response = next(response_ids)
                stamp = opens_at + timedelta(hours=n * 3)
                responses.append(
                    {"id": response, "round": rid, "submitted_hour": stamp.strftime("%Y-%m-%dT%H")}
                )
                for item in likert:
                    score = min(5, max(1, mood + rng.randrange(-2, 2)))
                    answers.append({"response": response, "item": item, "score": score, "text": ""})
                for item in free:
                    answers.append(
                        {
                            "response": response,
                            "item": item,
                            "score": None,
                            "text": "服务很好" if n % 3 else "",
                        }
                    )
        await self.write(SurveyRound, rounds)
        await self.write_with_ids(SurveyToken, tokens)
        await self.write(SurveyResponse, responses)
        progress(self.counts.total())
        for start in range(0, len(answers), 5000):
            await self.write_with_ids(SurveyAnswer, answers[start : start + 5000])
            progress(self.counts.total())


@dataclass
class GenerateResult:
    districts: int
    counts: Counter[str]
    seconds: float

    @property
    def rows(self) -> int:
        return self.counts.total()

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


async def generate(
    settings: Settings,
    *,
    scale: int,
    seed: int = 1,
    tenders_per_district: int = 100,
    first_district: int = 0,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GenerateResult:
    """Generate ``scale`` districts, numbered from ``first_district`` (a later call can add to
    an earlier one's); ``progress(done_rows, done_districts)`` after each step. Each district
    draws from its own generator seeded by (seed, number), so district k is the same whichever
    call made it."""
    from procure.demo import DemoLoader, read_fixture

    if scale < 1:
        raise GenerateError("--scale: at least 1 district")
    if tenders_per_district < 1:
        raise GenerateError("--tenders-per-district: at least 1")
    zone = ZoneInfo(settings.timezone)
    today = today or datetime.now(zone).date()
    first = district_code(seed, first_district)
    if await District.exists().where(District.code == first):
        raise GenerateError(
            f"--seed: the districts of seed {seed} already exist ({first}…); "
            "use another seed or a fresh database"
        )
    started = clock_time.perf_counter()
    loader = DemoLoader(settings, read_fixture(settings.fixtures_dir / "demo.toml"))
    async with transaction():
        await loader.load_catalog()
        template_id = await default_template(actor=None)
    catalog = [
        (
            row["id"],
            row["ref_price_min_fen"],
            max(row["ref_price_min_fen"], row["ref_price_max_fen"]),
        )
        for row in await CatalogItem.select(
            CatalogItem.id, CatalogItem.ref_price_min_fen, CatalogItem.ref_price_max_fen
        ).order_by(CatalogItem.id)
    ]
    items = await template_items(template_id)
    password_hash = await hash_password_async(GENERATED_PASSWORD)
    sqlite = isinstance(get_engine(), SQLiteEngine)
    keyring = get_keyring()
    total: Counter[str] = Counter()
    done_rows = 0
    for index in range(first_district, first_district + scale):
        # Reproducible demo data, not secrets (the sealed bids' keys are as predictable).
        rng = random.Random(f"{seed}:{index}")  # noqa: S311
        async with transaction() as tx:
            # The driver connection of Piccolo's own transaction (SQLite or PostgreSQL).
            writer = BulkWriter(tx.connection, sqlite)  # type: ignore[attr-defined]
            district = DistrictGenerator(
                rng=rng,
                writer=writer,
                seed=seed,
                index=index,
                tenders=tenders_per_district,
                today=today,
                zone=zone,
                keyring=keyring,
                password_hash=password_hash,
                catalog=catalog,
                template_items=items,
                template_id=template_id,
            )

            def step(rows: int, _index: int = index, _done: int = done_rows) -> None:
                if progress is not None:
                    progress(_done + rows, _index - first_district)

            counts = await district.run(step)
            await record(
                actor=None,
                action=AuditAction.demo_loaded,
                subject_type="district",
                subject_id=district.code,
                data={"generated": True, "seed": seed, "rows": dict(counts)},
            )
        total.update(counts)
        done_rows = total.total()
        if progress is not None:
            progress(done_rows, index + 1 - first_district)
    # As after any bulk load: the planner's statistics, so that the first queries over the new
    # rows are not planned for the empty tables they were (part of the generator's time).
    await Tender.raw("PRAGMA optimize" if sqlite else "ANALYZE")
    return GenerateResult(scale, total, clock_time.perf_counter() - started)

"""Helpers for the risk tests: objects written straight into the database, one set per test
(the database is shared by the whole run), and a rule evaluated over just those objects."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from procure import clock
from procure.bids.tables import Award, Bid, BidLine, BidStatus
from procure.catalog.tables import CatalogItem
from procure.contracts.tables import (
    Amendment,
    AmendmentLine,
    Contract,
    ContractCommunity,
    ContractScopeLine,
    Payment,
)
from procure.departments.tables import Department
from procure.evaluations.services import default_rubric
from procure.evaluations.tables import (
    CommitteeEvaluation,
    EvaluationScore,
    EvaluationStatus,
    RubricCriterion,
)
from procure.geography.tables import Community, District
from procure.organizations.tables import Organization
from procure.policy import get_policy
from procure.reports.tables import ActivityLine, OutOfScopeKind, ServiceReport
from procure.risk.engine import load_rules
from procure.risk.params import rule_params
from procure.risk.registry import RULES, Finding, RuleContext, SubjectType
from procure.surveys.selectors import template_items
from procure.surveys.services import default_template
from procure.surveys.tables import (
    SurveyAnswer,
    SurveyItemKind,
    SurveyResponse,
    SurveyRound,
    SurveyToken,
)
from procure.tenders.tables import NeedEvidence, ScopeLine, Tender, TenderCommunity

SHANGHAI = ZoneInfo("Asia/Shanghai")
XINLIANXIN = "52440319MJL018363J"  # 心连心 (user org)
QIMINGXING = "52440319MJL27405XP"  # 启明星 (user org2)
TONGXIN = "52440319MJY402174G"  # 同心 (user org3)
KANGNING = "52440319MJY723509X"  # 康宁
HAIBIN, YUGANG = "440319001001", "440319001002"  # communities of committee and committee2

#: cardinal's bid-stage rules.
BID_STAGE = frozenset(
    ["R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R044", "R048", "R058"]
)
# The demo's external OCDS data (fixtures/ocds-external.jsonl, 澜州市明溪区): its parties …
EXT = "ocds-ext001-MXCG-"
CUIHU_SW = "CN-USCC-52339902MJA012340W"  # 翠湖社会工作服务中心
LELING = "CN-USCC-52339902MJA023453U"  # 乐龄居家养老服务中心
QINGHE = "CN-USCC-52339902MJA045679R"  # 青禾社会工作发展中心
LINLI = "CN-USCC-52339902MJA056781N"  # 邻里守望社区服务中心
ZHONGCHENG = "CN-USCC-52339902MJB112239T"  # 众诚: the cover bidder
BOZHONG = "CN-USCC-52339902MJB223342D"  # 博众: most bids disqualified
DEXIN, DERUN = "CN-USCC-52339902MJB3344562", "CN-USCC-52339902MJB44556XH"  # one address
WANTONG = "CN-USCC-52339902MJB5566739"  # 万通: wins anything
# … its buyers where one supplier holds more than 40% of a year's awarded value (CONCENTRATION):
CANLIAN = "CN-USCC-133399020025310247"  # 残联: 乐龄 holds 49.75% of 2025, 42.51% of 2026
FULIAN = "CN-USCC-1333990200253409XH"  # 妇联: 青禾 holds 42.52% of 2025
# … and every flag a scan of it raises: (subject type, subject id) → the rules.
EXTERNAL_PLANTED: dict[tuple[str, str], set[str]] = {
    ("tender", f"{EXT}2025-009"): {"R003"},  # 公开招标 with 12 days
    ("tender", f"{EXT}2025-018"): {"R018"},  # one bid, awarded
    ("tender", f"{EXT}2025-025"): {"R024"},  # the second bid 0.3% above the winner's
    ("tender", f"{EXT}2025-033"): {"R028"},  # 众诚 and 博众 at the same price
    ("tender", f"{EXT}2025-041"): {"R030"},  # the winning bid 35 minutes late
    ("tender", f"{EXT}2026-003"): {"R035"},  # all but the winner disqualified
    ("tender", f"{EXT}2026-010"): {"R036"},  # the lowest bid disqualified
    ("tender", f"{EXT}2026-019"): {"R044"},  # 德馨 and 德润 at one address
    ("tender", f"{EXT}2026-023"): {"R058"},  # the winning bid 41% below the next one
    # 安康's bid under evaluation at 41% of the others' mean (UNDERPRICED_BID over /bids/details)
    ("bid", f"{EXT}2026-034/bids/details/0"): {"UNDERPRICED_BID"},
    # 卫健局's contract with 安康 amended from 480,000 to 556,800 (+16%: AMENDMENT_CREEP)
    ("contract", f"{EXT}2026-035/contracts/0"): {"AMENDMENT_CREEP"},
    ("organization", CUIHU_SW): {"R024"},
    ("organization", LELING): {"R024"},
    ("organization", QINGHE): {"R030", "R058"},
    ("organization", LINLI): {"R035"},
    ("organization", ZHONGCHENG): {"R025", "R028"},
    ("organization", BOZHONG): {"R028", "R038"},
    ("organization", DEXIN): {"R044"},
    ("organization", DERUN): {"R044"},
    ("organization", WANTONG): {"R048"},
    ("buyer", CANLIAN): {"CONCENTRATION"},  # 2025 and 2026
    ("buyer", FULIAN): {"CONCENTRATION"},  # 2025
}
#: Clean external processes: the first of the population, one of six lots, 博众's only win, a
#: contract amended by 7%.
EXTERNAL_CLEAN = [f"{EXT}2025-001", f"{EXT}2025-002", f"{EXT}2026-027", f"{EXT}2026-036"]
_serial = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_serial)}-{uuid4().hex[:6]}"


async def id_of(table: Any, column: Any, value: str) -> int:
    row = await table.select(table.id).where(column == value).first()
    assert row is not None, value
    return int(row["id"])


def local(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


class FixedClock:
    """The server's clock, standing at a chosen local time until a test moves it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.moment = local(date(2026, 6, 15))
        monkeypatch.setattr(clock, "now", lambda: self.moment)

    def set(self, day: date, hour: int = 12) -> None:
        self.moment = local(day, hour)

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    return FixedClock(monkeypatch)


# -- evaluating one rule over some subjects ------------------------------------------------------


async def evaluate(
    code: str, scope: dict[SubjectType, Sequence[int]] | None, **overrides: Any
) -> list[Finding]:
    """The rule's findings over ``scope`` (None: everything), with the policy's parameters
    changed by ``overrides``."""
    load_rules()
    rule = RULES[code]
    params = rule_params(rule, {**get_policy().risk[code], **overrides})
    context = RuleContext(
        params=params.model_dump(mode="json"),
        policy_version="test",
        scope=None
        if scope is None
        else {kind: frozenset(str(i) for i in ids) for kind, ids in scope.items()},
    )
    return await rule.evaluate(context)


async def contract_findings(code: str, contract_id: int, **overrides: Any) -> list[Finding]:
    return await evaluate(code, {SubjectType.contract: [contract_id]}, **overrides)


# -- tenders and bids ---------------------------------------------------------------------------


async def catalog_item(code: str) -> dict[str, Any]:
    row = await CatalogItem.select().where(CatalogItem.code == code).first()
    assert row is not None, code
    return row


async def make_tender(
    *,
    totals: Sequence[int] = (),
    lines: Sequence[tuple[str, int]] = (("C-CARE-001", 100),),
    line_prices: Sequence[Sequence[int]] | None = None,
    ceiling_fen: int = 11_000_000,
    communities: Sequence[str] = (HAIBIN, YUGANG),
    evidence: Sequence[tuple[str, str | None]] = (("resident_survey", None),),
    published: bool = True,
    department: str = "D-MZJ",
    bidders: Sequence[str] = (XINLIANXIN, QIMINGXING, TONGXIN, KANGNING),
) -> dict[str, Any]:
    """A tender whose bids are opened at these totals (line prices: the whole total on the
    first line unless given); its id, bid ids (in the order of ``totals``) and line ids."""
    now = clock.now()
    rows = await Tender.insert(
        Tender(
            reference=unique("ZB-RISK"),
            title="风险规则测试项目",
            department=await id_of(Department, Department.code, department),
            method="competitive_consultation",
            evaluation_method="lowest_price",
            status="opened" if published else "draft",
            ceiling_fen=ceiling_fen,
            published_at=now - timedelta(days=20) if published else None,
            submission_deadline=now - timedelta(days=1) if published else None,
            wrapped_bid_key=b"not-a-key",
        )
    )
    tender_id = rows[0]["id"]
    for code in communities:
        await TenderCommunity.insert(
            TenderCommunity(
                tender=tender_id, community=await id_of(Community, Community.code, code)
            )
        )
    for kind, community in evidence:
        await NeedEvidence.insert(
            NeedEvidence(
                tender=tender_id,
                kind=kind,
                summary="居民需求调查",
                community=await id_of(Community, Community.code, community) if community else None,
            )
        )
    line_ids = []
    for line_no, (item, quantity) in enumerate(lines, start=1):
        inserted = await ScopeLine.insert(
            ScopeLine(
                tender=tender_id,
                line_no=line_no,
                catalog_item=(await catalog_item(item))["id"],
                quantity=quantity,
            )
        )
        line_ids.append(inserted[0]["id"])
    bid_ids = []
    for n, total in enumerate(totals):
        prices = line_prices[n] if line_prices else [total] + [0] * (len(lines) - 1)
        inserted = await Bid.insert(
            Bid(
                tender=tender_id,
                organization=await id_of(Organization, Organization.credit_code, bidders[n]),
                status=BidStatus.valid,
                sealed_content=b"sealed",
                nonce=b"nonce",
                content_sha256=hashlib.sha256(f"{tender_id}-{n}".encode()).hexdigest(),
                opened_at=now - timedelta(days=1),
                total_fen=total,
            )
        )
        bid_ids.append(inserted[0]["id"])
        for line_id, price in zip(line_ids, prices, strict=True):
            await BidLine.insert(
                BidLine(bid=inserted[0]["id"], scope_line=line_id, price_fen=price)
            )
    return {"id": tender_id, "bids": bid_ids, "lines": line_ids}


# -- contracts ----------------------------------------------------------------------------------


async def make_department() -> int:
    """A department of its own, so that a buyer's yearly totals hold only this test's."""
    district = await District.select(District.id).first()
    assert district is not None
    rows = await Department.insert(
        Department(
            code=unique("D-T"), name="测试购买主体", district=district["id"], level="district"
        )
    )
    return int(rows[0]["id"])


async def make_contract(
    *,
    starts_on: date = date(2026, 1, 1),
    ends_on: date = date(2026, 12, 31),
    frequency: str = "monthly",
    status: str = "active",
    value_fen: int = 36_500_000,
    quantities: Sequence[int] = (3650,),
    payments: Sequence[tuple[date, str]] = (),
    department: str | int | None = None,
    organization: str = XINLIANXIN,
    communities: Sequence[str] = (HAIBIN,),
    signed_at: datetime | None = None,
    closed_on: date | None = None,
    award: int | None = None,
    tender: int | None = None,
) -> dict[str, Any]:
    """A signed contract with one scope line per quantity (catalog C-CARE-001, 1 yuan a unit
    unless the value says otherwise) and payments (due day, status) of 1 yuan each; of a
    department of its own unless one is named, so that no demo buyer's totals change."""
    if department is None:
        department_id = await make_department()
    elif isinstance(department, int):
        department_id = department
    else:
        department_id = await id_of(Department, Department.code, department)
    rows = await Contract.insert(
        Contract(
            reference=unique("HT-RISK"),
            title="风险规则测试合同",
            department=department_id,
            organization=await id_of(Organization, Organization.credit_code, organization),
            status=status,
            value_fen=value_fen,
            starts_on=starts_on,
            ends_on=ends_on,
            reporting_frequency=frequency,
            signed_at=None
            if status == "draft"
            else (signed_at or local(starts_on).astimezone(UTC)),
            terminated_reason="测试" if status == "terminated" else "",
            closed_on=closed_on,
            award=award,
            tender=tender,
        )
    )
    contract_id = rows[0]["id"]
    for code in communities:
        await ContractCommunity.insert(
            ContractCommunity(
                contract=contract_id, community=await id_of(Community, Community.code, code)
            )
        )
    item = (await catalog_item("C-CARE-001"))["id"]
    line_ids = []
    for line_no, quantity in enumerate(quantities, start=1):
        inserted = await ContractScopeLine.insert(
            ContractScopeLine(
                contract=contract_id,
                line_no=line_no,
                catalog_item=item,
                quantity=quantity,
                unit_price_fen=100,
                amount_fen=quantity * 100,
            )
        )
        line_ids.append(inserted[0]["id"])
    for seq, (due_on, payment_status) in enumerate(payments, start=1):
        await Payment.insert(
            Payment(
                contract=contract_id,
                seq=seq,
                due_on=due_on,
                amount_fen=100,
                status=payment_status,
                paid_at=clock.now() if payment_status == "paid" else None,
            )
        )
    return {
        "id": contract_id,
        "lines": line_ids,
        "department": department_id,
        "organization": await id_of(Organization, Organization.credit_code, organization),
    }


async def amend(
    contract_id: int,
    *,
    delta_fen: int = 0,
    scope_line: int | None = None,
    quantity_delta: int = 0,
    outside_tender: bool = False,
    signed: bool = True,
) -> None:
    version = await Amendment.count().where(Amendment.contract == contract_id) + 1
    rows = await Amendment.insert(
        Amendment(
            contract=contract_id,
            version=version,
            reason="测试补充协议",
            value_delta_fen=delta_fen,
            signed_at=clock.now() if signed else None,
        )
    )
    await AmendmentLine.insert(
        AmendmentLine(
            amendment=rows[0]["id"],
            scope_line=None if outside_tender else scope_line,
            catalog_item=(await catalog_item("C-TECH-005"))["id"],
            quantity_delta=quantity_delta,
            unit_price_fen=0,
            amount_delta_fen=delta_fen,
            in_tender=not outside_tender,
        )
    )


# -- reports ------------------------------------------------------------------------------------


def within(scope_line: int, quantity: int = 0, minutes: int = 0) -> dict[str, Any]:
    return {
        "scope_line": scope_line,
        "out_of_scope": False,
        "out_of_scope_kind": OutOfScopeKind.none,
        "quantity": quantity,
        "staff_minutes": minutes,
        "description": "合同内服务",
    }


def outside(
    kind: str = "campaign",
    *,
    department: int | None = None,
    minutes: int = 0,
    submissions: int = 0,
) -> dict[str, Any]:
    return {
        "out_of_scope": True,
        "out_of_scope_kind": kind,
        "requested_by_department": department,
        "requested_by_person": "街道 张主任",
        "staff_minutes": minutes,
        "submissions": submissions,
        "description": "合同外事项",
    }


async def submit_report(
    contract_id: int,
    period: str,
    lines: Sequence[dict[str, Any]],
    *,
    self_score: int | None = None,
    submitted_at: datetime | None = None,
    version: int = 1,
    status: str = "submitted",
) -> int:
    rows = await ServiceReport.insert(
        ServiceReport(
            contract=contract_id,
            period=period,
            version=version,
            status=status,
            due_on=date(2026, 1, 1),
            summary="测试报告",
            outcome_self_score=self_score,
            submitted_at=submitted_at or clock.now(),
        )
    )
    for line in lines:
        await ActivityLine.insert(ActivityLine(report=rows[0]["id"], **line))
    return int(rows[0]["id"])


# -- evaluations and surveys --------------------------------------------------------------------


async def committee_evaluation(contract_id: int, period: str, score: int, community: str) -> None:
    """A submitted evaluation giving every criterion the same score (so its total is it)."""
    rubric = await default_rubric()
    rows = await CommitteeEvaluation.insert(
        CommitteeEvaluation(
            contract=contract_id,
            community=await id_of(Community, Community.code, community),
            rubric=rubric,
            period=period,
            status=EvaluationStatus.submitted,
            submitted_at=clock.now(),
        )
    )
    for criterion in await RubricCriterion.select(RubricCriterion.id).where(
        RubricCriterion.rubric == rubric
    ):
        await EvaluationScore.insert(
            EvaluationScore(evaluation=rows[0]["id"], criterion=criterion["id"], score=score)
        )


async def survey_round(
    contract_id: int,
    period: str,
    answers: Sequence[Sequence[int]],
    *,
    issued: int | None = None,
    hours: Sequence[int] | None = None,
    community: str = HAIBIN,
    closed: bool = True,
) -> int:
    """A round with ``issued`` codes (default: one per answer sheet) and the answer sheets
    (Likert scores in item order), each in its own hour unless ``hours`` says otherwise."""
    template = await default_template(actor=None)
    now = clock.now()
    rows = await SurveyRound.insert(
        SurveyRound(
            contract=contract_id,
            community=await id_of(Community, Community.code, community),
            template=template,
            period=period,
            opens_at=now - timedelta(days=10),
            closes_at=now - timedelta(days=1) if closed else now + timedelta(days=5),
        )
    )
    round_id = rows[0]["id"]
    likert = [
        item["id"]
        for item in await template_items(template)
        if item["kind"] == SurveyItemKind.likert5
    ]
    await SurveyToken.insert(
        *[
            SurveyToken(round=round_id, token_sha256=uuid4().hex + uuid4().hex, used=True)
            for _ in range(issued if issued is not None else len(answers))
        ]
    )
    start = now - timedelta(days=9)
    for n, scores in enumerate(answers):
        stamp = start + timedelta(hours=hours[n] if hours else n)
        response = await SurveyResponse.insert(
            SurveyResponse(
                round=round_id, submitted_hour=stamp.astimezone(UTC).strftime("%Y-%m-%dT%H")
            )
        )
        await SurveyAnswer.insert(
            *[
                SurveyAnswer(response=response[0]["id"], item=item, score=score)
                for item, score in zip(likert, scores, strict=False)
            ]
        )
    return int(round_id)


async def award(tender_id: int, bid_id: int) -> int:
    rows = await Award.insert(Award(tender=tender_id, bid=bid_id, decided_at=clock.now()))
    return int(rows[0]["id"])


# The lifecycle and dashboard tests' flags fixture (tests/risk/flag_helpers.py).
from tests.risk.flag_helpers import flags  # noqa: E402, F401

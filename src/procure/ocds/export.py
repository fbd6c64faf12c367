"""The OCDS 1.1 export: one release per event of each published tender (the notice, each
clarification, the bid opening, the award, each contract, amendment, payment, service report
and performance settlement), compiled per ocid with ocdsmerge into records.

Releases are rebuilt from the platform's tables on every call: each has a stable id and the
date of its event, and describes the objects it introduces in their current state (a tender
release carries the tender's status today, a contract release the contract's), so the compiled
release is always the present state of the process. Bids are published only once the
submission deadline has passed; before it nothing about them leaves the platform.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from procure import clock
from procure.bids.tables import BidStatus
from procure.catalog.rules import UNIT_NAMES_ZH
from procure.catalog.tables import Unit
from procure.contracts.tables import ContractStatus, MilestoneStatus
from procure.ocds import selectors
from procure.ocds.compile import compile_platform
from procure.ocds.selectors import Process
from procure.ocds.standard import BIDS_EXTENSION_URL, OCDS_VERSION
from procure.ocds.stored import (
    StoredProcess,
    imported_dataset,
    stored_process_batches,
    stored_process_count,
    stored_processes,
)
from procure.performance.scoring import Grade
from procure.settings import get_settings
from procure.tenders.states import (
    OPENED_STATES,
    EvaluationMethod,
    ProcurementMethod,
    TenderStatus,
)

CURRENCY = "CNY"
LANGUAGE = "zh"
#: Our own classification of items: the service catalog's item codes (docs/ocds.md).
ITEM_SCHEME = "PROCURE-CATALOG"
CATEGORY_SCHEME = "PROCURE-CATALOG-CATEGORY"
UNIT_SCHEME = "PROCURE-UNIT"
#: 统一社会信用代码 (GB 32100-2015), as org-id.guide lists it.
ORGANIZATION_SCHEME = "CN-USCC"
#: Buying departments by their platform code (the tables hold no credit code for them).
DEPARTMENT_SCHEME = "PROCURE-DEPT"
COUNTRY = "中国"

#: OCDS procurement method (who may take part) and the Chinese method (docs/ocds.md says why).
METHODS: dict[ProcurementMethod, tuple[str, str]] = {
    ProcurementMethod.open_tender: ("open", "公开招标"),
    ProcurementMethod.competitive_consultation: ("selective", "竞争性磋商"),
    ProcurementMethod.competitive_negotiation: ("selective", "竞争性谈判"),
    ProcurementMethod.single_source: ("direct", "单一来源"),
    ProcurementMethod.project_application: ("open", "项目申请制/公益创投"),
    ProcurementMethod.direct_grant: ("direct", "直接资助"),
}
AWARD_CRITERIA: dict[EvaluationMethod, tuple[str, str]] = {
    EvaluationMethod.composite: ("ratedCriteria", "综合评分法"),
    EvaluationMethod.lowest_price: ("priceOnly", "最低评标价法"),
}
TENDER_STATUS: dict[TenderStatus, str] = {
    TenderStatus.draft: "planning",
    TenderStatus.published: "active",
    TenderStatus.tendering: "active",
    TenderStatus.opened: "active",
    TenderStatus.evaluation: "active",
    TenderStatus.awarded: "complete",
    TenderStatus.contracted: "complete",
    TenderStatus.cancelled: "cancelled",
    TenderStatus.unsuccessful: "unsuccessful",
}
BID_STATUS: dict[BidStatus, str] = {
    BidStatus.submitted: "pending",
    BidStatus.reconfirmation_required: "pending",
    BidStatus.not_reconfirmed: "disqualified",
    BidStatus.opened: "pending",
    BidStatus.explanation_requested: "pending",
    BidStatus.valid: "valid",
    BidStatus.disqualified: "disqualified",
    BidStatus.withdrawn: "withdrawn",
}
CONTRACT_STATUS: dict[ContractStatus, str] = {
    ContractStatus.draft: "pending",
    ContractStatus.active: "active",
    ContractStatus.completed: "terminated",
    ContractStatus.terminated: "terminated",
}
MILESTONE_STATUS: dict[MilestoneStatus, str] = {
    MilestoneStatus.pending: "scheduled",
    MilestoneStatus.done: "met",
    MilestoneStatus.missed: "notMet",
}
GRADE_NAMES = {
    Grade.excellent: "优秀",
    Grade.good: "良好",
    Grade.passing: "合格",
    Grade.failing: "不合格",
}
#: Tender states in which the bids are public: the deadline has passed and they were opened.
BIDS_DISCLOSED = frozenset({*OPENED_STATES, TenderStatus.unsuccessful})
ROLE_ORDER = ("buyer", "procuringEntity", "tenderer", "supplier", "payer", "payee")
#: A double carries 15 significant decimal digits exactly; no real amount comes near.
EXACT_DIGITS = 15


# -- values --------------------------------------------------------------------------------------


#: The fields a correction (更正公告) may change, as its OCDS amendment names them.
CORRECTED_FIELDS = {
    "title": "项目名称",
    "description": "采购需求",
    "ceiling_fen": "最高限价",
    "criteria": "评审因素",
    "submission_deadline": "投标截止时间",
    "clarification_deadline": "澄清截止时间",
}


def amount(fen: int) -> int | float:
    """Integer fen as a JSON number of yuan, exactly.

    The division is decimal (1 fen → 0.01, never 0.01000000000000000020816…); the result is then
    the one double whose shortest repr is that decimal, which JSON writes as e.g. 1234.56.
    """
    yuan = Decimal(fen).scaleb(-2)
    if yuan == yuan.to_integral_value():
        return int(yuan)
    if len(yuan.as_tuple().digits) > EXACT_DIGITS:
        raise ValueError(f"{fen} fen has too many digits to publish exactly as a JSON number")
    number = float(yuan)
    if Decimal(repr(number)) != yuan:  # pragma: no cover - guaranteed by the digit limit
        raise ValueError(f"{fen} fen does not round-trip as a JSON number")
    return number


def value(fen: int) -> dict[str, Any]:
    return {"amount": amount(fen), "currency": CURRENCY}


def yuan_text(fen: int, *, signed: bool = False) -> str:
    return f"{Decimal(fen).scaleb(-2):{'+' if signed else ''},.2f}元"


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def ocid_of(reference: str) -> str:
    """The ocid of one of our tenders, by its reference."""
    return f"{get_settings().ocid_prefix}-{reference}"


def reference_of(ocid: str) -> str | None:
    """The tender reference behind one of our ocids, or None for anyone else's."""
    prefix = f"{get_settings().ocid_prefix}-"
    return ocid[len(prefix) :] if ocid.startswith(prefix) and len(ocid) > len(prefix) else None


# -- one contracting process ----------------------------------------------------------------------


def _organization_party(organization: dict[str, Any]) -> dict[str, Any]:
    code = organization["credit_code"]
    party: dict[str, Any] = {
        "id": f"{ORGANIZATION_SCHEME}-{code}",
        "name": organization["name"],
        "identifier": {
            "scheme": ORGANIZATION_SCHEME,
            "id": code,
            "legalName": organization["name"],
        },
        "address": {"countryName": COUNTRY},
    }
    if organization["address"]:
        party["address"]["streetAddress"] = organization["address"]
    return party


def _reference(party: dict[str, Any]) -> dict[str, str]:
    return {"id": party["id"], "name": party["name"]}


class _Process:
    """Builds the releases of one published tender, in date order."""

    def __init__(self, process: Process, *, prefix: str, zone: ZoneInfo) -> None:
        self.process = process
        self.tender = process.tender
        self.zone = zone
        self.ocid = f"{prefix}-{self.tender['reference']}"  # ocid_of(), with the prefix read once
        address = {"region": self.tender["district_name"], "countryName": COUNTRY}
        if self.tender["sub_district_name"]:
            address["locality"] = self.tender["sub_district_name"]
        self.buyer = {
            "id": f"{DEPARTMENT_SCHEME}-{self.tender['department_code']}",
            "name": self.tender["department_name"],
            "identifier": {
                "scheme": DEPARTMENT_SCHEME,
                "id": self.tender["department_code"],
                "legalName": self.tender["department_name"],
            },
            "address": address,
        }
        self.award_id = f"{self.tender['reference']}-award"
        self.releases: list[dict[str, Any]] = []

    # -- helpers --

    def day_start(self, day: date) -> str:
        return datetime.combine(day, time(0), tzinfo=self.zone).isoformat()

    def day_end(self, day: date) -> str:
        return datetime.combine(day, time(23, 59, 59), tzinfo=self.zone).isoformat()

    def release_id(self, slug: str) -> str:
        return f"{self.ocid}-{slug}"

    def add(
        self,
        slug: str,
        moment: datetime,
        tags: list[str],
        roles: Sequence[tuple[dict[str, Any], str]],
        **sections: Any,
    ) -> dict[str, Any]:
        parties: dict[str, dict[str, Any]] = {}
        for party, role in roles:
            entry = parties.setdefault(party["id"], {**party, "roles": set()})
            entry["roles"].add(role)
        release = {
            "ocid": self.ocid,
            "id": self.release_id(slug),
            "date": timestamp(moment),
            "tag": tags,
            "initiationType": "tender",
            "language": LANGUAGE,
            "parties": list(parties.values()),
            "buyer": _reference(self.buyer),
            **sections,
        }
        self.releases.append(release)
        return release

    def item(self, line: dict[str, Any], *, item_id: str | None = None) -> dict[str, Any]:
        unit = Unit(line["unit"])
        item: dict[str, Any] = {
            "id": item_id or str(line["line_no"]),
            "description": line["description"] or line["item_name"],
            "classification": {
                "scheme": ITEM_SCHEME,
                "id": line["item_code"],
                "description": line["item_name"],
            },
            "additionalClassifications": [
                {
                    "scheme": CATEGORY_SCHEME,
                    "id": line["category_code"],
                    "description": line["category_name"],
                }
            ],
            "quantity": line["quantity"],
            "unit": {"scheme": UNIT_SCHEME, "id": str(unit), "name": UNIT_NAMES_ZH[unit]},
        }
        if line.get("unit_price_fen") is not None:
            item["unit"]["value"] = value(line["unit_price_fen"])
        return item

    # -- events --

    def build(self) -> list[dict[str, Any]]:
        self.notice()
        self.tender_changes()
        if self.tender["effective_status"] in BIDS_DISCLOSED:
            self.opening()
        award = self.process.award
        if award is not None:
            self.awarded(award)
            for contract in self.process.contracts:
                self.contract(contract, award)
        # Parties are shared between releases while building; callers get independent copies.
        # A JSON round trip (in C) copies them: what copy.deepcopy gives here, at a fraction of
        # its cost; the role sets come back as lists.
        copied = json.loads(json.dumps(self.releases, ensure_ascii=False, default=list))
        return _with_cumulative_roles(copied)

    def as_first_published(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The tender and its criteria as first published: a correction (更正公告) has changed
        the row since, and keeps what it replaced."""
        if not self.process.corrections:
            return self.tender, self.process.criteria
        before = self.process.corrections[0]["before"]
        tender = {
            **self.tender,
            **{field: before[field] for field in ("title", "description", "ceiling_fen")},
            **{
                field: datetime.fromisoformat(before[field])
                for field in ("submission_deadline", "clarification_deadline")
            },
        }
        return tender, before["criteria"]

    def award_criteria_details(self, criteria: Sequence[dict[str, Any]]) -> str:
        name = AWARD_CRITERIA[EvaluationMethod(self.tender["evaluation_method"])][1]
        weights = "，".join(f"{c['name']} {c['weight']}%" for c in criteria)
        return f"{name}：{weights}" if weights else name

    def notice(self) -> None:
        tender, criteria_rows = self.as_first_published()
        method, method_name = METHODS[ProcurementMethod(tender["method"])]
        criteria = AWARD_CRITERIA[EvaluationMethod(tender["evaluation_method"])][0]
        section: dict[str, Any] = {
            "id": tender["reference"],
            "title": tender["title"],
            "status": TENDER_STATUS[tender["effective_status"]],
            "procuringEntity": _reference(self.buyer),
            "items": [self.item(line) for line in self.process.lines],
            "value": value(tender["ceiling_fen"]),
            "procurementMethod": method,
            "procurementMethodDetails": method_name,
            "mainProcurementCategory": "services",
            "awardCriteria": criteria,
            "awardCriteriaDetails": self.award_criteria_details(criteria_rows),
            "submissionMethod": ["electronicSubmission"],
            "tenderPeriod": {"startDate": timestamp(tender["published_at"])},
            "hasEnquiries": bool(self.process.clarifications),
        }
        if tender["submission_deadline"] is not None:
            section["tenderPeriod"]["endDate"] = timestamp(tender["submission_deadline"])
        if tender["description"]:
            section["description"] = tender["description"]
        if tender["short_period_justification"]:
            section["procurementMethodRationale"] = (
                f"提交期限短于法定最短期限的理由：{tender['short_period_justification']}"
            )
        if tender["clarification_deadline"] is not None:
            section["enquiryPeriod"] = {
                "startDate": timestamp(tender["published_at"]),
                "endDate": timestamp(tender["clarification_deadline"]),
            }
        planning: dict[str, Any] = {
            "budget": {
                "description": "采购预算（最高限价）",
                "amount": value(tender["ceiling_fen"]),
            }
        }
        if self.process.needs:
            planning["rationale"] = "；".join(self.process.needs)
        self.add(
            "tender",
            tender["published_at"],
            ["planning", "tender"],
            [(self.buyer, "buyer"), (self.buyer, "procuringEntity")],
            planning=planning,
            tender=section,
        )

    def tender_changes(self) -> None:
        """A published tender changes by clarification (澄清) and by correction (更正公告):
        each is a tenderAmendment release amending the one before it."""
        changes = [
            (row["answered_at"], f"clarification-{row['id']}", *self.clarification(row))
            for row in self.process.clarifications
        ] + [
            (row["published_at"], f"correction-{row['number']}", *self.correction(row))
            for row in self.process.corrections
        ]
        amends = self.release_id("tender")
        for moment, slug, section, amendment in sorted(changes, key=lambda change: change[0]):
            self.add(
                slug,
                moment,
                ["tenderAmendment"],
                [(self.buyer, "buyer"), (self.buyer, "procuringEntity")],
                tender={
                    "id": self.tender["reference"],
                    **section,
                    "amendments": [
                        {
                            "id": slug,
                            "date": timestamp(moment),
                            **amendment,
                            "amendsReleaseID": amends,
                            "releaseID": self.release_id(slug),
                        }
                    ],
                },
            )
            amends = self.release_id(slug)

    @staticmethod
    def clarification(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        description = f"问：{row['question']}\n答：{row['answer']}"
        return {}, {"rationale": "澄清", "description": description}

    def correction(self, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The fields a correction changed, as they stand after it, and its notice."""
        changed = row["changes"]
        section: dict[str, Any] = {
            "tenderPeriod": {"endDate": timestamp(row["submission_deadline_after"])},
            "enquiryPeriod": {"endDate": timestamp(row["clarification_deadline_after"])},
        }
        for field, key in (("title", "title"), ("description", "description")):
            if field in changed:
                section[key] = changed[field]["after"]
        if "ceiling_fen" in changed:
            section["value"] = value(changed["ceiling_fen"]["after"])
        if "criteria" in changed:
            section["awardCriteriaDetails"] = self.award_criteria_details(
                changed["criteria"]["after"]
            )
        described = "；".join(CORRECTED_FIELDS.get(field, field) for field in changed)
        return section, {
            "rationale": f"更正公告第{row['number']}号：{row['summary']}",
            "description": f"更正事项：{described}" if described else row["summary"],
        }

    def opening(self) -> None:
        opened_at = self.tender["opening_at"] or self.tender["submission_deadline"]
        bids = self.process.bids
        live = [bid for bid in bids if bid["status"] != BidStatus.withdrawn]
        tenderers = {}
        for bid in live:
            party = _organization_party(bid["organization"])
            tenderers[party["id"]] = party
        statistics: list[dict[str, Any]] = [
            {"id": "bids", "measure": "bids", "value": len(live), "date": timestamp(opened_at)}
        ]
        if any(bid["status"] in (BidStatus.valid, BidStatus.disqualified) for bid in bids):
            valid = sum(1 for bid in bids if bid["status"] == BidStatus.valid)
            statistics.append({"id": "validBids", "measure": "validBids", "value": valid})
        details = []
        roles: list[tuple[dict[str, Any], str]] = [
            (self.buyer, "buyer"),
            (self.buyer, "procuringEntity"),
        ]
        for bid in bids:
            party = _organization_party(bid["organization"])
            roles.append((party, "tenderer"))
            detail: dict[str, Any] = {
                "id": f"bid-{bid['id']}",
                "date": timestamp(bid["submitted_at"]),
                "status": BID_STATUS[bid["status"]],
                "tenderers": [_reference(party)],
            }
            if bid["total_fen"] is not None:
                detail["value"] = value(bid["total_fen"])
            details.append(detail)
        self.add(
            "opening",
            opened_at,
            ["tenderUpdate"],
            roles,
            tender={
                "id": self.tender["reference"],
                "numberOfTenderers": len(tenderers),
                "tenderers": [_reference(p) for p in tenderers.values()],
                "awardPeriod": {"startDate": timestamp(opened_at)},
            },
            bids={"statistics": statistics, "details": details},
        )

    def awarded(self, award: dict[str, Any]) -> None:
        supplier = _organization_party(award["organization"])
        opened_at = self.tender["opening_at"] or self.tender["submission_deadline"]
        entry: dict[str, Any] = {
            "id": self.award_id,
            "title": self.tender["title"],
            "status": "active",
            "date": timestamp(award["decided_at"]),
            "suppliers": [_reference(supplier)],
            "relatedBids": [f"bid-{award['bid_id']}"],
        }
        if award["value_fen"] is not None:
            entry["value"] = value(award["value_fen"])
        self.add(
            "award",
            award["decided_at"],
            ["award"],
            [(self.buyer, "buyer"), (self.buyer, "procuringEntity"), (supplier, "supplier")],
            tender={
                "id": self.tender["reference"],
                "awardPeriod": {
                    "startDate": timestamp(opened_at),
                    "endDate": timestamp(award["decided_at"]),
                },
            },
            awards=[entry],
        )

    def contract(self, contract: dict[str, Any], award: dict[str, Any]) -> None:
        supplier = _organization_party(contract["organization"])
        parties = [(self.buyer, "buyer"), (supplier, "supplier")]
        slug = f"contract-{contract['reference']}"
        section: dict[str, Any] = {
            "id": contract["reference"],
            "awardID": self.award_id,
            "title": contract["title"],
            "status": CONTRACT_STATUS[ContractStatus(contract["status"])],
            "period": {
                "startDate": self.day_start(contract["starts_on"]),
                "endDate": self.day_end(contract["ends_on"]),
            },
            "value": value(contract["value_fen"]),
            "items": [self.item(line) for line in contract["lines"]],
            "relatedBids": [f"bid-{award['bid_id']}"],
        }
        if contract["signed_at"] is not None:
            section["dateSigned"] = timestamp(contract["signed_at"])
        if contract["milestones"]:
            section["implementation"] = {
                "milestones": [
                    {
                        "id": f"milestone-{m['seq']}",
                        "title": m["title"],
                        "type": "delivery",
                        "dueDate": self.day_end(m["due_on"]),
                        "status": MILESTONE_STATUS[MilestoneStatus(m["status"])],
                    }
                    for m in contract["milestones"]
                ]
            }
        self.add(
            slug,
            contract["signed_at"] or contract["created_at"],
            ["contract"],
            parties,
            contracts=[section],
        )
        self.amendments(contract, slug, parties)
        self.implementation(contract, slug, supplier)

    def amendments(
        self,
        contract: dict[str, Any],
        slug: str,
        parties: list[tuple[dict[str, Any], str]],
    ) -> None:
        """Each supplementary agreement (补充协议): the contract's value and scope after it."""
        lines = {line["line_no"]: dict(line) for line in contract["lines"]}
        current_value = contract["value_fen"]
        amends = self.release_id(slug)
        for amendment in contract["amendments"]:
            version = amendment["version"]
            amendment_slug = f"{slug}-amendment-{version}"
            current_value += amendment["value_delta_fen"]
            items, changes = [], []
            for n, change in enumerate(amendment["lines"], start=1):
                unit = UNIT_NAMES_ZH[Unit(change["unit"])]
                price = yuan_text(change["unit_price_fen"])
                if change["line_no"] is not None and change["line_no"] in lines:
                    line = lines[change["line_no"]]
                    line["quantity"] += change["quantity_delta"]
                    items.append(self.item(line))
                    changes.append(
                        f"第{change['line_no']}项{line['item_name']}"
                        f"数量{change['quantity_delta']:+d}{unit}，单价{price}"
                    )
                else:
                    items.append(
                        self.item(
                            {**change, "quantity": change["quantity_delta"]},
                            item_id=f"amendment-{version}-{n}",
                        )
                    )
                    changes.append(
                        f"新增{change['item_name']}{change['quantity_delta']}{unit}，单价{price}"
                    )
            changes.append(f"合同金额{yuan_text(amendment['value_delta_fen'], signed=True)}")
            moment = amendment["signed_at"] or amendment["created_at"]
            self.add(
                amendment_slug,
                moment,
                ["contractAmendment"],
                parties,
                contracts=[
                    {
                        "id": contract["reference"],
                        "awardID": self.award_id,
                        "value": value(current_value),
                        "items": items,
                        "amendments": [
                            {
                                "id": f"amendment-{version}",
                                "date": timestamp(moment),
                                "rationale": amendment["reason"],
                                "description": "；".join(changes),
                                "amendsReleaseID": amends,
                                "releaseID": self.release_id(amendment_slug),
                            }
                        ],
                    }
                ],
            )
            amends = self.release_id(amendment_slug)

    def implementation(self, contract: dict[str, Any], slug: str, supplier: dict[str, Any]) -> None:
        """Payments made, service reports submitted, performance settled and acceptances (履约验收)
        confirmed, each on its day."""

        def event(
            suffix: str,
            moment: datetime,
            roles: list[tuple[dict[str, Any], str]],
            **implementation: Any,
        ) -> None:
            self.add(
                f"{slug}-{suffix}",
                moment,
                ["implementation"],
                [(self.buyer, "buyer"), (supplier, "supplier"), *roles],
                contracts=[
                    {
                        "id": contract["reference"],
                        "awardID": self.award_id,
                        "implementation": implementation,
                    }
                ],
            )

        for payment in contract["payments"]:
            event(
                f"payment-{payment['seq']}",
                payment["paid_at"],
                [(self.buyer, "payer"), (supplier, "payee")],
                transactions=[
                    {
                        "id": f"payment-{payment['seq']}",
                        "date": self.day_start(payment["paid_on"])
                        if payment["paid_on"] is not None
                        else timestamp(payment["paid_at"]),
                        # What was paid: the instalment less any performance deduction.
                        "value": value(
                            payment["paid_amount_fen"]
                            if payment["paid_amount_fen"] is not None
                            else payment["amount_fen"]
                        ),
                        "payer": _reference(self.buyer),
                        "payee": _reference(supplier),
                    }
                ],
            )
        for report in contract["reports"]:
            milestone = {
                "id": f"report-{report['period']}",
                "title": f"服务报告 {report['period']}",
                "type": "reporting",
                "dueDate": self.day_end(report["due_on"]),
                "dateMet": timestamp(report["first_submitted_at"]),
                "status": "met",
            }
            if report["last_submitted_at"] != report["first_submitted_at"]:
                milestone["dateModified"] = timestamp(report["last_submitted_at"])
            event(
                f"report-{report['period']}",
                report["first_submitted_at"],
                [],
                milestones=[milestone],
            )
        for acceptance in contract["acceptances"]:
            milestone_id = f"acceptance-{acceptance['id']}"
            passed = acceptance["status"] == "passed"
            verdicts = acceptance["verdicts"]
            stage = acceptance["stage"] or "全部合同"
            milestone = {
                "id": milestone_id,
                "title": f"履约验收 {stage}（第{acceptance['attempt']}次）",
                "type": "delivery",
                "description": (
                    f"验收结论：{'合格' if passed else '不合格'}；"
                    f"要求 {sum(verdicts.values())} 项：符合 {verdicts['met']}，"
                    f"部分符合 {verdicts['partly_met']}，不符合 {verdicts['not_met']}"
                ),
                "status": "met" if passed else "notMet",
            }
            if passed:
                milestone["dateMet"] = timestamp(acceptance["confirmed_at"])
            else:
                milestone["dateModified"] = timestamp(acceptance["confirmed_at"])
            event(milestone_id, acceptance["confirmed_at"], [], milestones=[milestone])
        for score in contract["performance"]:
            grade = Grade(score["grade"])
            points = Decimal(score["score_hundredths"]).scaleb(-2)
            event(
                f"performance-{score['period']}",
                score["settled_at"],
                [],
                milestones=[
                    {
                        "id": f"performance-{score['period']}",
                        "title": f"绩效评价 {score['period']}",
                        "type": "assessment",
                        "description": f"综合得分 {points:.2f}，等级：{GRADE_NAMES[grade]}",
                        "dateMet": timestamp(score["settled_at"]),
                        "status": "notMet" if grade == Grade.failing else "met",
                    }
                ],
            )


def _with_cumulative_roles(releases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Date order, and each party's roles as they stand at each release.

    Roles are a list that merging replaces whole, so every release names all the roles a party
    has had up to it: the compiled release then lists them all.
    """
    ordered = sorted(releases, key=lambda release: release["date"])
    held: dict[str, set[str]] = {}
    for release in ordered:
        for party in release["parties"]:
            roles = held.setdefault(party["id"], set())
            roles.update(party["roles"])
            party["roles"] = [role for role in ROLE_ORDER if role in roles]
    return ordered


# -- the public functions -------------------------------------------------------------------------
#
# Each takes ``dataset``: None or "platform" for the platform's own processes, rebuilt from its
# tables; any other name for the processes imported into that dataset, re-emitted exactly as
# they were published (procure.ocds.stored). offset/limit count processes, not releases.


async def _processes(
    ocids: Sequence[str] | None, offset: int, limit: int | None
) -> list[list[dict[str, Any]]]:
    """The releases of each selected process, oldest process first."""
    settings = get_settings()
    references = None
    if ocids is not None:
        references = [ref for ref in (reference_of(ocid) for ocid in ocids) if ref is not None]
    tenders = await selectors.published_tenders(references=references, offset=offset, limit=limit)
    zone = ZoneInfo(settings.timezone)
    return [
        _Process(process, prefix=settings.ocid_prefix, zone=zone).build()
        for process in await selectors.processes(tenders)
    ]


#: Processes read and built per batch by the streaming paths (the export, the projection).
BATCH_SIZE = 200


async def process_batches(
    *, batch_size: int = BATCH_SIZE
) -> AsyncIterator[list[list[dict[str, Any]]]]:
    """The releases of every published process, oldest first, ``batch_size`` processes at a
    time: keyset pagination over the tender id, so memory holds one batch whatever the size."""
    settings = get_settings()
    zone = ZoneInfo(settings.timezone)
    after: int | None = None
    while True:
        tenders = await selectors.published_tenders(after_id=after, limit=batch_size)
        if not tenders:
            return
        after = tenders[-1]["id"]
        yield [
            _Process(process, prefix=settings.ocid_prefix, zone=zone).build()
            for process in await selectors.processes(tenders)
        ]
        if len(tenders) < batch_size:
            return


def builder() -> Callable[[Process], list[dict[str, Any]]]:
    """Builds a process's releases from its facts (selectors.processes), with the settings
    read once."""
    settings = get_settings()
    zone = ZoneInfo(settings.timezone)
    return lambda process: _Process(process, prefix=settings.ocid_prefix, zone=zone).build()


async def fact_batches(*, batch_size: int = BATCH_SIZE) -> AsyncIterator[list[Process]]:
    """The facts of every published process, oldest first, ``batch_size`` processes at a time
    (what process_batches builds the releases from)."""
    after: int | None = None
    while True:
        tenders = await selectors.published_tenders(after_id=after, limit=batch_size)
        if not tenders:
            return
        after = tenders[-1]["id"]
        yield await selectors.processes(tenders)
        if len(tenders) < batch_size:
            return


async def grouped_facts(ocids: Sequence[str]) -> list[Process]:
    """The facts of the selected published processes of the platform."""
    references = [ref for ref in (reference_of(ocid) for ocid in ocids) if ref is not None]
    return await selectors.processes(await selectors.published_tenders(references=references))


async def grouped_releases(*, ocids: Sequence[str] | None = None) -> list[list[dict[str, Any]]]:
    """The releases of the selected processes of the platform, one list per process."""
    return await _processes(ocids, 0, None)


async def releases(
    *,
    ocids: Sequence[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    dataset: str | None = None,
) -> list[dict[str, Any]]:
    """Every release of the selected processes (all of them by default), grouped by process and
    in date order within each (a dataset's: in the order they were imported). A tender whose
    deadline passed before the opening job ran shows no bids yet: they are still sealed."""
    if (name := imported_dataset(dataset)) is not None:
        selected = await stored_processes(name, ocids=ocids, offset=offset, limit=limit)
        return [release for process in selected for release in process.full_releases()]
    groups = await _processes(ocids, offset, limit)
    return [release for group in groups for release in group]


def compile_release(group: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release of one of the platform's processes (ocdsmerge's, built faster)."""
    return compile_platform(group)


async def compiled_releases(
    *,
    ocids: Sequence[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    dataset: str | None = None,
) -> list[dict[str, Any]]:
    """One compiled release per selected process: its present state (a dataset's: the compiled
    release as it was published, or compiled on import)."""
    if (name := imported_dataset(dataset)) is not None:
        selected = await stored_processes(name, ocids=ocids, offset=offset, limit=limit)
        return [process.compiled_release for process in selected]
    return [compile_release(group) for group in await _processes(ocids, offset, limit)]


async def records(
    *,
    ocids: Sequence[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    dataset: str | None = None,
) -> list[dict[str, Any]]:
    """One record per selected process: its releases (embedded; a dataset's: as published,
    embedded or linked) and its compiled release."""
    if (name := imported_dataset(dataset)) is not None:
        selected = await stored_processes(name, ocids=ocids, offset=offset, limit=limit)
        return [process.record() for process in selected]
    return [
        {"ocid": group[0]["ocid"], "releases": group, "compiledRelease": compile_release(group)}
        for group in await _processes(ocids, offset, limit)
    ]


async def process_count(dataset: str | None = None) -> int:
    """How many contracting processes the export holds."""
    if (name := imported_dataset(dataset)) is not None:
        return await stored_process_count(name)
    return await selectors.published_tender_count()


def package_metadata(uri: str | None = None, *, kind: str = "release-package") -> dict[str, Any]:
    """A package's metadata; without a URI (e.g. a file not yet published anywhere) the package
    is named by a URN of the ocid prefix and its kind."""
    settings = get_settings()
    return {
        "uri": uri or f"urn:{settings.ocid_prefix}:{kind}",
        "version": OCDS_VERSION,
        "extensions": [BIDS_EXTENSION_URL],
        "publishedDate": timestamp(clock.now()),
        "publisher": {"name": settings.ocds_publisher},
    }


async def release_package(
    *,
    uri: str | None = None,
    ocids: Sequence[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    dataset: str | None = None,
) -> dict[str, Any]:
    return {
        **package_metadata(uri),
        "releases": await releases(ocids=ocids, offset=offset, limit=limit, dataset=dataset),
    }


async def record_package(
    *,
    uri: str | None = None,
    ocids: Sequence[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    dataset: str | None = None,
) -> dict[str, Any]:
    return {
        **package_metadata(uri, kind="record-package"),
        "records": await records(ocids=ocids, offset=offset, limit=limit, dataset=dataset),
    }


# -- streaming a package to a file ----------------------------------------------------------------
#
# The package is written as json.dumps(package, ensure_ascii=False, indent=2) would write it, but
# one release (or record, or compiled release) at a time, read in batches: memory holds a batch.


def _dumps(data: Any, *, indent: int | None = None) -> str:
    return json.dumps(data, ensure_ascii=False, indent=indent)


def _member(data: Any) -> str:
    """An array member of an indent=2 package: its own indent=2 text, indented two levels."""
    # JSON text holds no raw line break inside a string: every one is indentation.
    return "    " + _dumps(data, indent=2).replace("\n", "\n    ")


async def _stream_groups(
    dataset: str | None, batch_size: int
) -> AsyncIterator[tuple[str, list[Any], dict[str, Any] | None]]:
    """(ocid, releases, stored compiled release or None) of each process, in export order."""
    if (name := imported_dataset(dataset)) is not None:
        async for stored in stored_process_batches(name, batch_size=batch_size):
            for process in stored:
                yield process.ocid, process.releases, process.compiled_release
        return
    async for groups in process_batches(batch_size=batch_size):
        for group in groups:
            yield group[0]["ocid"], group, None


async def write_package(
    write: Any,
    *,
    fmt: str = "release-package",
    uri: str | None = None,
    dataset: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> str:
    """Write the export in ``fmt`` through ``write(text)``, one item at a time; a summary line.

    The same text as dumping release_package()/record_package() whole with indent=2 (or, for
    "jsonl", one compiled release per line)."""
    imported = imported_dataset(dataset) is not None
    count = processes = 0
    if fmt == "jsonl":
        async for _ocid, group, compiled in _stream_groups(dataset, batch_size):
            release = compiled if imported else compile_release(group)
            write(_dumps(release) + "\n")
            count += 1
        return f"{count} compiled releases"
    kind = "records" if fmt == "record-package" else "releases"
    metadata = package_metadata(uri, kind=fmt)
    head = _dumps(metadata, indent=2)
    assert head.endswith("\n}")
    write(head[: -len("\n}")] + f',\n  "{kind}": [')
    async for ocid, group, compiled in _stream_groups(dataset, batch_size):
        processes += 1
        if fmt == "record-package":
            items: list[Any] = [
                {
                    "ocid": ocid,
                    "releases": list(group),
                    "compiledRelease": compiled if imported else compile_release(group),
                }
            ]
        else:
            items = (
                StoredProcess(ocid, group, compiled or {}).full_releases() if imported else group
            )
        for item in items:
            write(("\n" if count == 0 else ",\n") + _member(item))
            count += 1
    write("\n  ]\n}\n" if count else "]\n}\n")
    if fmt == "record-package":
        return f"{count} records"
    return f"{count} releases of {processes} contracting processes"

"""The demo district's remedies and acceptance (issue 15): a challenge rejected and complained
about, a challenge partly upheld and corrected, a 更正公告, a passed stage acceptance and an
objection to a settlement waiting for the finance department.

Like the rest of the demo every moment is counted from the moment the demo is loaded, and every
legal period with ``procure.calendar``, so the planted cases hold on any day: the challenges fall
inside their 7 working days, the complaint inside its 15 and its decision is still due. Each case
is written as the finished history the services would have left (the same tables, the approvals
of the maker–checker steps) and is skipped when it exists, so loading again adds nothing.

Nothing here suspends a procurement or completes a contract: tests build on the demo's tenders.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from procure import calendar
from procure.acceptance.selectors import fingerprint
from procure.acceptance.services import KIND as ACCEPTANCE_KIND
from procure.acceptance.tables import (
    Acceptance,
    AcceptanceItem,
    AcceptanceMember,
    AcceptanceRecipient,
    AcceptanceStatus,
    MemberKind,
    Opinion,
    RecipientKind,
    RequirementResult,
    Verdict,
)
from procure.approvals.tables import Approval, ApprovalStatus
from procure.bids.tables import Award
from procure.complaints.selectors import answer_deadline, complaint_deadline
from procure.complaints.tables import (
    Challenge,
    ChallengeStatus,
    ChallengeSubject,
    Complaint,
    ComplaintStatus,
    CorrectiveStep,
)
from procure.contracts.tables import Contract, ContractScopeLine
from procure.geography.tables import Community
from procure.performance.tables import ObjectionStatus, PerformanceScore
from procure.reports.periods import contract_periods
from procure.security.tables import User
from procure.tenders.services import AMEND, amendment_plan, notice_snapshot
from procure.tenders.tables import Tender, TenderAmendment

#: A result challenge rejected, then a complaint accepted and waiting for the decision: 启明星
#: (org2) lost 新塘街道's lowest-price training tender to 众创 (org4), whose contract is signed.
REJECTED: dict[str, Any] = {
    "tender": "ZB-2026-034",
    "contract": "HT-2026-022",
    "challenger": "org2",
    "handler": "buyer3",
    "regulator": "regulator",
    "grounds": (
        "中标人报价15.00万元,低于我单位报价7.4%,按60场培训测算每场仅2,500元,难以覆盖讲师、"
        "场地和教材成本;且中标人同期承接本街道社区社会组织孵化培育项目(HT-2026-021),"
        "项目团队存在重叠,可能影响履约质量。请求重新审查中标人报价的合理性和人员安排。"
    ),
    "evidence": "两项目响应文件中的人员配置表对照;本区同类培训项目近两年成交单价统计。",
    "answer": (
        "经审查,本项目采用最低评标价法,中标人报价未低于本项目其他有效报价的算术平均值的"
        "百分之五十,磋商小组未认定其报价明显低于成本,亦未要求其作出说明;中标人两个项目的"
        "项目团队分别列明,主讲讲师不重复,符合磋商文件第三章的人员要求。质疑事项缺乏事实"
        "依据,不予支持。"
    ),
    "complaint": (
        "采购人答复未说明磋商小组审查中标人报价合理性的具体过程,且未回应两项目共用项目"
        "主管的问题。请求财政部门调取磋商记录,审查中标结果是否合法。"
    ),
    "admissibility": "投诉人参与了本项目采购活动,已依法质疑,在投诉期内提起,投诉事项具体,予以受理。",
}

#: A result challenge partly upheld, the committee's re-check recorded as the corrective step:
#: 同心 (org3) about the composite scoring of the disability rehabilitation tender.
PARTLY_UPHELD: dict[str, Any] = {
    "tender": "ZB-2026-012",
    "contract": "HT-2026-011",
    "challenger": "org3",
    "handler": "buyer",
    "grounds": (
        "评标结果公告显示我单位价格分为17.60分,但我单位报价34.20万元为最低有效报价,依招标文件"
        "价格分应为满分20分;另,我单位提交的3项同类康复服务业绩未在“康复资源与类似经验”中计分。"
    ),
    "evidence": "评标结果公告截图;投标文件业绩证明材料第42—47页。",
    "answer": (
        "经组织原评标委员会复核:价格分汇总时误将贵单位报价取为含选配服务的38.86万元,"
        "贵单位价格分应为20.00分,该项质疑成立;同类业绩项,所附3项业绩中2项为培训类服务,"
        "不属于社区康复服务,评标委员会按招标文件标准计分无误,该项质疑不成立。更正计分后"
        "综合排名不变。"
    ),
    "correction": (
        "原评标委员会已于复核会议更正价格分汇总计算错误(财政部令第87号 第六十四条),"
        "更正后贵单位综合得分由74.16分调整为76.56分,排名仍为第三,中标结果维持;"
        "复核记录已存档并告知各投标人。"
    ),
}

#: A 更正公告 that does not affect bid preparation: the project year in the title was wrong.
AMENDMENT: dict[str, Any] = {
    "tender": "ZB-2026-041",
    "handler": "buyer2",
    "approver": "approver2",
    "title_before": "海湾街道2026年社区志愿服务队培育项目",
    "summary": "更正项目名称中的年度:“2026年”更正为“2027年”。其他内容不变,投标截止时间不变。",
}

#: The first quarter of the rehabilitation contract accepted with its recipients.
ACCEPTANCE: dict[str, Any] = {
    "contract": "HT-2026-011",
    "handler": "buyer",
    "approver": "approver",
    "members": [
        ("王敏", MemberKind.buyer_staff, "区民政局社会事务科"),
        ("周建华", MemberKind.expert, "区财政局评审专家库(康复服务)"),
        ("吴海涛", MemberKind.committee_member, "渔港社区居委会"),
    ],
    "recipients": [
        (
            "林秀英",
            "440319002001",
            RecipientKind.beneficiary,
            "139****2816",
            Opinion.satisfied,
            "康复师每周两次上门,孩子能扶着栏杆站立了,家长也学会了日常训练方法。",
        ),
        (
            "陈国平",
            "440319002002",
            RecipientKind.resident_representative,
            "136****0457",
            Opinion.basically_satisfied,
            "家属互助小组很受欢迎,但有两场活动通知较晚,希望提前一周通知。",
        ),
    ],
    "items": {
        1: (
            RequirementResult.met,
            "第一季度按计划完成社区康复训练服务时数,个案康复评估记录完整。",
            "服务台账、签到表、康复评估记录、居委会抽查记录",
        ),
        2: (
            RequirementResult.partly_met,
            "计划10场家属互助小组活动,完成9场;1场因台风停课顺延至第二季度。",
            "活动签到表、照片、顺延通知",
        ),
    },
    "conclusion": (
        "第一季度社区康复训练服务达到合同要求,家属互助小组活动基本达到要求(1场顺延至第二"
        "季度补足),服务对象评价满意,本阶段验收合格。"
    ),
}

#: An objection lodged against the latest settled period of the terminated contract.
OBJECTION: dict[str, Any] = {
    "contract": "HT-2026-003",
    "organization_user": "org3",
    "grounds": (
        "合同于该月中旬解除,本机构实际履约不足一个月,但交付率仍按全月计划量计算;解除前已"
        "完成的禾田社区入户采集数据已移交街道,未计入交付量。请求按实际履约天数折算交付率并"
        "重新评定等级。"
    ),
}


class RemedyLoader:
    def __init__(self, now: datetime, zone: ZoneInfo) -> None:
        self.now = now
        self.zone = zone
        self.today = now.astimezone(zone).date()
        self.created: Counter[str] = Counter()

    def moment(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=self.zone).astimezone(UTC)

    def before_now(self, moment: datetime, *, margin: timedelta = timedelta(hours=1)) -> datetime:
        """``moment``, or ``margin`` before the demo's now if that is earlier (whole minutes)."""
        return min(moment, (self.now - margin).replace(second=0, microsecond=0))

    async def load(self) -> Counter[str]:
        await self.rejected_and_complained()
        await self.partly_upheld()
        await self.tender_amendment()
        await self.stage_acceptance()
        await self.settlement_objection()
        return self.created

    # -- lookups ---------------------------------------------------------------------------

    async def _user(self, username: str) -> dict[str, Any]:
        row = await User.select().where(User.username == username).first()
        assert row is not None, username
        return row

    async def _tender(self, reference: str) -> dict[str, Any] | None:
        return await Tender.select().where(Tender.reference == reference).first()

    async def _contract(self, reference: str) -> dict[str, Any] | None:
        return await Contract.select().where(Contract.reference == reference).first()

    async def _award_at(self, tender_id: int) -> datetime | None:
        award = await Award.select(Award.decided_at).where(Award.tender == tender_id).first()
        return None if award is None else award["decided_at"]

    async def _approval(
        self,
        *,
        department: int,
        kind: str,
        subject: tuple[str, int],
        summary: str,
        payload: dict[str, Any],
        requested_by: int,
        decided_by: int,
        decided_at: datetime,
    ) -> int:
        rows = await Approval.insert(
            Approval(
                department=department,
                kind=kind,
                subject_type=subject[0],
                subject_id=str(subject[1]),
                summary=summary,
                payload=payload,
                status=ApprovalStatus.approved,
                requested_by=requested_by,
                requested_at=decided_at - timedelta(hours=2),
                decided_by=decided_by,
                decided_at=decided_at,
            )
        )
        self.created["approval"] += 1
        return int(rows[0]["id"])

    async def _challenge(
        self,
        spec: dict[str, Any],
        tender: dict[str, Any],
        award_at: datetime,
        filed_at: datetime,
        values: dict[str, Any],
    ) -> int:
        challenger = await self._user(spec["challenger"])
        handler = await self._user(spec["handler"])
        rows = await Challenge.insert(
            Challenge(
                tender=tender["id"],
                organization=challenger["organization"],
                filed_by=challenger["id"],
                subject=ChallengeSubject.result,
                grounds=spec["grounds"],
                evidence=spec["evidence"],
                filed_at=filed_at,
                knew_on=calendar.local_day(award_at),
                answer=spec["answer"],
                answered_by=handler["id"],
                **values,
            )
        )
        self.created["challenge"] += 1
        return int(rows[0]["id"])

    async def _challenged(self, tender_id: int, username: str) -> bool:
        challenger = await self._user(username)
        return await Challenge.exists().where(
            (Challenge.tender == tender_id)
            & (Challenge.organization == challenger["organization"])
            & (Challenge.subject == ChallengeSubject.result)
        )

    # -- 1. rejected, then complained about --------------------------------------------------

    async def rejected_and_complained(self) -> None:
        """Challenged two working days after the award notice, answered (rejected) four working
        days later; the challenger complains the working day after the contract was signed
        and the finance department accepts the complaint the next working day."""
        spec = REJECTED
        tender = await self._tender(spec["tender"])
        contract = await self._contract(spec["contract"])
        if tender is None or contract is None or contract["signed_at"] is None:
            return
        award_at = await self._award_at(tender["id"])
        if award_at is None or await self._challenged(tender["id"], spec["challenger"]):
            return
        knew = calendar.local_day(award_at)
        filed_at = self.moment(calendar.add_workdays(knew, 2), 10)
        answered_at = self.moment(calendar.add_workdays(calendar.local_day(filed_at), 4), 16)
        if not (
            filed_at < calendar.deadline("challenge", award_at).ends_at
            and answered_at < answer_deadline({"filed_at": filed_at}).ends_at
            and answered_at < contract["signed_at"]
        ):
            return  # the demo's dates leave no room for this history
        signed_on = calendar.local_day(contract["signed_at"])
        complained_at = self.before_now(
            self.moment(calendar.add_workdays(signed_on, 1), 10), margin=timedelta(hours=3)
        )
        complained_at = max(complained_at, contract["signed_at"] + timedelta(hours=1))
        admitted_at = max(
            complained_at + timedelta(hours=1),
            self.before_now(
                self.moment(calendar.add_workdays(calendar.local_day(complained_at), 1), 15)
            ),
        )
        if complained_at >= complaint_deadline({"filed_at": filed_at}).ends_at:
            return  # the complaint would be late
        challenge_id = await self._challenge(
            spec,
            tender,
            award_at,
            filed_at,
            {"status": ChallengeStatus.rejected, "answered_at": answered_at},
        )
        challenger = await self._user(spec["challenger"])
        regulator = await self._user(spec["regulator"])
        await Complaint.insert(
            Complaint(
                challenge=challenge_id,
                tender=tender["id"],
                organization=challenger["organization"],
                filed_by=challenger["id"],
                status=ComplaintStatus.accepted,
                grounds=spec["complaint"],
                filed_at=complained_at,
                admissibility_reason=spec["admissibility"],
                admitted_by=regulator["id"],
                admitted_at=admitted_at,
            )
        )
        self.created["complaint"] += 1

    # -- 2. partly upheld and corrected ------------------------------------------------------

    async def partly_upheld(self) -> None:
        """Challenged, partly upheld (the committee re-checks its scores) and the re-check
        recorded as taken, all before the contract was signed."""
        spec = PARTLY_UPHELD
        tender = await self._tender(spec["tender"])
        contract = await self._contract(spec["contract"])
        if tender is None or contract is None or contract["signed_at"] is None:
            return
        award_at = await self._award_at(tender["id"])
        if award_at is None or await self._challenged(tender["id"], spec["challenger"]):
            return
        filed_at = self.moment(calendar.add_workdays(calendar.local_day(award_at), 2), 10)
        answered_at = self.moment(calendar.add_workdays(calendar.local_day(filed_at), 3), 16)
        corrected_at = min(
            self.moment(calendar.add_workdays(calendar.local_day(answered_at), 2), 17),
            contract["signed_at"] - timedelta(hours=1),
        )
        if not (
            filed_at < calendar.deadline("challenge", award_at).ends_at
            and filed_at < answered_at < corrected_at < contract["signed_at"]
        ):
            return
        handler = await self._user(spec["handler"])
        await self._challenge(
            spec,
            tender,
            award_at,
            filed_at,
            {
                "status": ChallengeStatus.corrected,
                "answered_at": answered_at,
                "corrective_step": CorrectiveStep.re_evaluate,
                "correction_note": spec["correction"],
                "corrected_by": handler["id"],
                "corrected_at": corrected_at,
            },
        )

    # -- 3. a 更正公告 that does not affect preparation ---------------------------------------

    async def tender_amendment(self) -> None:
        """The handler corrects the year in the title the working day after publication; the
        approver publishes it. A title does not affect bid preparation: the deadlines stay."""
        spec = AMENDMENT
        tender = await self._tender(spec["tender"])
        if tender is None or tender["published_at"] is None:
            return
        if await TenderAmendment.exists().where(TenderAmendment.tender == tender["id"]):
            return
        published_on = calendar.local_day(tender["published_at"])
        published_at = self.before_now(self.moment(calendar.add_workdays(published_on, 1), 15))
        if published_at <= tender["published_at"] or published_at >= tender["submission_deadline"]:
            return
        notice = await notice_snapshot(tender)
        before = {**notice, "title": spec["title_before"]}
        proposal = {"title": tender["title"]}
        plan = amendment_plan(tender, before, proposal, declared_affecting=False, now=published_at)
        assert not plan["affects_preparation"] and not plan["deadline_moved"]
        handler = await self._user(spec["handler"])
        approver = await self._user(spec["approver"])
        approval_id = await self._approval(
            department=tender["department"],
            kind=AMEND,
            subject=("tender", tender["id"]),
            summary=f"更正公告 {tender['reference']}《{spec['title_before']}》：{spec['summary']}",
            payload={
                "summary": spec["summary"],
                "affects_preparation": False,
                "proposal": proposal,
            },
            requested_by=handler["id"],
            decided_by=approver["id"],
            decided_at=published_at,
        )
        await TenderAmendment.insert(
            TenderAmendment(
                tender=tender["id"],
                number=1,
                summary=spec["summary"],
                affects_preparation=False,
                changes=plan["changes"],
                before=before,
                submission_deadline_before=tender["submission_deadline"],
                submission_deadline_after=plan["submission_deadline"],
                clarification_deadline_before=tender["clarification_deadline"],
                clarification_deadline_after=plan["clarification_deadline"],
                deadline_moved=False,
                rule=plan["rule"],
                resubmission_required=False,
                bids_to_reconfirm=0,
                approval_id=approval_id,
                requested_by=handler["id"],
                approved_by=approver["id"],
                published_at=published_at,
            )
        )
        self.created["tender_amendment"] += 1

    # -- 4. a passed stage acceptance -------------------------------------------------------

    async def stage_acceptance(self) -> None:
        """The contract's first reporting period accepted a few working days after it ended,
        by a group of three, with two service recipients heard; an approver other than the
        handler confirmed it (合格). Not the final stage: the contract goes on."""
        spec = ACCEPTANCE
        contract = await self._contract(spec["contract"])
        if contract is None or contract["status"] != "active":
            return
        periods = contract_periods(
            contract["starts_on"], contract["ends_on"], contract["reporting_frequency"], 0
        )
        first = periods[0]
        if len(periods) < 2 or first.ends_on >= self.today:
            return
        if await Acceptance.exists().where(
            (Acceptance.contract == contract["id"]) & (Acceptance.stage == first.label)
        ):
            return
        accepted_on = min(calendar.add_workdays(first.ends_on, 5), self.today)
        recorded_at = self.before_now(self.moment(accepted_on, 17))
        confirmed_at = max(
            recorded_at + timedelta(hours=1),
            self.before_now(self.moment(calendar.add_workdays(accepted_on, 2), 10)),
        )
        handler = await self._user(spec["handler"])
        approver = await self._user(spec["approver"])
        rows = await Acceptance.insert(
            Acceptance(
                contract=contract["id"],
                stage=first.label,
                final=False,
                attempt=1,
                # Written as the approval below confirmed it (合格).
                status=AcceptanceStatus.passed,
                accepted_on=accepted_on,
                result=Verdict.passed,
                conclusion=spec["conclusion"],
                prepared_by=handler["id"],
                confirmed_by=approver["id"],
                confirmed_at=confirmed_at,
                created_at=recorded_at - timedelta(hours=2),
            )
        )
        acceptance_id = int(rows[0]["id"])
        self.created["acceptance"] += 1
        await AcceptanceMember.insert(
            *[
                AcceptanceMember(
                    acceptance=acceptance_id, name=name, kind=kind, affiliation=affiliation
                )
                for name, kind, affiliation in spec["members"]
            ]
        )
        for line in await ContractScopeLine.select(
            ContractScopeLine.id, ContractScopeLine.line_no
        ).where(ContractScopeLine.contract == contract["id"]):
            result, notes, evidence = spec["items"][line["line_no"]]
            await AcceptanceItem.insert(
                AcceptanceItem(
                    acceptance=acceptance_id,
                    scope_line=line["id"],
                    line_no=line["line_no"],
                    result=result,
                    notes=notes,
                    evidence=evidence,
                    recorded_by=handler["id"],
                    recorded_at=recorded_at,
                )
            )
        for name, code, kind, contact, opinion, comment in spec["recipients"]:
            community = await Community.select(Community.id).where(Community.code == code).first()
            assert community is not None, code
            await AcceptanceRecipient.insert(
                AcceptanceRecipient(
                    acceptance=acceptance_id,
                    name=name,
                    community=community["id"],
                    kind=kind,
                    contact_masked=contact,
                    opinion=opinion,
                    comment=comment,
                    recorded_by=handler["id"],
                    recorded_at=recorded_at,
                )
            )
        await self._approval(
            department=contract["department"],
            kind=ACCEPTANCE_KIND,
            subject=("acceptance", acceptance_id),
            summary=f"合同 {contract['reference']} 履约验收({first.label})结果:合格",
            payload={
                "result": Verdict.passed,
                "conclusion": spec["conclusion"],
                "fingerprint": await fingerprint(acceptance_id),
            },
            requested_by=handler["id"],
            decided_by=approver["id"],
            decided_at=confirmed_at,
        )

    # -- 5. an objection waiting for the finance department ------------------------------------

    async def settlement_objection(self) -> None:
        """The organization objected to the latest settled period within its objection period;
        the finance department has not decided (its effects wait)."""
        spec = OBJECTION
        contract = await self._contract(spec["contract"])
        if contract is None:
            return
        settled = (
            await PerformanceScore.select()
            .where(PerformanceScore.contract == contract["id"])
            .order_by(PerformanceScore.period, ascending=False)
            .first()
        )
        if settled is None or settled["objection"] != ObjectionStatus.none:
            return
        user = await self._user(spec["organization_user"])
        if user["organization"] != contract["organization"]:
            return
        settled_at: datetime = settled["settled_at"]
        window = calendar.deadline("settlement_objection", settled_at)
        objected_at = min(
            self.moment(calendar.add_workdays(calendar.local_day(settled_at), 2), 11),
            window.ends_at - timedelta(hours=1),
            self.before_now(self.now, margin=timedelta(minutes=30)),
        )
        objected_at = max(objected_at, settled_at + timedelta(minutes=30))
        await PerformanceScore.update(
            {
                PerformanceScore.objection_ends_at: window.ends_at,
                PerformanceScore.objection_provisional: window.provisional,
                PerformanceScore.objection: ObjectionStatus.lodged,
                PerformanceScore.objection_grounds: spec["grounds"],
                PerformanceScore.objected_by: user["id"],
                PerformanceScore.objected_at: objected_at,
            }
        ).where(
            (PerformanceScore.id == settled["id"])
            & (PerformanceScore.objection == ObjectionStatus.none)
        )
        self.created["settlement_objection"] += 1


async def load_remedies(now: datetime, zone: ZoneInfo) -> Counter[str]:
    """Plant what is missing of the remedies and acceptance cases; returns what was created."""
    return await RemedyLoader(now, zone).load()

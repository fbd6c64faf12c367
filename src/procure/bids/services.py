"""Writes about bids: sealed submission, withdrawal, opening at the deadline, explanations of
abnormally low prices, disqualification, technical scores and the award."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns import Column

from procure import calendar, clock
from procure.approvals.services import approval_request, executes
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.bids.costfloor import LineGap, district_rates, volunteer_hours_allowed
from procure.bids.schemas import BidIn, Receipt
from procure.bids.scoring import LowBidFinding, LowBidThresholds, abnormally_low
from procure.bids.sealing import receipt_hash, seal, unseal
from procure.bids.selectors import floor_gaps
from procure.bids.states import BID, BID_NOT_FOUND, BidStep
from procure.bids.tables import (
    Award,
    Bid,
    BidCostPlan,
    BidLine,
    BidStaffRole,
    BidStatus,
    TechnicalScore,
)
from procure.committees.selectors import committee_of, majority, seated_member
from procure.committees.tables import CommitteeStatus, MemberStatus, MemberVote, VoteQuestion
from procure.complaints.selectors import Stage, procurement_refusal
from procure.db import lock_rows, transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_, yuan
from procure.jobs import SubjectType, Trigger, record_event
from procure.keyring import get_keyring
from procure.lifecycle import advance, advance_all
from procure.organizations.selectors import bidding_obstacles
from procure.organizations.tables import Organization
from procure.policy import get_policy
from procure.security.actors import Actor
from procure.settings import get_settings
from procure.tenders.services import own_tender
from procure.tenders.states import (
    ACCEPTING_BIDS,
    TENDER_NOT_FOUND,
    CriterionKind,
    ProcurementMethod,
    TenderStatus,
)
from procure.tenders.tables import EvaluationCriterion, ScopeLine, Tender, TenderAmendment
from procure.tenders.transitions import TENDER, TenderStep

LIVE = (BidStatus.opened, BidStatus.valid, BidStatus.explanation_requested)


def sealed_until(deadline: datetime) -> str:
    """Audit events of a sealed bid carry this; the log shows them redacted until then."""
    return deadline.astimezone(UTC).isoformat()


async def _lock_open_tender(tender_id: int, received_at: datetime) -> dict[str, Any]:
    """The tender row, locked for this transaction while it accepts bids.

    The no-op UPDATE takes the row lock that the opening also takes, so a bid is either in
    before the opening or refused after it — never lost in between.
    """
    locked = await lock_rows(
        Tender.status, (Tender.id == tender_id) & Tender.status.is_in(list(ACCEPTING_BIDS))
    ).returning(Tender.id)
    tender = await Tender.select().where(Tender.id == tender_id).first()
    if tender is None or tender["published_at"] is None:
        raise NotFound(TENDER_NOT_FOUND, id=tender_id)
    deadline = tender["submission_deadline"]
    if not locked or received_at >= deadline:
        raise Conflict(
            N_(
                "bids closed at the submission deadline %(deadline)s; this request reached the "
                "server at %(received)s"
            ),
            deadline=deadline.isoformat(),
            received=received_at.isoformat(),
        )
    return tender


async def _check_lines(tender: dict[str, Any], data: BidIn) -> None:
    scope = {
        row["line_no"]
        for row in await ScopeLine.select(ScopeLine.line_no).where(ScopeLine.tender == tender["id"])
    }
    given = [line.line_no for line in data.lines]
    if len(set(given)) != len(given):
        raise InvalidInput("lines", N_("each scope line may be priced once"))
    if set(given) != scope:
        raise InvalidInput(
            "lines",
            N_("price every scope line once: expected lines %(expected)s, got %(given)s"),
            expected=sorted(scope),
            given=sorted(given),
        )
    line_sum = sum(line.price_fen for line in data.lines)
    if line_sum != data.total_fen:
        raise InvalidInput(
            "lines",
            N_("the line prices add up to %(lines)s, not the total %(total)s"),
            lines=yuan(line_sum, "en"),
            total=yuan(data.total_fen, "en"),
        )
    if data.total_fen > tender["ceiling_fen"]:
        raise InvalidInput(
            "total_fen",
            N_("%(total)s exceeds the budget ceiling of %(ceiling)s"),
            total=yuan(data.total_fen, "en"),
            ceiling=yuan(tender["ceiling_fen"], "en"),
        )
    _check_cost_plan(scope, data)


def _check_cost_plan(scope: set[int], data: BidIn) -> None:
    """A plan, when given, covers every scope line once and keeps volunteers within the cap."""
    if not data.cost_plan:
        return
    planned = [plan.line_no for plan in data.cost_plan]
    if len(set(planned)) != len(planned) or set(planned) != scope:
        raise InvalidInput(
            "cost_plan",
            N_(
                "give one staffing and cost plan per scope line: expected lines %(expected)s, "
                "got %(given)s"
            ),
            expected=sorted(scope),
            given=planned,
        )
    share = get_policy().procurement.cost_floor.volunteer_share_max_percent
    for plan in data.cost_plan:
        if not volunteer_hours_allowed(plan.as_plan(), share):
            raise InvalidInput(
                "cost_plan",
                N_(
                    "line %(line)s: volunteers may carry at most %(share)s%% of the line's staff "
                    "hours; declare fewer volunteer hours or more paid hours"
                ),
                line=plan.line_no,
                share=share,
            )


def canonical_content(tender: dict[str, Any], credit_code: str, data: BidIn) -> dict[str, Any]:
    """What the receipt hashes and the envelope seals."""
    content: dict[str, Any] = {
        "tender": tender["reference"],
        "organization": credit_code,
        "total_fen": data.total_fen,
        "lines": [line.model_dump() for line in sorted(data.lines, key=lambda line: line.line_no)],
        "technical_proposal": data.technical_proposal,
        "staffing_plan": data.staffing_plan,
        "attachments": [a.model_dump() for a in data.attachments],
    }
    # A bid without a plan seals exactly what it sealed before plans existed, so receipts
    # computed by the published recipe (docs) stay valid.
    if data.cost_plan:
        content["cost_plan"] = [
            plan.model_dump() for plan in sorted(data.cost_plan, key=lambda plan: plan.line_no)
        ]
    return content


async def bid_submit(
    *, actor: Actor, tender_id: int, data: BidIn, received_at: datetime | None = None
) -> Receipt:
    """Submit or replace the organization's sealed bid; refused at and after the deadline."""
    received_at = received_at or clock.now()
    if actor.organization_id is None:
        raise NotFound(N_("only an organization bids"))
    local_day = received_at.astimezone(ZoneInfo(get_settings().timezone)).date()
    obstacles = await bidding_obstacles(actor.organization_id, on=local_day)
    if obstacles:
        raise Conflict(
            N_("this organization cannot bid: %(obstacles)s"),
            obstacles="; ".join(o.message_en for o in obstacles),
        )
    organization = (
        await Organization.select(Organization.credit_code)
        .where(Organization.id == actor.organization_id)
        .first()
    )
    assert organization is not None
    async with transaction():
        tender = await _lock_open_tender(tender_id, received_at)
        await _check_lines(tender, data)
        content = canonical_content(tender, organization["credit_code"], data)
        key = get_keyring().unwrap(tender["wrapped_bid_key"], tender["bid_key_version"])
        sealed = seal(
            key, tender_id=tender_id, organization_id=actor.organization_id, content=content
        )
        existing = (
            await Bid.select(Bid.id, Bid.version, Bid.status)
            .where((Bid.tender == tender_id) & (Bid.organization == actor.organization_id))
            .first()
        )
        values: dict[str, Any] = {
            "sealed_content": sealed.ciphertext,
            "nonce": sealed.nonce,
            "content_sha256": sealed.content_sha256,
            "submitted_at": received_at,
            "withdrawn_at": None,
        }
        audit = {
            "tender": tender_id,
            "receipt": sealed.content_sha256,
            "sealed_until": sealed_until(tender["submission_deadline"]),
        }
        if existing is None:
            version = 1
            rows = await Bid.insert(
                Bid(
                    tender=tender_id,
                    organization=actor.organization_id,
                    status=BidStatus.submitted,
                    version=1,
                    **values,
                )
            )
            bid_id = rows[0]["id"]
            await record(
                actor=actor,
                action=AuditAction.bid_submitted,
                subject_type="bid",
                subject_id=bid_id,
                data={**audit, "version": version},
            )
        else:
            # A new sealed version replaces the submitted (or withdrawn) one.
            version = existing["version"] + 1
            bid_id = existing["id"]
            changes: dict[Column | str, Any] = {"version": version}
            changes.update((key, value) for key, value in values.items())
            if existing["status"] == BidStatus.reconfirmation_required:
                changes["reconfirmed_at"] = received_at  # a new sealed bid confirms it
            await advance(
                BID,
                row_id=bid_id,
                action=BidStep.resubmit,
                actor=actor,
                values=changes,
                audit_data={**audit, "version": version},
            )
    return Receipt(
        tender_reference=tender["reference"],
        version=version,
        content_sha256=sealed.content_sha256,
        received_at=received_at,
    )


async def bid_withdraw(*, actor: Actor, tender_id: int) -> None:
    """Withdraw the organization's own submitted bid before the deadline (BID withdraw)."""
    received_at = clock.now()
    if actor.organization_id is None:
        raise NotFound(N_("only an organization bids"))
    async with transaction():
        tender = await _lock_open_tender(tender_id, received_at)
        mine = (Bid.tender == tender_id) & (Bid.organization == actor.organization_id)
        bid = await Bid.select(Bid.id).where(mine).first()
        if bid is None:
            raise NotFound(N_("you have no submitted bid on this tender"))
        await advance(
            BID,
            row_id=bid["id"],
            action=BidStep.withdraw,
            actor=actor,
            where=mine,
            values={Bid.withdrawn_at: received_at},
            audit_data={
                "tender": tender_id,
                "sealed_until": sealed_until(tender["submission_deadline"]),
            },
        )


async def bid_reconfirm(*, actor: Actor, tender_id: int) -> None:
    """The organization confirms that its sealed bid stands under the tender's latest
    correction (更正公告) that can affect bid preparation; before the deadline only. After a
    lowered ceiling a sealed bid may exceed it: then only a new sealed bid confirms."""
    received_at = clock.now()
    if actor.organization_id is None:
        raise NotFound(N_("only an organization bids"))
    async with transaction():
        tender = await _lock_open_tender(tender_id, received_at)
        mine = (Bid.tender == tender_id) & (Bid.organization == actor.organization_id)
        bid = await Bid.select(Bid.id, Bid.status, Bid.submitted_at).where(mine).first()
        if bid is None:
            raise NotFound(N_("you have no bid on this tender"))
        if bid["status"] != BidStatus.reconfirmation_required:
            raise Conflict(
                N_("this bid is %(status)s: there is nothing to re-confirm"),
                status=BidStatus(bid["status"]),
            )
        lowered = (
            await TenderAmendment.select(TenderAmendment.number)
            .where(
                (TenderAmendment.tender == tender_id)
                & (TenderAmendment.published_at > bid["submitted_at"])
                & TenderAmendment.resubmission_required.eq(True)
            )
            .first()
        )
        if lowered is not None:
            raise Conflict(
                N_(
                    "correction no. %(number)s lowered the budget ceiling: submit a new sealed "
                    "bid instead of confirming this one"
                ),
                number=lowered["number"],
            )
        await advance(
            BID,
            row_id=bid["id"],
            action=BidStep.reconfirm,
            actor=actor,
            where=mine,
            values={Bid.reconfirmed_at: received_at},
            audit_data={
                "tender": tender_id,
                "sealed_until": sealed_until(tender["submission_deadline"]),
            },
        )


async def open_due_bids(tender_id: int) -> bool:
    """Open the bids of a tender whose deadline has passed; idempotent, safe to call from any
    request, so the deadline takes effect without a scheduler. Returns whether it opened now.

    The TENDER open step is the compare-and-set only one caller wins; the winner opens every
    submitted bid (BID open, in bulk) and records one bids_opened event listing them.
    """
    now = clock.now()
    tender = (
        await Tender.select(Tender.status, Tender.submission_deadline)
        .where(Tender.id == tender_id)
        .first()
    )
    if (
        tender is None
        or tender["status"] not in ACCEPTING_BIDS
        or now < tender["submission_deadline"]
    ):
        return False
    try:
        async with transaction():
            await _open(tender_id, now)
            await record_event(Trigger.bids_opened, {SubjectType.tender: [tender_id]})
    except Conflict:
        return False  # someone else opened it first
    return True


async def _open(tender_id: int, now: datetime) -> None:
    # Take the tender's row lock first (as a bid does), so a bid that reached the server before
    # the deadline is either in the list read below or was refused: never lost in between.
    if not (
        await lock_rows(
            Tender.status, (Tender.id == tender_id) & Tender.status.is_in(list(ACCEPTING_BIDS))
        ).returning(Tender.id)
    ):
        raise Conflict(N_("tender %(tender)s is already opened"), tender=tender_id)
    tender = await Tender.select().where(Tender.id == tender_id).first()
    assert tender is not None
    # Bids not re-confirmed after a correction that can affect preparation stay sealed and
    # take no part (财政部令第87号 第二十七条 with the tender's correction).
    lapsed = await advance_all(BID, where=Bid.tender == tender_id, action=BidStep.lapse)
    key = get_keyring().unwrap(tender["wrapped_bid_key"], tender["bid_key_version"])
    to_open = BID.step_for(BidStep.open)
    contents = {}
    for bid in await Bid.select().where(
        (Bid.tender == tender_id) & Bid.status.is_in(sorted(to_open.sources))
    ):
        content = unseal(
            key,
            tender_id=tender_id,
            organization_id=bid["organization"],
            nonce=bid["nonce"],
            ciphertext=bid["sealed_content"],
        )
        if (
            receipt_hash(content) != bid["content_sha256"]
        ):  # pragma: no cover - AES-GCM already authenticates
            raise RuntimeError(f"bid {bid['id']} does not match its receipt")
        contents[bid["id"]] = (bid, content)
    opened = [
        {"bid": bid_id, "total_fen": content["total_fen"], "receipt": bid["content_sha256"]}
        for bid_id, (bid, content) in contents.items()
    ]
    tender = await advance(
        TENDER,
        row_id=tender_id,
        action=TenderStep.open,
        actor=None,
        audit_data={"at": now.isoformat(), "bids": opened, "not_reconfirmed": lapsed},
    )
    # The bids' open step, in bulk: every bid still submitted when the tender opened.
    await advance_all(
        BID,
        where=Bid.tender == tender_id,
        action=BidStep.open,
        values={Bid.opened_at: tender["submission_deadline"]},
    )
    lines = {
        row["line_no"]: row["id"]
        for row in await ScopeLine.select(ScopeLine.id, ScopeLine.line_no).where(
            ScopeLine.tender == tender_id
        )
    }
    for bid_id, (_bid, content) in contents.items():
        await Bid.update({Bid.total_fen: content["total_fen"]}).where(Bid.id == bid_id)
        plans = {plan["line_no"]: plan for plan in content.get("cost_plan", [])}
        for line in content["lines"]:
            written = await BidLine.insert(
                BidLine(bid=bid_id, scope_line=lines[line["line_no"]], price_fen=line["price_fen"])
            ).returning(BidLine.id)
            plan = plans.get(line["line_no"])
            if plan is not None:
                await store_cost_plan(written[0]["id"], plan)
    await _unsuccessful_if_too_few(tender, len(opened), "at opening")


async def store_cost_plan(bid_line_id: int, plan: dict[str, Any]) -> None:
    """Write an opened line's staffing and cost plan (its sealed ``cost_plan`` entry); the opening
    calls it inside its transaction, the demo loader for the opened bids it plants."""
    written = await BidCostPlan.insert(
        BidCostPlan(
            bid_line=bid_line_id,
            materials_fen=plan["materials_fen"],
            volunteer_hours=plan["volunteer_hours"],
        )
    ).returning(BidCostPlan.id)
    if plan["roles"]:
        await BidStaffRole.insert(
            *(BidStaffRole(cost_plan=written[0]["id"], **role) for role in plan["roles"])
        )


async def _unsuccessful_if_too_few(tender: dict[str, Any], live_bids: int, when: str) -> bool:
    """Too few live bids for the method (policy.toml minimum_valid_bids): TENDER fail."""
    minimum = get_policy().procurement.minimum_valid_bids[ProcurementMethod(tender["method"])]
    if live_bids >= minimum:
        return False
    await advance(
        TENDER,
        row_id=tender["id"],
        action=TenderStep.fail,
        actor=None,
        audit_data={"valid_bids": live_bids, "minimum": minimum, "when": when},
    )
    return True


async def _tender_in(actor: Actor, tender_id: int, *statuses: TenderStatus) -> dict[str, Any]:
    tender = await own_tender(actor, tender_id)
    if tender["status"] not in statuses:
        raise Conflict(
            N_("tender is %(status)s; this needs %(needs)s"),
            status=TenderStatus(tender["status"]),
            needs=list(statuses),
        )
    return tender


async def _member_tender(actor: Actor, tender_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The tender under evaluation and the actor's seat on its seated committee; a member who
    stepped aside, an alternate or an outsider gets 404, a committee still declaring 409."""
    committee, member = await seated_member(actor, tender_id)
    tender = await Tender.select().where(Tender.id == tender_id).first()
    assert tender is not None
    if tender["status"] != TenderStatus.evaluation:
        raise Conflict(
            N_("tender is %(status)s, not under evaluation"),
            status=TenderStatus(tender["status"]),
        )
    if committee["status"] != CommitteeStatus.seated or member["status"] != MemberStatus.seated:
        raise Conflict(
            N_(
                "the evaluation report is being confirmed: scores and decisions are final "
                "(财政部令第87号 Art. 62)"
            )
        )
    return tender, member | {"size": committee["size"]}


async def evaluation_start(*, actor: Actor, tender_id: int) -> list[int]:
    """Start evaluation once the committee is seated: abnormally low bids must explain
    themselves first (87号令 Art. 60, 财库〔2026〕2号 triggers)."""
    await open_due_bids(tender_id)
    async with transaction():
        tender = await _tender_in(actor, tender_id, TenderStatus.opened)
        committee = await committee_of(tender_id)
        if committee is None or committee["status"] != CommitteeStatus.seated:
            raise Conflict(
                N_(
                    "the evaluation committee is not seated: draw it and let every member "
                    "declare 回避 first (财政部令第87号 Art. 47, 48)"
                )
            )
        bids = await Bid.select(Bid.id, Bid.total_fen).where(
            (Bid.tender == tender_id) & (Bid.status == BidStatus.opened)
        )
        rules = get_policy().procurement.abnormally_low
        findings = await low_bid_findings(
            {b["id"]: b["total_fen"] for b in bids}, ceiling_fen=tender["ceiling_fen"]
        )
        due = clock.now() + timedelta(hours=rules.explanation_hours)
        await advance(
            TENDER,
            row_id=tender_id,
            action=TenderStep.start_evaluation,
            actor=actor,
            audit_data={
                "bids": len(bids),
                "explanations_requested": [f.bid_id for f in findings],
            },
        )
        flagged = {f.bid_id: f for f in findings}
        for bid in bids:
            finding = flagged.get(bid["id"])
            if finding is None:
                await advance(BID, row_id=bid["id"], action=BidStep.admit, actor=actor)
                continue
            await advance(
                BID,
                row_id=bid["id"],
                action=BidStep.request_explanation,
                actor=actor,
                values={Bid.explanation_due_at: due},
                audit_data={
                    "reasons": list(finding.reasons),
                    "evidence": dict(finding.evidence),
                    "due": due.isoformat(),
                },
            )
        if findings:
            # The organizations are told (procure.notifications): the explanation period runs.
            await record_event(
                Trigger.explanation_requested,
                {SubjectType.tender: [tender_id], SubjectType.bid: [f.bid_id for f in findings]},
            )
    return [f.bid_id for f in findings]


async def low_bid_findings(
    prices: dict[int, int], *, ceiling_fen: int | None
) -> list[LowBidFinding]:
    """The opened bids (id → total price) that must explain their price when the evaluation
    starts: the relative triggers of [procurement.abnormally_low] and the district cost floor
    (87号令 Art. 60), each with its reasons and evidence."""
    rules = get_policy().procurement.abnormally_low
    thresholds = LowBidThresholds(
        rules.below_mean_of_others, rules.lowest_below_second, rules.below_ceiling
    )
    return _with_cost_floor(
        abnormally_low(prices, ceiling_fen=ceiling_fen, thresholds=thresholds),
        await floor_gaps(list(prices), district_rates()),
    )


def _with_cost_floor(
    findings: list[LowBidFinding], gaps: dict[int, list[LineGap]]
) -> list[LowBidFinding]:
    """The relative triggers' findings, with every bid below the district cost floor added —
    even the only bid — and its gap per line as evidence."""
    merged = {f.bid_id: f for f in findings}
    for bid_id, lines in gaps.items():
        if not lines:
            continue
        found = merged.get(bid_id, LowBidFinding(bid_id, (), {}))
        merged[bid_id] = LowBidFinding(
            bid_id,
            (*found.reasons, "below_cost_floor"),
            {**found.evidence, "cost_floor": [gap.as_evidence() for gap in lines]},
        )
    return sorted(merged.values(), key=lambda f: f.bid_id)


async def explanation_give(*, actor: Actor, bid_id: int, explanation: str) -> int:
    async with transaction():
        bid = (
            await Bid.select()
            .where((Bid.id == bid_id) & (Bid.organization == actor.organization_id))
            .first()
        )
        if bid is None:
            raise NotFound(BID_NOT_FOUND, id=bid_id)
        if bid["status"] != BidStatus.explanation_requested:
            raise Conflict(N_("no explanation is requested of this bid"))
        if clock.now() >= bid["explanation_due_at"]:
            raise Conflict(
                N_("the explanation was due by %(due)s"), due=bid["explanation_due_at"].isoformat()
            )
        await Bid.update({Bid.explanation: explanation.strip()}).where(Bid.id == bid_id)
        await record(
            actor=actor,
            action=AuditAction.explanation_given,
            subject_type="bid",
            subject_id=bid_id,
            data={"length": len(explanation.strip())},
        )
        tender_id = int(bid["tender"])
    return tender_id


#: A member votes once on each question about a bid.
VOTED = {
    VoteQuestion.explanation: N_("you have already voted on the explanation of bid %(id)s"),
    VoteQuestion.compliance: N_("you have already voted on the compliance of bid %(id)s"),
}


async def _vote(
    *,
    actor: Actor,
    bid_id: int,
    question: VoteQuestion,
    in_favour: bool,
    reason: str,
) -> tuple[dict[str, Any], dict[str, Any], int, int, int]:
    """Record one member's vote; returns the tender, the bid, the votes for and against and
    the majority needed (more than half of the committee, 87号令 Art. 57)."""
    bid = await Bid.select().where(Bid.id == bid_id).first()
    if bid is None:
        raise NotFound(BID_NOT_FOUND, id=bid_id)
    tender, member = await _member_tender(actor, bid["tender"])
    inserted = (
        await MemberVote.insert(
            MemberVote(
                member=member["id"],
                bid=bid_id,
                question=question,
                in_favour=in_favour,
                reason=reason,
                voted_at=clock.now(),
            )
        )
        .on_conflict(action="DO NOTHING")
        .returning(MemberVote.id)
    )
    if not inserted:
        raise Conflict(VOTED[question], id=bid_id)
    votes = await MemberVote.select(MemberVote.in_favour).where(
        (MemberVote.bid == bid_id) & (MemberVote.question == question)
    )
    yes = sum(1 for v in votes if v["in_favour"])
    await record(
        actor=actor,
        action=AuditAction.committee_voted,
        subject_type="bid",
        subject_id=bid_id,
        data={"question": str(question), "in_favour": in_favour, "reason": reason},
    )
    return tender, bid, yes, len(votes) - yes, majority(member["size"])


async def _reasons(bid_id: int, question: VoteQuestion, in_favour: bool) -> str:
    rows = await MemberVote.select(MemberVote.reason).where(
        (MemberVote.bid == bid_id)
        & (MemberVote.question == question)
        & (MemberVote.in_favour == in_favour)
    )
    return "；".join(dict.fromkeys(r["reason"] for r in rows if r["reason"]))


async def explanation_decide(*, actor: Actor, bid_id: int, accept: bool, reason: str) -> int:
    """A committee member's vote on an abnormally low bid's explanation (87号令 Art. 60): the
    majority of the committee accepts it, or rejects the bid as invalid."""
    reason = reason.strip()
    if not accept and not reason:
        raise InvalidInput("reason", N_("rejecting a bid needs a reason"))
    async with transaction():
        current = await Bid.select().where(Bid.id == bid_id).first()
        if (
            current is not None
            and current["status"] == BidStatus.explanation_requested
            and not current["explanation"]
            and clock.now() < current["explanation_due_at"]
        ):
            raise Conflict(
                N_("the bidder may still explain until %(due)s"),
                due=current["explanation_due_at"].isoformat(),
            )
        tender, bid, yes, no, needed = await _vote(
            actor=actor,
            bid_id=bid_id,
            question=VoteQuestion.explanation,
            in_favour=accept,
            reason=reason,
        )
        if bid["status"] != BidStatus.explanation_requested:
            raise Conflict(N_("this bid has no explanation pending a decision"))
        if yes >= needed:
            await advance(
                BID,
                row_id=bid_id,
                action=BidStep.accept_explanation,
                actor=actor,
                audit_data={"accepted": True, "votes": [yes, no]},
            )
        elif no >= needed:
            await _disqualify(
                actor,
                tender,
                bid_id,
                (VoteQuestion.explanation, False),
                {"accepted": False},
                yes,
                no,
            )
    return int(tender["id"])


async def _disqualify(
    actor: Actor,
    tender: dict[str, Any],
    bid_id: int,
    decided: tuple[VoteQuestion, bool],
    audit: dict[str, Any],
    yes: int,
    no: int,
) -> None:
    """The committee's majority has disqualified the bid: its reasons are the members' reasons
    for the deciding vote (``decided``: the question and the side that won)."""
    await advance(
        BID,
        row_id=bid_id,
        action=BidStep.disqualify,
        actor=actor,
        values={Bid.disqualification_reason: await _reasons(bid_id, *decided)},
        audit_data={**audit, "votes": [yes, no]},
    )
    await _after_disqualification(tender)


async def bid_disqualify(*, actor: Actor, bid_id: int, reason: str) -> None:
    """A member's vote that a bid fails the compliance review (符合性审查); the majority of the
    committee disqualifies it, with the members' reasons."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", N_("disqualifying a bid needs a reason"))
    async with transaction():
        tender, bid, yes, no, needed = await _vote(
            actor=actor,
            bid_id=bid_id,
            question=VoteQuestion.compliance,
            in_favour=True,
            reason=reason,
        )
        if bid["status"] not in (BidStatus.valid, BidStatus.explanation_requested):
            raise Conflict(
                N_("a %(status)s bid cannot be disqualified"), status=BidStatus(bid["status"])
            )
        if yes >= needed:
            await _disqualify(actor, tender, bid_id, (VoteQuestion.compliance, True), {}, yes, no)


async def _after_disqualification(tender: dict[str, Any]) -> None:
    live = await Bid.count().where((Bid.tender == tender["id"]) & Bid.status.is_in(list(LIVE)))
    await _unsuccessful_if_too_few(tender, live, "after disqualification")


async def technical_scores_submit(
    *, actor: Actor, tender_id: int, bid_id: int, scores: dict[str, int]
) -> None:
    """One member's scores for one bid; each member scores independently."""
    await technical_scores_submit_all(actor=actor, tender_id=tender_id, scores={bid_id: scores})


class BidScoresRefused(InvalidInput):
    """A bid's scores refused inside an all-bids submission: names the bid (nothing was saved)."""

    def __init__(self, bid_id: int, refusal: InvalidInput | Conflict) -> None:
        self.bid_id = bid_id
        self.refusal = refusal
        if isinstance(refusal, InvalidInput):
            super().__init__(refusal.field, refusal.template, **refusal.variables)
        else:
            super().__init__("scores", refusal.template or str(refusal), **refusal.variables)


async def technical_scores_submit_all(
    *, actor: Actor, tender_id: int, scores: dict[int, dict[str, int]]
) -> None:
    """One member's scores for several bids at once, in one transaction: all are saved, or, if
    any bid's scores are refused, none (``BidScoresRefused`` names that bid)."""
    if not scores:
        raise InvalidInput("scores", N_("score at least one bid"))
    async with transaction():
        await _member_tender(actor, tender_id)
        criteria = {
            row["code"]: row["id"]
            for row in await EvaluationCriterion.select().where(
                (EvaluationCriterion.tender == tender_id)
                & (EvaluationCriterion.kind == CriterionKind.technical)
            )
        }
        for bid_id, given in scores.items():
            try:
                await _score_bid(actor, tender_id, bid_id, given, criteria)
            except (InvalidInput, Conflict) as refusal:
                if len(scores) == 1:
                    raise
                raise BidScoresRefused(bid_id, refusal) from refusal


async def _score_bid(
    actor: Actor, tender_id: int, bid_id: int, scores: dict[str, int], criteria: dict[str, int]
) -> None:
    bid = await Bid.select(Bid.status).where((Bid.id == bid_id) & (Bid.tender == tender_id)).first()
    if bid is None:
        raise NotFound(N_("bid %(id)s not found on tender %(tender)s"), id=bid_id, tender=tender_id)
    if bid["status"] not in (BidStatus.valid, BidStatus.explanation_requested):
        raise Conflict(N_("a %(status)s bid is not scored"), status=BidStatus(bid["status"]))
    if set(scores) != set(criteria):
        raise InvalidInput(
            "scores",
            N_("score each technical criterion: want %(wanted)s, got %(given)s"),
            wanted=sorted(criteria),
            given=sorted(scores),
        )
    for code, score in scores.items():
        if not 0 <= score <= 100:
            raise InvalidInput(f"scores.{code}", N_("must be 0–100, got %(score)s"), score=score)
    await TechnicalScore.delete().where(
        (TechnicalScore.bid == bid_id) & (TechnicalScore.evaluator == actor.id)
    )
    for code, score in scores.items():
        await TechnicalScore.insert(
            TechnicalScore(bid=bid_id, criterion=criteria[code], evaluator=actor.id, score=score)
        )
    await record(
        actor=actor,
        action=AuditAction.technical_scored,
        subject_type="bid",
        subject_id=bid_id,
        data={"tender": tender_id},
    )


AWARD = "tender.award"


async def award_request(*, actor: Actor, tender_id: int, bid_id: int | None = None) -> int:
    """A handler proposes the award to the committee's first-ranked bid (87号令 Art. 64: the
    buyer confirms the first candidate unless it declines); an approver carries it out.
    Returns the approval's id."""
    tender = await own_tender(actor, tender_id)  # another department's tender does not exist
    async with transaction():
        if tender["status"] != TenderStatus.evaluation:
            raise Conflict(
                N_("tender is %(status)s; this needs evaluation"),
                status=TenderStatus(tender["status"]),
            )
        if refusal := await procurement_refusal(tender_id, clock.now(), stage=Stage.award):
            raise refusal
        committee = await committee_of(tender_id)
        if committee is None or committee["status"] != CommitteeStatus.reported:
            raise Conflict(
                N_(
                    "the award follows the committee's report: every member must first confirm "
                    "the evaluation report (财政部令第87号 Art. 62, 63)"
                )
            )
        ranking = list(committee["ranking"])
        first = ranking[0] if ranking else None
        if first is None:
            raise Conflict(N_("the committee recommended no bid"))
        if bid_id is not None and bid_id != first:
            raise InvalidInput(
                "bid_id",
                N_(
                    "the award goes to the committee's first-ranked bid (%(first)s); another "
                    "candidate only if the first declines (财政部令第87号 Art. 64)"
                ),
                first=first,
            )
        winner = (
            await Bid.select(Bid.organization.name.as_alias("name"), Bid.total_fen)
            .where(Bid.id == first)
            .first()
        )
        assert winner is not None
        approval_id = await approval_request(
            actor=actor,
            kind=AWARD,
            subject_type="tender",
            subject_id=tender_id,
            department_id=tender["department"],
            summary=(
                f"确认中标：{tender['reference']}《{tender['title']}》，"
                f"评审委员会推荐的第一中标候选人 {winner['name']}"
                f"（{winner['total_fen'] / 100:.2f} 元）"
            ),
            payload={"bid_id": first, "ranking": ranking},
        )
    return approval_id


@executes(AWARD)
async def _award(approval: dict[str, Any], approver: Actor) -> None:
    """The approved award: re-checked against the committee's report, then the tender moves to
    awarded (compare-and-set) and the standstill period starts."""
    tender_id = int(approval["subject_id"])
    bid_id = int(approval["payload"]["bid_id"])
    if refusal := await procurement_refusal(tender_id, clock.now(), stage=Stage.award):
        raise refusal
    committee = await committee_of(tender_id)
    if committee is None or committee["status"] != CommitteeStatus.reported:
        raise Conflict(N_("the committee's report is not confirmed"))
    if not committee["ranking"] or committee["ranking"][0] != bid_id:
        raise Conflict(N_("the award no longer matches the committee's first-ranked bid"))
    now = clock.now()
    # The standstill is the challenge window against the result (财政部令第94号 第十条).
    challenge = calendar.deadline("challenge", now)
    standstill = challenge.ends_at
    await advance(
        TENDER,
        row_id=tender_id,
        action=TenderStep.award,
        actor=approver,
        values={Tender.standstill_ends_at: standstill},
        audit_data={
            "bid": bid_id,
            "ranking": list(committee["ranking"]),
            "requested_by": approval["requested_by"],
            "approval": approval["id"],
            "standstill_ends_at": standstill.isoformat(),
            "challenge_deadline": challenge.as_dict(),
        },
    )
    await Award.insert(
        Award(
            tender=tender_id,
            bid=bid_id,
            decided_by=approver.id,
            decided_at=now,
            standstill_ends_at=standstill,
            # The disclosure pages show the notice from this moment on.
            published_at=now,
        )
    )
    await record_event(Trigger.award, {SubjectType.tender: [tender_id]})

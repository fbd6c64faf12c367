"""Writes about evaluation committees: the composition, the random draw, the 回避 declarations
and the members' confirmation of the evaluation report. Each is one transaction applying the
committee's or a member's transition table (committees.states) with its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from procure import clock
from procure.bids.evaluation import evaluation_summary
from procure.committees.draw import (
    ALGORITHM,
    candidates_for,
    draw_order,
    new_seed,
    registry_conflicts,
    tender_category,
)
from procure.committees.guards import handled_tender
from procure.committees.selectors import bidders, committee_of
from procure.committees.states import (
    COMMITTEE,
    HOLDING_A_SEAT,
    MEMBER,
    CommitteeStep,
    MemberStep,
)
from procure.committees.tables import (
    CommitteeMember,
    CommitteeStatus,
    EvaluationCommittee,
    Expert,
    MemberDeclaration,
    MemberKind,
    MemberStatus,
)
from procure.db import transaction
from procure.departments.tables import Department
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_
from procure.lifecycle import advance
from procure.policy import get_policy
from procure.security.actors import Actor
from procure.security.tables import Role, User
from procure.settings import get_settings
from procure.tenders.states import ACCEPTING_BIDS, OPENED_STATES, TenderStatus
from procure.tenders.tables import Tender

METHOD_NAMES = {
    "open_tender": "公开招标",
    "competitive_consultation": "竞争性磋商",
    "competitive_negotiation": "竞争性谈判",
    "single_source": "单一来源",
    "project_application": "项目申请制",
    "direct_grant": "直接资助",
}


def check_composition(*, method: str, ceiling_fen: int, size: int, representatives: int) -> None:
    """87号令 Art. 47 and the non-tender methods' rules: an odd committee of at least the
    method's minimum (7 for an open tender of 10,000,000 元 or more), experts holding at least
    two thirds of the seats, the buyer's representatives at most one third."""
    rules = get_policy().committee
    minimum = rules.minimum_for(method, ceiling_fen)
    if size < minimum:
        raise InvalidInput(
            "size",
            N_(
                "%(method)s with a budget of %(budget)s 元 needs at least %(minimum)s members "
                "(财政部令第87号 Art. 47), got %(size)s"
            ),
            method=METHOD_NAMES.get(method, method),
            budget=ceiling_fen // 100,
            minimum=minimum,
            size=size,
        )
    if size % 2 == 0:
        raise InvalidInput(
            "size",
            N_("the committee has an odd number of members (87号令 Art. 47), got %(size)s"),
            size=size,
        )
    experts = size - representatives
    if experts * rules.expert_share_denominator < size * rules.expert_share_numerator:
        most = size - -(-size * rules.expert_share_numerator // rules.expert_share_denominator)
        raise InvalidInput(
            "buyer_representatives",
            N_(
                "experts hold at least %(numerator)s/%(denominator)s of the seats "
                "(87号令 Art. 47): a committee of %(size)s takes at most %(most)s buyer "
                "representatives, got %(given)s"
            ),
            numerator=rules.expert_share_numerator,
            denominator=rules.expert_share_denominator,
            size=size,
            most=most,
            given=representatives,
        )


@dataclass(frozen=True)
class Composition:
    size: int
    buyer_representatives: list[str]


async def _representatives(tender: dict[str, Any], usernames: list[str]) -> list[int]:
    if len(set(usernames)) != len(usernames):
        raise InvalidInput("buyer_representatives", N_("each representative is named once"))
    rows = await User.select(User.id, User.username).where(
        User.username.is_in(usernames or ["-"])
        & (User.role == Role.buyer)
        & (User.department == tender["department"])
        & User.is_active.eq(True)
    )
    found = {row["username"]: row["id"] for row in rows}
    for username in usernames:
        if username not in found:
            raise InvalidInput(
                "buyer_representatives",
                N_(
                    "%(username)s is not an active buyer user of the tender's department "
                    "(采购人代表 come from the buyer itself)"
                ),
                username=repr(username),
            )
    return [found[u] for u in usernames]


async def _ensure_committee(tender: dict[str, Any]) -> int:
    """The tender's committee row, created (planned, the method's minimum, no representative)
    the first time anything needs it; two requests at once create one."""
    existing = await committee_of(tender["id"])
    if existing is not None:
        return int(existing["id"])
    size = get_policy().committee.minimum_for(tender["method"], tender["ceiling_fen"])
    category = await tender_category(tender["id"])
    async with transaction():
        await EvaluationCommittee.insert(
            EvaluationCommittee(
                tender=tender["id"],
                status=CommitteeStatus.planned,
                size=size,
                category=category,
            )
        ).on_conflict(action="DO NOTHING")
    created = await committee_of(tender["id"])
    assert created is not None
    return int(created["id"])


def _before_the_draw(tender: dict[str, Any]) -> None:
    if tender["status"] not in (TenderStatus.draft, *ACCEPTING_BIDS, TenderStatus.opened):
        raise Conflict(
            N_("tender is %(status)s; its committee can no longer change"), status=tender["status"]
        )


async def committee_compose(*, actor: Actor, tender_id: int, data: Composition) -> None:
    """The handler sets the committee's size and the buyer's representatives, until the draw."""
    tender = await handled_tender(actor, tender_id)
    _before_the_draw(tender)
    check_composition(
        method=tender["method"],
        ceiling_fen=tender["ceiling_fen"],
        size=data.size,
        representatives=len(data.buyer_representatives),
    )
    users = await _representatives(tender, data.buyer_representatives)
    committee_id = await _ensure_committee(tender)
    async with transaction():
        await advance(
            COMMITTEE,
            row_id=committee_id,
            action=CommitteeStep.compose,
            actor=actor,
            values={EvaluationCommittee.size: data.size},
            audit_data={"size": data.size, "buyer_representatives": data.buyer_representatives},
        )
        await CommitteeMember.delete().where(CommitteeMember.committee == committee_id)
        for position, user_id in enumerate(users, start=1):
            await CommitteeMember.insert(
                CommitteeMember(
                    committee=committee_id,
                    kind=MemberKind.buyer_representative,
                    user=user_id,
                    position=position,
                    status=MemberStatus.drawn,
                )
            )


async def committee_draw(*, actor: Actor, tender_id: int) -> dict[str, Any]:
    """Draw the experts at random from the pool, within the policy's window before the
    deadline (财库〔2016〕198号 Art. 15), recording the seed, the candidates and the excluded."""
    tender = await handled_tender(actor, tender_id)
    _before_the_draw(tender)
    if tender["published_at"] is None:
        raise Conflict(N_("the committee is drawn for a published tender"))
    rules = get_policy().committee
    now = clock.now()
    opens = tender["submission_deadline"] - timedelta(hours=rules.draw_window_hours)
    if now < opens:
        raise Conflict(
            N_(
                "the draw takes place shortly before the evaluation: from %(opens)s "
                "(%(hours)s hours before the submission deadline, 财库〔2016〕198号 Art. 15)"
            ),
            opens=opens.isoformat(),
            hours=rules.draw_window_hours,
        )
    committee_id = await _ensure_committee(tender)
    department = (
        await Department.select(Department.district)
        .where(Department.id == tender["department"])
        .first()
    )
    assert department is not None
    today = now.astimezone(ZoneInfo(get_settings().timezone)).date()
    async with transaction():
        committee = (
            await EvaluationCommittee.select().where(EvaluationCommittee.id == committee_id).first()
        )
        assert committee is not None
        representatives = await CommitteeMember.count().where(
            CommitteeMember.committee == committee_id
        )
        seats = committee["size"] - representatives
        candidates, excluded = await candidates_for(
            district_id=department["district"],
            category=committee["category"],
            department_id=tender["department"],
            on=today,
        )
        if len(candidates) < seats:
            raise Conflict(
                N_(
                    "the pool holds %(count)s eligible experts in category %(category)s; "
                    "the committee needs %(seats)s"
                ),
                count=len(candidates),
                category=committee["category"],
                seats=seats,
            )
        seed = new_seed()
        result = draw_order(seed, candidates, seats, rules.alternates)
        await advance(
            COMMITTEE,
            row_id=committee_id,
            action=CommitteeStep.draw,
            actor=actor,
            values={
                EvaluationCommittee.seed: seed,
                EvaluationCommittee.candidates: candidates,
                EvaluationCommittee.excluded: excluded,
                EvaluationCommittee.drawn_by: actor.id,
                EvaluationCommittee.drawn_at: now,
            },
            audit_data={
                "tender": tender_id,
                "algorithm": ALGORITHM,
                "seed": seed,
                "candidates": candidates,
                "excluded": excluded,
                "seats": result.seats,
                "alternates": result.alternates,
            },
        )
        users = {row["id"]: row["user"] for row in await _experts(result.seats + result.alternates)}
        for offset, expert_id in enumerate(result.seats + result.alternates, start=1):
            await CommitteeMember.insert(
                CommitteeMember(
                    committee=committee_id,
                    kind=MemberKind.expert,
                    expert=expert_id,
                    user=users[expert_id],
                    position=representatives + offset,
                    status=MemberStatus.drawn
                    if offset <= len(result.seats)
                    else MemberStatus.alternate,
                )
            )
    return {"seats": result.seats, "alternates": result.alternates}


async def committee_supplement(*, actor: Actor, tender_id: int) -> dict[str, Any]:
    """Fill the seats emptied by 回避 once no alternate is left: a supplementary random draw
    from the candidates not drawn before, recorded with its own seed."""
    tender = await handled_tender(actor, tender_id)
    now = clock.now()
    department = (
        await Department.select(Department.district)
        .where(Department.id == tender["department"])
        .first()
    )
    assert department is not None
    today = now.astimezone(ZoneInfo(get_settings().timezone)).date()
    async with transaction():
        committee = await committee_of(tender_id)
        if committee is None or committee["status"] != CommitteeStatus.drawn:
            raise Conflict(N_("a supplementary draw fills a drawn committee's empty seats"))
        members = await CommitteeMember.select().where(CommitteeMember.committee == committee["id"])
        holding = sum(m["status"] in HOLDING_A_SEAT for m in members)
        empty = committee["size"] - holding
        if empty <= 0:
            raise Conflict(N_("no seat is empty"))
        if any(m["status"] == MemberStatus.alternate for m in members):
            raise Conflict(N_("an alternate takes an empty seat first"))
        candidates, _excluded = await candidates_for(
            district_id=department["district"],
            category=committee["category"],
            department_id=tender["department"],
            on=today,
        )
        drawn_before = {m["expert"] for m in members}
        candidates = [c for c in candidates if c not in drawn_before]
        if len(candidates) < empty:
            raise Conflict(
                N_(
                    "the pool holds %(count)s eligible experts not drawn before; "
                    "%(empty)s seats are empty"
                ),
                count=len(candidates),
                empty=empty,
            )
        seed = new_seed()
        seats = draw_order(seed, candidates, empty, 0).seats
        record = {"seed": seed, "candidates": candidates, "seats": seats, "at": now.isoformat()}
        await advance(
            COMMITTEE,
            row_id=committee["id"],
            action=CommitteeStep.supplement,
            actor=actor,
            values={EvaluationCommittee.supplements: [*committee["supplements"], record]},
            audit_data={"tender": tender_id, "algorithm": ALGORITHM, **record},
        )
        users = {row["id"]: row["user"] for row in await _experts(seats)}
        position = max(m["position"] for m in members)
        for offset, expert_id in enumerate(seats, start=1):
            await CommitteeMember.insert(
                CommitteeMember(
                    committee=committee["id"],
                    kind=MemberKind.expert,
                    expert=expert_id,
                    user=users[expert_id],
                    position=position + offset,
                    status=MemberStatus.drawn,
                )
            )
    return {"seats": seats, "alternates": []}


async def _experts(ids: list[int]) -> list[dict[str, Any]]:
    return list(await Expert.select(Expert.id, Expert.user).where(Expert.id.is_in(ids or [-1])))


@dataclass(frozen=True)
class Declaration:
    organization_id: int
    conflict: bool
    note: str = ""


async def member_declare(*, actor: Actor, tender_id: int, declarations: list[Declaration]) -> str:
    """A drawn member declares, per bidder, whether they must step aside (回避) — having seen
    nothing but the bidders' names. A declared conflict, or one the registry detects, replaces
    them with the next alternate. Returns the member's new status."""
    now = clock.now()
    async with transaction():
        committee = await committee_of(tender_id)
        member = None
        if committee is not None:
            member = (
                await CommitteeMember.select()
                .where(
                    (CommitteeMember.committee == committee["id"])
                    & (CommitteeMember.user == actor.id)
                )
                .first()
            )
        if committee is None or member is None:
            raise NotFound(N_("tender %(id)s not found among those you evaluate"), id=tender_id)
        tender = await Tender.select(Tender.status).where(Tender.id == tender_id).first()
        assert tender is not None
        if tender["status"] not in OPENED_STATES:
            raise Conflict(N_("declarations are made once the bids are opened at the deadline"))
        names = {b["organization_id"]: b["name"] for b in await bidders(tender_id)}
        given = [d.organization_id for d in declarations]
        if len(set(given)) != len(given) or set(given) != set(names):
            raise InvalidInput(
                "declarations",
                N_(
                    "declare once for each bidder: expected organizations %(expected)s, "
                    "got %(given)s"
                ),
                expected=sorted(names),
                given=sorted(given),
            )
        today = now.astimezone(ZoneInfo(get_settings().timezone)).date()
        detected: dict[int, str] = {}
        if member["expert"] is not None:
            detected = await registry_conflicts(member["expert"], names, on=today)
        declared = [d.organization_id for d in declarations if d.conflict]
        conflict = bool(declared or detected)
        reason = "; ".join(
            [f"declared: {names[o]}" for o in declared]
            + [f"registry ({kind}): {names[o]}" for o, kind in sorted(detected.items())]
        )
        row = await advance(
            MEMBER,
            row_id=member["id"],
            action=MemberStep.step_aside if conflict else MemberStep.declare,
            actor=actor,
            values={
                CommitteeMember.declared_at: now,
                CommitteeMember.replaced_reason: reason,
            },
            audit_data={
                "tender": tender_id,
                "declared_conflicts": declared,
                "registry_conflicts": {str(k): v for k, v in detected.items()},
            },
        )
        for declaration in declarations:
            await MemberDeclaration.insert(
                MemberDeclaration(
                    member=member["id"],
                    organization=declaration.organization_id,
                    conflict=declaration.conflict,
                    note=declaration.note.strip(),
                    declared_at=now,
                )
            )
        if conflict:
            await _promote_alternate(actor, committee["id"], member["id"])
        await _seat_if_complete(actor, committee)
    return str(row["status"])


async def _promote_alternate(actor: Actor, committee_id: int, replaced_id: int) -> None:
    alternate = (
        await CommitteeMember.select(CommitteeMember.id)
        .where(
            (CommitteeMember.committee == committee_id)
            & (CommitteeMember.status == MemberStatus.alternate)
        )
        .order_by(CommitteeMember.position)
        .first()
    )
    if alternate is None:
        return  # the seat stays empty: the committee cannot be seated (a new draw is needed)
    await advance(
        MEMBER,
        row_id=alternate["id"],
        action=MemberStep.promote,
        actor=actor,
        audit_data={"replaces": replaced_id},
    )
    await CommitteeMember.update({CommitteeMember.replaced_by: alternate["id"]}).where(
        CommitteeMember.id == replaced_id
    )


async def _seat_if_complete(actor: Actor, committee: dict[str, Any]) -> None:
    seated = await CommitteeMember.count().where(
        (CommitteeMember.committee == committee["id"])
        & (CommitteeMember.status == MemberStatus.seated)
    )
    if seated == committee["size"]:
        await advance(
            COMMITTEE,
            row_id=committee["id"],
            action=CommitteeStep.seat,
            actor=actor,
            values={EvaluationCommittee.seated_at: clock.now()},
            audit_data={"members": seated},
        )


async def member_confirm(*, actor: Actor, tender_id: int) -> str:
    """A seated member confirms the evaluation report (评审报告); when the last one does, the
    committee's recommended ranking is fixed and the award may be proposed."""
    summary = await evaluation_summary(tender_id)
    async with transaction():
        committee = await committee_of(tender_id)
        seat = None
        if committee is not None:
            seat = (
                await CommitteeMember.select()
                .where(
                    (CommitteeMember.committee == committee["id"])
                    & (CommitteeMember.user == actor.id)
                    & CommitteeMember.status.is_in([MemberStatus.seated, MemberStatus.confirmed])
                )
                .first()
            )
        if committee is None or seat is None:
            raise NotFound(N_("tender %(id)s not found among those you evaluate"), id=tender_id)
        if not summary.complete:
            raise Conflict(
                N_(
                    "the evaluation is not complete: explanations, votes or scores are pending, "
                    "%(missing)s scores missing"
                ),
                missing=summary.missing_scores,
            )
        ranking = [b.bid_id for b in summary.bids if b.rank is not None]
        row = await advance(
            MEMBER,
            row_id=seat["id"],
            action=MemberStep.confirm,
            actor=actor,
            values={CommitteeMember.confirmed_at: clock.now()},
            audit_data={"tender": tender_id, "ranking": ranking},
        )
        unconfirmed = await CommitteeMember.count().where(
            (CommitteeMember.committee == committee["id"])
            & (CommitteeMember.status == MemberStatus.seated)
        )
        if unconfirmed == 0:
            await advance(
                COMMITTEE,
                row_id=committee["id"],
                action=CommitteeStep.report,
                actor=actor,
                values={
                    EvaluationCommittee.ranking: ranking,
                    EvaluationCommittee.reported_at: clock.now(),
                },
                audit_data={"tender": tender_id, "ranking": ranking},
            )
    return str(row["status"])

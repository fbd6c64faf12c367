"""Reads about risk flags, scoped to the actor.

Auditors and administrators see every flag; a buyer the flags that name its department; an
organization those that name it; a committee those on the platform's contracts that cover its
community (the contracts it supervises). Anything else answers 404, as if it did not exist.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count

from procure import clock
from procure.bids.tables import Bid
from procure.contracts.tables import Contract, ContractCommunity
from procure.db.pagination import (
    Page,
    PageRequest,
    Sorting,
    SortRequest,
    page_request,
    paginate,
)
from procure.departments.tables import Department
from procure.errors import InvalidInput, NotFound
from procure.i18n import N_
from procure.organizations.tables import Organization
from procure.risk.guards import CONDUCT_RULES, DEPARTMENT_SUBJECTS
from procure.risk.registry import SubjectType
from procure.risk.tables import FlagStatus, RiskFlag, RiskFlagEvent, Severity
from procure.security.actors import Actor
from procure.security.policy import OVERSIGHT_ROLES
from procure.security.tables import Role
from procure.settings import get_settings
from procure.tenders.tables import Tender

PER_PAGE = 50
MAX_PER_PAGE = 500
TREND_MONTHS = 36  # the trend shows at most the last three years
PLATFORM = "platform"
# Periods are written like 2026, 2026-03, 2026Q1 or 2026H1; a year selects all of its periods.
PERIOD_PATTERN = re.compile(r"^[0-9A-Za-z-]{1,16}$")
YEAR_PATTERN = re.compile(r"^\d{4}$")

FLAG_COLUMNS = (
    RiskFlag.id,
    RiskFlag.rule,
    RiskFlag.dataset,
    RiskFlag.subject_type,
    RiskFlag.subject_id,
    RiskFlag.period,
    RiskFlag.ocid,
    RiskFlag.severity,
    RiskFlag.status,
    RiskFlag.policy_version,
    RiskFlag.department.as_alias("department_id"),
    RiskFlag.department.name.as_alias("department_name"),
    RiskFlag.organization.as_alias("organization_id"),
    RiskFlag.organization.name.as_alias("organization_name"),
    RiskFlag.first_seen_at,
    RiskFlag.last_seen_at,
)


@dataclass(frozen=True)
class FlagFilters:
    """The dashboard's, the API's and the exports' filters; empty means "any"."""

    rule: str = ""
    severity: str = ""
    status: str = ""
    department: int | None = None
    organization: int | None = None
    period: str = ""
    dataset: str = ""

    def __post_init__(self) -> None:
        if self.severity and self.severity not in Severity.__members__:
            raise InvalidInput("severity", N_("must be one of %(choices)s"), choices=list(Severity))
        if self.status and self.status not in FlagStatus.__members__:
            raise InvalidInput("status", N_("must be one of %(choices)s"), choices=list(FlagStatus))
        if self.period and not PERIOD_PATTERN.match(self.period):
            raise InvalidInput("period", N_("must look like 2026, 2026-03 or 2026Q1"))

    @property
    def active(self) -> bool:
        return any(value not in ("", None) for value in asdict(self).values())

    def params(self) -> dict[str, str]:
        """The filters that are set, as query-string parameters."""
        return {name: str(value) for name, value in asdict(self).items() if value not in ("", None)}

    def query(self, **extra: Any) -> str:
        """The query string for a link that keeps these filters (and changes ``extra``)."""
        params = {**self.params(), **{k: str(v) for k, v in extra.items() if v not in ("", None)}}
        return urlencode(params)

    def condition(self) -> Any:
        condition: Any = RiskFlag.id.is_not_null()
        for column, value in (
            (RiskFlag.rule, self.rule),
            (RiskFlag.severity, self.severity),
            (RiskFlag.status, self.status),
            (RiskFlag.department, self.department),
            (RiskFlag.organization, self.organization),
            (RiskFlag.dataset, self.dataset),
        ):
            if value not in ("", None):
                condition &= column == value
        if YEAR_PATTERN.match(self.period):
            condition &= RiskFlag.period.like(f"{self.period}%")
        elif self.period:
            condition &= RiskFlag.period == self.period
        return condition


async def _visible(actor: Actor) -> Any:
    """The flags the actor may see, as a condition."""
    if actor.role in OVERSIGHT_ROLES:
        return RiskFlag.id.is_not_null()
    if actor.role == Role.buyer and actor.department_id is not None:
        return RiskFlag.department == actor.department_id
    if actor.role == Role.organization and actor.organization_id is not None:
        return RiskFlag.organization == actor.organization_id
    if actor.role == Role.committee and actor.community_id is not None:
        covering = await ContractCommunity.select(ContractCommunity.contract).where(
            ContractCommunity.community == actor.community_id
        )
        contract_ids = [str(row["contract"]) for row in covering]
        if contract_ids:
            return (
                (RiskFlag.dataset == PLATFORM)
                & (RiskFlag.subject_type == SubjectType.contract)
                & RiskFlag.subject_id.is_in(contract_ids)
            )
    return RiskFlag.id.is_null()  # nothing


async def _where(actor: Actor, filters: FlagFilters) -> Any:
    return (await _visible(actor)) & filters.condition()


def subject_url(flag: dict[str, Any]) -> str | None:
    """The page of the flagged object, where the platform has one."""
    if flag["dataset"] != PLATFORM:
        return None
    pages = {
        SubjectType.tender: "/tenders/{}",
        SubjectType.contract: "/contracts/{}",
        SubjectType.organization: "/organizations/{}",
        SubjectType.survey_round: "/surveys/rounds/{}/results",
        # No page of its own: the department's tenders.
        SubjectType.buyer: "/tenders?department={}",
        SubjectType.procuring_entity: "/tenders?department={}",
    }
    page = pages.get(flag["subject_type"])
    subject = str(flag["subject_id"])
    return page.format(subject) if page and subject.isdigit() else None


def _subject_names() -> dict[str, tuple[Any, Any]]:
    return {
        SubjectType.contract: (Contract, Contract.reference),
        SubjectType.tender: (Tender, Tender.reference),
        SubjectType.organization: (Organization, Organization.name),
        SubjectType.buyer: (Department, Department.name),
        SubjectType.procuring_entity: (Department, Department.name),
    }


async def _with_subjects(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each flag's subject as people know it — a contract's or a tender's reference, an
    organization's name — and its page; one query per kind of subject, not per flag."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row["dataset"] == PLATFORM and str(row["subject_id"]).isdigit():
            wanted[row["subject_type"]].add(int(row["subject_id"]))
    names: dict[tuple[str, str], str] = {}
    for subject_type, (table, column) in _subject_names().items():
        if subject_ids := wanted.get(subject_type):
            found = await table.select(table.id, column.as_alias("name")).where(
                table.id.is_in(sorted(subject_ids))
            )
            names |= {(subject_type, str(r["id"])): r["name"] for r in found}
    # A bid has no page of its own: it links to its tender's.
    bid_tenders: dict[str, int] = {}
    if bid_ids := wanted.get(SubjectType.bid):
        found = await Bid.select(
            Bid.id, Bid.tender.as_alias("tender_id"), Bid.tender.reference.as_alias("name")
        ).where(Bid.id.is_in(sorted(bid_ids)))
        for r in found:
            names[(SubjectType.bid, str(r["id"]))] = r["name"]
            bid_tenders[str(r["id"])] = r["tender_id"]
    for row in rows:
        row["subject_label"] = names.get(
            (row["subject_type"], row["subject_id"]), row["subject_id"]
        )
        row["subject_url"] = subject_url(row)
        if row["subject_type"] == SubjectType.bid and row["subject_id"] in bid_tenders:
            row["subject_url"] = f"/tenders/{bid_tenders[row['subject_id']]}"
    return rows


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def flag_paging(page: str | int | None = None, per_page: str | int | None = None) -> PageRequest:
    """A page of flags: longer than most lists (an export-sized page of 500 at most)."""
    return page_request(page, per_page, default_per_page=PER_PAGE, max_per_page=MAX_PER_PAGE)


#: The columns the dashboard's flag list sorts by (``?sort=``); newest first unless asked.
FLAG_SORTING = Sorting(
    columns={
        "id": RiskFlag.id,
        "rule": RiskFlag.rule,
        "status": RiskFlag.status,
        "period": RiskFlag.period,
        "first_seen": RiskFlag.first_seen_at,
    },
    default=SortRequest("first_seen", descending=True),
    tiebreak=RiskFlag.id,
)


async def flag_page(
    actor: Actor, filters: FlagFilters, paging: PageRequest, order: SortRequest | None = None
) -> Page[dict[str, Any]]:
    """One page of the flags the actor may see that match the filters, newest first unless
    ``order`` says otherwise."""
    where = await _where(actor, filters)
    query = FLAG_SORTING.apply(
        RiskFlag.select(*FLAG_COLUMNS).where(where), order or FLAG_SORTING.default
    )
    page = await paginate(query, RiskFlag.count().where(where), paging)
    return Page(await _with_subjects(page.items), page.total, page.page, page.per_page)


async def flags_for_export(actor: Actor, filters: FlagFilters) -> list[dict[str, Any]]:
    """Every flag the actor may see that matches the filters, with its evidence, oldest first."""
    rows = (
        await RiskFlag.select(*FLAG_COLUMNS, RiskFlag.evidence)
        .where(await _where(actor, filters))
        .order_by(RiskFlag.id)
    )
    for row in rows:
        row["evidence"] = _loaded(row["evidence"])
    return await _with_subjects(rows)


async def _grouped(where: Any, *columns: Any) -> list[dict[str, Any]]:
    rows = (
        await RiskFlag.select(*columns, Count(RiskFlag.id, alias="count"))
        .where(where)
        .group_by(*(column for column in columns))
    )
    return sorted(rows, key=lambda row: (-row["count"], str(row["key"])))


async def flag_counts(actor: Actor, filters: FlagFilters) -> dict[str, list[dict[str, Any]]]:
    """How many flags by rule, severity, status, buyer, organization, period and dataset."""
    where = await _where(actor, filters)
    by_severity = {
        row["key"]: row["count"] for row in await _grouped(where, _key(RiskFlag.severity))
    }
    by_status = {row["key"]: row["count"] for row in await _grouped(where, _key(RiskFlag.status))}
    return {
        "rule": await _grouped(where, _key(RiskFlag.rule)),
        # Severities and statuses keep their natural order, with zeros shown.
        "severity": [
            {"key": s.value, "count": by_severity.get(s.value, 0)} for s in reversed(Severity)
        ],
        "status": [{"key": s.value, "count": by_status.get(s.value, 0)} for s in FlagStatus],
        "department": await _grouped(
            where, _key(RiskFlag.department), RiskFlag.department.name.as_alias("name")
        ),
        "organization": await _grouped(
            where, _key(RiskFlag.organization), RiskFlag.organization.name.as_alias("name")
        ),
        # Periods read best in time order, the latest first.
        "period": sorted(
            await _grouped(where, _key(RiskFlag.period)), key=lambda row: row["key"], reverse=True
        ),
        "dataset": await _grouped(where, _key(RiskFlag.dataset)),
    }


def _key(column: Any) -> Any:
    return column.as_alias("key")


def _month(value: datetime, zone: ZoneInfo) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(zone).strftime("%Y-%m")


def _months_between(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


async def flag_trend(actor: Actor, filters: FlagFilters) -> list[dict[str, Any]]:
    """Flags first seen per month (in the deployment's time zone), from the first month with
    a flag to this month, gaps as zeros, at most the last TREND_MONTHS months."""
    zone = ZoneInfo(get_settings().timezone)
    rows = await RiskFlag.select(RiskFlag.first_seen_at).where(await _where(actor, filters))
    counts = Counter(_month(row["first_seen_at"], zone) for row in rows)
    if not counts:
        return []
    months = _months_between(min(counts), max(max(counts), _month(clock.now(), zone)))
    return [{"month": m, "count": counts.get(m, 0)} for m in months[-TREND_MONTHS:]]


async def visible_flag(actor: Actor, flag_id: int) -> dict[str, Any]:
    """The flag, or NotFound when it does not exist or the actor may not see it."""
    row = (
        await RiskFlag.select(*FLAG_COLUMNS, RiskFlag.evidence)
        .where((RiskFlag.id == flag_id) & await _visible(actor))
        .first()
    )
    if row is None:
        raise NotFound(N_("risk flag %(id)s not found"), id=flag_id)
    row["evidence"] = _loaded(row["evidence"])
    return (await _with_subjects([row]))[0]


async def flag_history(flag_id: int) -> list[dict[str, Any]]:
    return (
        await RiskFlagEvent.select(
            RiskFlagEvent.id,
            RiskFlagEvent.from_status,
            RiskFlagEvent.to_status,
            RiskFlagEvent.note,
            RiskFlagEvent.occurred_at,
            RiskFlagEvent.actor.display_name.as_alias("actor_name"),
            RiskFlagEvent.actor.role.as_alias("actor_role"),
        )
        .where(RiskFlagEvent.flag == flag_id)
        .order_by(RiskFlagEvent.occurred_at)
        .order_by(RiskFlagEvent.id)
    )


async def flag_detail(actor: Actor, flag_id: int) -> dict[str, Any]:
    """The flag with its evidence, its subject and its history."""
    flag = await visible_flag(actor, flag_id)
    return {**flag, "history": await flag_history(flag_id)}


async def _latest_flags(actor: Actor, condition: Any, limit: int) -> list[dict[str, Any]]:
    rows = (
        await RiskFlag.select(*FLAG_COLUMNS)
        .where(condition & await _visible(actor))
        .order_by(RiskFlag.last_seen_at, RiskFlag.id, ascending=False)
        .limit(limit)
    )
    return await _with_subjects(rows)


def _conduct_condition() -> Any:
    return RiskFlag.rule.is_in(sorted(CONDUCT_RULES)) | RiskFlag.subject_type.is_in(
        sorted(DEPARTMENT_SUBJECTS)
    )


async def conduct_flags_waiting(actor: Actor, limit: int = 20) -> list[dict[str, Any]]:
    """Flags about a buying department's own conduct, open or explained: the regulator's to
    decide (the regulator's start page)."""
    waiting = RiskFlag.status.is_in([FlagStatus.open, FlagStatus.explained])
    return await _latest_flags(actor, waiting & _conduct_condition(), limit)


async def conduct_flags_waiting_count(actor: Actor) -> int:
    waiting = RiskFlag.status.is_in([FlagStatus.open, FlagStatus.explained])
    return await RiskFlag.count().where(waiting & _conduct_condition() & await _visible(actor))


async def recently_dismissed(actor: Actor, limit: int = 10) -> list[dict[str, Any]]:
    """Dismissed flags, latest first, with when and why: what oversight may reopen."""
    rows = await _latest_flags(actor, RiskFlag.status == FlagStatus.dismissed, limit)
    if not rows:
        return rows
    latest: dict[int, dict[str, Any]] = {}
    for event in (
        await RiskFlagEvent.select(
            RiskFlagEvent.flag,
            RiskFlagEvent.note,
            RiskFlagEvent.occurred_at,
            RiskFlagEvent.actor.display_name.as_alias("actor_name"),
        )
        .where(
            RiskFlagEvent.flag.is_in([row["id"] for row in rows])
            & (RiskFlagEvent.to_status == FlagStatus.dismissed)
        )
        .order_by(RiskFlagEvent.id)
    ):
        latest[event["flag"]] = event
    for row in rows:
        event = latest.get(row["id"], {})
        row["dismissed_at"] = event.get("occurred_at")
        row["dismissed_by"] = event.get("actor_name")
        row["dismissal_reason"] = event.get("note", "")
    return rows


async def open_flags_for(actor: Actor, limit: int = 20) -> list[dict[str, Any]]:
    """Flags about the actor's own department (open or explained) or organization (open): what
    it may explain or decide (its start page)."""
    if actor.role == Role.buyer:  # it explains its own conduct and decides the others
        waiting = RiskFlag.status.is_in([FlagStatus.open, FlagStatus.explained])
    elif actor.role == Role.organization:
        waiting = RiskFlag.status == FlagStatus.open
    else:
        return []
    return await _latest_flags(actor, waiting, limit)

"""Reads for the public disclosure pages (信息公开): published tenders, opening records, awards,
signed contracts with their amendments, settled performance and credit ratings.

What is public is decided here, row by row: drafts never match (a tender is public once
published, a contract once signed), bids are read only through the opening record, whose prices
exist only after the deadline, the notices are read by the same builders as their public PDFs,
and nothing about residents is read but counts and means.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count
from piccolo.table import Table

from procure import clock
from procure.acceptance.selectors import (
    public_acceptance,
    public_acceptance_page,
    public_acceptances,
)
from procure.bids.selectors import not_opened
from procure.bids.tables import Award, Bid, BidStatus
from procure.catalog.tables import CatalogCategory
from procure.contracts.selectors import amendment_history, contract_detail
from procure.contracts.tables import (
    Amendment,
    AmendmentLine,
    AmendmentStatus,
    Contract,
    ContractCommunity,
    ContractScopeLine,
)
from procure.db.pagination import DEFAULT_PER_PAGE, Page, PageRequest, contains, paginate
from procure.disclosure.obligations import (
    award_notice_obligation,
    contract_obligation,
    signing_obligation,
)
from procure.errors import Conflict, InvalidInput, NotFound
from procure.geography.tables import Community, SubDistrict
from procure.i18n import N_
from procure.organizations.selectors import current_debarments
from procure.organizations.tables import CreditRating, Organization
from procure.pdf.documents import award_notice_context, opening_record_context
from procure.performance.effects import ratings_in_force
from procure.performance.scoring import two_places
from procure.performance.tables import PerformanceScore
from procure.policy import get_policy
from procure.security.actors import PLATFORM_READER
from procure.settings import get_settings
from procure.spotchecks.selectors import spotcheck_periods
from procure.surveys.tables import (
    SurveyAnswer,
    SurveyItemKind,
    SurveyResponse,
    SurveyRound,
    SurveyToken,
)
from procure.tenders.selectors import tender_detail, with_clock
from procure.tenders.states import (
    ACCEPTING_BIDS,
    OPENED_STATES,
    TenderStatus,
)
from procure.tenders.tables import NeedEvidence, ScopeLine, Tender, TenderCommunity

#: A question's mean is published only over at least this many answers: with fewer, a mean
#: comes too close to what one resident answered. The period's settled score is always public.
MIN_RESPONSES = 5
MAX_KEYWORD = 100
FIRST_YEAR, LAST_YEAR = 2000, 2100
FIRST = PageRequest(1, DEFAULT_PER_PAGE)

#: After the deadline the opening record is public (an unsuccessful tender was opened too).
WITH_OPENING = frozenset({*OPENED_STATES, TenderStatus.unsuccessful})
AWARDED = frozenset({TenderStatus.awarded, TenderStatus.contracted})
#: Only the supplementary agreements the organization accepted are part of a contract.
ACCEPTED = Amendment.status == AmendmentStatus.accepted


@dataclass(frozen=True)
class Filters:
    """The visitor's filters; every list applies the ones that mean something for it."""

    sub_district: str = ""
    community: str = ""
    category: str = ""
    year: int | None = None
    q: str = ""

    def params(self) -> dict[str, str]:
        values = {
            "sub_district": self.sub_district,
            "community": self.community,
            "category": self.category,
            "year": str(self.year) if self.year else "",
            "q": self.q,
        }
        return {key: value for key, value in values.items() if value}

    def url(self, path: str, **extra: Any) -> str:
        """The path with these filters (and the extra parameters given) as its query."""
        params = self.params() | {key: str(value) for key, value in extra.items() if value}
        return f"{path}?{urlencode(params)}" if params else path

    @property
    def active(self) -> bool:
        return bool(self.params())


@dataclass(frozen=True)
class Choices:
    sub_districts: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    years: list[int] = field(default_factory=list)


async def filters_from(
    *, sub_district: str, community: str, category: str, year: int | None, q: str
) -> Filters:
    """The filters of a request; a code that names nothing is refused, naming its field."""
    filters = Filters(sub_district.strip(), community.strip(), category.strip(), year, q.strip())
    if len(filters.q) > MAX_KEYWORD:
        raise InvalidInput("q", N_("at most %(max)s characters"), max=MAX_KEYWORD)
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            "year", N_("a year between %(first)s and %(last)s"), first=FIRST_YEAR, last=LAST_YEAR
        )
    checks = (
        ("sub_district", SubDistrict, SubDistrict.code, filters.sub_district),
        ("community", Community, Community.code, filters.community),
        ("category", CatalogCategory, CatalogCategory.code, filters.category),
    )
    unknown = {
        "sub_district": N_("no sub-district %(value)r"),
        "community": N_("no community %(value)r"),
        "category": N_("no category %(value)r"),
    }
    for name, table, column, value in checks:
        if value and not await table.exists().where(column == value):
            raise InvalidInput(name, unknown[name], value=value)
    return filters


async def filter_choices() -> Choices:
    sub_districts = await SubDistrict.select(SubDistrict.id, SubDistrict.code, SubDistrict.name)
    communities = await Community.select(
        Community.code, Community.name, Community.sub_district
    ).order_by(Community.code)
    by_sub_district = defaultdict(list)
    for community in communities:
        by_sub_district[community["sub_district"]].append(community)
    first = (
        await Tender.select(Tender.published_at)
        .where(Tender.published_at.is_not_null())
        .order_by(Tender.published_at)
        .first()
    )
    this_year = _local(clock.now()).year
    since = _local(first["published_at"]).year if first else this_year
    return Choices(
        sub_districts=[
            {**row, "communities": by_sub_district[row["id"]]}
            for row in sorted(sub_districts, key=lambda row: row["code"])
        ],
        categories=await CatalogCategory.select(
            CatalogCategory.code, CatalogCategory.name_zh, CatalogCategory.name_en
        ).order_by(CatalogCategory.id),
        years=list(range(this_year, since - 1, -1)),
    )


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(get_settings().timezone))


def _in_year(column: Any, year: int | None) -> Any:
    """The column's instant falls in the local calendar year (bounds in UTC, as stored)."""
    if year is None:
        return None
    zone = ZoneInfo(get_settings().timezone)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    return (column >= start) & (column < end)


def _all(*conditions: Any) -> Any:
    where = None
    for condition in conditions:
        if condition is not None:
            where = condition if where is None else where & condition
    return where


def _titled(table: type[Table], text: str) -> Any:
    """The ids of the table's rows whose title contains the text, in any case. LIKE with an
    escape character, spelled the same on both engines: "100%" finds "100%", not everything."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    title = f'lower("{table._meta.tablename}"."title")'
    return table.select(table._meta.primary_key).where(
        WhereRaw(title + r" LIKE {} ESCAPE '\'", f"%{escaped}%")
    )


async def _area(filters: Filters) -> list[int] | None:
    """The communities the area filters select, or None when the visitor chose no area."""
    if not (filters.sub_district or filters.community):
        return None
    query = Community.select(Community.id)
    if filters.sub_district:
        query = query.where(Community.sub_district.code == filters.sub_district)
    if filters.community:
        query = query.where(Community.code == filters.community)
    return [row["id"] for row in await query] or [-1]


async def _tender_where(tender: Any, filters: Filters) -> Any:
    """Published tenders matching the filters but the year (each list dates its rows itself).
    ``tender`` is the Tender table or a foreign key to it (Award.tender)."""
    area = await _area(filters)
    return _all(
        tender.published_at.is_not_null(),
        tender.id.is_in(_titled(Tender, filters.q)) if filters.q else None,
        tender.id.is_in(
            TenderCommunity.select(TenderCommunity.tender).where(
                TenderCommunity.community.is_in(area)
            )
        )
        if area is not None
        else None,
        tender.id.is_in(
            ScopeLine.select(ScopeLine.tender).where(
                ScopeLine.catalog_item.category.code  # type: ignore[union-attr]
                == filters.category
            )
        )
        if filters.category
        else None,
    )


def _public_contract(contract: Any) -> Any:
    """A contract is published once signed; a draft is its department's business."""
    return contract.signed_at.is_not_null() & (contract.status != "draft")


async def _contract_where(contract: Any, filters: Filters) -> Any:
    """Signed contracts matching the filters but the year. ``contract`` is the Contract table or
    a foreign key to it (PerformanceScore.contract)."""
    area = await _area(filters)
    return _all(
        _public_contract(contract),
        contract.id.is_in(_titled(Contract, filters.q)) if filters.q else None,
        contract.id.is_in(
            ContractCommunity.select(ContractCommunity.contract).where(
                ContractCommunity.community.is_in(area)
            )
        )
        if area is not None
        else None,
        contract.id.is_in(
            ContractScopeLine.select(ContractScopeLine.contract).where(
                ContractScopeLine.catalog_item.category.code  # type: ignore[union-attr]
                == filters.category
            )
        )
        if filters.category
        else None,
    )


def _opened(tender: Any, now: datetime) -> Any:
    """Past the deadline: opened already, or due to open on the next look (the clock decides)."""
    return tender.status.is_in(list(WITH_OPENING)) | (
        tender.status.is_in(list(ACCEPTING_BIDS)) & (tender.submission_deadline <= now)
    )


async def _page(
    table: Any,
    where: Any,
    columns: tuple[Any, ...],
    order: tuple[Any, ...],
    paging: PageRequest,
) -> Page[dict[str, Any]]:
    """One page of rows, newest first; a page past the end shows the last one."""
    query = table.select(*columns).where(where)
    for column in order:
        query = query.order_by(column, ascending=False)
    return await paginate(query, table.count().where(where), paging, clamp=True)


TENDER_COLUMNS = (
    Tender.id,
    Tender.reference,
    Tender.title,
    Tender.status,
    Tender.method,
    Tender.ceiling_fen,
    Tender.published_at,
    Tender.clarification_deadline,
    Tender.submission_deadline,
    Tender.opening_at,
    Tender.department.name.as_alias("department_name"),
)


async def _published_where(filters: Filters) -> Any:
    return _all(await _tender_where(Tender, filters), _in_year(Tender.published_at, filters.year))


async def published_tenders(filters: Filters, paging: PageRequest = FIRST) -> Page[dict[str, Any]]:
    """Published tenders, dated by publication, newest first; drafts never."""
    where = await _published_where(filters)
    result = await _page(Tender, where, TENDER_COLUMNS, (Tender.published_at, Tender.id), paging)
    now = clock.now()
    for row in result.items:
        with_clock(row, now)
    return result


async def _bid_counts(tender_ids: list[int]) -> dict[int, int]:
    """Bids received per tender (withdrawn ones do not count)."""
    if not tender_ids:
        return {}
    rows = (
        await Bid.select(Bid.tender, Count(Bid.id, alias="n"))
        .where(Bid.tender.is_in(tender_ids) & (Bid.status != BidStatus.withdrawn))
        .group_by(Bid.tender)
    )
    return {row["tender"]: row["n"] for row in rows}


async def _openings_where(filters: Filters, now: datetime) -> Any:
    return _all(
        await _tender_where(Tender, filters),
        _opened(Tender, now),
        _in_year(Tender.submission_deadline, filters.year),
    )


async def opening_records(filters: Filters, paging: PageRequest = FIRST) -> Page[dict[str, Any]]:
    """Tenders past their deadline, dated by the deadline: their bids are public."""
    now = clock.now()
    where = await _openings_where(filters, now)
    result = await _page(
        Tender, where, TENDER_COLUMNS, (Tender.submission_deadline, Tender.id), paging
    )
    counts = await _bid_counts([row["id"] for row in result.items])
    for row in result.items:
        with_clock(row, now)["bid_count"] = counts.get(row["id"], 0)
    return result


async def _awards_where(filters: Filters) -> Any:
    return _all(
        await _tender_where(Award.tender, filters),
        Award.tender.status.is_in(list(AWARDED)),
        _in_year(Award.decided_at, filters.year),
    )


async def award_notices(filters: Filters, paging: PageRequest = FIRST) -> Page[dict[str, Any]]:
    """Award notices, dated by the award decision, newest first."""
    where = await _awards_where(filters)
    columns = (
        Award.id,
        Award.decided_at,
        Award.standstill_ends_at,
        Award.tender.id.as_alias("tender_id"),
        Award.tender.reference.as_alias("reference"),
        Award.tender.title.as_alias("title"),
        Award.tender.method.as_alias("method"),
        Award.tender.ceiling_fen.as_alias("ceiling_fen"),
        # Piccolo types the second hop of a join as a plain Column.
        Award.tender.department.name.as_alias("department_name"),  # type: ignore[union-attr]
        Award.bid.total_fen.as_alias("total_fen"),
        Award.bid.organization.name.as_alias("winner_name"),  # type: ignore[union-attr]
        Award.published_at,
    )
    result = await _page(Award, where, columns, (Award.decided_at, Award.id), paging)
    for row in result.items:
        row["obligation"] = award_notice_obligation(row)
    return result


CONTRACT_COLUMNS = (
    Contract.id,
    Contract.reference,
    Contract.title,
    Contract.status,
    Contract.value_fen,
    Contract.starts_on,
    Contract.ends_on,
    Contract.signed_at,
    Contract.published_at,
    Contract.department.name.as_alias("department_name"),
    Contract.organization.name.as_alias("organization_name"),
)


async def _contracts_where(filters: Filters, *, amended: bool = False) -> Any:
    return _all(
        await _contract_where(Contract, filters),
        _in_year(Contract.signed_at, filters.year),
        Contract.id.is_in(Amendment.select(Amendment.contract).where(ACCEPTED))
        if amended
        else None,
    )


async def signed_contracts(
    filters: Filters, paging: PageRequest = FIRST, *, amended: bool = False
) -> Page[dict[str, Any]]:
    """Signed contracts, dated by signature, with their amendments' count and current value;
    ``amended`` keeps those with at least one amendment."""
    where = await _contracts_where(filters, amended=amended)
    result = await _page(
        Contract, where, CONTRACT_COLUMNS, (Contract.signed_at, Contract.id), paging
    )
    amendments: dict[int, list[int]] = defaultdict(list)
    if result.items:
        for row in await Amendment.select(Amendment.contract, Amendment.value_delta_fen).where(
            Amendment.contract.is_in([row["id"] for row in result.items]) & ACCEPTED
        ):
            amendments[row["contract"]].append(row["value_delta_fen"])
    for row in result.items:
        deltas = amendments[row["id"]]
        row["amendment_count"] = len(deltas)
        row["current_value_fen"] = row["value_fen"] + sum(deltas)
        row["obligation"] = contract_obligation(row)
    return result


def _hundredths(value: int | None) -> Decimal | None:
    return None if value is None else two_places(Decimal(value) / 100)


def _score_view(row: dict[str, Any]) -> dict[str, Any]:
    """A settled period with its scores as decimals (they are stored as integer hundredths)."""
    view = {key: value for key, value in row.items() if not key.endswith("_hundredths")}
    for part in ("score", "committee", "satisfaction", "delivery"):
        view[part] = _hundredths(row[f"{part}_hundredths"])
    return view


SCORE_COLUMNS = (
    PerformanceScore.period,
    PerformanceScore.score_hundredths,
    PerformanceScore.committee_hundredths,
    PerformanceScore.satisfaction_hundredths,
    PerformanceScore.delivery_hundredths,
    PerformanceScore.complete,
    PerformanceScore.grade,
    PerformanceScore.settled_at,
)


async def _grades_where(filters: Filters) -> Any:
    return _all(
        await _contract_where(PerformanceScore.contract, filters),
        PerformanceScore.period.like(f"{filters.year}-%") if filters.year else None,
    )


async def performance_grades(filters: Filters, paging: PageRequest = FIRST) -> Page[dict[str, Any]]:
    """Settled performance per contract and period, newest period first; the year is the
    period's."""
    where = await _grades_where(filters)
    columns = (
        PerformanceScore.id,
        *SCORE_COLUMNS,
        PerformanceScore.contract.id.as_alias("contract_id"),
        PerformanceScore.contract.reference.as_alias("reference"),
        PerformanceScore.contract.title.as_alias("title"),
        PerformanceScore.contract.organization.name.as_alias("organization_name"),  # type: ignore[union-attr]
    )
    result = await _page(
        PerformanceScore, where, columns, (PerformanceScore.period, PerformanceScore.id), paging
    )
    return result.map(_score_view)


async def credit_ratings(paging: PageRequest = FIRST, *, q: str = "") -> Page[dict[str, Any]]:
    """A page of the organizations by name (``q``: a word of the name or the credit code), each
    with its credit rating, the settled periods it rests on (the mean of the latest ones, as
    the rating is computed) and a debarment in force. The rating in force is computed from
    the settlements, so the list is ordered by name in SQL, not by rating."""
    where: Any = Organization.id.is_not_null()
    if q.strip():
        where &= contains(q.strip(), Organization.name, Organization.credit_code)
    query = (
        Organization.select(
            Organization.id, Organization.name, Organization.credit_code, Organization.credit_rating
        )
        .where(where)
        .order_by(Organization.name)
        .order_by(Organization.id)
    )
    page = await paginate(query, Organization.count().where(where), paging, clamp=True)
    ratings = await ratings_in_force({row["id"]: row["credit_rating"] for row in page.items})
    debarred = await current_debarments(organizations=[row["id"] for row in page.items])

    def rated(organization: dict[str, Any]) -> dict[str, Any]:
        basis = ratings[organization["id"]]
        recent = [row["score_hundredths"] for row in basis.recent]
        return {
            **organization,
            "credit_rating": basis.rating,
            "settled_periods": len(basis.in_force),
            "recent_mean": two_places(Decimal(sum(recent)) / len(recent) / 100) if recent else None,
            "debarment": debarred.get(organization["id"]),
        }

    return page.map(rated)


async def section_counts(filters: Filters) -> dict[str, int]:
    """How many records each section holds under the filters."""
    now = clock.now()
    published = await _published_where(filters)
    contracts = await _contracts_where(filters)
    accepting = Tender.status.is_in(list(ACCEPTING_BIDS)) & (Tender.submission_deadline > now)
    return {
        "tenders": await Tender.count().where(published),
        "open_for_bids": await Tender.count().where(published & accepting),
        "openings": await Tender.count().where(await _openings_where(filters, now)),
        "awards": await Award.count().where(await _awards_where(filters)),
        "contracts": await Contract.count().where(contracts),
        "amendments": await Amendment.count().where(
            Amendment.contract.is_in(Contract.select(Contract.id).where(contracts)) & ACCEPTED
        ),
        "performance": await PerformanceScore.count().where(await _grades_where(filters)),
        "rated_organizations": await Organization.count().where(
            Organization.credit_rating != CreditRating.unrated
        ),
    }


async def tender_notice(tender_id: int) -> dict[str, Any]:
    """The tender as its notice publishes it, as anyone sees it on the tender page: answered
    clarifications without who asked, and of the bids only their number. A draft: 404."""
    tender = await tender_detail(None, tender_id)
    tender["communities"] = (
        await TenderCommunity.select(
            TenderCommunity.community.code.as_alias("code"),
            TenderCommunity.community.name.as_alias("name"),
            TenderCommunity.community.sub_district.name.as_alias("sub_district"),  # type: ignore[union-attr]
        )
        .where(TenderCommunity.tender == tender_id)
        .order_by(TenderCommunity.community.code)
    )
    tender["evidence"] = (
        await NeedEvidence.select(
            NeedEvidence.kind,
            NeedEvidence.summary,
            NeedEvidence.community.name.as_alias("community"),
        )
        .where(NeedEvidence.tender == tender_id)
        .order_by(NeedEvidence.id)
    )
    tender["has_opening"] = tender["status"] in WITH_OPENING
    tender["has_award"] = tender["status"] in AWARDED and await Award.exists().where(
        Award.tender == tender_id
    )
    contract = (
        await Contract.select(Contract.id)
        .where((Contract.tender == tender_id) & _public_contract(Contract))
        .first()
    )
    tender["contract_id"] = contract["id"] if contract else None
    return tender


async def opening_record(tender_id: int) -> dict[str, Any]:
    """The opening record once the deadline has passed, read by the public PDF's own builder;
    before it nothing about the bids but their number (``sealed``)."""
    tender = await tender_notice(tender_id)
    if not tender["has_opening"]:
        return {"tender": tender, "sealed": tender["status"] in ACCEPTING_BIDS, "bids": []}
    record = await opening_record_context(tender_id)
    return {
        "tender": tender,
        "sealed": False,
        "bids": record["bids"],
        "bid_count": record["bid_count"],
        "opened_at": record["opened_at"],
        "not_opened": await not_opened(tender_id),
    }


async def award_notice(tender_id: int) -> dict[str, Any]:
    """The award notice (中标/成交公告) as its PDF publishes it; 404 until there is one."""
    tender = await tender_notice(tender_id)
    try:
        notice = await award_notice_context(tender_id)
    except Conflict:
        raise NotFound(
            N_("tender %(reference)s has no award notice"), reference=tender["reference"]
        ) from None
    award = (
        await Award.select(Award.decided_at, Award.published_at)
        .where(Award.tender == tender_id)
        .first()
    )
    if award is None:
        raise NotFound(
            N_("tender %(reference)s has no award notice"), reference=tender["reference"]
        )
    return {
        "tender": tender,
        "winner": notice["winner"],
        "award": notice["award"],
        "lines": notice["lines"],
        "bids": notice["bids"],
        "committee": notice["committee"],
        "open_tender": notice["award_word"] == "中标",
        "obligation": award_notice_obligation(award),
        "signing": await signing_obligation(tender_id, award["decided_at"]),
    }


async def _contract_communities(contract_id: int) -> list[dict[str, Any]]:
    return (
        await ContractCommunity.select(
            ContractCommunity.community.code.as_alias("code"),
            ContractCommunity.community.name.as_alias("name"),
            ContractCommunity.community.sub_district.name.as_alias("sub_district"),  # type: ignore[union-attr]
        )
        .where(ContractCommunity.contract == contract_id)
        .order_by(ContractCommunity.community.code)
    )


async def _amendment_lines(contract_id: int) -> dict[int, list[dict[str, Any]]]:
    """Each amendment's changes, line by line, by version."""
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        await AmendmentLine.select(
            AmendmentLine.amendment.version.as_alias("version"),
            AmendmentLine.scope_line.line_no.as_alias("line_no"),
            AmendmentLine.catalog_item.name.as_alias("item_name"),
            AmendmentLine.catalog_item.unit.as_alias("unit"),
            AmendmentLine.description,
            AmendmentLine.quantity_delta,
            AmendmentLine.unit_price_fen,
            AmendmentLine.amount_delta_fen,
            AmendmentLine.in_tender,
        )
        .where(
            (AmendmentLine.amendment.contract == contract_id)
            & (AmendmentLine.amendment.status == AmendmentStatus.accepted)
        )
        .order_by(AmendmentLine.id)
    ):
        lines[row.pop("version")].append(row)
    return lines


async def _public_contract_row(contract_id: int) -> dict[str, Any]:
    row = (
        await Contract.select(
            Contract.id, Contract.tender, Contract.signed_at, Contract.published_at
        )
        .where((Contract.id == contract_id) & _public_contract(Contract))
        .first()
    )
    if row is None:
        raise NotFound(N_("contract %(id)s not found"), id=contract_id)
    return row


async def contract_disclosure(contract_id: int) -> dict[str, Any]:
    """A signed contract: parties, value, term, communities, scope, each amendment with its
    reason, value change and lines, the cumulative change, and its settled performance."""
    row = await _public_contract_row(contract_id)
    detail = await contract_detail(PLATFORM_READER, contract_id)
    public = (
        "id",
        "reference",
        "title",
        "status",
        "value_fen",
        "starts_on",
        "ends_on",
        "department_name",
        "organization_id",
        "organization_name",
        "signed_at",
        "terminated_reason",
        "tender_reference",
    )
    contract = {key: detail[key] for key in public}
    history = await amendment_history(PLATFORM_READER, contract_id)
    signed = {line["line_no"]: line for line in detail["lines"]}
    # Each line as amended (quantities, amounts), with its unit price as signed; a line an
    # amendment added has none (its amendment below gives it).
    contract["lines"] = [
        {
            **line,
            "unit_price_fen": signed.get(line["line_no"], {}).get("unit_price_fen"),
            "unit": signed.get(line["line_no"], {}).get("unit"),
            "description": signed.get(line["line_no"], {}).get("description", ""),
        }
        for line in history["lines"]
    ]
    contract["tender_id"] = row["tender"]
    contract["obligation"] = contract_obligation(row)
    contract["acceptances"] = await public_acceptances([contract_id])
    contract["communities"] = await _contract_communities(contract_id)
    changes = await _amendment_lines(contract_id)
    contract["amendments"] = [
        {**amendment, "lines": changes[amendment["version"]]}
        for amendment in detail["amendments"]
        if amendment["status"] == AmendmentStatus.accepted
    ]
    contract["history"] = history
    contract["performance"] = [
        _score_view(score)
        for score in await PerformanceScore.select(*SCORE_COLUMNS)
        .where(PerformanceScore.contract == contract_id)
        .order_by(PerformanceScore.period)
    ]
    contract["spotchecks"] = await spotcheck_periods(contract_id, notes=False)
    return contract


async def survey_aggregate(contract_id: int, period: str) -> dict[str, Any]:
    """The period's resident surveys as counts and means only: codes issued and answers per
    community, and each question's mean once enough residents answered (MIN_RESPONSES).
    No code, no answer sheet, no written answer, no time of answering."""
    rounds = (
        await SurveyRound.select(
            SurveyRound.id, SurveyRound.community.name.as_alias("community_name")
        )
        .where((SurveyRound.contract == contract_id) & (SurveyRound.period == period))
        .order_by(SurveyRound.community.code)
    )
    ids = [row["id"] for row in rounds] or [-1]

    async def counted(table: Any) -> dict[int, int]:
        rows = (
            await table.select(table.round, Count(table.id, alias="n"))
            .where(table.round.is_in(ids))
            .group_by(table.round)
        )
        return {row["round"]: row["n"] for row in rows}

    issued, answered = await counted(SurveyToken), await counted(SurveyResponse)
    communities = [
        {
            "community_name": row["community_name"],
            "tokens_issued": issued.get(row["id"], 0),
            "responses": answered.get(row["id"], 0),
        }
        for row in rounds
    ]
    responses = sum(answered.values())
    questions = []
    if responses >= MIN_RESPONSES:
        scores: dict[tuple[int, str, str], list[int]] = defaultdict(list)
        for answer in await SurveyAnswer.select(
            SurveyAnswer.item.seq.as_alias("seq"),
            SurveyAnswer.item.text_zh.as_alias("text_zh"),
            SurveyAnswer.item.text_en.as_alias("text_en"),
            SurveyAnswer.score,
        ).where(
            SurveyAnswer.response.round.is_in(ids)
            & (SurveyAnswer.item.kind == SurveyItemKind.likert5)
            & SurveyAnswer.score.is_not_null()
        ):
            scores[(answer["seq"], answer["text_zh"], answer["text_en"])].append(answer["score"])
        questions = [
            {
                "seq": seq,
                "text_zh": text_zh,
                "text_en": text_en or text_zh,
                "n": len(values),
                "mean": two_places(Decimal(sum(values)) / len(values)),
            }
            for (seq, text_zh, text_en), values in sorted(scores.items())
        ]
    return {
        "communities": communities,
        "tokens_issued": sum(issued.values()),
        "responses": responses,
        "questions": questions,
        "suppressed": 0 < responses < MIN_RESPONSES,
    }


async def performance_period(contract_id: int, period: str) -> dict[str, Any]:
    """A settled period of a signed contract: its score, grade and components, and the
    residents' surveys in aggregate. A period not settled yet is not published (404)."""
    await _public_contract_row(contract_id)
    score = (
        await PerformanceScore.select(*SCORE_COLUMNS)
        .where((PerformanceScore.contract == contract_id) & (PerformanceScore.period == period))
        .first()
    )
    if score is None:
        raise NotFound(
            N_("no settled performance of contract %(id)s for %(period)r"),
            id=contract_id,
            period=period,
        )
    contract = await Contract.select(*CONTRACT_COLUMNS).where(Contract.id == contract_id).first()
    return {
        "contract": contract,
        "score": _score_view(score),
        "weights": get_policy().performance,
        "survey": await survey_aggregate(contract_id, period),
    }


async def acceptance_results(filters: Filters, paging: PageRequest = FIRST) -> Page[dict[str, Any]]:
    """Confirmed acceptances (履约验收结果) of the contracts the filters keep, newest first."""
    contracts = Contract.select(Contract.id).where(await _contracts_where(filters))
    return await public_acceptance_page(paging, contracts)


async def acceptance_result(acceptance_id: int) -> dict[str, Any]:
    """One confirmed acceptance as published, without any recipient's personal data."""
    return await public_acceptance(acceptance_id)

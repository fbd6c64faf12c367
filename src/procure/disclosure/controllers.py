"""The public disclosure API (信息公开) under /api/v1/disclosure: the JSON twin of each
disclosure page, open to anyone without signing in, over the same selectors (which publish only
what is public). Lists take the pages' filters and ``page``/``per_page`` (paginated in SQL),
with ``X-Total-Count`` and ``Link`` headers."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery

from procure.complaints.selectors import published_decisions
from procure.db.pagination import PAGING, Page, PageRequest, page_headers
from procure.disclosure import selectors
from procure.disclosure.pages import provide_filters
from procure.disclosure.schemas import (
    AcceptanceItem,
    AcceptanceRecord,
    AwardItem,
    AwardRecord,
    ContractItem,
    ContractRecord,
    OpeningItem,
    OpeningRecord,
    PerformanceItem,
    PerformancePeriodRecord,
    RatingItem,
    SectionCounts,
    TenderItem,
    TenderRecord,
    plain,
)
from procure.disclosure.selectors import Filters
from procure.security.policy import Action

READ = {"action": Action.disclosure_read}


def listed(request: Request[Any, Any, Any], page: Page[dict[str, Any]]) -> Response[Any]:
    """A page of a list as JSON (its items as ``plain`` writes them) with its headers; the
    handler's return type (schemas.py) says the items' fields."""
    return Response([plain(row) for row in page.items], headers=page_headers(request, page))


def record(value: dict[str, Any]) -> Response[Any]:
    """A record as JSON (as ``plain`` writes it); the handler's return type says its fields."""
    return Response(plain(value))


class DisclosureController(Controller):
    path = "/api/v1/disclosure"
    tags = ["disclosure"]
    dependencies = {"filters": Provide(provide_filters), **PAGING}

    @get("/", opt=READ)
    async def counts(self, filters: NamedDependency[Filters]) -> SectionCounts:
        """How many records each list holds under the filters (``sub_district``,
        ``community``, ``category``, ``year``, ``q``), as the disclosure index shows."""
        return SectionCounts(**await selectors.section_counts(filters))

    @get("/tenders", opt=READ)
    async def tenders(
        self,
        request: Request[Any, Any, Any],
        filters: NamedDependency[Filters],
        paging: NamedDependency[PageRequest],
    ) -> Response[list[TenderItem]]:
        """Published tenders (招标公告), newest publication first; drafts never."""
        return listed(request, await selectors.published_tenders(filters, paging))

    @get("/openings", opt=READ)
    async def openings(
        self,
        request: Request[Any, Any, Any],
        filters: NamedDependency[Filters],
        paging: NamedDependency[PageRequest],
    ) -> Response[list[OpeningItem]]:
        """Tenders past their deadline with their bid counts (开标记录)."""
        return listed(request, await selectors.opening_records(filters, paging))

    @get("/awards", opt=READ)
    async def awards(
        self,
        request: Request[Any, Any, Any],
        filters: NamedDependency[Filters],
        paging: NamedDependency[PageRequest],
    ) -> Response[list[AwardItem]]:
        """Award notices (中标/成交公告) with their publication obligation."""
        return listed(request, await selectors.award_notices(filters, paging))

    @get("/contracts", opt=READ)
    async def contracts(
        self,
        request: Request[Any, Any, Any],
        filters: NamedDependency[Filters],
        paging: NamedDependency[PageRequest],
        amended: FromQuery[bool] = False,
    ) -> Response[list[ContractItem]]:
        """Signed contracts (合同公告) with amendment counts and current value; ``amended``
        keeps those with an accepted amendment."""
        page = await selectors.signed_contracts(filters, paging, amended=amended)
        return listed(request, page)

    @get("/performance", opt=READ)
    async def performance(
        self,
        request: Request[Any, Any, Any],
        filters: NamedDependency[Filters],
        paging: NamedDependency[PageRequest],
    ) -> Response[list[PerformanceItem]]:
        """Settled performance per contract and period; scores are decimal text."""
        return listed(request, await selectors.performance_grades(filters, paging))

    @get("/acceptances", opt=READ)
    async def acceptances(
        self,
        request: Request[Any, Any, Any],
        filters: NamedDependency[Filters],
        paging: NamedDependency[PageRequest],
    ) -> Response[list[AcceptanceItem]]:
        """Confirmed acceptances (履约验收结果), newest first."""
        return listed(request, await selectors.acceptance_results(filters, paging))

    @get("/acceptances/{acceptance_id:int}", opt=READ)
    async def acceptance(self, acceptance_id: FromPath[int]) -> Response[AcceptanceRecord]:
        """A confirmed acceptance: its group (kinds and affiliations), each requirement's
        result and the recipients' opinions in counts; never a recipient's personal data."""
        return record(await selectors.acceptance_result(acceptance_id))

    @get("/ratings", opt=READ)
    async def ratings(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        q: FromQuery[str] = "",
    ) -> Response[list[RatingItem]]:
        """Organizations by name with their credit rating in force, what it rests on and any
        debarment in force; ``q``: a word of the name or the credit code."""
        return listed(request, await selectors.credit_ratings(paging, q=q))

    @get("/tenders/{tender_id:int}", opt=READ)
    async def tender(self, tender_id: FromPath[int]) -> Response[TenderRecord]:
        """The tender notice with its answered clarifications (never who asked), of the bids
        only their number, and the published complaint decisions."""
        notice = await selectors.tender_notice(tender_id)
        decisions = await published_decisions(tender_id=tender_id)
        return record({**notice, "complaint_decisions": decisions})

    @get("/tenders/{tender_id:int}/opening", opt=READ)
    async def opening(self, tender_id: FromPath[int]) -> Response[OpeningRecord]:
        """The opening record once the deadline has passed; before it ``sealed`` and no bids."""
        return record(await selectors.opening_record(tender_id))

    @get("/tenders/{tender_id:int}/award", opt=READ)
    async def award(self, tender_id: FromPath[int]) -> Response[AwardRecord]:
        """The award notice; 404 until there is one."""
        return record(await selectors.award_notice(tender_id))

    @get("/contracts/{contract_id:int}", opt=READ)
    async def contract(self, contract_id: FromPath[int]) -> Response[ContractRecord]:
        """A signed contract: parties, value, term, scope, accepted amendments and their
        cumulative change, acceptances and settled performance."""
        return record(await selectors.contract_disclosure(contract_id))

    @get("/contracts/{contract_id:int}/performance/{period:str}", opt=READ)
    async def performance_period(
        self, contract_id: FromPath[int], period: FromPath[str]
    ) -> Response[PerformancePeriodRecord]:
        """A settled period: score, grade, components and the residents' surveys in aggregate
        (counts and means only); 404 before it is settled."""
        return record(await selectors.performance_period(contract_id, period))

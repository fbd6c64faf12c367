"""The public disclosure pages (信息公开), open to anyone without signing in: an index with
counts, lists with filters and pages, and each published record. Thin, over the selectors."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from procure.complaints.selectors import published_decisions
from procure.db.pagination import PAGING, PageRequest
from procure.disclosure import selectors
from procure.disclosure.selectors import Filters
from procure.errors import InvalidInput
from procure.i18n import N_
from procure.security.policy import Action


async def provide_filters(
    sub_district: FromQuery[str] = "",
    community: FromQuery[str] = "",
    category: FromQuery[str] = "",
    year: FromQuery[str] = "",
    q: FromQuery[str] = "",
) -> Filters:
    """The filters from the query; an empty field (the form's "all") filters nothing."""
    try:
        number = int(year) if year.strip() else None
    except ValueError:
        raise InvalidInput("year", N_("%(year)r is not a year"), year=year) from None
    return await selectors.filters_from(
        sub_district=sub_district, community=community, category=category, year=number, q=q
    )


async def listing(template: str, filters: Filters, **context: Any) -> Template:
    return Template(
        f"disclosure/{template}",
        context={"filters": filters, "choices": await selectors.filter_choices(), **context},
    )


READ = {"action": Action.disclosure_read}
#: The index shows the latest few of each list.
LATEST = PageRequest(1, 5)


class DisclosurePages(Controller):
    path = "/disclosure"
    include_in_schema = False
    dependencies = {"filters": Provide(provide_filters), **PAGING}

    @get("/", opt=READ)
    async def index(self, filters: NamedDependency[Filters]) -> Template:
        return await listing(
            "index.html",
            filters,
            counts=await selectors.section_counts(filters),
            latest_tenders=(await selectors.published_tenders(filters, LATEST)).items,
            latest_awards=(await selectors.award_notices(filters, LATEST)).items,
        )

    @get("/tenders", opt=READ)
    async def tenders(
        self, filters: NamedDependency[Filters], paging: NamedDependency[PageRequest]
    ) -> Template:
        return await listing(
            "tenders.html", filters, page=await selectors.published_tenders(filters, paging)
        )

    @get("/openings", opt=READ)
    async def openings(
        self, filters: NamedDependency[Filters], paging: NamedDependency[PageRequest]
    ) -> Template:
        return await listing(
            "openings.html", filters, page=await selectors.opening_records(filters, paging)
        )

    @get("/awards", opt=READ)
    async def awards(
        self, filters: NamedDependency[Filters], paging: NamedDependency[PageRequest]
    ) -> Template:
        return await listing(
            "awards.html", filters, page=await selectors.award_notices(filters, paging)
        )

    @get("/contracts", opt=READ)
    async def contracts(
        self,
        filters: NamedDependency[Filters],
        paging: NamedDependency[PageRequest],
        amended: FromQuery[bool] = False,
    ) -> Template:
        return await listing(
            "contracts.html",
            filters,
            amended=amended,
            page=await selectors.signed_contracts(filters, paging, amended=amended),
        )

    @get("/performance", opt=READ)
    async def performance(
        self, filters: NamedDependency[Filters], paging: NamedDependency[PageRequest]
    ) -> Template:
        return await listing(
            "performance.html", filters, page=await selectors.performance_grades(filters, paging)
        )

    @get("/acceptances", opt=READ)
    async def acceptances(
        self, filters: NamedDependency[Filters], paging: NamedDependency[PageRequest]
    ) -> Template:
        return await listing(
            "acceptances.html", filters, page=await selectors.acceptance_results(filters, paging)
        )

    @get("/acceptances/{acceptance_id:int}", opt=READ)
    async def acceptance(self, acceptance_id: FromPath[int]) -> Template:
        return Template(
            "disclosure/acceptance.html",
            context=await selectors.acceptance_result(acceptance_id),
        )

    @get("/ratings", opt=READ)
    async def ratings(
        self, paging: NamedDependency[PageRequest], q: FromQuery[str] = ""
    ) -> Template:
        return Template(
            "disclosure/ratings.html",
            context={"ratings": await selectors.credit_ratings(paging, q=q), "q": q},
        )

    @get("/tenders/{tender_id:int}", opt=READ)
    async def tender(self, tender_id: FromPath[int]) -> Template:
        return Template(
            "disclosure/tender.html",
            context={
                "tender": await selectors.tender_notice(tender_id),
                "complaint_decisions": await published_decisions(tender_id=tender_id),
            },
        )

    @get("/tenders/{tender_id:int}/opening", opt=READ)
    async def opening(self, tender_id: FromPath[int]) -> Template:
        return Template(
            "disclosure/opening.html", context=await selectors.opening_record(tender_id)
        )

    @get("/tenders/{tender_id:int}/award", opt=READ)
    async def award(self, tender_id: FromPath[int]) -> Template:
        return Template("disclosure/award.html", context=await selectors.award_notice(tender_id))

    @get("/contracts/{contract_id:int}", opt=READ)
    async def contract(self, contract_id: FromPath[int]) -> Template:
        return Template(
            "disclosure/contract.html",
            context={"contract": await selectors.contract_disclosure(contract_id)},
        )

    @get("/contracts/{contract_id:int}/performance/{period:str}", opt=READ)
    async def performance_period(
        self, contract_id: FromPath[int], period: FromPath[str]
    ) -> Template:
        return Template(
            "disclosure/performance_period.html",
            context=await selectors.performance_period(contract_id, period),
        )

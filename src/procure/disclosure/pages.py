"""The public disclosure pages (信息公开), open to anyone without signing in: an index with
counts, lists with filters and pages, and each published record. Thin, over the selectors."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from procure.complaints.selectors import published_decisions
from procure.disclosure import selectors
from procure.disclosure.selectors import Filters
from procure.errors import InvalidInput
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
        raise InvalidInput("year", f"{year!r} is not a year") from None
    return await selectors.filters_from(
        sub_district=sub_district, community=community, category=category, year=number, q=q
    )


async def listing(template: str, filters: Filters, **context: Any) -> Template:
    return Template(
        f"disclosure/{template}",
        context={"filters": filters, "choices": await selectors.filter_choices(), **context},
    )


READ = {"action": Action.disclosure_read}


class DisclosurePages(Controller):
    path = "/disclosure"
    include_in_schema = False
    dependencies = {"filters": Provide(provide_filters)}

    @get("/", opt=READ)
    async def index(self, filters: NamedDependency[Filters]) -> Template:
        return await listing(
            "index.html",
            filters,
            counts=await selectors.section_counts(filters),
            latest_tenders=(await selectors.published_tenders(filters)).rows[:5],
            latest_awards=(await selectors.award_notices(filters)).rows[:5],
        )

    @get("/tenders", opt=READ)
    async def tenders(
        self, filters: NamedDependency[Filters], page: FromQuery[int] = 1
    ) -> Template:
        return await listing(
            "tenders.html", filters, page=await selectors.published_tenders(filters, page)
        )

    @get("/openings", opt=READ)
    async def openings(
        self, filters: NamedDependency[Filters], page: FromQuery[int] = 1
    ) -> Template:
        return await listing(
            "openings.html", filters, page=await selectors.opening_records(filters, page)
        )

    @get("/awards", opt=READ)
    async def awards(self, filters: NamedDependency[Filters], page: FromQuery[int] = 1) -> Template:
        return await listing(
            "awards.html", filters, page=await selectors.award_notices(filters, page)
        )

    @get("/contracts", opt=READ)
    async def contracts(
        self,
        filters: NamedDependency[Filters],
        page: FromQuery[int] = 1,
        amended: FromQuery[bool] = False,
    ) -> Template:
        return await listing(
            "contracts.html",
            filters,
            amended=amended,
            page=await selectors.signed_contracts(filters, page, amended=amended),
        )

    @get("/performance", opt=READ)
    async def performance(
        self, filters: NamedDependency[Filters], page: FromQuery[int] = 1
    ) -> Template:
        return await listing(
            "performance.html", filters, page=await selectors.performance_grades(filters, page)
        )

    @get("/acceptances", opt=READ)
    async def acceptances(self, filters: NamedDependency[Filters]) -> Template:
        return await listing(
            "acceptances.html", filters, rows=await selectors.acceptance_results(filters)
        )

    @get("/acceptances/{acceptance_id:int}", opt=READ)
    async def acceptance(self, acceptance_id: FromPath[int]) -> Template:
        return Template(
            "disclosure/acceptance.html",
            context=await selectors.acceptance_result(acceptance_id),
        )

    @get("/ratings", opt=READ)
    async def ratings(self) -> Template:
        return Template(
            "disclosure/ratings.html", context={"ratings": await selectors.credit_ratings()}
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

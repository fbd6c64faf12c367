"""The public OCDS API: release and record packages, paginated by contracting process."""

from __future__ import annotations

from math import ceil
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromPath, Parameter

from procure.errors import NotFound
from procure.ocds import export
from procure.security.policy import Action

PAGE = Annotated[int, Parameter(ge=1, description="page number, from 1")]
PER_PAGE = Annotated[
    int,
    Parameter(
        ge=1,
        le=100,
        description="contracting processes per page (each with all its releases)",
    ),
]


def _page_url(request: Request[Any, Any, Any], page: int, per_page: int) -> str:
    return str(request.url.with_replacements(query=f"page={page}&per_page={per_page}"))


async def _paginated(
    request: Request[Any, Any, Any], kind: str, page: int, per_page: int
) -> dict[str, Any]:
    pages = ceil(await export.process_count() / per_page)
    build = export.release_package if kind == "releases" else export.record_package
    package = await build(
        uri=_page_url(request, page, per_page), offset=(page - 1) * per_page, limit=per_page
    )
    links = {}
    if page < pages:
        links["next"] = _page_url(request, page + 1, per_page)
    if page > 1:
        links["prev"] = _page_url(request, min(page - 1, max(pages, 1)), per_page)
    package["links"] = links
    return package


class OCDSController(Controller):
    path = "/api/v1/ocds"
    tags = ["open data"]

    @get("/releases", opt={"action": Action.ocds_read})
    async def releases(
        self, request: Request[Any, Any, Any], page: PAGE = 1, per_page: PER_PAGE = 20
    ) -> dict[str, Any]:
        """A release package: every release of the page's contracting processes, oldest
        process first; `links.next` / `links.prev` lead to the neighbouring pages."""
        return await _paginated(request, "releases", page, per_page)

    @get("/records", opt={"action": Action.ocds_read})
    async def records(
        self, request: Request[Any, Any, Any], page: PAGE = 1, per_page: PER_PAGE = 20
    ) -> dict[str, Any]:
        """A record package: one record (releases and compiled release) per contracting process
        of the page."""
        return await _paginated(request, "records", page, per_page)

    @get("/releases/{ocid:str}", opt={"action": Action.ocds_read})
    async def process_releases(
        self, request: Request[Any, Any, Any], ocid: FromPath[str]
    ) -> dict[str, Any]:
        """The releases of one contracting process."""
        package = await export.release_package(uri=str(request.url), ocids=[ocid])
        if not package["releases"]:
            raise NotFound(f"no contracting process {ocid}")
        return package

    @get("/records/{ocid:str}", opt={"action": Action.ocds_read})
    async def record(self, request: Request[Any, Any, Any], ocid: FromPath[str]) -> dict[str, Any]:
        """The record of one contracting process, in a record package."""
        package = await export.record_package(uri=str(request.url), ocids=[ocid])
        if not package["records"]:
            raise NotFound(f"no contracting process {ocid}")
        return package

"""The public OCDS API: release and record packages, paginated by contracting process."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from procure.db.pagination import PAGING, Page, PageRequest, page_headers
from procure.errors import NotFound
from procure.i18n import N_
from procure.ocds import export
from procure.security.policy import Action


def _page_url(request: Request[Any, Any, Any], page: int, per_page: int) -> str:
    return str(request.url.with_replacements(query=f"page={page}&per_page={per_page}"))


async def _paginated(
    request: Request[Any, Any, Any], kind: str, paging: PageRequest
) -> Response[dict[str, Any]]:
    """A package of the page's contracting processes (per_page counts processes), with the
    OCDS ``links`` and the headers every list sends."""
    position = Page[Any]([], await export.process_count(), paging.page, paging.per_page)
    build = export.release_package if kind == "releases" else export.record_package
    package = await build(
        uri=_page_url(request, paging.page, paging.per_page),
        offset=min(paging.offset, position.total),
        limit=paging.per_page,
    )
    links = {}
    if position.has_next:
        links["next"] = _page_url(request, paging.page + 1, paging.per_page)
    if position.has_previous:
        links["prev"] = _page_url(request, min(paging.page - 1, position.pages), paging.per_page)
    package["links"] = links
    return Response(package, headers=page_headers(request, position))


class OCDSController(Controller):
    path = "/api/v1/ocds"
    tags = ["open data"]

    @get("/releases", opt={"action": Action.ocds_read}, dependencies=PAGING)
    async def releases(
        self, request: Request[Any, Any, Any], paging: NamedDependency[PageRequest]
    ) -> Response[dict[str, Any]]:
        """A release package: every release of the page's contracting processes, oldest
        process first; `links.next` / `links.prev` lead to the neighbouring pages."""
        return await _paginated(request, "releases", paging)

    @get("/records", opt={"action": Action.ocds_read}, dependencies=PAGING)
    async def records(
        self, request: Request[Any, Any, Any], paging: NamedDependency[PageRequest]
    ) -> Response[dict[str, Any]]:
        """A record package: one record (releases and compiled release) per contracting process
        of the page."""
        return await _paginated(request, "records", paging)

    @get("/releases/{ocid:str}", opt={"action": Action.ocds_read})
    async def process_releases(
        self, request: Request[Any, Any, Any], ocid: FromPath[str]
    ) -> dict[str, Any]:
        """The releases of one contracting process."""
        package = await export.release_package(uri=str(request.url), ocids=[ocid])
        if not package["releases"]:
            raise NotFound(N_("no contracting process %(ocid)s"), ocid=ocid)
        return package

    @get("/records/{ocid:str}", opt={"action": Action.ocds_read})
    async def record(self, request: Request[Any, Any, Any], ocid: FromPath[str]) -> dict[str, Any]:
        """The record of one contracting process, in a record package."""
        package = await export.record_package(uri=str(request.url), ocids=[ocid])
        if not package["records"]:
            raise NotFound(N_("no contracting process %(ocid)s"), ocid=ocid)
        return package

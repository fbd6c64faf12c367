"""The service catalog (购买服务目录) API under /api/v1/catalog: read by everyone, kept by buyers
and administrators, imported and exported as .xlsx or .csv."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import anyio.to_thread
from litestar import Controller, MediaType, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from procure.catalog import services
from procure.catalog.files import MAX_BYTES, NO_FILE, FileFormat, write_file
from procure.catalog.rules import Rejected
from procure.catalog.schemas import CatalogItemIn, CatalogItemOut, ImportResultOut, ImportUpload
from procure.catalog.selectors import (
    catalog_item,
    catalog_item_page,
    catalog_items,
    category_names,
)
from procure.catalog.tables import CategoryCode
from procure.db.pagination import PAGING, PageRequest, paged
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.settings import get_settings
from procure.web.responses import file_operation

#: The exports (the catalog's, the expert pool's) answer the format the query asks for.
SPREADSHEET = file_operation(*(kind.media_type for kind in FileFormat))


def rejected_response(_: Request[Any, Any, Any], exc: Rejected) -> Response[Any]:
    """400 with every problem: for an import each names its row and column."""
    return Response(
        {
            "status_code": 400,
            "detail": exc.message,
            "field": exc.field,
            "errors": [
                {
                    **({"row": p.row, "column": p.column} if p.row is not None else {}),
                    "field": p.field,
                    "message": p.text(),
                }
                for p in exc.problems
            ],
        },
        status_code=400,
        media_type=MediaType.JSON,
    )


async def upload_content(upload: ImportUpload) -> tuple[str, bytes]:
    if upload.file is None:
        raise Rejected.one("file", NO_FILE, field="file")
    # One byte past the limit is enough to refuse the file as too large.
    return upload.file.filename or "", await upload.file.read(MAX_BYTES + 1)


async def export_response(file_format: FileFormat) -> Response[bytes]:
    """The whole catalog, inactive items included, as a download named for today."""
    items = [CatalogItemIn(**row) for row in await catalog_items(include_inactive=True)]
    content = await anyio.to_thread.run_sync(write_file, file_format, items, await category_names())
    today = datetime.now(ZoneInfo(get_settings().timezone)).strftime("%Y%m%d")
    filename = f"购买服务目录-{today}.{file_format}"
    # filename* carries the Chinese name (RFC 6266); filename is the ASCII fallback.
    disposition = (
        f'attachment; filename="service-catalog-{today}.{file_format}"; '
        f"filename*=UTF-8''{quote(filename)}"
    )
    return Response(
        content,
        media_type=file_format.media_type,
        headers={"content-disposition": disposition},
    )


class CatalogController(Controller):
    path = "/api/v1/catalog"
    tags = ["catalog"]
    exception_handlers = {Rejected: rejected_response}

    @get("/items", opt={"action": Action.public_read}, dependencies=PAGING)
    async def list_items(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        category: FromQuery[CategoryCode | None] = None,
        q: Annotated[str, QueryParameter(description="text searched in the names")] = "",
        include_inactive: FromQuery[bool] = False,
    ) -> Response[list[CatalogItemOut]]:
        """The items by code; pages: ``page``, ``per_page`` (≤ 100), with ``X-Total-Count``
        and ``Link`` headers (the whole catalog comes as a file from ``/export``)."""
        page = await catalog_item_page(
            paging, category=category, q=q, include_inactive=include_inactive
        )
        return paged(request, page.map(lambda row: CatalogItemOut(**row)))

    @get("/items/{item_id:int}", opt={"action": Action.public_read})
    async def get_item(self, item_id: FromPath[int]) -> CatalogItemOut:
        return CatalogItemOut(**await catalog_item(item_id))

    @post("/items", status_code=HTTP_201_CREATED, opt={"action": Action.catalog_manage})
    async def create_item(
        self, request: Request[Actor, Any, Any], data: JSONBody[CatalogItemIn]
    ) -> CatalogItemOut:
        item_id = await services.catalog_item_create(actor=request.user, item=data)
        return CatalogItemOut(**await catalog_item(item_id))

    @put("/items/{item_id:int}", opt={"action": Action.catalog_manage})
    async def update_item(
        self,
        request: Request[Actor, Any, Any],
        item_id: FromPath[int],
        data: JSONBody[CatalogItemIn],
    ) -> CatalogItemOut:
        """Replace an item's values. The code cannot change; set ``active`` false to retire it."""
        await services.catalog_item_update(actor=request.user, item_id=item_id, item=data)
        return CatalogItemOut(**await catalog_item(item_id))

    @post("/import", status_code=HTTP_200_OK, opt={"action": Action.catalog_manage})
    async def import_items(
        self, request: Request[Actor, Any, Any], data: MultipartBody[ImportUpload]
    ) -> ImportResultOut:
        """Upload an .xlsx or .csv file in the multipart field ``file``. All or nothing: when
        any row is bad nothing changes and the 400 answer lists every bad row."""
        filename, content = await upload_content(data)
        return await services.catalog_import(actor=request.user, filename=filename, content=content)

    @get("/export", opt={"action": Action.public_read}, operation_class=SPREADSHEET)
    async def export(
        self,
        file_format: Annotated[FileFormat, QueryParameter(name="format")] = FileFormat.xlsx,
    ) -> Response[bytes]:
        return await export_response(file_format)

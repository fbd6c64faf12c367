"""The setup API under /api/v1/setup, for administrators: import the workbook, download the
empty template, list a district's streets, communities, committees, departments and users a
page at a time."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import anyio.to_thread
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.params import FromPath, FromQuery, MultipartBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from procure.catalog.files import MAX_BYTES, NO_FILE
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.setup import services
from procure.setup.schemas import DistrictOut, SetupImportOut, SetupPageOut, SetupUpload
from procure.setup.selectors import PER_PAGE, districts, setup_page
from procure.setup.workbook import SheetProblem, WorkbookRejected, template_workbook
from procure.web.templating import request_locale

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "区划部门用户导入模板.xlsx"


def answer_locale(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """An API client asks with Accept-Language; a browser's ``lang`` cookie counts too."""
    accepted = connection.headers.get("accept-language", "").strip().lower()
    if accepted.startswith("en"):
        return "en"
    if accepted.startswith("zh"):
        return "zh-CN"
    return request_locale(connection)


def rejected_response(request: Request[Any, Any, Any], exc: WorkbookRejected) -> Response[Any]:
    """400 with every problem, each naming its sheet, row and column, in the asker's language."""
    locale = answer_locale(request)
    return Response(
        {
            "status_code": 400,
            "detail": exc.summary(locale),
            "field": "file",
            "errors": exc.described(locale),
        },
        status_code=400,
        media_type=MediaType.JSON,
    )


async def upload_content(upload: SetupUpload) -> tuple[str, bytes]:
    if upload.file is None:
        raise WorkbookRejected([SheetProblem("", None, None, NO_FILE, {"field": "file"})])
    # One byte past the limit is enough to refuse the file as too large.
    return upload.file.filename or "", await upload.file.read(MAX_BYTES + 1)


async def template_response() -> Response[bytes]:
    content = await anyio.to_thread.run_sync(template_workbook)
    disposition = (
        f"attachment; filename=\"district-setup.xlsx\"; filename*=UTF-8''{quote(TEMPLATE_NAME)}"
    )
    return Response(content, media_type=XLSX, headers={"content-disposition": disposition})


class SetupController(Controller):
    path = "/api/v1/setup"
    tags = ["district setup"]
    exception_handlers = {WorkbookRejected: rejected_response}

    @post("/import", status_code=HTTP_200_OK, opt={"action": Action.district_setup})
    async def import_workbook(
        self, request: Request[Actor, Any, Any], data: MultipartBody[SetupUpload]
    ) -> SetupImportOut:
        """Upload the workbook (.xlsx) in the multipart field ``file``. All or nothing: when any
        row is bad nothing changes and the 400 answer lists every problem by sheet, row and
        column (in Chinese, or English with ``Accept-Language: en``). Generated passwords are in
        the answer, once."""
        filename, content = await upload_content(data)
        return await services.setup_import(actor=request.user, filename=filename, content=content)

    @get("/template", opt={"action": Action.district_setup}, media_type=XLSX)
    async def template(self) -> Response[bytes]:
        """The empty workbook with its headers and example rows."""
        return await template_response()

    @get("/districts", opt={"action": Action.district_setup})
    async def list_districts(self) -> list[DistrictOut]:
        return [DistrictOut(**row) for row in await districts()]

    @get("/{kind:str}", opt={"action": Action.district_setup})
    async def list_kind(
        self,
        kind: FromPath[str],
        district: Annotated[
            str, QueryParameter(description="the district's code (default: the first district)")
        ] = "",
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = PER_PAGE,
    ) -> SetupPageOut:
        """One page of ``sub_districts``, ``communities``, ``committees``, ``departments`` or
        ``users`` of a district, by code or username."""
        found = await setup_page(district_code=district, kind=kind, page=page, per_page=per_page)
        return SetupPageOut(**{**found, "district": DistrictOut(**found["district"])})

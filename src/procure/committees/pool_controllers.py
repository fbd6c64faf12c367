"""The expert pool (评审专家库) API under /api/v1/experts: read by the finance department,
administrators and auditors; kept by the finance department of the district (and administrators
for data errors); imported and exported as .xlsx or .csv."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import anyio.to_thread
from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from procure.catalog.controllers import SPREADSHEET, rejected_response
from procure.catalog.files import MAX_BYTES, NO_FILE, FileFormat
from procure.catalog.rules import Rejected
from procure.catalog.selectors import category_names
from procure.catalog.tables import CategoryCode
from procure.committees import pool
from procure.committees.pool_files import write_experts
from procure.committees.pool_schemas import (
    ExpertIn,
    ExpertOut,
    ExpertPageOut,
    ExpertSummaryOut,
    PoolImportOut,
    PoolUpload,
    RelationshipEnd,
    RelationshipIn,
    RelationshipOut,
)
from procure.committees.pool_selectors import (
    actor_district,
    expert_detail,
    expert_page,
    experts_for_export,
    pool_paging,
)
from procure.db.pagination import page_headers
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.settings import get_settings

DISTRICT = Annotated[
    str,
    QueryParameter(
        name="district",
        description="administrators only: the code of the district whose pool to change "
        "(needed when there is more than one district)",
    ),
]


def expert_out(row: dict[str, Any]) -> ExpertOut:
    return ExpertOut(
        **{key: row[key] for key in ExpertOut.model_fields if key not in {"relationships"}},
        relationships=[RelationshipOut(**r) for r in row["relationships"]],
    )


async def upload_content(upload: PoolUpload) -> tuple[str, bytes]:
    if upload.file is None:
        raise Rejected.one("file", NO_FILE, field="file")
    # One byte past the limit is enough to refuse the file as too large.
    return upload.file.filename or "", await upload.file.read(MAX_BYTES + 1)


async def export_response(actor: Actor, file_format: FileFormat) -> Response[bytes]:
    """The actor's pool (every district's for oversight) as a download named for today."""
    experts = await experts_for_export(await actor_district(actor))
    content = await anyio.to_thread.run_sync(
        write_experts, file_format, experts, await category_names()
    )
    today = datetime.now(ZoneInfo(get_settings().timezone)).strftime("%Y%m%d")
    filename = f"评审专家库-{today}.{file_format}"
    disposition = (
        f'attachment; filename="expert-pool-{today}.{file_format}"; '
        f"filename*=UTF-8''{quote(filename)}"
    )
    return Response(
        content, media_type=file_format.media_type, headers={"content-disposition": disposition}
    )


class ExpertPoolController(Controller):
    path = "/api/v1/experts"
    tags = ["expert pool"]
    exception_handlers = {Rejected: rejected_response}

    @get("/", opt={"action": Action.expert_pool_read})
    async def list_experts(
        self,
        request: Request[Actor, Any, Any],
        category: FromQuery[CategoryCode | None] = None,
        active: Annotated[
            bool | None, QueryParameter(description="active today (true) or not (false)")
        ] = None,
        q: Annotated[str, QueryParameter(description="text in the name or the code")] = "",
        page: FromQuery[str | None] = None,
        per_page: FromQuery[str | None] = None,
    ) -> Response[ExpertPageOut]:
        found = await expert_page(
            district_id=await actor_district(request.user),
            category=category,
            active=active,
            q=q,
            paging=pool_paging(page, per_page),
        )
        body = ExpertPageOut(
            items=[ExpertSummaryOut(**row) for row in found.items], **found.fields()
        )
        return Response(body, headers=page_headers(request, found))

    @get("/{expert_id:int}", opt={"action": Action.expert_pool_read})
    async def get_expert(
        self, request: Request[Actor, Any, Any], expert_id: FromPath[int]
    ) -> ExpertOut:
        district_id = await actor_district(request.user)
        return expert_out(await expert_detail(expert_id, district_id=district_id))

    @put("/{code:str}", opt={"action": Action.expert_pool_manage})
    async def save_expert(
        self,
        request: Request[Actor, Any, Any],
        code: FromPath[str],
        data: JSONBody[ExpertIn],
        district: DISTRICT = "",
    ) -> Response[ExpertOut]:
        """Create the expert with this code (201) or update it (200). Categories are replaced
        by the ones sent; relationships too when sent, else they stay as they are."""
        expert_id, created = await pool.expert_save(
            actor=request.user, code=code, expert=data, district_code=district
        )
        row = await expert_detail(expert_id, district_id=None)
        return Response(expert_out(row), status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @post(
        "/{expert_id:int}/relationships",
        status_code=HTTP_201_CREATED,
        opt={"action": Action.expert_pool_manage},
    )
    async def add_relationship(
        self,
        request: Request[Actor, Any, Any],
        expert_id: FromPath[int],
        data: JSONBody[RelationshipIn],
    ) -> ExpertOut:
        await pool.expert_relationship_add(
            actor=request.user, expert_id=expert_id, relationship=data
        )
        return expert_out(await expert_detail(expert_id, district_id=None))

    @post(
        "/{expert_id:int}/relationships/{relationship_id:int}/end",
        status_code=HTTP_200_OK,
        opt={"action": Action.expert_pool_manage},
    )
    async def end_relationship(
        self,
        request: Request[Actor, Any, Any],
        expert_id: FromPath[int],
        relationship_id: FromPath[int],
        data: JSONBody[RelationshipEnd],
    ) -> ExpertOut:
        await pool.expert_relationship_end(
            actor=request.user,
            expert_id=expert_id,
            relationship_id=relationship_id,
            ended_on=data.ended_on,
        )
        return expert_out(await expert_detail(expert_id, district_id=None))

    @post("/import", status_code=HTTP_200_OK, opt={"action": Action.expert_pool_manage})
    async def import_pool(
        self,
        request: Request[Actor, Any, Any],
        data: MultipartBody[PoolUpload],
        district: DISTRICT = "",
    ) -> PoolImportOut:
        """Upload an .xlsx or .csv file in the multipart field ``file``. All or nothing: when
        any row is bad nothing changes and the 400 answer lists every bad row."""
        filename, content = await upload_content(data)
        return await pool.expert_pool_import(
            actor=request.user, filename=filename, content=content, district_code=district
        )

    @get("/export", opt={"action": Action.expert_pool_read}, operation_class=SPREADSHEET)
    async def export(
        self,
        request: Request[Actor, Any, Any],
        file_format: Annotated[FileFormat, QueryParameter(name="format")] = FileFormat.xlsx,
    ) -> Response[bytes]:
        return await export_response(request.user, file_format)

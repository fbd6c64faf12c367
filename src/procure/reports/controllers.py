"""The service report API: a contract's period table, a period's report and its versions, the
organization's drafts, submissions and attachments, and attachment downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from procure.reports import services
from procure.reports.files import MEDIA_TYPES, UPLOAD_BODY_LIMIT
from procure.reports.schemas import (
    AttachmentOut,
    AttachmentUpload,
    ReportCalendarOut,
    ReportDetailOut,
    ReportIn,
)
from procure.reports.selectors import attachment_download, report_calendar, report_detail
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.web.responses import file_operation


async def detail_out(actor: Actor, contract_id: int, period: str, **kwargs: Any) -> ReportDetailOut:
    return ReportDetailOut(**await report_detail(actor, contract_id, period, **kwargs))


class ReportController(Controller):
    path = "/api/v1/contracts/{contract_id:int}/reports"
    tags = ["reports"]

    @get("/", opt={"action": Action.report_read})
    async def calendar(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> ReportCalendarOut:
        """Every reporting period of the contract: due date, and whether its report came on
        time, came late, is overdue or is not yet due (on the server's clock)."""
        return ReportCalendarOut(**await report_calendar(request.user, contract_id))

    @get("/{period:str}", opt={"action": Action.report_read})
    async def period_report(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        period: FromPath[str],
        version: FromQuery[int | None] = None,
    ) -> ReportDetailOut:
        """The period's latest version (or ``version``) and every version's status. Drafts are
        shown to the organization only."""
        return await detail_out(request.user, contract_id, period, version=version)

    @put("/{period:str}/draft", opt={"action": Action.report_submit})
    async def save_draft(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        period: FromPath[str],
        data: JSONBody[ReportIn],
    ) -> ReportDetailOut:
        """Save the draft; its lines replace the draft's lines. A submitted report is locked
        (409): to correct it, send ``corrects_version`` naming it, which starts version n+1."""
        await services.report_save_draft(
            actor=request.user, contract_id=contract_id, period=period, data=data
        )
        return await detail_out(request.user, contract_id, period)

    @post("/{period:str}/submit", status_code=HTTP_200_OK, opt={"action": Action.report_submit})
    async def submit(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], period: FromPath[str]
    ) -> ReportDetailOut:
        """Submit the saved draft. It is locked from now on; the version it corrects becomes
        superseded."""
        await services.report_submit(actor=request.user, contract_id=contract_id, period=period)
        return await detail_out(request.user, contract_id, period)

    @post(
        "/{period:str}/attachments",
        status_code=HTTP_201_CREATED,
        opt={"action": Action.report_submit},
        request_max_body_size=UPLOAD_BODY_LIMIT,
    )
    async def upload(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        period: FromPath[str],
        data: MultipartBody[AttachmentUpload],
    ) -> AttachmentOut:
        """Attach a file (multipart field ``file``) to the draft, or to its line ``line_no``."""
        upload = data.file
        attachment_id = await services.report_attachment_upload(
            actor=request.user,
            contract_id=contract_id,
            period=period,
            filename=upload.filename if upload is not None else "",
            content=await upload.read() if upload is not None else b"",
            line_no=data.line_no,
        )
        report = (await report_detail(request.user, contract_id, period))["report"]
        return AttachmentOut(**next(a for a in report["attachments"] if a["id"] == attachment_id))


class ReportAttachmentController(Controller):
    path = "/api/v1/reports/attachments"
    tags = ["reports"]

    @get(
        "/{attachment_id:int}",
        opt={"action": Action.report_read},
        operation_class=file_operation(*MEDIA_TYPES.values()),
    )
    async def download(
        self, request: Request[Actor, Any, Any], attachment_id: FromPath[int]
    ) -> Response[bytes]:
        """The file as uploaded; the ``x-content-sha256`` header repeats the stored SHA-256."""
        attachment = await attachment_download(request.user, attachment_id)
        filename = attachment["filename"]
        ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
        return Response(
            attachment["content"],
            media_type=attachment["content_type"],
            headers={
                "content-disposition": (
                    f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
                ),
                "x-content-type-options": "nosniff",
                "x-content-sha256": attachment["sha256"],
            },
        )

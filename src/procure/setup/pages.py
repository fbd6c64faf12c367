"""The administrators' setup pages: a district's lists a page at a time, the workbook upload
with an error summary by sheet, row and column, and the result with passwords shown once."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, MultipartBody
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from procure.catalog.files import MAX_BYTES
from procure.errors import NotFound
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.setup import services
from procure.setup.controllers import upload_content
from procure.setup.schemas import SetupUpload
from procure.setup.selectors import LISTS, districts, setup_page
from procure.setup.workbook import SHEETS, WorkbookRejected
from procure.web.templating import request_locale

SETUP_PAGE = "/setup"
IMPORT_PAGE = "/setup/import"


def _import_page(
    request: Request[Any, Any, Any], status_code: int = 200, **context: Any
) -> Template:
    locale = request_locale(request)
    return Template(
        "setup/import.html",
        context={
            "sheets": [
                {
                    "name": sheet.name(locale),
                    "other_name": sheet.en if locale != "en" else sheet.zh,
                    "required": sheet.required,
                    "fields": sheet.fields,
                }
                for sheet in SHEETS
            ],
            "roles": services.role_choices(),
            "max_mb": MAX_BYTES // (1024 * 1024),
            **context,
        },
        status_code=status_code,
    )


class SetupPages(Controller):
    include_in_schema = False

    @get(SETUP_PAGE, opt={"action": Action.district_setup})
    async def index(
        self,
        district: FromQuery[str] = "",
        kind: FromQuery[str] = "communities",
        page: FromQuery[int] = 1,
    ) -> Template:
        """One of a district's lists, 50 a page; with no district yet, the way to import one."""
        all_districts = await districts()
        kind = kind if kind in LISTS else "communities"
        found = None
        if all_districts:
            try:
                found = await setup_page(district_code=district, kind=kind, page=max(page, 1))
            except NotFound:
                found = None
        code = found["district"]["code"] if found else ""
        return Template(
            "setup/index.html",
            context={
                "districts": all_districts,
                "found": found,
                "kind": kind,
                "kinds": list(LISTS),
                "query": lambda **changes: urlencode({"district": code, "kind": kind, **changes}),
            },
        )

    @get(IMPORT_PAGE, opt={"action": Action.district_setup})
    async def import_form(self, request: Request[Actor, Any, Any]) -> Template:
        return _import_page(request)

    @post(IMPORT_PAGE, opt={"action": Action.district_setup})
    async def import_file(
        self, request: Request[Actor, Any, Any], data: MultipartBody[SetupUpload]
    ) -> Template:
        """The result is shown here rather than after a redirect: generated passwords are shown
        this once and never travel in an address."""
        filename = data.file.filename if data.file else ""
        try:
            name, content = await upload_content(data)
            result = await services.setup_import(actor=request.user, filename=name, content=content)
        except WorkbookRejected as rejected:
            locale = request_locale(request)
            return _import_page(
                request,
                HTTP_400_BAD_REQUEST,
                filename=filename,
                refusal={
                    "summary": rejected.summary(locale),
                    "problems": rejected.described(locale),
                },
            )
        return Template("setup/imported.html", context={"result": result, "filename": filename})

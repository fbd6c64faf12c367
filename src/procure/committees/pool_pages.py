"""The expert pool pages (评审专家库) for the finance department: the list with its filters, an
expert's page, and the import form with the export links. They call the same services as the
API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, MultipartBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from procure import i18n
from procure.catalog.files import MAX_BYTES, MAX_ROWS, FileFormat
from procure.catalog.rules import Problem, Rejected
from procure.catalog.selectors import catalog_categories
from procure.catalog.tables import CategoryCode
from procure.committees import pool
from procure.committees.pool_controllers import upload_content
from procure.committees.pool_files import COLUMNS
from procure.committees.pool_schemas import PoolUpload
from procure.committees.pool_selectors import actor_district, expert_detail, expert_page
from procure.committees.tables import RelationshipKind
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.web.templating import request_locale

POOL_PAGE = "/experts"
IMPORT_PAGE = "/experts/import"

KIND_LABELS = {
    RelationshipKind.employment: N_("employment in the last 3 years"),
    RelationshipKind.directorship: N_("director or supervisor"),
    RelationshipKind.family: N_("close relative of its head"),
    RelationshipKind.other: N_("other interest"),
}


def _translated(request: Request[Any, Any, Any], problems: Sequence[Problem]) -> list[dict]:
    gettext = i18n.translations(request_locale(request)).gettext
    return [{"row": p.row, "column": p.column, "text": p.text(gettext)} for p in problems]


async def _categories() -> dict[str, Any]:
    categories = await catalog_categories()
    return {"categories": categories, "category_of": {c["code"]: c for c in categories}}


async def _import_page(status_code: int = 200, **context: Any) -> Template:
    return Template(
        "committees/pool_import.html",
        context={
            "formats": list(FileFormat),
            "headers": [column.header for column in COLUMNS],
            "max_mb": MAX_BYTES // (1024 * 1024),
            "max_rows": f"{MAX_ROWS:,}",
            **context,
        },
        status_code=status_code,
    )


class ExpertPoolPages(Controller):
    include_in_schema = False

    @get(POOL_PAGE, opt={"action": Action.expert_pool_read})
    async def index(
        self,
        request: Request[Actor, Any, Any],
        category: FromQuery[CategoryCode | None] = None,
        active: FromQuery[str] = "",
        q: FromQuery[str] = "",
        page: FromQuery[int] = 1,
        created: FromQuery[int | None] = None,
        updated: FromQuery[int | None] = None,
        unchanged: FromQuery[int | None] = None,
    ) -> Template:
        """The pool by code, 50 a page; ``active`` is yes, no or empty (all)."""
        found = await expert_page(
            district_id=await actor_district(request.user),
            category=category,
            active={"yes": True, "no": False}.get(active),
            q=q,
            page=max(page, 1),
        )
        filters = {"category": category or "", "active": active, "q": q}
        imported = None
        if created is not None:
            imported = {"created": created, "updated": updated or 0, "unchanged": unchanged or 0}
        return Template(
            "committees/pool.html",
            context={
                **found,
                **await _categories(),
                "filters": filters,
                "query": urlencode({k: v for k, v in filters.items() if v}),
                "imported": imported,
                "formats": list(FileFormat),
            },
        )

    @get(f"{POOL_PAGE}/{{expert_id:int}}", opt={"action": Action.expert_pool_read})
    async def detail(self, request: Request[Actor, Any, Any], expert_id: FromPath[int]) -> Template:
        expert = await expert_detail(expert_id, district_id=await actor_district(request.user))
        return Template(
            "committees/pool_expert.html",
            context={"expert": expert, "kind_labels": KIND_LABELS, **await _categories()},
        )

    @get(IMPORT_PAGE, opt={"action": Action.expert_pool_manage})
    async def import_form(self) -> Template:
        return await _import_page()

    @post(IMPORT_PAGE, opt={"action": Action.expert_pool_manage})
    async def import_file(
        self, request: Request[Actor, Any, Any], data: MultipartBody[PoolUpload]
    ) -> Template | Redirect:
        try:
            filename, content = await upload_content(data)
            result = await pool.expert_pool_import(
                actor=request.user, filename=filename, content=content
            )
        except Rejected as rejected:
            refusal = {
                "summary": _translated(request, [rejected.summary])[0]["text"],
                "problems": _translated(request, rejected.problems),
            }
            return await _import_page(HTTP_400_BAD_REQUEST, import_refusal=refusal)
        query = urlencode(
            {
                "created": len(result.created),
                "updated": len(result.updated),
                "unchanged": result.unchanged,
            }
        )
        return Redirect(f"{POOL_PAGE}?{query}", status_code=HTTP_303_SEE_OTHER)

"""The expert pool pages (评审专家库) for the finance department: the list with its filters, an
expert's page, and the import form with the export links. They call the same services as the
API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from procure import i18n
from procure.catalog.files import MAX_BYTES, MAX_ROWS, FileFormat
from procure.catalog.rules import MUST_NOT_BE_EMPTY, Problem, Rejected
from procure.catalog.selectors import catalog_categories
from procure.catalog.tables import CategoryCode
from procure.committees import pool
from procure.committees.pool_controllers import upload_content
from procure.committees.pool_files import COLUMNS, NOT_A_DATE, parse_date
from procure.committees.pool_schemas import PoolUpload, RelationshipIn
from procure.committees.pool_selectors import (
    actor_district,
    expert_detail,
    expert_page,
    pool_paging,
)
from procure.committees.tables import RelationshipKind
from procure.errors import Conflict
from procure.i18n import N_
from procure.organizations.selectors import organization_choices
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.web.labels import RELATIONSHIP_KINDS
from procure.web.notices import done_url
from procure.web.templating import request_locale

POOL_PAGE = "/experts"
IMPORT_PAGE = "/experts/import"

#: The kinds a relationship may be recorded as (the form's choices).
KIND_LABELS = {kind: RELATIONSHIP_KINDS[kind] for kind in RelationshipKind}


@dataclass
class RelationshipForm:
    """The add-a-relationship form as the browser posts it: dates as typed, maybe empty."""

    credit_code: str = ""
    kind: str = ""
    started_on: str = ""
    ended_on: str = ""
    note: str = ""


@dataclass
class EndForm:
    ended_on: str = ""


def _day(field: str, text: str) -> date | None:
    """A date typed into a form field; empty is None, anything else unreadable is refused."""
    if not text.strip():
        return None
    day = parse_date(text)
    if day is None:
        raise Rejected.one(field, NOT_A_DATE, value=text.strip())
    return day


FIELD_LABELS = {
    "credit_code": N_("Organization"),
    "kind": N_("Relationship"),
    "started_on": N_("From"),
    "ended_on": N_("Until"),
    "note": N_("Note"),
}


def _field_errors(request: Request[Any, Any, Any], problems: Sequence[Problem]) -> list[str]:
    """A relationship form's problems, each headed by its field's label."""
    gettext = i18n.translations(request_locale(request)).gettext
    return [
        f"{gettext(FIELD_LABELS[p.field])}: {p.text(gettext)}"
        if p.field in FIELD_LABELS
        else p.text(gettext)
        for p in problems
    ]


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
            paging=pool_paging(page),
        )
        filters = {"category": category or "", "active": active, "q": q}
        imported = None
        if created is not None:
            imported = {"created": created, "updated": updated or 0, "unchanged": unchanged or 0}
        return Template(
            "committees/pool.html",
            context={
                **found.fields(),
                "items": found.items,
                **await _categories(),
                "filters": filters,
                "query": urlencode({k: v for k, v in filters.items() if v}),
                "imported": imported,
                "formats": list(FileFormat),
            },
        )

    async def _expert_page(
        self,
        request: Request[Actor, Any, Any],
        expert_id: int,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        expert = await expert_detail(expert_id, district_id=await actor_district(request.user))
        return Template(
            "committees/pool_expert.html",
            context={
                "expert": expert,
                "kind_labels": KIND_LABELS,
                "organizations": await organization_choices(),
                "form": context.pop("form", RelationshipForm()),
                "errors": [],
                **await _categories(),
                **context,
            },
            status_code=status_code,
        )

    @get(f"{POOL_PAGE}/{{expert_id:int}}", opt={"action": Action.expert_pool_read})
    async def detail(
        self,
        request: Request[Actor, Any, Any],
        expert_id: FromPath[int],
    ) -> Template:
        return await self._expert_page(request, expert_id)

    @post(f"{POOL_PAGE}/{{expert_id:int}}/relationships", opt={"action": Action.expert_pool_manage})
    async def add_relationship(
        self,
        request: Request[Actor, Any, Any],
        expert_id: FromPath[int],
        data: URLEncodedBody[RelationshipForm],
    ) -> Template | Redirect:
        try:
            relationship = RelationshipIn(
                credit_code=data.credit_code.strip().upper(),
                kind=data.kind,
                started_on=_day("started_on", data.started_on),
                ended_on=_day("ended_on", data.ended_on),
                note=data.note.strip(),
            )
            await pool.expert_relationship_add(
                actor=request.user, expert_id=expert_id, relationship=relationship
            )
        except Rejected as rejected:
            errors = _field_errors(request, rejected.problems)
            return await self._expert_page(
                request, expert_id, HTTP_400_BAD_REQUEST, form=data, errors=errors
            )
        except Conflict as conflict:
            return await self._expert_page(
                request, expert_id, 409, form=data, errors=[str(conflict)]
            )
        return Redirect(
            done_url(f"{POOL_PAGE}/{expert_id}", "relationship_added"),
            status_code=HTTP_303_SEE_OTHER,
        )

    @post(
        f"{POOL_PAGE}/{{expert_id:int}}/relationships/{{relationship_id:int}}/end",
        opt={"action": Action.expert_pool_manage},
    )
    async def end_relationship(
        self,
        request: Request[Actor, Any, Any],
        expert_id: FromPath[int],
        relationship_id: FromPath[int],
        data: URLEncodedBody[EndForm],
    ) -> Template | Redirect:
        try:
            ended_on = _day("ended_on", data.ended_on)
            if ended_on is None:
                raise Rejected.one("ended_on", MUST_NOT_BE_EMPTY)
            await pool.expert_relationship_end(
                actor=request.user,
                expert_id=expert_id,
                relationship_id=relationship_id,
                ended_on=ended_on,
            )
        except Rejected as rejected:
            errors = _field_errors(request, rejected.problems)
            return await self._expert_page(request, expert_id, HTTP_400_BAD_REQUEST, errors=errors)
        except Conflict as conflict:
            return await self._expert_page(request, expert_id, 409, errors=[str(conflict)])
        return Redirect(
            done_url(f"{POOL_PAGE}/{expert_id}", "relationship_ended"),
            status_code=HTTP_303_SEE_OTHER,
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

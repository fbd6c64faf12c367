"""The catalog pages: the public catalog, and the management page where buyers and
administrators add, edit, import and export items. They call the same services as the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from procure import i18n
from procure.catalog import services
from procure.catalog.controllers import upload_content
from procure.catalog.files import MAX_BYTES, MAX_ROWS, FileFormat
from procure.catalog.rules import UNIT_NAMES_ZH, Problem, Rejected, fen_to_yuan, item_from_text
from procure.catalog.schemas import CatalogItemIn, ImportUpload
from procure.catalog.selectors import (
    catalog_categories,
    catalog_item,
    catalog_item_page,
    catalog_items,
    category_names,
)
from procure.catalog.tables import CategoryCode
from procure.db.pagination import PageRequest, paging_dependency
from procure.security.actors import Actor
from procure.security.guards import current_actor
from procure.security.policy import Action, is_allowed
from procure.web.templating import request_locale

MANAGE_PAGE = "/catalog/manage"


@dataclass
class ItemForm:
    """The item form as the browser posts it: prices in yuan, one indicator per line."""

    code: str = ""
    category: str = ""
    name: str = ""
    target_group: str = ""
    unit: str = ""
    ref_price_min: str = ""
    ref_price_max: str = ""
    outcome_indicators: str = ""
    active: str = ""  # a checkbox: present ("on") when ticked

    @classmethod
    def blank(cls) -> ItemForm:
        return cls(active="on")

    @classmethod
    def of(cls, item: dict[str, Any]) -> ItemForm:
        return cls(
            code=item["code"],
            category=item["category"],
            name=item["name"],
            target_group=item["target_group"],
            unit=item["unit"],
            ref_price_min=str(fen_to_yuan(item["ref_price_min_fen"])),
            ref_price_max=str(fen_to_yuan(item["ref_price_max_fen"])),
            outcome_indicators="\n".join(item["outcome_indicators"]),
            active="on" if item["active"] else "",
        )

    def values(self) -> dict[str, object]:
        return {
            "code": self.code,
            "category": self.category,
            "name": self.name,
            "target_group": self.target_group,
            "unit": self.unit,
            "ref_price_min_fen": self.ref_price_min,
            "ref_price_max_fen": self.ref_price_max,
            "outcome_indicators": self.outcome_indicators,
            "active": bool(self.active),
        }


def _translated(request: Request[Any, Any, Any], problems: Sequence[Problem]) -> list[dict]:
    gettext = i18n.translations(request_locale(request)).gettext
    return [
        {"field": p.field, "row": p.row, "column": p.column, "text": p.text(gettext)}
        for p in problems
    ]


def _by_field(request: Request[Any, Any, Any], problems: Sequence[Problem]) -> dict[str, list]:
    errors: dict[str, list[str]] = {}
    for problem in _translated(request, problems):
        errors.setdefault(problem["field"], []).append(problem["text"])
    return errors


async def _template(name: str, status_code: int = 200, **context: Any) -> Template:
    categories = await catalog_categories()
    return Template(
        name,
        context={
            "categories": categories,
            "category_of": {c["code"]: c for c in categories},
            "unit_names_zh": UNIT_NAMES_ZH,
            **context,
        },
        status_code=status_code,
    )


async def _manage_page(status_code: int = 200, **context: Any) -> Template:
    context.setdefault("form", ItemForm.blank())
    context.setdefault("errors", {})
    return await _template(
        "catalog/manage.html",
        status_code=status_code,
        items=await catalog_items(include_inactive=True),
        formats=list(FileFormat),
        max_mb=MAX_BYTES // (1024 * 1024),
        max_rows=f"{MAX_ROWS:,}",
        **context,
    )


async def _save(
    request: Request[Any, Any, Any],
    form: ItemForm,
    write: Callable[[CatalogItemIn], Awaitable[Any]],
    on_error: Callable[[dict[str, list[str]]], Awaitable[Template]],
) -> Template | Redirect:
    """Check the form, write it, and come back to the management page (or show why not)."""
    item, problems = item_from_text(form.values(), await category_names())
    if item is not None:
        try:
            await write(item)
        except Rejected as rejected:
            problems = list(rejected.problems)
        else:
            query = urlencode({"saved": item.code})
            return Redirect(f"{MANAGE_PAGE}?{query}", status_code=HTTP_303_SEE_OTHER)
    return await on_error(_by_field(request, problems))


#: The public catalog shows 100 items a page (the longest page any list allows).
CATALOG_PAGING = paging_dependency(100)


class CatalogPageController(Controller):
    include_in_schema = False

    @get("/catalog", opt={"action": Action.public_read}, dependencies=CATALOG_PAGING)
    async def catalog(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        category: FromQuery[CategoryCode | None] = None,
        q: FromQuery[str] = "",
    ) -> Template:
        """A page of the active items by code, grouped by category in the catalog's order."""
        page = await catalog_item_page(paging, category=category, q=q)
        categories = await catalog_categories()
        groups = [(c, [i for i in page.items if i["category"] == c["code"]]) for c in categories]
        return await _template(
            "catalog/index.html",
            page=page,
            groups=[(c, members) for c, members in groups if members],
            selected=category,
            q=q,
            can_manage=is_allowed(Action.catalog_manage, current_actor(request)),
        )

    @get(MANAGE_PAGE, opt={"action": Action.catalog_manage})
    async def manage(
        self,
        saved: FromQuery[str] = "",
        created: FromQuery[int | None] = None,
        updated: FromQuery[int | None] = None,
        unchanged: FromQuery[int | None] = None,
    ) -> Template:
        imported = None
        if created is not None:
            imported = {"created": created, "updated": updated or 0, "unchanged": unchanged or 0}
        return await _manage_page(saved=saved, imported=imported)

    @post("/catalog/items", opt={"action": Action.catalog_manage})
    async def create(
        self, request: Request[Actor, Any, Any], data: URLEncodedBody[ItemForm]
    ) -> Template | Redirect:
        async def write(item: CatalogItemIn) -> int:
            return await services.catalog_item_create(actor=request.user, item=item)

        async def on_error(errors: dict[str, list[str]]) -> Template:
            return await _manage_page(HTTP_400_BAD_REQUEST, form=data, errors=errors)

        return await _save(request, data, write, on_error)

    @get("/catalog/items/{item_id:int}/edit", opt={"action": Action.catalog_manage})
    async def edit_page(self, item_id: FromPath[int]) -> Template:
        item = await catalog_item(item_id)
        return await _template("catalog/edit.html", item=item, form=ItemForm.of(item), errors={})

    @post("/catalog/items/{item_id:int}/edit", opt={"action": Action.catalog_manage})
    async def edit(
        self,
        request: Request[Actor, Any, Any],
        item_id: FromPath[int],
        data: URLEncodedBody[ItemForm],
    ) -> Template | Redirect:
        item = await catalog_item(item_id)
        data.code = item["code"]  # the form does not offer the code: it never changes

        async def write(changed: CatalogItemIn) -> bool:
            return await services.catalog_item_update(
                actor=request.user, item_id=item_id, item=changed
            )

        async def on_error(errors: dict[str, list[str]]) -> Template:
            return await _template(
                "catalog/edit.html", HTTP_400_BAD_REQUEST, item=item, form=data, errors=errors
            )

        return await _save(request, data, write, on_error)

    @post("/catalog/import", opt={"action": Action.catalog_manage})
    async def import_file(
        self, request: Request[Actor, Any, Any], data: MultipartBody[ImportUpload]
    ) -> Template | Redirect:
        try:
            filename, content = await upload_content(data)
            result = await services.catalog_import(
                actor=request.user, filename=filename, content=content
            )
        except Rejected as rejected:
            refusal = {
                "summary": _translated(request, [rejected.summary])[0]["text"],
                "problems": _translated(request, rejected.problems),
            }
            return await _manage_page(HTTP_400_BAD_REQUEST, import_refusal=refusal)
        query = urlencode(
            {
                "created": len(result.created),
                "updated": len(result.updated),
                "unchanged": result.unchanged,
            }
        )
        return Redirect(f"{MANAGE_PAGE}?{query}", status_code=HTTP_303_SEE_OTHER)

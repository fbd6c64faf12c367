"""Pagination for every list: the page asked for, read from the query with bounds, and the
page cut and counted in SQL (LIMIT/OFFSET and a COUNT with the same WHERE).

The JSON lists answer with their items and say where they are in the headers (``X-Total-Count``
and a ``Link`` with ``first``/``prev``/``next``/``last``); pages show the shared ``pagination``
macro (templates/macros.html)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.di import Provide
from litestar.params import FromQuery
from piccolo.columns.combination import WhereRaw
from pydantic import BaseModel

from procure.errors import InvalidInput
from procure.i18n import N_

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list: its number (from 1) and its length."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


AT_LEAST = N_("must be a whole number of %(low)s or more, not %(value)s")
BETWEEN = N_("must be a whole number from %(low)s to %(high)s, not %(value)s")


def _whole(field: str, value: str | int | None, default: int, low: int, high: int | None) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < low or (high is not None and number > high):
        shown = repr(value) if number is None else str(number)
        if high is None:
            raise InvalidInput(field, AT_LEAST, low=low, value=shown)
        raise InvalidInput(field, BETWEEN, low=low, high=high, value=shown)
    return number


def page_request(
    page: str | int | None = None,
    per_page: str | int | None = None,
    *,
    default_per_page: int = DEFAULT_PER_PAGE,
    max_per_page: int = MAX_PER_PAGE,
    page_name: str = "page",
    per_page_name: str = "per_page",
) -> PageRequest:
    """The page the query asks for; a page below 1, a length outside 1..max or anything not a
    whole number is refused, naming the parameter (``page_name`` for a page's second list,
    ``per_page_name`` where a list kept an older name for the length)."""
    return PageRequest(
        page=_whole(page_name, page, 1, 1, None),
        per_page=_whole(per_page_name, per_page, default_per_page, 1, max_per_page),
    )


@dataclass(frozen=True)
class SortRequest:
    """How a list is ordered: a whitelisted column key and a direction."""

    key: str
    descending: bool = False

    @property
    def direction(self) -> str:
        return "desc" if self.descending else "asc"


@dataclass(frozen=True)
class Sorting:
    """The columns a list may be sorted by (query key → Piccolo column) and its default order.
    Every order ends with ``tiebreak`` (a unique column), so pages never overlap. A list the
    server computes rather than reads (a contract's reporting periods) names a function of a
    row for each column and for the tiebreak, and is put in order by ``sort``."""

    columns: dict[str, Any]
    default: SortRequest
    tiebreak: Any

    def request(self, sort: str | None, direction: str | None) -> SortRequest:
        """The order the query asks for (``?sort=column&dir=asc|desc``); an unknown column or
        direction is refused, naming the parameter."""
        key = (sort or "").strip() or self.default.key
        if key not in self.columns:
            raise InvalidInput(
                "sort", SORT_ONE_OF, allowed=", ".join(sorted(self.columns)), value=repr(key)
            )
        chosen = (direction or "").strip().lower()
        if chosen and chosen not in ("asc", "desc"):
            raise InvalidInput("dir", DIR_ONE_OF, value=repr(direction))
        if not chosen:
            descending = self.default.descending if key == self.default.key else False
        else:
            descending = chosen == "desc"
        return SortRequest(key, descending)

    def apply(self, query: Any, order: SortRequest) -> Any:
        """``query`` ordered by the chosen column, then by the tiebreak in the same direction."""
        ascending = not order.descending
        return query.order_by(self.columns[order.key], ascending=ascending).order_by(
            self.tiebreak, ascending=ascending
        )

    def sort(self, rows: list[T], order: SortRequest) -> list[T]:
        """Computed ``rows`` in the chosen order, then by the tiebreak in the same direction
        (the columns and the tiebreak are functions of a row, never giving None)."""
        column, tiebreak = self.columns[order.key], self.tiebreak
        return sorted(rows, key=lambda row: (column(row), tiebreak(row)), reverse=order.descending)


SORT_ONE_OF = N_("must be one of %(allowed)s, not %(value)s")
DIR_ONE_OF = N_("must be asc or desc, not %(value)s")


def sort_query(url: Any, key: str, current: SortRequest) -> str:
    """The query of ``url`` sorted by ``key``: the other direction if it is the current column,
    else ascending; filters kept, back to the first page, notices dropped."""
    direction = "asc" if key != current.key or current.descending else "desc"
    params = [
        (name, value)
        for name, value in url.query_params.multi_items()
        if name not in ("sort", "dir", "page") and name not in NOTICE_PARAMS
    ]
    return urlencode([*params, ("sort", key), ("dir", direction)])


def paging_dependency(default_per_page: int = DEFAULT_PER_PAGE) -> dict[str, Provide]:
    """The dependency a list handler declares to take ``paging: NamedDependency[PageRequest]``
    from its ``?page=&per_page=``."""

    async def provide_page_request(
        page: FromQuery[str | None] = None, per_page: FromQuery[str | None] = None
    ) -> PageRequest:
        return page_request(page, per_page, default_per_page=default_per_page)

    return {"paging": Provide(provide_page_request)}


PAGING = paging_dependency()


class PageFields(BaseModel):
    """Where an enveloped list's page lies (the lists that answer ``{"items": …}``)."""

    total: int
    page: int
    per_page: int
    pages: int
    has_next: bool


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and where it lies in the whole."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    def fields(self) -> dict[str, Any]:
        """The PageFields of this page."""
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "has_next": self.has_next,
        }

    def map(self, function: Callable[[T], U]) -> Page[U]:
        return Page([function(item) for item in self.items], self.total, self.page, self.per_page)


async def paginate(
    query: Any, count: Any, paging: PageRequest, *, clamp: bool = False
) -> Page[dict[str, Any]]:
    """One page of a Piccolo select (filtered and ordered, with a unique last sort key) and the
    total from ``count`` (the same table's ``count()`` with the same WHERE). ``clamp`` shows
    the last page for a page past the end (pages); otherwise such a page is empty (the API)."""
    total = await count
    if clamp:
        last = max(1, -(-total // paging.per_page))
        paging = PageRequest(min(paging.page, last), paging.per_page)
    # A page past the end asks nothing more (and an offset too large for SQL never reaches it).
    rows = await query.limit(paging.per_page).offset(paging.offset) if paging.offset < total else []
    return Page(rows, total, paging.page, paging.per_page)


def contains(text: str, *columns: Any) -> Any:
    """The SQL condition "one of the columns contains the text", ignoring case. LIKE with an
    explicit escape character: a search for "100%" finds "100%", not everything, and ESCAPE
    is spelled the same on SQLite and PostgreSQL (unlike ILIKE)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    conditions = [
        WhereRaw(
            f"lower({column._meta.get_full_name(with_alias=False)}) LIKE {{}} ESCAPE '\\'",
            pattern,
        )
        for column in columns
    ]
    return reduce(operator.or_, conditions)


#: Query parameters that carry a one-time notice after a form's redirect ("your decision is
#: recorded"): said once, not carried into the list's other pages.
NOTICE_PARAMS = frozenset({"decided", "done", "saved"})


def page_query(url: Any, number: int, param: str = "page") -> str:
    """The query of ``url`` (a Litestar URL) with ``param`` set to ``number``, the filters
    (and the other lists' pages) kept, the one-time notices dropped."""
    params = [
        (key, value)
        for key, value in url.query_params.multi_items()
        if key != param and key not in NOTICE_PARAMS
    ]
    return urlencode([*params, (param, str(number))])


def page_url(url: Any, number: int) -> str:
    """``url`` with ``page`` set to ``number``: absolute, for the ``Link`` header."""
    return str(url.with_replacements(query=page_query(url, number)))


#: How many page numbers either side of the current one the pager links to.
PAGER_REACH = 2


def pager_window(current: int, pages: int, reach: int = PAGER_REACH) -> list[int | None]:
    """The page numbers a pager shows: the first, the last and those within ``reach`` of
    ``current``, with ``None`` where numbers are left out ("…"). A handful of numbers however
    long the list, so the pager costs the same at page 1 of 5 as of 5,000."""
    shown = {1, pages, *range(max(1, current - reach), min(pages, current + reach) + 1)}
    window: list[int | None] = []
    previous = 0
    for number in sorted(shown):
        if number > previous + 1:
            window.append(None)
        window.append(number)
        previous = number
    return window


def page_href(url: Any, number: int, param: str = "page") -> str:
    """``url``'s path with ``param`` set to ``number``: a page's own link."""
    return f"{url.path}?{page_query(url, number, param)}"


def page_headers(request: Request[Any, Any, Any], page: Page[Any]) -> dict[str, str]:
    """``X-Total-Count``, ``X-Page``, ``X-Per-Page`` and an RFC 8288 ``Link`` header."""
    links = {"first": 1, "last": page.pages}
    if page.has_previous:
        links["prev"] = min(page.page - 1, page.pages)
    if page.has_next:
        links["next"] = page.page + 1
    return {
        "X-Total-Count": str(page.total),
        "X-Page": str(page.page),
        "X-Per-Page": str(page.per_page),
        "Link": ", ".join(
            f'<{page_url(request.url, number)}>; rel="{rel}"' for rel, number in links.items()
        ),
    }


def paged(request: Request[Any, Any, Any], page: Page[T]) -> Response[list[T]]:
    """A JSON list answered as its items, with the page's headers."""
    return Response(page.items, headers=page_headers(request, page))

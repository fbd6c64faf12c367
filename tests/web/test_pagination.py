"""Every list pages in SQL: ``?page=&per_page=`` with bounds and a 400 naming the parameter, the
filters applied before the page is cut, ``X-Total-Count`` and ``Link`` headers on the API, and
the shared pager on the pages. Each test makes its rows in a department or under a name of its
own, so the counts are its own whatever else the run has made."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.datastructures import URL
from litestar.testing import AsyncTestClient

from procure import clock
from procure.audit.selectors import event_page
from procure.bids.sealing import new_wrapped_tender_key
from procure.contracts.tables import Contract, ContractStatus, ReportingFrequency
from procure.db.pagination import PageRequest, page_href, page_request, pager_window
from procure.departments.tables import Department, DepartmentLevel
from procure.errors import InvalidInput
from procure.geography.tables import District
from procure.organizations.tables import Organization, RegistrationType
from procure.security.actors import Actor
from procure.security.tables import Role, User
from procure.settings import get_settings
from procure.tenders.selectors import tender_page
from procure.tenders.states import EvaluationMethod, ProcurementMethod, TenderStatus
from procure.tenders.tables import Tender
from tests.conftest import login

TENDERS = "/api/v1/tenders"
CONTRACTS = "/api/v1/contracts"
ORGANIZATIONS = "/api/v1/organizations"

Headers = Callable[[str], Any]
_serial = count(1)


@pytest.fixture(autouse=True)
async def own_rows(database: None) -> AsyncIterator[None]:
    """The rows a test makes are removed after it: other tests walk every tender, contract and
    organization, and must not meet these."""
    yield
    for table in (Tender, Contract, Organization, Department):
        made = MADE.pop(table, [])
        if made:
            await table.delete().where(table.id.is_in(made))


MADE: dict[Any, list[int]] = defaultdict(list)


def unique(prefix: str) -> str:
    return f"{prefix}{datetime.now(UTC):%H%M%S%f}{next(_serial)}"


async def own_department() -> dict[str, Any]:
    """A department of the demo district that no other test uses."""
    district = await District.select(District.id).first()
    assert district is not None
    code = unique("PG")
    department = Department(
        code=code,
        name=f"分页测试部门{code}",
        district=district["id"],
        level=DepartmentLevel.district,
    )
    await department.save()
    MADE[Department].append(department.id)
    return {"id": department.id, "code": code}


async def add_tender(
    department_id: int,
    n: int,
    *,
    status: TenderStatus = TenderStatus.published,
    deadline_in: timedelta = timedelta(days=30),
    clarification_in: timedelta | None = None,
    title: str = "",
) -> int:
    now = clock.now()
    published = status is not TenderStatus.draft
    tender = Tender(
        reference=unique(f"PG-{n}-"),
        title=title or f"分页测试项目 {n}",
        department=department_id,
        method=ProcurementMethod.open_tender,
        evaluation_method=EvaluationMethod.composite,
        status=status,
        ceiling_fen=1_000_000,
        published_at=now - timedelta(days=40) if published else None,
        clarification_deadline=now + clarification_in if clarification_in is not None else None,
        submission_deadline=now + deadline_in if published else None,
        wrapped_bid_key=new_wrapped_tender_key(get_settings().resolved_secret_key()),
    )
    await tender.save()
    MADE[Tender].append(tender.id)
    return int(tender.id)


def link_targets(response: Any) -> dict[str, dict[str, list[str]]]:
    """The ``Link`` header as rel → the target's query."""
    found = re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["link"])
    return {rel: parse_qs(urlsplit(url).query) for url, rel in found}


# -- the page request --------------------------------------------------------------------------


def test_a_page_request_has_defaults_and_bounds() -> None:
    assert page_request() == PageRequest(1, 20)
    assert page_request("3", "50") == PageRequest(3, 50)
    assert page_request(" ", "") == PageRequest(1, 20)
    assert page_request("2", "100").offset == 100


def test_a_page_link_keeps_the_filters_and_drops_a_one_time_notice() -> None:
    url = URL("/approvals?decided=7&status=pending&page=1&done=ok")
    assert page_href(url, 2) == "/approvals?status=pending&page=2"
    assert page_href(URL("/tenders?q=a&page=3"), 1, "page") == "/tenders?q=a&page=1"


@pytest.mark.parametrize(
    ("current", "pages", "window"),
    [
        (1, 1, [1]),
        (3, 5, [1, 2, 3, 4, 5]),
        (1, 500, [1, 2, 3, None, 500]),
        (250, 500, [1, None, 248, 249, 250, 251, 252, None, 500]),
        (500, 500, [1, None, 498, 499, 500]),
        (4, 9, [1, 2, 3, 4, 5, 6, None, 9]),
        (15, 10, [1, None, 10]),  # a page past the end links back to the last
    ],
)
def test_the_pager_shows_the_ends_and_the_pages_near_the_current_one(
    current: int, pages: int, window: list[int | None]
) -> None:
    # A handful of numbers however long the list: the pager does not grow with the data.
    assert pager_window(current, pages) == window


@pytest.mark.parametrize(
    ("page", "per_page", "field", "words"),
    [
        ("0", None, "page", "of 1 or more, not 0"),
        ("-1", None, "page", "of 1 or more, not -1"),
        ("x", None, "page", "of 1 or more, not 'x'"),
        ("1.5", None, "page", "not '1.5'"),
        (None, "0", "per_page", "from 1 to 100, not 0"),
        (None, "101", "per_page", "from 1 to 100, not 101"),
        (None, "many", "per_page", "from 1 to 100, not 'many'"),
    ],
)
def test_a_bad_page_request_names_its_parameter(
    page: str | None, per_page: str | None, field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        page_request(page, per_page)
    assert refused.value.field == field and words in refused.value.message


# -- the tender API and page -------------------------------------------------------------------


async def test_the_tender_api_pages_newest_first_with_headers(client: AsyncTestClient) -> None:
    department = await own_department()
    made = [await add_tender(department["id"], n) for n in range(5)]
    pages = [
        await client.get(TENDERS, params={"department": department["id"], "per_page": 2, "page": n})
        for n in (1, 2, 3)
    ]
    assert [[row["id"] for row in page.json()] for page in pages] == [
        made[4:2:-1],
        made[2:0:-1],
        made[:1],
    ]
    assert {page.headers["x-total-count"] for page in pages} == {"5"}
    first, last = link_targets(pages[0]), link_targets(pages[2])
    assert first["next"]["page"] == ["2"] and first["next"]["department"] == [str(department["id"])]
    assert first["last"]["page"] == ["3"] and "prev" not in first
    assert last["prev"]["page"] == ["2"] and "next" not in last
    beyond = await client.get(TENDERS, params={"department": department["id"], "page": 9})
    assert beyond.status_code == 200 and beyond.json() == []
    assert beyond.headers["x-total-count"] == "5"


async def test_the_status_filter_applies_in_sql_before_the_page(client: AsyncTestClient) -> None:
    """The status a reader sees: a tender past its clarification deadline is "tendering", one
    past its submission deadline "opening" (until the opening job runs), whatever the row
    says."""
    department = await own_department()
    clarifying = [
        await add_tender(department["id"], n, clarification_in=timedelta(days=5)) for n in range(3)
    ]
    tendering = await add_tender(department["id"], 3, clarification_in=timedelta(days=-1))
    passed = await add_tender(
        department["id"], 4, status=TenderStatus.tendering, deadline_in=timedelta(hours=-1)
    )
    await add_tender(department["id"], 5, status=TenderStatus.cancelled)

    def listed(**params: Any) -> Any:
        return client.get(TENDERS, params={"department": department["id"], **params})

    published = await listed(status="published", per_page=2, page=2)
    assert published.headers["x-total-count"] == "3"
    assert [row["id"] for row in published.json()] == [clarifying[0]]
    assert [row["id"] for row in (await listed(status="tendering")).json()] == [tendering]
    opening = (await listed(status="opening")).json()
    assert [(row["id"], row["status"]) for row in opening] == [(passed, "opening")]
    assert (await listed(status="opened")).headers["x-total-count"] == "0"
    both = await listed(status="published,tendering")
    assert both.headers["x-total-count"] == "4"
    assert (await listed(status="cancelled")).headers["x-total-count"] == "1"


async def test_the_tender_search_and_department_filters_combine(client: AsyncTestClient) -> None:
    department, other = await own_department(), await own_department()
    word = unique("养老")
    wanted = await add_tender(department["id"], 1, title=f"{word} 助餐服务")
    await add_tender(department["id"], 2)
    await add_tender(other["id"], 3, title=f"{word} 另一部门")
    found = await client.get(TENDERS, params={"department": department["id"], "q": word})
    assert [row["id"] for row in found.json()] == [wanted]
    assert (await client.get(TENDERS, params={"q": word})).headers["x-total-count"] == "2"
    # % and _ are searched for, not wildcards
    wildcard = await client.get(TENDERS, params={"department": department["id"], "q": "%"})
    assert wildcard.headers["x-total-count"] == "0"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "0"}, "per_page"),
        ({"status": "finished"}, "status"),
        ({"method": "auction"}, "method"),
    ],
)
async def test_a_bad_tender_list_request_is_a_400_naming_the_parameter(
    client: AsyncTestClient, params: dict[str, str], field: str
) -> None:
    answer = await client.get(TENDERS, params=params)
    assert answer.status_code == 400
    assert answer.json()["field"] == field


async def test_a_draft_stays_with_its_department_in_every_page(
    client: AsyncTestClient, as_user: Headers
) -> None:
    department = await own_department()
    draft = await add_tender(department["id"], 1, status=TenderStatus.draft)
    public = await add_tender(department["id"], 2)
    anonymous = await client.get(TENDERS, params={"department": department["id"]})
    assert [row["id"] for row in anonymous.json()] == [public]
    # Oversight reads what the department published, not its drafts.
    for reader in ("auditor", "admin", "regulator"):
        seen = await client.get(
            TENDERS, params={"department": department["id"]}, headers=await as_user(reader)
        )
        assert [row["id"] for row in seen.json()] == [public], reader
    member = Actor(
        id=0, username="pg", display_name="pg", role=Role.buyer, department_id=department["id"]
    )
    own = await tender_page(member, PageRequest(1, 20), department_id=department["id"])
    assert [row["id"] for row in own.items] == [public, draft]


async def test_the_tender_page_shows_the_pager_keeping_the_filters(
    client: AsyncTestClient,
) -> None:
    department = await own_department()
    for n in range(23):
        await add_tender(department["id"], n)
    first = await client.get("/tenders", params={"department": department["id"], "q": "分页"})
    assert first.status_code == 200
    assert "23 条记录" in first.text and "第 1 页，共 2 页" in first.text
    assert first.text.count('<td><a href="/tenders/') == 20
    following = html.unescape(first.text.split('rel="next" href="')[1].split('"')[0])
    assert urlsplit(following).path == "/tenders"
    assert parse_qs(urlsplit(following).query) == {
        "department": [str(department["id"])],
        "q": ["分页"],
        "page": ["2"],
    }
    second = await client.get(following)
    assert second.status_code == 200 and "第 2 页，共 2 页" in second.text
    assert second.text.count('<td><a href="/tenders/') == 3
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


async def test_a_bad_page_on_a_page_is_a_400_in_the_visitors_language(
    client: AsyncTestClient,
) -> None:
    chinese = await client.get("/tenders", params={"page": "0"})
    assert chinese.status_code == 400
    assert "须为不小于 1 的整数，而不是 0" in chinese.text
    await client.get("/lang/en")
    english = await client.get("/tenders", params={"per_page": "500"})
    assert english.status_code == 400
    assert "must be a whole number from 1 to 100, not 500" in english.text
    await client.get("/lang/zh-CN")


async def test_the_tender_selector_counts_in_sql_and_returns_only_the_page() -> None:
    department = await own_department()
    for n in range(7):
        await add_tender(department["id"], n)
    page = await tender_page(None, PageRequest(2, 3), department_id=department["id"])
    assert (page.total, page.pages, len(page.items), page.has_next) == (7, 3, 3, True)


# -- contracts, organizations, users, audit ----------------------------------------------------


async def add_contract(department_id: int, organization_id: int, n: int, status: str) -> int:
    contract = Contract(
        reference=unique(f"PGC-{n}-"),
        title=f"分页测试合同 {n}",
        department=department_id,
        organization=organization_id,
        status=status,
        value_fen=500_000,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        reporting_frequency=ReportingFrequency.monthly,
    )
    await contract.save()
    MADE[Contract].append(contract.id)
    return int(contract.id)


async def test_contracts_page_and_filter_by_status_in_sql(
    client: AsyncTestClient, as_user: Headers
) -> None:
    department = await own_department()
    organization = await Organization.select(Organization.id).first()
    assert organization is not None
    active = [
        await add_contract(department["id"], organization["id"], n, ContractStatus.active)
        for n in range(3)
    ]
    await add_contract(department["id"], organization["id"], 3, ContractStatus.draft)
    auditor = await as_user("auditor")
    second = await client.get(
        CONTRACTS,
        params={"department": department["id"], "status": "active", "per_page": 2, "page": 2},
        headers=auditor,
    )
    assert second.status_code == 200
    assert second.headers["x-total-count"] == "3"
    assert [row["id"] for row in second.json()] == [active[0]]
    refused = await client.get(CONTRACTS, params={"status": "signed"}, headers=auditor)
    assert refused.status_code == 400 and refused.json()["field"] == "status"
    assert (await client.get(CONTRACTS, params={"per_page": "1000"}, headers=auditor)).json()[
        "field"
    ] == "per_page"


async def test_the_organization_registry_pages_by_name(client: AsyncTestClient) -> None:
    prefix = unique("分页机构")
    for n in range(3):
        organization = Organization(
            credit_code=unique("52")[-18:].rjust(18, "0"),
            name=f"{prefix}{n}",
            registration_type=RegistrationType.social_service_agency,
            founded_on=date(2015, 1, 1),
        )
        await organization.save()
        MADE[Organization].append(organization.id)
    second = await client.get(ORGANIZATIONS, params={"q": prefix, "per_page": 2, "page": 2})
    assert second.headers["x-total-count"] == "3"
    assert [row["name"] for row in second.json()] == [f"{prefix}2"]
    page = await client.get("/organizations", params={"q": prefix, "per_page": 2})
    assert page.status_code == 200 and page.text.count("<tr data-organization=") == 2
    assert 'rel="next"' in page.text


async def test_users_page_for_the_admin(client: AsyncTestClient, as_user: Headers) -> None:
    admin = await as_user("admin")
    total = await User.count()
    answer = await client.get("/api/v1/users", params={"per_page": 3}, headers=admin)
    assert answer.status_code == 200 and len(answer.json()) == 3
    assert answer.headers["x-total-count"] == str(total)
    auditors = await client.get("/api/v1/users", params={"role": "auditor"}, headers=admin)
    assert {row["role"] for row in auditors.json()} == {"auditor"}
    assert (
        await client.get("/api/v1/users", params={"role": "chief"}, headers=admin)
    ).status_code == 400


async def test_the_audit_log_pages_and_filters_in_sql(
    client: AsyncTestClient, as_user: Headers
) -> None:
    auditor = await as_user("auditor")
    newest = await event_page(PageRequest(1, 3))
    first = await client.get("/api/v1/audit/events", params={"per_page": 3}, headers=auditor)
    assert [row["seq"] for row in first.json()] == [row["seq"] for row in newest.items]
    second = await client.get(
        "/api/v1/audit/events", params={"per_page": 3, "page": 2}, headers=auditor
    )
    assert max(row["seq"] for row in second.json()) < min(row["seq"] for row in first.json())
    action = newest.items[0]["action"]
    filtered = await client.get(
        "/api/v1/audit/events", params={"action": action, "per_page": 100}, headers=auditor
    )
    assert {row["action"] for row in filtered.json()} == {action}
    older_name = await client.get("/api/v1/audit/events?limit=2", headers=auditor)
    assert len(older_name.json()) == 2
    refused = await client.get("/api/v1/audit/events?limit=0", headers=auditor)
    assert refused.status_code == 400 and refused.json()["field"] == "limit"


async def test_a_start_page_pages_its_contracts(client: AsyncTestClient) -> None:
    await login(client, "auditor")
    page = await client.get("/auditor", params={"page": 1})
    assert page.status_code == 200
    total = await Contract.count()
    assert page.text.count('<tr><td><a href="/contracts/') == min(total, 20)
    assert (await client.get("/auditor", params={"page": "0"})).status_code == 400


async def test_the_admin_sorts_users_on_the_server(client: AsyncTestClient) -> None:
    names = {"sorttest_b": "乙测试", "sorttest_c": "甲测试", "sorttest_a": "丙测试"}
    await User.insert(
        *(
            User(
                username=u,
                display_name=d,
                password_hash="x",
                role=Role.auditor,
                is_active=False,
            )
            for u, d in names.items()
        )
    )
    await login(client, "admin")

    def usernames(text: str) -> list[str]:
        return re.findall(r'<td translate="no">(sorttest_\w)</td>', text)

    ascending = await client.get("/admin", params={"q": "sorttest_", "sort": "username"})
    assert ascending.status_code == 200
    assert usernames(ascending.text) == ["sorttest_a", "sorttest_b", "sorttest_c"]
    assert 'aria-sort="ascending"' in ascending.text and 'class="table-scroll"' in ascending.text
    descending = await client.get(
        "/admin", params={"q": "sorttest_", "sort": "username", "dir": "desc"}
    )
    assert usernames(descending.text) == ["sorttest_c", "sorttest_b", "sorttest_a"]
    second = await client.get(
        "/admin",
        params={"q": "sorttest_", "sort": "username", "dir": "desc", "per_page": 2, "page": 2},
    )
    assert usernames(second.text) == ["sorttest_a"]
    previous = re.search(r'<a rel="prev" href="([^"]+)"', second.text)
    assert previous is not None and "sort=username" in html.unescape(previous[1])
    assert "dir=desc" in html.unescape(previous[1])
    assert (await client.get("/admin", params={"sort": "password_hash"})).status_code == 400

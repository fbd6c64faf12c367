"""The public disclosure pages (信息公开): anyone reads them without signing in; drafts, bids
before the deadline and residents' personal data never appear on any of them."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient

from procure.contracts.selectors import contract_detail
from procure.contracts.tables import Contract
from procure.organizations.tables import Organization, Qualification
from procure.performance.selectors import periods_of
from procure.security.actors import PLATFORM_READER
from procure.security.tables import User
from procure.surveys.tables import SurveyAnswer
from procure.tenders.tables import Tender
from tests.conftest import Clock, login
from tests.disclosure import helpers
from tests.tenders.conftest import bid_payload, publish, tender_payload

LINK = re.compile(r'href="(/disclosure[^"#]*)"')


async def crawl(client: AsyncTestClient, start: str = "/disclosure") -> dict[str, str]:
    """Every disclosure page reachable from the index by its links, as an anonymous visitor;
    each must answer 200."""
    pages: dict[str, str] = {}
    queue = [start]
    while queue:
        path = queue.pop()
        if path in pages:
            continue
        response = await client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        pages[path] = response.text
        queue.extend(html.unescape(link) for link in LINK.findall(response.text))
    return pages


async def tender_id(reference: str) -> int:
    row = await Tender.select(Tender.id).where(Tender.reference == reference).first()
    assert row is not None, reference
    return int(row["id"])


async def contract_id(reference: str) -> int:
    row = await Contract.select(Contract.id).where(Contract.reference == reference).first()
    assert row is not None, reference
    return int(row["id"])


@pytest.fixture(scope="module")
async def site(app: Any) -> AsyncIterator[dict[str, str]]:
    """The whole public site, crawled once for this module, with a settled period in it."""
    await helpers.settled_period()
    async with AsyncTestClient(app=app) as client:
        yield await crawl(client)


def references(page: str, attribute: str = "data-tender") -> list[str]:
    return re.findall(rf'{attribute}="([^"]+)"', page)


async def test_anyone_reaches_every_section_without_signing_in(
    client: AsyncTestClient, site: dict[str, str]
) -> None:
    settled = await helpers.settled_period()
    home = await client.get("/")
    assert 'href="/disclosure"' in home.text and "信息公开" in home.text
    paths = set(site)
    for section in ("tenders", "openings", "awards", "contracts", "performance", "ratings"):
        assert f"/disclosure/{section}" in paths
    kinds = {
        "tender": r"^/disclosure/tenders/\d+$",
        "opening": r"^/disclosure/tenders/\d+/opening$",
        "award": r"^/disclosure/tenders/\d+/award$",
        "contract": r"^/disclosure/contracts/\d+$",
        "performance": r"^/disclosure/contracts/\d+/performance/\d{4}-\d{2}$",
    }
    for kind, pattern in kinds.items():
        assert any(re.match(pattern, path) for path in paths), f"no {kind} page reached"
    period_page = f"/disclosure/contracts/{settled['contract_id']}/performance/{settled['period']}"
    assert period_page in paths


@pytest.mark.parametrize("params", [{}, {"sub_district": "440319003"}, {"category": "care"}])
async def test_the_index_counts_what_the_lists_hold(
    client: AsyncTestClient, params: dict[str, str]
) -> None:
    await helpers.settled_period()
    index = await client.get("/disclosure", params=params)
    counts = dict(re.findall(r'data-section="([a-z]+)"><b>(\d+)</b>', index.text))
    lists = {
        "tenders": "/disclosure/tenders",
        "openings": "/disclosure/openings",
        "awards": "/disclosure/awards",
        "contracts": "/disclosure/contracts",
        "performance": "/disclosure/performance",
    }
    for section, path in lists.items():
        listing = await client.get(path, params=params)
        total = re.search(r'data-testid="total">(\d+) 条记录', listing.text)
        assert total is not None and total.group(1) == counts[section], section
    amended = await client.get("/disclosure/contracts", params={**params, "amended": "true"})
    amendments = sum(int(n) for n in re.findall(r'data-amendments="(\d+)"', amended.text))
    assert amendments == int(counts["amendments"])


async def test_drafts_are_invisible(client: AsyncTestClient, site: dict[str, str]) -> None:
    draft_tender = await tender_id("ZB-2026-042")
    draft_contract = await contract_id("HT-2026-020")
    for text in site.values():
        assert "ZB-2026-042" not in text and "滨海区2027年新塘街道困境儿童关爱服务项目" not in text
        assert "HT-2026-020" not in text
    for path in (
        f"/disclosure/tenders/{draft_tender}",
        f"/disclosure/tenders/{draft_tender}/opening",
        f"/disclosure/tenders/{draft_tender}/award",
        f"/disclosure/contracts/{draft_contract}",
        f"/disclosure/contracts/{draft_contract}/performance/2027-01",
    ):
        assert (await client.get(path)).status_code == 404, path
    # Its award is public; the contract it led to is not, so nothing links to it yet.
    awarded = await client.get(f"/disclosure/tenders/{await tender_id('ZB-2026-028')}/award")
    assert awarded.status_code == 200 and 'data-testid="contract-link"' not in awarded.text


async def test_unknown_and_unpublished_ids_answer_404(client: AsyncTestClient) -> None:
    tendering = await tender_id("ZB-2026-038")
    active = await contract_id("HT-2026-011")
    for path in (
        "/disclosure/tenders/987654",
        "/disclosure/tenders/987654/opening",
        "/disclosure/tenders/987654/award",
        "/disclosure/contracts/987654",
        "/disclosure/contracts/987654/performance/2026-01",
        f"/disclosure/tenders/{tendering}/award",  # not awarded yet
        f"/disclosure/contracts/{active}/performance/1999-01",  # no such settled period
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "<form" not in response.text.split("<main>")[1]  # a plain error page


def money_forms(fen: int) -> list[str]:
    """Every way a page could print the amount: 元 with separators, 万元, bare numbers."""
    yuan = f"{fen / 100:,.2f}"
    return [yuan, yuan.replace(",", ""), str(fen), f"{fen / 1_000_000:.2f} 万元"]


async def test_sealed_bids_show_nowhere_before_the_deadline(
    client: AsyncTestClient, as_user: Any, moving_clock: Clock
) -> None:
    buyer, org, org2 = await as_user("buyer"), await as_user("org"), await as_user("org2")
    title = f"信息公开密封测试 {id(moving_clock)}"
    created = await client.post(
        "/api/v1/tenders", json=await tender_payload(title=title), headers=buyer
    )
    assert created.status_code == 201, created.text
    tender = created.json()["id"]
    assert (await publish(client, buyer, tender)).status_code == 200
    asked = await client.post(
        f"/api/v1/tenders/{tender}/clarifications",
        json={"question": "服务时间是否包含周末？"},
        headers=org,
    )
    assert asked.status_code == 201, asked.text
    answered = await client.post(
        f"/api/v1/clarifications/{asked.json()['id']}/answer",
        json={"answer": "包含周末，每周至少一次。"},
        headers=buyer,
    )
    assert answered.status_code == 200, answered.text
    prices = {23_345_678: org, 24_456_789: org2}
    for total, headers in prices.items():
        bid = await client.put(
            f"/api/v1/tenders/{tender}/bid", json=bid_payload(total), headers=headers
        )
        assert bid.status_code == 201, bid.text
    bidders = await Organization.select(Organization.name, Organization.credit_code).where(
        Organization.id.is_in(
            [(await helpers.actor(name)).organization_id for name in ("org", "org2")]
        )
    )
    assert len(bidders) == 2
    secrets = [form for fen in prices for form in money_forms(fen)]
    secrets += [form for fen in prices for form in money_forms(int(fen * 0.6))]

    moving_clock.advance(days=4)  # past the clarification deadline: open for bids
    own_pages = {
        path: await client.get(path)
        for path in (
            f"/disclosure/tenders/{tender}",
            f"/disclosure/tenders/{tender}/opening",
        )
    }
    notice, opening = own_pages.values()
    assert 'data-status="tendering"' in notice.text
    assert '<td data-testid="bid-count">2</td>' in notice.text
    assert (
        'data-testid="sealed"' in opening.text
        and '<b data-testid="bid-count">2</b>' in opening.text
    )
    assert "服务时间是否包含周末" in notice.text and "包含周末，每周至少一次" in notice.text
    assert (await client.get(f"/disclosure/tenders/{tender}/award")).status_code == 404
    for response in own_pages.values():
        assert response.status_code == 200
        for bidder in bidders:  # neither the bidders nor the asker
            assert bidder["name"] not in response.text
            assert bidder["credit_code"] not in response.text
    everything = await crawl(client)
    for path, text in everything.items():
        for secret in secrets:
            assert secret not in text, (path, secret)
    openings = await client.get("/disclosure/openings", params={"q": title})
    assert references(openings.text) == []

    moving_clock.advance(days=9)  # past the submission deadline: the bids are opened
    opened = await client.get(f"/disclosure/tenders/{tender}/opening")
    assert opened.status_code == 200 and 'data-testid="opening-record"' in opened.text
    for bidder in bidders:
        assert bidder["name"] in opened.text and bidder["credit_code"] in opened.text
    assert "233,456.78 元" in opened.text and "244,567.89 元" in opened.text
    assert "77.82%" in opened.text  # 233,456.78 of the 300,000.00 ceiling
    listed = await client.get("/disclosure/openings", params={"q": title})
    assert references(listed.text) == [created.json()["reference"]]


async def test_the_demo_tender_open_for_bids_keeps_its_bids_sealed(
    client: AsyncTestClient, site: dict[str, str]
) -> None:
    sealed = await tender_id("ZB-2026-038")  # two bids in, deadline in 12 days
    notice = await client.get(f"/disclosure/tenders/{sealed}")
    opening = await client.get(f"/disclosure/tenders/{sealed}/opening")
    assert 'data-testid="sealed"' in opening.text
    for page in (notice.text, opening.text):
        assert "滨海区乐龄居家养老服务中心" not in page and "52440319MJL135922R" not in page
    secrets = money_forms(191_400_000) + money_forms(195_800_000)
    for path, text in site.items():
        for secret in secrets:
            assert secret not in text, (path, secret)


async def test_no_residents_personal_data_on_any_page(
    client: AsyncTestClient, site: dict[str, str]
) -> None:
    settled = await helpers.settled_period()
    private = [helpers.PERSONAL_TEXT, "13912345678", "王秀英", "吴海涛", *settled["codes"]]
    for row in await Organization.select(Organization.phone, Organization.contact_person):
        private += [row["phone"], row["contact_person"]]
    # Experts' names are published with the award (财政部令第87号 Art. 69: the award notice names
    # the evaluation committee); every other account's name stays private.
    for row in await User.select(User.display_name, User.username).where(User.role != "expert"):
        private += [row["display_name"], row["display_name"].split("(")[0]]
    private += [row["document_no"] for row in await Qualification.select(Qualification.document_no)]
    assert len(settled["codes"]) == helpers.CODES_ISSUED, "the codes of this run's survey"
    for path, text in site.items():
        for secret in private:
            assert secret not in text, (path, secret)
    period = await client.get(
        f"/disclosure/contracts/{settled['contract_id']}/performance/{settled['period']}"
    )
    rounds = period.text.split('data-testid="survey-rounds"')[1].split("</table>")[0]
    assert "渔港社区" in rounds and f'<td class="num">{helpers.CODES_ISSUED}</td>' in rounds
    questions = period.text.split('data-testid="survey-questions"')[1].split("</table>")[0]
    # The first question's mean over every answer of the period (this run's survey of 渔港 and
    # the demo's of 桂园), computed here from the answers themselves.
    answers = await SurveyAnswer.select(SurveyAnswer.item, SurveyAnswer.score).where(
        (SurveyAnswer.response.round.contract == settled["contract_id"])
        & (SurveyAnswer.response.round.period == settled["period"])
        & SurveyAnswer.score.is_not_null()
    )
    first = min(row["item"] for row in answers)
    scores = [row["score"] for row in answers if row["item"] == first]
    assert len(scores) >= len(helpers.SHEETS)
    mean = (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert f">{mean}<" in questions
    assert 'data-testid="grade"' in period.text


async def test_a_period_with_few_answers_publishes_no_question_means(
    client: AsyncTestClient,
) -> None:
    from procure.disclosure.selectors import MIN_RESPONSES, survey_aggregate

    settled = await helpers.settled_period()
    full = await survey_aggregate(settled["contract_id"], settled["period"])
    assert full["responses"] >= len(helpers.SHEETS) >= MIN_RESPONSES and full["questions"]
    assert not full["suppressed"]
    # The next period: a round where fewer residents answer than a mean may be published over.
    contract = await contract_detail(PLATFORM_READER, settled["contract_id"])
    period = periods_of(contract)[1].label
    codes = await helpers.survey(settled["contract_id"], period, answered=MIN_RESPONSES - 1)
    few = await survey_aggregate(settled["contract_id"], period)
    assert few["responses"] == MIN_RESPONSES - 1 and few["tokens_issued"] == len(codes)
    assert few["questions"] == [] and few["suppressed"]
    empty = await survey_aggregate(settled["contract_id"], "1999-01")
    assert empty == {
        "communities": [],
        "tokens_issued": 0,
        "responses": 0,
        "questions": [],
        "suppressed": False,
    }


async def test_filters_narrow_every_list(client: AsyncTestClient) -> None:
    async def listed(path: str, **params: str) -> list[str]:
        response = await client.get(path, params=params)
        assert response.status_code == 200, response.text[:300]
        return references(response.text)

    rehab = await listed("/disclosure/tenders", q="康复")
    assert "ZB-2026-012" in rehab and "ZB-2026-038" not in rehab
    xintang = await listed("/disclosure/tenders", sub_district="440319003")
    assert {"ZB-2026-030", "ZB-2026-004"} <= set(xintang) and "ZB-2026-041" not in xintang
    lizhilin = await listed("/disclosure/tenders", community="440319002002")
    assert "ZB-2026-012" in lizhilin and "ZB-2026-030" not in lizhilin
    technology = await listed("/disclosure/tenders", category="technology")
    assert {"ZB-2026-004", "ZB-2026-027", "ZB-2026-031"} <= set(technology)
    assert "ZB-2026-012" not in technology
    published = {
        row["reference"]: row["published_at"]
        for row in await Tender.select(Tender.reference, Tender.published_at)
    }
    zone = ZoneInfo("Asia/Shanghai")
    recent = published["ZB-2026-041"].astimezone(zone).year
    older = published["ZB-2025-031"].astimezone(zone).year
    assert recent != older  # 447 days apart
    # Other tests publish tenders of their own this year: the demo's are found by title.
    assert "ZB-2026-041" in await listed("/disclosure/tenders", year=str(recent), q="志愿服务队")
    assert "ZB-2025-031" not in await listed("/disclosure/tenders", year=str(recent), q="微创投")
    assert "ZB-2025-031" in await listed("/disclosure/tenders", year=str(older), q="微创投")

    awards = await listed("/disclosure/awards", category="care")
    assert "ZB-2026-012" in awards and "ZB-2026-028" not in awards
    openings = await listed("/disclosure/openings", sub_district="440319001", q="邻里互助")
    assert "ZB-2026-035" in openings
    assert "ZB-2026-038" not in await listed("/disclosure/openings", q="居家养老")

    # Other tests sign contracts of their own: the demo's are found by title, the filter under test
    # narrowing the same search.
    every = await client.get("/disclosure/contracts", params={"q": "微创投"})
    assert "HT-2025-019" in references(every.text, "data-contract")
    amended = await client.get("/disclosure/contracts", params={"amended": "true"})
    assert {"HT-2026-007", "HT-2026-011"} <= set(references(amended.text, "data-contract"))
    amended_search = await client.get(
        "/disclosure/contracts", params={"amended": "true", "q": "微创投"}
    )
    assert "HT-2025-019" not in references(amended_search.text, "data-contract")
    assert "HT-2025-019" not in references(amended.text, "data-contract")
    guiyuan = await client.get("/disclosure/contracts", params={"community": "440319002001"})
    assert "HT-2026-011" in references(guiyuan.text, "data-contract")
    assert "HT-2026-007" not in references(guiyuan.text, "data-contract")

    settled = await helpers.settled_period()
    year = settled["period"][:4]
    graded = await client.get("/disclosure/performance", params={"year": year, "q": "康复"})
    assert (helpers.CONTRACT, settled["period"]) in re.findall(
        r'data-contract="([^"]+)" data-period="([^"]+)"', graded.text
    )
    elsewhere = await client.get("/disclosure/performance", params={"sub_district": "440319003"})
    assert helpers.CONTRACT not in references(elsewhere.text, "data-contract")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "no-such-category"}, "category"),
        ({"community": "000000000000"}, "community"),
        ({"sub_district": "000"}, "sub_district"),
        ({"year": "twenty"}, "year"),
        ({"year": "２⁰２⁶"}, "year"),
        ({"year": "1066"}, "year"),
        ({"q": "长" * 101}, "q"),
    ],
)
async def test_bad_filters_are_refused_naming_the_field(
    client: AsyncTestClient, params: dict[str, str], field: str
) -> None:
    response = await client.get("/disclosure/tenders", params=params)
    assert response.status_code == 400 and field in response.text


async def test_a_keyword_is_text_not_a_pattern(client: AsyncTestClient) -> None:
    for wildcard in ("%", "_"):
        response = await client.get("/disclosure/tenders", params={"q": wildcard})
        assert response.status_code == 200 and references(response.text) == []


async def test_pages_of_twenty_newest_first(client: AsyncTestClient, as_user: Any) -> None:
    buyer = await as_user("buyer3")
    keyword = f"分页测试{id(client)}"
    made = []
    for n in range(23):
        created = await client.post(
            "/api/v1/tenders", json=await tender_payload(title=f"{keyword} 第{n}号"), headers=buyer
        )
        assert created.status_code == 201, created.text
        published = await publish(client, buyer, created.json()["id"])
        assert published.status_code == 200, published.text
        made.append(created.json()["reference"])
    first = await client.get("/disclosure/tenders", params={"q": keyword})
    second = await client.get("/disclosure/tenders", params={"q": keyword, "page": "2"})
    beyond = await client.get("/disclosure/tenders", params={"q": keyword, "page": "99"})
    assert "23 条记录" in first.text and 'data-testid="pager"' in first.text
    assert len(references(first.text)) == 20 and len(references(second.text)) == 3
    assert references(first.text) + references(second.text) == list(reversed(made))
    assert references(beyond.text) == references(second.text)
    following = html.unescape(first.text.split('rel="next" href="')[1].split('"')[0])
    assert following == f"/disclosure/tenders?q={quote(keyword)}&page=2"  # the filter is kept


async def test_the_award_contract_and_amendment_as_published(client: AsyncTestClient) -> None:
    award = await client.get(f"/disclosure/tenders/{await tender_id('ZB-2026-012')}/award")
    assert award.status_code == 200
    assert "滨海区启明星社会工作服务中心" in award.text and "356,000.00 元" in award.text
    assert 'data-testid="standstill"' in award.text and 'data-testid="winner-row"' in award.text
    assert "/api/v1/tenders/" in award.text and "/documents/award-notice" in award.text
    opening = await client.get(f"/disclosure/tenders/{await tender_id('ZB-2026-035')}/opening")
    assert "140,000.00 元" in opening.text and "滨海区邻里互助促进会" in opening.text

    contract = await client.get(f"/disclosure/contracts/{await contract_id('HT-2026-007')}")
    assert contract.status_code == 200
    amendment = contract.text.split('data-testid="amendment"')[1]
    assert "应街道创建全国文明城市工作要求" in amendment and "+70,000.00 元" in amendment
    assert 'data-testid="over-ten-percent"' in contract.text  # 12.5% of 561,000
    assert "63.10 万元" in contract.text  # 561,000 + 70,000
    assert "/api/v1/contracts/" not in contract.text  # the contract text PDF is not public
    notice = await client.get(f"/disclosure/tenders/{await tender_id('ZB-2026-012')}")
    assert "公开招标" in notice.text and "38.00 万元" in notice.text
    assert "380,000.00 元" in notice.text and "海湾街道 渔港社区" in notice.text


async def test_chinese_by_default_english_on_request(client: AsyncTestClient) -> None:
    chinese = await client.get("/disclosure")
    assert "<h1>信息公开</h1>" in chinese.text and "采购公告" in chinese.text
    english = await client.get("/disclosure", cookies={"lang": "en"})
    assert "<h1>Public disclosure</h1>" in english.text and "Tender notices" in english.text
    notice = await client.get(
        f"/disclosure/tenders/{await tender_id('ZB-2026-012')}", cookies={"lang": "en"}
    )
    assert "Open tender" in notice.text and "38.00 万元" in notice.text


@pytest.mark.parametrize("username", ["buyer", "org", "committee", "auditor", "admin"])
async def test_signed_in_users_read_the_same_pages(client: AsyncTestClient, username: str) -> None:
    await login(client, username)
    start = await client.get("/", follow_redirects=True)
    assert 'data-testid="nav-disclosure"' in start.text
    sealed = await client.get(f"/disclosure/tenders/{await tender_id('ZB-2026-038')}/opening")
    assert sealed.status_code == 200 and 'data-testid="opening-record"' not in sealed.text
    draft = await client.get(f"/disclosure/tenders/{await tender_id('ZB-2026-042')}")
    assert draft.status_code == 404  # public pages publish drafts to nobody, the owner included


async def test_the_year_is_the_local_calendar_year(client: AsyncTestClient, as_user: Any) -> None:
    buyer = await as_user("buyer")
    title = f"跨年测试 {id(client)}"
    created = await client.post(
        "/api/v1/tenders", json=await tender_payload(title=title), headers=buyer
    )
    tender = created.json()["id"]
    assert (await publish(client, buyer, tender)).status_code == 200
    # 2025-12-31 17:00 UTC is 2026-01-01 01:00 in Beijing: a 2026 notice.
    await Tender.update({Tender.published_at: datetime(2025, 12, 31, 17, tzinfo=UTC)}).where(
        Tender.id == tender
    )
    in_2026 = await client.get("/disclosure/tenders", params={"q": title, "year": "2026"})
    in_2025 = await client.get("/disclosure/tenders", params={"q": title, "year": "2025"})
    assert references(in_2026.text) == [created.json()["reference"]]
    assert references(in_2025.text) == []


async def test_a_refused_filter_and_a_missing_page_read_in_the_reader_s_language(
    client: AsyncTestClient,
) -> None:
    """The refusals read in Chinese by default, in English on request; never a mix."""
    unknown = await client.get("/disclosure/tenders", params={"community": "000000000000"})
    assert unknown.status_code == 400
    assert "社区 '000000000000' 不存在" in html.unescape(unknown.text)
    english = await client.get(
        "/disclosure/tenders", params={"community": "000000000000"}, cookies={"lang": "en"}
    )
    assert "no community '000000000000'" in html.unescape(english.text)
    year = await client.get("/disclosure/tenders", params={"year": "1066"})
    assert year.status_code == 400 and "年份须在 " in year.text
    missing = await client.get("/disclosure/contracts/987654")
    assert missing.status_code == 404 and "编号为 987654 的合同不存在" in missing.text
    assert "not found" not in missing.text

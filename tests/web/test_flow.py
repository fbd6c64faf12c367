"""Pages that lead on: each role's start page lists what waits for it (with deadlines and
links, and says so when nothing does); tenders and their contracts link both ways; a flag
links to its subject; every irreversible button asks first; every action says it is done."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure import clock, i18n
from procure.bids.tables import Award, Bid, BidStatus
from procure.risk.tables import FlagStatus, RiskFlag, Severity
from procure.tenders.tables import Tender
from procure.web.labels import field_label
from procure.web.notices import NOTICES, done_url
from tests.conftest import login
from tests.risk.conftest import XINLIANXIN, make_contract, make_department, make_tender, unique
from tests.surveys.conftest import actor

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SOURCE = Path(__file__).resolve().parents[2] / "src" / "procure"


async def flag_about(
    *,
    subject_type: str,
    subject_id: int,
    department: int | None = None,
    organization: int | None = None,
) -> int:
    # Seen last of all the stored flags: start pages list the latest, and other tests' flags
    # may carry times their moving clocks set.
    latest = (
        await RiskFlag.select(RiskFlag.last_seen_at)
        .order_by(RiskFlag.last_seen_at, ascending=False)
        .first()
    )
    seen = max(clock.now(), latest["last_seen_at"] if latest else clock.now()) + timedelta(
        seconds=1
    )
    rows = await RiskFlag.insert(
        RiskFlag(
            first_seen_at=seen,
            last_seen_at=seen,
            rule="R-CONTRACT-SCOPE",
            dataset="platform",
            subject_type=subject_type,
            subject_id=str(subject_id),
            period=unique("flow"),
            severity=Severity.high,
            status=FlagStatus.open,
            evidence={},
            policy_version="2026.1",
            department=department,
            organization=organization,
        )
    ).returning(RiskFlag.id)
    return int(rows[0]["id"])


def section(page: str, testid: str) -> str:
    """The to-do section ``testid`` of a start page."""
    found = re.search(rf'<section[^>]*data-testid="{testid}".*?</section>', page, re.S)
    assert found is not None, testid
    return found[0]


# -- start pages ---------------------------------------------------------------------------


async def test_the_buyer_start_page_leads_to_a_new_project_and_its_tasks(
    client: AsyncTestClient,
) -> None:
    buyer = await actor("buyer")
    tender = await make_tender(totals=(9_000_000,), bidders=(XINLIANXIN,))
    await Tender.update({Tender.status: "awarded", Tender.department: buyer.department_id}).where(
        Tender.id == tender["id"]
    )
    flag = await flag_about(
        subject_type="tender", subject_id=tender["id"], department=buyer.department_id
    )
    await login(client, "buyer")
    page = (await client.get("/buyer")).text
    assert 'href="/tenders/new" data-testid="new-tender"' in page and "新建采购项目" in page
    assert f'href="/tenders/{tender["id"]}"' in section(page, "to-contract")
    assert f'href="/risk/flags/{flag}"' in section(page, "buyer-flags")

    # Once a contract is drawn up under it, the tender leaves the list.
    await make_contract(tender=tender["id"], department=buyer.department_id)
    page = (await client.get("/buyer")).text
    assert f'href="/tenders/{tender["id"]}"' not in section(page, "to-contract")


async def test_the_organization_start_page_lists_what_it_owes_and_its_results(
    client: AsyncTestClient,
) -> None:
    org = await actor("org")
    assert org.organization_id is not None
    due = clock.now() + timedelta(hours=20)
    asked = await make_tender(totals=(5_000_000,), bidders=(XINLIANXIN,))
    await Bid.update(
        {Bid.status: BidStatus.explanation_requested, Bid.explanation_due_at: due}
    ).where(Bid.id == asked["bids"][0])
    won = await make_tender(totals=(8_000_000,), bidders=(XINLIANXIN,))
    await Tender.update({Tender.status: "awarded"}).where(Tender.id == won["id"])
    await Award.insert(Award(tender=won["id"], bid=won["bids"][0]))
    contract = await make_contract(starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    to_sign = await make_contract(status="draft")
    flag = await flag_about(
        subject_type="organization",
        subject_id=org.organization_id,
        organization=org.organization_id,
    )

    await login(client, "org")
    page = (await client.get("/organization")).text
    owed = section(page, "explanations-owed")
    assert f'href="/tenders/{asked["id"]}"' in owed
    assert i18n.local_time(due) in owed
    results = section(page, "bid-results")
    assert f'href="/tenders/{won["id"]}"' in results and 'data-testid="bid-won"' in results
    assert f'href="/contracts/{contract["id"]}/reports/2026-01"' in section(page, "reports-due")
    assert f'href="/contracts/{to_sign["id"]}"' in section(page, "awaiting-signature")
    assert f'href="/risk/flags/{flag}"' in section(page, "organization-flags")


async def test_the_committee_start_page_lists_periods_to_evaluate(
    client: AsyncTestClient,
) -> None:
    contract = await make_contract(starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    await login(client, "committee")
    page = (await client.get("/committee")).text
    to_evaluate = section(page, "periods-to-evaluate")
    assert f'href="/contracts/{contract["id"]}/evaluations/2026-01"' in to_evaluate
    assert 'data-testid="survey-rounds"' in page


@pytest.mark.parametrize(
    ("username", "testid"),
    [("auditor", "dismissed-to-review"), ("regulator", "start-page"), ("expert", "start-page")],
)
async def test_the_oversight_start_pages_say_what_waits(
    client: AsyncTestClient, username: str, testid: str
) -> None:
    await login(client, username)
    page = await client.get(f"/{username}")
    assert page.status_code == 200 and f'data-testid="{testid}"' in page.text


async def test_an_empty_list_says_so() -> None:
    """The to-do macro says plainly that nothing waits, rather than showing nothing."""
    macro = (TEMPLATES / "workspace" / "todo.html").read_text()
    assert "-empty" in macro
    for name in ("buyer", "organization", "committee", "auditor"):
        page = (TEMPLATES / "workspace" / f"{name}.html").read_text()
        for call in re.findall(r"\{% call\([a-z]\) todo\((.*?)\) %\}", page):
            assert call.count(",") >= 3, (name, call)  # the empty-list sentence is given


# -- links -----------------------------------------------------------------------------------


async def test_a_tender_and_its_contract_link_both_ways(client: AsyncTestClient) -> None:
    buyer = await actor("buyer")
    tender = await make_tender(totals=(9_000_000,), bidders=(XINLIANXIN,))
    await Tender.update(
        {Tender.status: "contracted", Tender.department: buyer.department_id}
    ).where(Tender.id == tender["id"])
    contract = await make_contract(tender=tender["id"], department=buyer.department_id)
    await login(client, "buyer")
    tender_page = (await client.get(f"/tenders/{tender['id']}")).text
    assert f'href="/contracts/{contract["id"]}" data-testid="tender-contract"' in tender_page
    contract_page = (await client.get(f"/contracts/{contract['id']}")).text
    assert f'href="/tenders/{tender["id"]}" data-testid="contract-tender"' in contract_page


async def test_an_awarded_tender_leads_on_to_drafting_its_contract(
    client: AsyncTestClient,
) -> None:
    buyer = await actor("buyer")
    tender = await make_tender(totals=(9_000_000,), bidders=(XINLIANXIN,))
    await Tender.update({Tender.status: "awarded", Tender.department: buyer.department_id}).where(
        Tender.id == tender["id"]
    )
    await login(client, "buyer")
    link = f'href="/tenders/{tender["id"]}/contract/new"'
    assert link in (await client.get(f"/tenders/{tender['id']}")).text
    assert link in (await client.get("/buyer")).text
    # The drafting page itself (its form, for a tender with its award) is
    # tests/contracts/test_contract_form.py's.
    assert (await client.get(f"/tenders/{tender['id']}/contract/new")).status_code == 200


async def test_a_flag_links_to_its_subject(client: AsyncTestClient) -> None:
    buyer = await actor("buyer")
    tender = await make_tender(totals=(9_000_000,), bidders=(XINLIANXIN,))
    await Tender.update({Tender.department: buyer.department_id}).where(Tender.id == tender["id"])
    on_bid = await flag_about(
        subject_type="bid", subject_id=tender["bids"][0], department=buyer.department_id
    )
    # A department of the test's own: the demo buyer's department is what other tests judge.
    department = await make_department()
    on_buyer = await flag_about(subject_type="buyer", subject_id=department, department=department)
    on_tender = await flag_about(
        subject_type="tender", subject_id=tender["id"], department=buyer.department_id
    )
    await login(client, "auditor")
    page = (await client.get(f"/risk/flags/{on_bid}")).text
    assert f'<a href="/tenders/{tender["id"]}">' in page
    page = (await client.get(f"/risk/flags/{on_buyer}")).text
    assert f'<a href="/tenders?department={department}">' in page
    page = (await client.get(f"/risk/flags/{on_tender}")).text
    assert f'<a href="/tenders/{tender["id"]}">' in page


# -- confirmations ---------------------------------------------------------------------------

#: Forms whose step can be taken back or redone, so they do not ask first: signing in and out,
#: drafts and profiles one edits again, a sealed bid one may replace until the deadline, scores
#: saved until the report is confirmed, catalog entries and rubric versions (old ones kept),
#: notifications marked read and notification preferences.
#: The resident's survey page (/s/<token>) loads no script at all: it cannot ask.
REVERSIBLE = re.compile(
    r"^(/login|/logout|/register|/tenders/new|/tenders/\{\{ tender\.id \}\}/bid"
    r"|/tenders/\{\{ tender\.id \}\}/evaluation/scores|/tenders/\{\{ tender\.id \}\}/committee"
    r"|/organization/profile(/qualifications(/\{\{ q\.id \}\})?)?|/catalog/import"
    r"|\{\{ action \}\}|/rubrics(/\{\{ latest\.id \}\}/versions)?|/s/\{\{ token \}\}"
    r"|/notifications/(read-all|\{\{ n\.id \}\}/read|preferences))$"
)
#: Buttons that save a draft in a form whose other button submits it.
DRAFT_BUTTON = re.compile(r'value="(draft|save)"')


def post_forms() -> list[tuple[str, str, str]]:
    """Every POST form of every template: (template, action, body)."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for form in re.finditer(r"<form\b([^>]*)>(.*?)</form>", text, re.S):
            if 'method="post"' not in form[1]:
                continue
            action = re.search(r'action="([^"]*)"', form[1])
            assert action is not None, path
            found.append((str(path.relative_to(TEMPLATES)), action[1], form[2]))
    return found


def test_every_irreversible_button_asks_first() -> None:
    forms = post_forms()
    assert len(forms) > 60
    missing = []
    for template, action, body in forms:
        if REVERSIBLE.match(action):
            continue
        for button in re.findall(r"<button\b[^>]*>", body):
            if 'type="button"' in button or DRAFT_BUTTON.search(button):
                continue
            if "data-confirm=" not in button:
                missing.append(f"{template} {action} {button}")
    assert missing == []


async def test_a_rendered_page_s_irreversible_buttons_ask_first(client: AsyncTestClient) -> None:
    contract = await make_contract(status="active", department="D-MZJ")
    await login(client, "buyer")
    page = (await client.get(f"/contracts/{contract['id']}")).text
    buttons = 0
    for form in re.finditer(r'<form\b[^>]*method="post"[^>]*>(.*?)</form>', page, re.S):
        for button in re.findall(r"<button\b[^>]*>", form[1]):
            if "/logout" in form[0]:
                continue
            buttons += 1
            assert "data-confirm=" in button, button
    assert buttons >= 2  # at least: mark as completed, terminate


# -- success notices -------------------------------------------------------------------------


def test_every_done_key_in_the_code_has_a_message() -> None:
    used: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r"[?&]done=([a-z_]+)", text))
        used |= set(re.findall(r'done_url\([^()]*(?:\([^()]*\))?[^()]*,\s*"([a-z_]+)"\)', text))
        used |= set(re.findall(r'see\(f"[^"]*",\s*"([a-z_]+)"\)', text))
        used |= set(re.findall(r'back\(contract_id, "([a-z_]+)"\)', text))
        used |= set(re.findall(r'_back\(acceptance_id, "([a-z_]+)"\)', text))
        used |= set(re.findall(r'_see\(tender_id, "([a-z_]+)"\)', text))
    assert used and used <= set(NOTICES), used - set(NOTICES)
    for key, message in NOTICES.items():
        translated = i18n.gettext("zh-CN", message)
        assert translated != message, key  # every notice has its Chinese


def test_done_url_keeps_the_query_and_the_fragment() -> None:
    assert done_url("/a", "signed") == "/a?done=signed"
    assert done_url("/a?x=1#f", "signed") == "/a?x=1&done=signed#f"
    with pytest.raises(KeyError):
        done_url("/a", "no_such_key")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_an_action_s_redirect_says_it_is_done(client: AsyncTestClient, lang: str) -> None:
    org = await actor("org")
    flag = await flag_about(
        subject_type="organization",
        subject_id=org.organization_id or 0,
        organization=org.organization_id,
    )
    await client.get(f"/lang/{lang}")
    await login(client, "org")
    form = await client.get(f"/risk/flags/{flag}")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    sent = await client.post(
        f"/risk/flags/{flag}/explain",
        data={"_csrf_token": token[1], "explanation": "已整改，详见报告。"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/risk/flags/{flag}?done=flag_explained"
    shown = await client.get(sent.headers["location"])
    message = i18n.gettext(lang, NOTICES["flag_explained"])
    assert f'role="status" data-testid="done" data-done="flag_explained">{message}</p>' in (
        shown.text
    )
    assert ("已记录" in message) == (lang == "zh-CN")
    # The notice is the address's, not a stored flash: reading the page again writes nothing
    # and an unknown key says nothing.
    unknown = await client.get(f"/risk/flags/{flag}?done=no_such_key")
    assert 'data-testid="done"' not in unknown.text
    await client.get("/lang/zh-CN")


async def test_the_notice_leaves_a_page_s_own_variables_alone(client: AsyncTestClient) -> None:
    """The tender page has its own ``notice`` (the award notice): base.html's message must
    not replace it, whoever reads the page with a done-key."""
    tender = await make_tender(totals=(9_000_000,), bidders=(XINLIANXIN,))
    await login(client, "org")
    page = await client.get(f"/tenders/{tender['id']}?done=tender_created")
    assert page.status_code == 200
    assert 'data-done="tender_created"' in page.text


def test_a_field_reads_as_its_label_with_its_row_counted_from_one() -> None:
    assert field_label("zh-CN", "lines[2].price_fen") == "第3行 · 报价"
    assert field_label("en", "lines[2].price_fen") == "Row 3 · Price"
    assert field_label("zh-CN", "members.0.kind") == "第1行 · 类别"  # pydantic's own location
    assert field_label("zh-CN", "ceiling_fen") == "最高限价(元)"
    assert field_label("zh-CN", "no_such_input") == "其中一项"
    assert field_label("en", "scores.C1") == "Scores"  # the innermost input the registry knows


async def test_the_error_page_names_the_field_by_its_label(
    client: AsyncTestClient, as_user: Any
) -> None:
    """A form no form page answers ends on the error page, which names the refused input as
    the reader calls it; the JSON API keeps the input's name."""
    contract = await make_contract(department="D-MZJ", organization=XINLIANXIN)
    await login(client, "buyer")
    posted = {
        "_csrf_token": client.cookies["csrftoken"],
        "stage": "",
        "accepted_on": date.today().isoformat(),
        "member_name_0": "王敏",
        "member_kind_0": "no-such-kind",
        "member_affiliation_0": "区民政局",
    }
    url = f"/contracts/{contract['id']}/acceptances"
    page = await client.post(url, data=posted)
    assert page.status_code == 400
    named = re.search(r'data-testid="error-field">([^<]*)<', page.text)
    assert named is not None and named[1] == "字段: 第1行 · 类别"
    assert "members" not in page.text and ".kind" not in page.text
    english = await client.post(url, data=posted | {"accepted_on": "soon"}, cookies={"lang": "en"})
    assert english.status_code == 400
    named = re.search(r'data-testid="error-field">([^<]*)<', english.text)
    assert named is not None and named[1] == "Field: Accepted on"
    assert "accepted_on" not in english.text
    body = {
        "stage": "",
        "accepted_on": date.today().isoformat(),
        "members": [{"name": "王敏", "kind": "no-such-kind", "affiliation": "区民政局"}],
    }
    refused = await client.post(f"/api/v1{url}", json=body, headers=await as_user("buyer"))
    assert refused.status_code == 400 and refused.json()["field"] == "members[0].kind"

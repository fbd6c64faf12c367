"""axe-core (bundled by axe-playwright-python) on the main pages, in Chinese, as the visitor and
as each role: no WCAG 2 A/AA violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser

from procure.contracts.tables import Contract
from procure.security.selectors import user_by_username
from procure.security.tables import Role
from procure.tenders.states import TenderStatus
from procure.tenders.tables import Tender
from tests.browser.test_login import sign_in
from tests.conftest import USERNAMES

pytestmark = pytest.mark.browser

#: The rules of WCAG 2.0/2.1 levels A and AA (axe's tags).
OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
AXE = Axe()


async def public_pages() -> list[str]:
    tender = await Tender.select(Tender.id).where(Tender.status == TenderStatus.awarded).first()
    assert tender is not None
    return [
        "/",
        "/login",
        "/tenders",
        f"/tenders/{tender['id']}",
        "/disclosure",
        "/disclosure/tenders",
        f"/disclosure/tenders/{tender['id']}",
    ]


async def violations(browser: Browser, live_server: str, paths: list[str], user: str | None):
    # axe is injected as a script: the page's Content-Security-Policy is not what is tested.
    context = await browser.new_context(locale="zh-CN", bypass_csp=True)
    page = await context.new_page()
    found: dict[str, str] = {}
    try:
        if user is not None:
            await sign_in(page, live_server, user)
        for path in paths:
            response = await page.goto(f"{live_server}{path}")
            assert response is not None and response.ok, path
            results = await AXE.run(page, options=OPTIONS)
            if results.violations_count:
                found[path] = results.generate_snapshot()
    finally:
        await context.close()
    return found


async def test_the_public_pages_have_no_violations(browser: Browser, live_server: str) -> None:
    found = await violations(browser, live_server, await public_pages(), None)
    for path, report in found.items():
        print(path, report, sep="\n")
    assert found == {}


@pytest.mark.parametrize("role", list(Role))
async def test_each_start_page_has_no_violations(
    browser: Browser, live_server: str, role: Role
) -> None:
    paths = [f"/{role.value}"]
    if role is Role.buyer:
        buyer = await user_by_username(USERNAMES[role])
        assert buyer is not None
        contract = (
            await Contract.select(Contract.id)
            .where(Contract.department == buyer["department"])
            .first()
        )
        assert contract is not None
        paths.append(f"/contracts/{contract['id']}")
    if role is Role.auditor:
        paths.append("/audit")
    found = await violations(browser, live_server, paths, USERNAMES[role])
    for path, report in found.items():
        print(path, report, sep="\n")
    assert found == {}

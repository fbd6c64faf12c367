"""The pages work under the Content-Security-Policy (no inline script, handler or style): no
violation is reported on the key pages, a confirmation still asks first (and "cancel" submits
nothing), and the tender list's status filter still submits on change."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Dialog, Page, expect

from procure.approvals.tables import Approval
from tests.browser.conftest import Words
from tests.browser.test_login import sign_in
from tests.conftest import bearer
from tests.tenders.conftest import tender_payload

pytestmark = pytest.mark.browser

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const what = `${event.violatedDirective} ${event.blockedURI}`;
  console.error(`Content Security Policy violation: ${what}`);
});
"""


def watch_violations(page: Page) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    return seen


async def test_pages_keep_working_under_the_csp(page: Page, live_server: str, t: Words) -> None:
    await page.add_init_script(REPORT_VIOLATIONS)
    violations = watch_violations(page)

    # Public pages, and the status filter that submits itself when a status is chosen.
    for path in ("/", "/disclosure", "/organizations", "/login"):
        response = await page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    await page.goto(f"{live_server}/tenders")
    await page.select_option("#status", "tendering")
    await expect(page).to_have_url(re.compile(r"/tenders\?status=tendering"))

    # A draft of the buyer's, created through the API.
    headers = await bearer("buyer")
    async with httpx.AsyncClient(base_url=live_server) as api:
        created = await api.post("/api/v1/tenders", json=await tender_payload(), headers=headers)
    assert created.status_code == 201, created.text
    tender_id = created.json()["id"]

    await sign_in(page, live_server, "buyer")
    await expect(page.get_by_test_id("start-page")).to_have_attribute("data-role", "buyer")
    await page.goto(f"{live_server}/tenders/{tender_id}")
    asked: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", dismiss)
    await page.get_by_test_id("submit-for-publication").click()
    await expect(page.get_by_test_id("submit-for-publication")).to_be_visible()
    assert asked == [
        t(
            "Submit this draft to the approver for publication?"
            " It cannot be edited while the request is pending."
        )
    ]
    # "Cancel" submitted nothing.
    assert (
        await Approval.count().where(
            (Approval.kind == "tender.publish") & (Approval.subject_id == str(tender_id))
        )
        == 0
    )

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.once("dialog", accept)
    await page.get_by_test_id("submit-for-publication").click()
    await expect(page.get_by_test_id("pending-approval")).to_have_attribute(
        "data-kind", "tender.publish"
    )
    assert len(asked) == 2
    # "OK" did it, and the page it lands on says so.
    await expect(page.get_by_test_id("done")).to_have_attribute("data-done", "publish_requested")
    await expect(page.get_by_test_id("done")).to_have_attribute("role", "status")

    # The risk dashboard draws its bars without inline style.
    await page.goto(f"{live_server}/risk")
    await expect(page.locator("td.bar svg rect").first).to_be_attached()
    assert violations == []

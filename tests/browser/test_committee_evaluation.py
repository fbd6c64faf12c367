"""A neighborhood committee scores a contract of its community in the browser and submits it;
the organization holding the contract then reads the locked evaluation."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Dialog, Page, expect

from procure.contracts.tables import Contract, ContractCommunity, ContractStatus
from procure.evaluations.periods import term_periods
from procure.evaluations.tables import CommitteeEvaluation
from procure.security.tables import Role, User
from tests.browser.conftest import NewTab, Words
from tests.browser.test_login import sign_in

pytestmark = pytest.mark.browser


async def committee_contract() -> tuple[dict, str, str]:
    """A signed contract covering the demo committee's community, a period of it that the
    committee has not evaluated yet, and the username of the organization holding it."""
    committee = await User.select(User.community).where(User.username == "committee").first()
    assert committee is not None
    covering = await ContractCommunity.select(ContractCommunity.contract).where(
        ContractCommunity.community == committee["community"]
    )
    contract = (
        await Contract.select()
        .where(
            Contract.id.is_in([row["contract"] for row in covering])
            & (Contract.status == ContractStatus.active)
        )
        .order_by(Contract.id)
        .first()
    )
    assert contract is not None, "the demo committee needs an active contract of its community"
    done = {
        row["period"]
        for row in await CommitteeEvaluation.select(CommitteeEvaluation.period).where(
            (CommitteeEvaluation.contract == contract["id"])
            & (CommitteeEvaluation.community == committee["community"])
        )
    }
    periods = term_periods(
        starts_on=contract["starts_on"],
        ends_on=contract["ends_on"],
        quarterly=contract["reporting_frequency"] == "quarterly",
        today=datetime.now(ZoneInfo("Asia/Shanghai")).date(),
    )
    period = next(p for p in periods if p not in done)
    holder = (
        await User.select(User.username)
        .where((User.role == Role.organization) & (User.organization == contract["organization"]))
        .order_by(User.id)
        .first()
    )
    assert holder is not None, "the organization holding the contract needs a user"
    return contract, period, holder["username"]


async def test_the_committee_submits_and_the_organization_reads_it(
    new_tab: NewTab, page: Page, live_server: str, t: Words
) -> None:
    contract, period, org_username = await committee_contract()

    await sign_in(page, live_server, "committee")
    await page.get_by_test_id(f"evaluate-{contract['id']}").click()
    await expect(page.get_by_test_id("evaluations-page")).to_be_visible()
    await page.locator(f"a[href='/contracts/{contract['id']}/evaluations/{period}']").click()

    form = page.get_by_test_id("evaluation-form")
    scores = form.locator("input[name^='score_']")
    count = await scores.count()
    assert count >= 1
    for index in range(count):
        await scores.nth(index).fill(str(70 + index * 5))
    comments = form.locator("textarea[name^='comment_']")
    for index in range(await comments.count()):
        await comments.nth(index).fill(f"第{index + 1}项:按计划开展,居民反映良好")
    await form.locator("#comments").fill("整体服务到位,建议增加周末活动")

    await form.get_by_test_id("save-draft").click()
    await expect(page.get_by_test_id("evaluation-status")).to_have_attribute("data-status", "draft")

    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.once("dialog", accept)
    await page.get_by_test_id("evaluation-form").get_by_test_id("submit").click()
    await expect(page.get_by_test_id("evaluation-status")).to_have_attribute(
        "data-status", "submitted"
    )
    assert asked and asked[0], "submitting must ask for confirmation first"
    await expect(page.get_by_test_id("locked")).to_be_visible()
    await expect(page.locator("input[name^='score_']")).to_have_count(0)
    total = await page.get_by_test_id("total").inner_text()
    assert total not in ("", "—")

    reader = await new_tab()
    await sign_in(reader, live_server, org_username)
    await reader.goto(f"{live_server}/contracts/{contract['id']}/evaluations")
    evaluation = (
        await CommitteeEvaluation.select(CommitteeEvaluation.id)
        .where(
            (CommitteeEvaluation.contract == contract["id"])
            & (CommitteeEvaluation.period == period)
        )
        .first()
    )
    assert evaluation is not None
    row = reader.get_by_test_id(f"evaluation-{evaluation['id']}")
    await expect(row).to_contain_text(period)
    await row.get_by_role("link").click()
    await expect(reader.get_by_test_id("evaluation-status")).to_have_attribute(
        "data-status", "submitted"
    )
    await expect(reader.get_by_test_id("total")).to_have_text(total)
    await expect(reader.get_by_test_id("comments")).to_have_text("整体服务到位,建议增加周末活动")

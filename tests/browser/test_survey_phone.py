"""A resident answers a satisfaction survey on a phone (390×844), once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Page, expect

from procure import clock
from procure.surveys.schemas import RoundIn
from procure.surveys.services import survey_round_start
from tests.surveys.conftest import actor, contract, free_period, issue

pytestmark = pytest.mark.browser


async def test_a_resident_answers_on_a_phone_once(phone: Page, live_server: str) -> None:
    committee = await actor("committee")
    contract_row = await contract()
    assert committee.community_id is not None
    round_id = await survey_round_start(
        actor=committee,
        data=RoundIn(
            contract_id=contract_row["id"],
            period=await free_period(contract_row, committee.community_id),
            closes_at=clock.now() + timedelta(days=7),
        ),
    )
    token, _ = await issue(round_id, 2)  # in clear only here, as on the printed sheet

    await phone.goto(f"{live_server}/s/{token}")
    await expect(phone.get_by_test_id("anonymity-notice")).to_be_visible()
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    questions = phone.locator("fieldset")
    await expect(questions).to_have_count(6)
    for n in range(1, 6):
        choice = (
            phone.get_by_test_id(f"question-{n}").locator("label").filter(has_text=f"{6 - n} ·")
        )
        box = await choice.bounding_box()
        assert box is not None and box["height"] >= 44  # a thumb-sized target
        await choice.tap()
        await expect(choice.locator("input")).to_be_checked()
    await phone.get_by_test_id("question-6").locator("textarea").fill("希望增加周末的活动")
    await phone.get_by_test_id("survey-form").locator("button[type=submit]").tap()
    await expect(phone.get_by_test_id("survey-thanks")).to_be_visible()
    assert phone.url == f"{live_server}/surveys/thanks"

    await phone.goto(f"{live_server}/s/{token}")
    refused = phone.get_by_test_id("token-refused")
    await expect(refused).to_have_attribute("data-reason", "used")

"""Late and missing reports on the server's clock: each period's standing, the count on the
contract's report page and on the organization's and the buyer's start pages."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from litestar.testing import AsyncTestClient

from procure.reports.selectors import overdue_report_count
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from tests.conftest import login
from tests.reports.conftest import LocalClock, MakeContract, report


def standings(calendar: dict[str, Any]) -> dict[str, tuple[str, int]]:
    return {
        p["period"]: (p["standing"], p["days_late"] or p["days_overdue"])
        for p in calendar["periods"]
    }


async def test_late_and_missing_reports_as_the_clock_moves(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract, report_clock: LocalClock
) -> None:
    contract = await make_contract(starts_on=date(2026, 1, 15), ends_on=date(2026, 12, 31))
    org = await as_user("org")
    calendar_url = f"/api/v1/contracts/{contract['id']}/reports"

    calendar = (await client.get(calendar_url, headers=org)).json()
    assert calendar["today"] == "2026-05-20"
    assert [p["period"] for p in calendar["periods"]] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert calendar["periods"][0]["starts_on"] == "2026-01-15"
    assert calendar["periods"][0]["due_on"] == "2026-02-10"
    assert standings(calendar) == {
        "2026-01": ("overdue", 99),
        "2026-02": ("overdue", 71),
        "2026-03": ("overdue", 40),
        "2026-04": ("overdue", 10),
        **{f"2026-{m:02d}": ("not_yet_due", 0) for m in range(5, 13)},
    }
    assert calendar["overdue"] == 4

    async def submit(period: str) -> None:
        url = f"{calendar_url}/{period}"
        assert (await client.put(f"{url}/draft", json=report(), headers=org)).status_code == 200
        assert (await client.post(f"{url}/submit", headers=org)).status_code == 200

    await submit("2026-04")  # ten days after its due date
    report_clock.set(date(2026, 6, 10), time(23, 30))  # the due date of 2026-05, late evening
    await submit("2026-05")
    calendar = (await client.get(calendar_url, headers=org)).json()
    assert standings(calendar)["2026-04"] == ("submitted_late", 10)
    assert standings(calendar)["2026-05"] == ("submitted_on_time", 0)
    assert standings(calendar)["2026-01"] == ("overdue", 120)
    assert calendar["overdue"] == 3

    # A correction after the due date does not make an on-time report late.
    report_clock.set(date(2026, 7, 1))
    url = f"{calendar_url}/2026-05"
    correction = report(corrects_version=1, summary="更正:补充个案记录")
    assert (await client.put(f"{url}/draft", json=correction, headers=org)).status_code == 200
    assert (await client.post(f"{url}/submit", headers=org)).status_code == 200
    calendar = (await client.get(calendar_url, headers=org)).json()
    assert standings(calendar)["2026-05"] == ("submitted_on_time", 0)
    assert standings(calendar)["2026-06"] == ("not_yet_due", 0)  # due on 2026-07-10

    report_clock.set(date(2026, 7, 11))
    assert standings((await client.get(calendar_url, headers=org)).json())["2026-06"] == (
        "overdue",
        1,
    )


async def test_a_draft_does_not_count_as_a_report(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract, report_clock: LocalClock
) -> None:
    contract = await make_contract()
    url = f"/api/v1/contracts/{contract['id']}/reports"
    org, buyer2 = await as_user("org"), await as_user("buyer2")
    assert (await client.put(f"{url}/2026-04/draft", json=report(), headers=org)).status_code == 200
    own = (await client.get(url, headers=org)).json()["periods"][3]
    theirs = (await client.get(url, headers=buyer2)).json()["periods"][3]
    assert (own["standing"], own["has_draft"], own["latest_status"]) == ("overdue", True, "draft")
    assert (theirs["standing"], theirs["has_draft"], theirs["latest_status"]) == (
        "overdue",
        False,
        None,
    )


async def test_quarterly_reports(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract, report_clock: LocalClock
) -> None:
    contract = await make_contract(
        starts_on=date(2025, 11, 1), ends_on=date(2026, 10, 31), frequency="quarterly"
    )
    calendar = (
        await client.get(
            f"/api/v1/contracts/{contract['id']}/reports", headers=await as_user("org")
        )
    ).json()
    assert [
        (p["period"], p["starts_on"], p["ends_on"], p["due_on"]) for p in calendar["periods"]
    ] == [
        ("2025-10", "2025-11-01", "2025-12-31", "2026-01-10"),
        ("2026-01", "2026-01-01", "2026-03-31", "2026-04-10"),
        ("2026-04", "2026-04-01", "2026-06-30", "2026-07-10"),
        ("2026-07", "2026-07-01", "2026-09-30", "2026-10-10"),
        ("2026-10", "2026-10-01", "2026-10-31", "2026-11-10"),
    ]
    assert standings(calendar)["2026-01"] == ("overdue", 40)
    assert calendar["overdue"] == 2


async def actor(username: str) -> Actor:
    row = await user_by_username(username)
    assert row is not None
    return Actor.from_row(row)


def shown_count(page: str) -> int:
    found = re.search(r'data-testid="overdue-reports" data-count="(\d+)"', page)
    assert found is not None
    return int(found.group(1))


async def test_start_pages_count_overdue_reports(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract, report_clock: LocalClock
) -> None:
    org, buyer2, buyer = await as_user("org"), await as_user("buyer2"), await as_user("buyer")
    before = {
        "org": shown_count((await client.get("/organization", headers=org)).text),
        "buyer2": shown_count((await client.get("/buyer", headers=buyer2)).text),
        "buyer": shown_count((await client.get("/buyer", headers=buyer)).text),
    }
    contract = await make_contract()  # four periods overdue on 2026-05-20
    await make_contract(status="completed")  # not in force: its missing reports are not counted
    for username, path, headers in (("org", "/organization", org), ("buyer2", "/buyer", buyer2)):
        page = (await client.get(path, headers=headers)).text
        assert shown_count(page) == before[username] + 4
        assert shown_count(page) == await overdue_report_count(await actor(username))
    # Contract references lead to the report page.
    assert (
        f'href="/contracts/{contract["id"]}/reports"'
        in (await client.get("/organization", headers=org)).text
    )

    url = f"/api/v1/contracts/{contract['id']}/reports/2026-01"
    assert (await client.put(f"{url}/draft", json=report(), headers=org)).status_code == 200
    assert (await client.post(f"{url}/submit", headers=org)).status_code == 200
    assert shown_count((await client.get("/buyer", headers=buyer2)).text) == before["buyer2"] + 3
    # buyer (区民政局) does not buy this contract: its count does not move.
    assert shown_count((await client.get("/buyer", headers=buyer)).text) == before["buyer"]


async def test_the_period_table_sorts_on_the_server(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract, report_clock: LocalClock
) -> None:
    contract = await make_contract(starts_on=date(2026, 1, 15), ends_on=date(2026, 12, 31))
    api = f"/api/v1/contracts/{contract['id']}/reports"
    org = await as_user("org")
    draft = await client.put(f"{api}/2026-04/draft", json=report(), headers=org)
    assert draft.status_code == 200
    assert (await client.post(f"{api}/2026-04/submit", headers=org)).status_code == 200
    await login(client, "org")
    url = f"/contracts/{contract['id']}/reports"

    def rows(page: Any) -> list[tuple[str, str]]:
        assert page.status_code == 200, page.text
        return re.findall(r'<tr data-period="([^"]+)" data-standing="([^"]+)"', page.text)

    months = [f"2026-{m:02d}" for m in range(1, 13)]
    chronological = await client.get(url)
    assert [period for period, _ in rows(chronological)] == months
    assert re.search(
        r'aria-sort="ascending"><a class="sort" [^>]*data-sort="period"', chronological.text
    )

    # What needs action first: the overdue (oldest first), the late one, then those not yet due.
    by_status = await client.get(f"{url}?sort=status&dir=asc")
    assert rows(by_status) == [
        *[(m, "overdue") for m in months[:3]],
        ("2026-04", "submitted_late"),
        *[(m, "not_yet_due") for m in months[4:]],
    ]
    link = re.search(r'<a class="sort" href="([^"]+)" data-sort="status"', by_status.text)
    assert link is not None and "sort=status" in link[1] and "dir=desc" in link[1]
    assert 'aria-sort="none"' in by_status.text

    by_due = await client.get(f"{url}?sort=due&dir=desc")
    assert [period for period, _ in rows(by_due)] == months[::-1]
    assert 'aria-sort="descending"' in by_due.text
    by_version = await client.get(f"{url}?sort=version&dir=desc")
    assert rows(by_version)[0] == ("2026-04", "submitted_late")

    refused = await client.get(f"{url}?sort=secret")
    assert refused.status_code == 400
    assert "须为以下之一" in refused.text and "due, period, status, version" in refused.text
    assert "字段: 排序依据" in refused.text
    assert (await client.get(f"{url}?sort=due&dir=sideways")).status_code == 400
    # The JSON calendar keeps its chronological order.
    calendar = (await client.get(api, headers=org)).json()
    assert [p["period"] for p in calendar["periods"]] == months
